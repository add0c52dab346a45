"""pjbuild.wheel.pyroot: the target's Python root for cross wheels (its layout, its runner,
mmdebstrap)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError, ToolMissingError
from pjbuild.wheel.pyroot import create_command, ensure_target_python, target_python
from tests.unit.conftest import _target


def test_target_python_root_layout_and_runner(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PJBUILD_PYROOTS", raising=False)
    target = _target("linux-aarch64")
    tp = target_python(target)
    assert tp.root.parent == home / "pyroots"
    assert re.fullmatch(r"arm64-bookworm-[0-9a-f]{8}", tp.root.name)
    assert tp.include_dirs == (
        tp.root / "usr/include/python3.11",
        tp.root / "usr/include/aarch64-linux-gnu/python3.11",
    )
    assert tp.command(target) == ["qemu-aarch64", "-L", str(tp.root), str(tp.interpreter)]
    assert not tp.present
    cmd = create_command(target, Path("/x/root"))
    assert cmd[:3] == ["mmdebstrap", "--variant=extract", "--architectures=arm64"]
    assert "--include=python3.11,libpython3.11-dev,libstdc++6" in cmd
    assert cmd[-3:] == ["bookworm", "/x/root", "http://deb.debian.org/debian"]


def test_target_python_needs_a_debian_architecture(home: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        target_python(_target("linux-sh4"))
    assert "Debian architecture" in exc.value.summary and "debian_arch" in exc.value.hint


def test_missing_mmdebstrap_is_reported_with_the_fix(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(home / "empty"))
    monkeypatch.setenv("PJBUILD_PYROOTS", str(home / "pyroots"))
    with pytest.raises(ToolMissingError) as exc:
        ensure_target_python(_target("linux-aarch64"))
    assert "mmdebstrap" in exc.value.summary
    assert "doctor --target linux-aarch64 --wheel --install" in (exc.value.hint or "")
    assert not list((home / "pyroots").glob("arm64-*"))


def test_the_root_uses_debians_multiarch_tuple_where_it_is_not_the_triplet(home: Path) -> None:
    # zig's i686 target is i686-linux-gnu; Debian's i386 headers live under i386-linux-gnu
    tp = target_python(_target("linux-i686-glibc217"))
    assert tp.root.name.startswith("i386-bookworm-")
    assert tp.root / "usr/include/i386-linux-gnu/python3.11" in tp.include_dirs
    x86 = target_python(_target("linux-x86_64-glibc217"))
    assert x86.root / "usr/include/x86_64-linux-gnu/python3.11" in x86.include_dirs
