"""`pjbuild wheel` (pjbuild.cli.wheel), run as a process: a configuration without pjsua2 is
refused before anything is built."""

from __future__ import annotations

from pathlib import Path

from tests.unit.cli.conftest import pjbuild


def test_wheel_of_a_configuration_without_pjsua2_is_refused_before_building(home: Path) -> None:
    proc = pjbuild("wheel", "--target", "host", "--preset", "minimal-size", env_home=home)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: a pjsua2 wheel needs pjsua2") and "minimal-size" in lines[0]
    assert lines[1] == "fix: add --set PJ_EXCLUDE_PJSUA2=false, or choose another preset"
    assert not (home / "work").exists() and not (home / "artifacts").exists()  # nothing started
