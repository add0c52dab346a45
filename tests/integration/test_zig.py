"""The zig family on its target: the pinned zig's wrappers compile for armeb-linux-musleabi,
and the program runs big-endian under qemu-armeb (a cold zig cache builds musl first: about a
minute); for the built, not run targets (macOS, FreeBSD) the wrappers give programs that
pjbuild.build.binfmt reads as the target's. The whole linux-armeb build with its quick tests,
and freebsd-x86_64's, are in the CI matrix (test_cross_matrix)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.build import wrappers
from pjbuild.core import paths
from pjbuild.core.errors import VerificationError
from pjbuild.inputs import tools
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
    assert (paths.tool_cache() / "zig").is_dir()  # zig's cache is pjbuild's tool cache
    header = exe.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and header[5] == 2  # ELFDATA2MSB: big-endian
    run = subprocess.run(
        [*target.runner_command(), str(exe)], capture_output=True, text=True, timeout=60
    )
    assert run.stdout == "big-endian\n", run.stderr


@pytest.mark.parametrize(
    ("name", "other"),
    [("macos-arm64-zig", "macos-x86_64-zig"), ("freebsd-aarch64", "freebsd-x86_64")],
)
def test_zig_programs_for_targets_nothing_runs_are_their_format_and_cpu(
    home: Path, tmp_path: Path, name: str, other: str
) -> None:
    """A pthread program for macOS (Mach-O arm64) and FreeBSD (ELF aarch64 with FreeBSD's ABI
    note and loader) passes its target's [binaries] check and fails the other CPU's."""
    from pjbuild.build.binfmt import check_binaries

    targets = load_targets()
    target = targets[name]
    wrappers.install(target)
    src = tmp_path / "hello.c"
    src.write_text(
        "#include <pthread.h>\n#include <stdio.h>\n"
        "static void *run(void *a) { puts(a); return 0; }\n"
        'int main(void) { pthread_t t; pthread_create(&t, 0, run, "hi"); '
        "return pthread_join(t, 0); }\n"
    )
    (tmp_path / "prefix").mkdir()
    exe = tmp_path / "prefix" / "hello"
    subprocess.run(
        [target.compilers.cc, str(src), "-o", str(exe), "-lpthread"], check=True, timeout=600
    )
    found = check_binaries(tmp_path / "prefix", target.binaries, name)
    assert found["programs"] == 1 and found["machine"] == target.binaries.machine
    with pytest.raises(VerificationError, match=f"not {targets[other].binaries.machine}"):
        check_binaries(tmp_path / "prefix", targets[other].binaries, other)


NEON_C = r"""
#include <arm_neon.h>
int main(void) { float32x4_t v = vdupq_n_f32(1.0f); return (int)vgetq_lane_f32(v, 0) - 1; }
"""


def test_the_aarch64_neon_probe_of_configure_compiles_through_the_wrapper(
    home: Path, tmp_path: Path
) -> None:
    """pjproject's configure probes NEON with -march=armv8-a+simd; zig cc alone refuses it (it
    reads -march as a CPU name), the wrapper's [translate] gives zig -mcpu=generic+neon. Were
    zig to accept the GCC spelling, the first assertion says the translation can go."""
    target = load_targets()["linux-aarch64-musl"]
    folder = wrappers.install(target)
    assert folder is not None
    src = tmp_path / "neon.c"
    src.write_text(NEON_C)
    probe = ["-march=armv8-a+simd", "-c", str(src), "-o", str(tmp_path / "neon.o")]
    _, found = tools.resolve(target.wrappers)
    zig_cc = tools.wrapper_argv(dict(target.wrappers)[target.compilers.cc], found)
    bare = subprocess.run(
        [*zig_cc, *probe],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(paths.tool_cache() / "zig")},
    )
    assert bare.returncode != 0 and "unknown CPU" in bare.stderr
    subprocess.run([target.compilers.cc, *probe], check=True, timeout=600)
    assert (tmp_path / "neon.o").read_bytes()[:4] == b"\x7fELF"


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
