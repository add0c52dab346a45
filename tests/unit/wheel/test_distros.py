"""pjbuild.wheel.distros without entering a root: the distributions' data, the root's place and
making command, how a root is entered (natively, or under the target's emulator copied into
it). The real runs (Debian 11's pip and Python, chroot) are in tests/integration/test_wheel.py."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.wheel.distros import create_command, distro, distros, enter_command, native
from tests.unit.conftest import _target


def test_debian_11_is_glibc_2_31_with_python_3_9() -> None:
    d = distro("debian-11")
    assert (d.suite, d.glibc, d.python, d.interpreter) == (
        "bullseye", "2.31", "3.9", "/usr/bin/python3.9"
    )  # fmt: skip
    assert "python3-pip" in d.packages
    assert "libstdc++6" not in d.packages  # the portable wheel must not need it
    assert set(distros()) >= {"debian-11"}


def test_an_unknown_distribution_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as exc:
        distro("debian-9")
    assert exc.value.summary == "unknown distribution 'debian-9' for --test-on"
    assert "debian-11" in exc.value.hint


def test_roots_are_per_distribution_and_debian_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PJBUILD_PYROOTS", str(tmp_path))
    d = distro("debian-11")
    x86 = d.root(_target("linux-x86_64-glibc217"))
    assert x86.parent == tmp_path and x86.name.startswith("debian-11-amd64-")
    assert d.root(_target("linux-x86_64")) == x86  # same architecture, same root
    assert d.root(_target("linux-aarch64-glibc217")).name.startswith("debian-11-arm64-")
    cmd = create_command(d, _target("linux-aarch64-glibc217"))
    assert cmd[:3] == ["mmdebstrap", "--variant=extract", "--architectures=arm64"]
    assert cmd[-3:] == ["bullseye", "{dest}", "http://deb.debian.org/debian"]


def test_a_foreign_target_enters_its_root_under_its_emulator_copied_inside(
    tmp_path: Path,
) -> None:
    target = _target("linux-aarch64-glibc217")
    if platform.machine().lower() == target.arch:
        pytest.skip("this machine is aarch64: the root is entered natively")
    assert not native(target)
    root = tmp_path / "root"
    root.mkdir()
    argv = enter_command(distro("debian-11"), target, root)
    assert argv == ["chroot", str(root), "/.pjbuild/qemu-aarch64", "/usr/bin/python3.9"]
    copied = root / ".pjbuild" / "qemu-aarch64"
    assert copied.is_file() and copied.stat().st_mode & 0o111


def test_the_build_machines_own_architecture_enters_natively(tmp_path: Path) -> None:
    target = _target("linux-x86_64-glibc217")
    if platform.machine().lower() != target.arch:
        pytest.skip("this machine is not x86_64")
    assert native(target)
    argv = enter_command(distro("debian-11"), target, tmp_path)
    assert argv == ["chroot", str(tmp_path), "/usr/bin/python3.9"]
    assert not (tmp_path / ".pjbuild").exists()
