"""pjbuild.core.elf: the dynamic section of real shared objects and programs compiled here
(SONAME, run path, needed libraries); None for what is not a dynamic ELF file."""

from __future__ import annotations

from pathlib import Path

from pjbuild.core import elf
from tests.unit.conftest import elf_prefix


def test_the_dynamic_section_as_the_loader_reads_it(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path)
    top = elf.dynamic(prefix / "lib" / "libtop.so.2")
    assert top is not None and top.soname == "libtop.so.2" and top.rpath_tag == ""
    assert "libbase.so.2" in top.needed
    prog = elf.dynamic(prefix / "bin" / "prog")
    assert prog is not None and prog.soname == ""
    assert prog.runpath == (str(prefix / "lib"),) and prog.rpath_tag in ("RUNPATH", "RPATH")
    assert "libtop.so.2" in prog.needed  # (libbase: libtop's need, not its own)


def test_what_is_not_a_dynamic_elf_file(tmp_path: Path) -> None:
    (tmp_path / "script").write_text("#!/bin/sh\n")
    (tmp_path / "libx.a").write_bytes(b"!<arch>\n")
    (tmp_path / "short").write_bytes(b"\x7fELF")  # the magic, then nothing
    for name in ("script", "libx.a", "short", "missing"):
        assert elf.dynamic(tmp_path / name) is None
    assert not elf.is_elf(tmp_path / "script") and elf.is_elf(tmp_path / "short")
