"""pjbuild.wheel.test: installing a wheel of another architecture for its test on the
target."""

from __future__ import annotations

from pathlib import Path

from pjbuild.wheel.test import install_command, wheel_tags
from tests.unit.wheel.conftest import _fake_python


def test_install_command_for_a_foreign_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "pjsua2-2.17-cp38-abi3-manylinux_2_34_aarch64.whl"
    assert wheel_tags(wheel) == ("cp38", "abi3", ["manylinux_2_34_aarch64"])
    argv = install_command(wheel, tmp_path / "site", _fake_python(tmp_path))
    assert "--platform=manylinux_2_34_aarch64" in argv
    assert "--python-version=3.11" in argv
    assert "--abi=abi3" in argv
    assert argv[-1] == str(wheel)
    native = install_command(wheel, tmp_path / "site", None)
    assert not any(a.startswith("--platform") for a in native)
