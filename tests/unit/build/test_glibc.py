"""pjbuild.build.glibc: the glibc floor of glibc-pinned targets, read from real ELF files built
here with the host's gcc (Debian 12: glibc 2.36, so any program needs GLIBC_2.34's
__libc_start_main)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pjbuild.build.glibc import check_glibc, glibc_needs
from pjbuild.core.errors import VerificationError


@pytest.fixture
def program(tmp_path: Path) -> Path:
    folder = tmp_path / "prefix" / "bin"
    folder.mkdir(parents=True)
    src = tmp_path / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
    subprocess.run(["gcc", str(src), "-o", str(folder / "hello")], check=True)
    (folder / "notes.txt").write_text("not an ELF file\n")
    return folder / "hello"


def test_the_needs_name_the_symbols_and_their_versions(program: Path) -> None:
    needs = glibc_needs(program)
    assert any(n.symbol == "puts" for n in needs)
    newest = needs[-1]
    assert newest.symbol == "__libc_start_main" and newest.version == "2.34"
    assert glibc_needs(program.parent / "notes.txt") == []


def test_a_program_needing_a_newer_glibc_fails_the_floor(program: Path) -> None:
    prefix = program.parent.parent
    with pytest.raises(VerificationError) as caught:
        check_glibc(prefix, "2.17")
    assert caught.value.exit_code == 6
    assert caught.value.summary == (
        "bin/hello needs __libc_start_main@GLIBC_2.34, newer than the target's glibc 2.17"
    )
    assert check_glibc(prefix, "2.36") == {
        "floor": "2.36",
        "newest_needed": "2.34",
        "elf_files": 1,
    }
