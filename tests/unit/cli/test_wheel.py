"""`pjbuild wheel` (pjbuild.cli.wheel), run as a process: a configuration without pjsua2 is
refused before anything is built."""

from __future__ import annotations

from pathlib import Path

from tests.unit.cli.conftest import pjbuild


def test_wheel_of_a_configuration_without_pjsua2_is_refused_before_building(home: Path) -> None:
    proc = pjbuild("wheel", "--target", "host", "--preset", "minimal-size", env_home=home)
    assert proc.returncode == 2
    lines = [n for n in proc.stderr.splitlines() if not n.startswith("[pjbuild] ")]
    assert lines[0].startswith("error: a pjsua2 wheel needs pjsua2") and "minimal-size" in lines[0]
    assert lines[1] == "fix: add --set PJ_EXCLUDE_PJSUA2=false, or choose another preset"
    assert not (home / "work").exists() and not (home / "artifacts").exists()  # nothing started


def test_an_unknown_test_distribution_is_refused_before_building(home: Path) -> None:
    proc = pjbuild("wheel", "--test-on", "debian-9", env_home=home)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: unknown distribution 'debian-9' for --test-on"
    assert lines[1].startswith("fix: choose one of: debian-11")
    assert "Traceback" not in proc.stderr
    assert not (home / "work").exists() and not (home / "artifacts").exists()


def test_an_sdist_for_a_cross_target_is_refused(home: Path, tmp_path: Path) -> None:
    proc = pjbuild(
        "wheel", "--sdist", "--target", "linux-aarch64", "--out", str(tmp_path / "d"),
        env_home=home,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = [n for n in proc.stderr.splitlines() if not n.startswith("[pjbuild] ")]
    assert lines[0].startswith("error: an sdist cannot build for linux-aarch64")
    assert lines[1].startswith("fix: make the sdist for the host")
    assert not (tmp_path / "d").exists()
