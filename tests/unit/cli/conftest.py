"""`pjbuild(...)`: the command line run as a user runs it (a real process), for the tests of
the commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import SHARED_SOURCES


def pjbuild(
    *args: str,
    env_home: Path | None = None,
    mirror: Path | None = None,
    check: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ}
    if env_home is not None:
        env["PJBUILD_HOME"] = str(env_home)
    env["PJBUILD_MIRROR"] = str(mirror or SHARED_SOURCES)
    proc = subprocess.run(
        [sys.executable, "-m", "pjbuild", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=cwd,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
