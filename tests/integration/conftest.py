from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import SHARED_SOURCES


class Pjbuild:
    """Runs the real CLI against one PJBUILD_HOME."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "PJBUILD_HOME": str(home), "PJBUILD_MIRROR": str(SHARED_SOURCES)}

    def run(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pjbuild", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def build_json(self, *args: str) -> dict[str, Any]:
        proc = self.run("build", *args, "--json")
        assert proc.returncode == 0, proc.stderr[-4000:]
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "pjbuild", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,
        )


def pkg_config_flags(env: dict[str, str]) -> list[str]:
    """`pkg-config --cflags --libs --static libpjproject` in the given environment."""
    return subprocess.run(
        ["pkg-config", "--cflags", "--libs", "--static", "libpjproject"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()


@pytest.fixture(scope="session")
def pjb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pjbuild]:
    yield Pjbuild(tmp_path_factory.mktemp("pjbuild-home"))
