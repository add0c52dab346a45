"""The zig family on its target: the pinned zig's wrappers compile for armeb-linux-musleabi,
and the program runs big-endian under qemu-armeb (a cold zig cache builds musl first: about a
minute); the whole linux-armeb build with its quick tests is `extended`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.build import wrappers
from pjbuild.inputs.targets import load_targets

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

ENDIAN_C = r"""
#include <stdio.h>
int main(void) {
    unsigned int one = 1;
    printf("%s-endian\n", *(unsigned char *)&one ? "little" : "big");
    return 0;
}
"""


def test_zig_wrappers_build_a_big_endian_program_for_qemu_armeb(home: Path, tmp_path: Path) -> None:
    target = load_targets()["linux-armeb"]
    if not shutil.which(target.runner.command[0]):
        pytest.skip(f"{target.runner.command[0]} is not installed (pjbuild doctor --install)")
    wrappers.install(target)
    src = tmp_path / "endian.c"
    src.write_text(ENDIAN_C)
    exe = tmp_path / "endian"
    subprocess.run(
        [target.compilers.cc, *target.ldflags, str(src), "-o", str(exe)],
        check=True,
        timeout=600,
    )
    assert (home / "zig-cache").is_dir()  # zig's cache is pjbuild's, not ~/.cache
    header = exe.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and header[5] == 2  # ELFDATA2MSB: big-endian
    run = subprocess.run(
        [*target.runner_command(), str(exe)], capture_output=True, text=True, timeout=60
    )
    assert run.stdout == "big-endian\n", run.stderr


@pytest.mark.extended
def test_linux_armeb_builds_and_passes_quick_tests_under_qemu(pjb: Pjbuild) -> None:
    result = pjb.build_json("--target", "linux-armeb", "--tests", "quick")
    assert result["tests"]["failed"] == 0 and result["tests"]["passed"] > 0
    assert result["tls"]["verified"] and result["tls"]["on_target_test"] == "passed"


def test_a_glibc_pinned_program_needs_nothing_newer_than_its_floor(
    home: Path, tmp_path: Path
) -> None:
    from pjbuild.build.glibc import check_glibc

    target = load_targets()["linux-x86_64-glibc217"]
    wrappers.install(target)
    src = tmp_path / "endian.c"
    src.write_text(ENDIAN_C)
    (tmp_path / "prefix").mkdir()
    exe = tmp_path / "prefix" / "endian"
    subprocess.run([target.compilers.cc, str(src), "-o", str(exe)], check=True, timeout=600)
    found = check_glibc(tmp_path / "prefix", target.glibc)
    newest = tuple(int(p) for p in str(found["newest_needed"]).split("."))
    assert found["elf_files"] == 1 and (2, 2) <= newest <= (2, 17)
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.stdout == "little-endian\n"


@pytest.mark.extended
def test_linux_x86_64_glibc217_builds_within_its_floor(pjb: Pjbuild) -> None:
    result = pjb.build_json("--target", "linux-x86_64-glibc217", "--tests", "quick")
    assert result["tests"]["failed"] == 0 and result["tests"]["passed"] > 0
