"""pjbuild.wheel.checks on real shared objects compiled here by gcc: a module exporting more
than its init function, and one needing a glibc newer than the floor (pthread_create is
GLIBC_2.34 on this machine's glibc), are refused with exit 6 naming the symbol."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from pjbuild.core.errors import VerificationError
from pjbuild.wheel.checks import check_exports, check_tag, exported_symbols, tag_floor

SOURCE = """
#include <pthread.h>
static void *run(void *arg) { return arg; }
int PyInit__pjsua2(void) { return 0; }
int pj_leaked_helper(void) { pthread_t t; return pthread_create(&t, 0, run, 0); }
"""


def _so(tmp: Path, name: str, *, version_script: bool) -> Path:
    if not shutil.which("gcc"):
        pytest.fail("gcc is missing: ./dev setup installs it")
    src = tmp / "m.c"
    src.write_text(SOURCE)
    out = tmp / name
    argv = ["gcc", "-shared", "-fPIC", "-O1", str(src), "-o", str(out), "-lpthread"]
    if version_script:
        (tmp / "m.map").write_text("{ global: PyInit__pjsua2; local: *; };\n")
        argv.append(f"-Wl,--version-script={tmp / 'm.map'}")
    subprocess.run(argv, check=True, capture_output=True)
    return out


def test_a_module_exporting_more_than_its_init_function_is_refused(tmp_path: Path) -> None:
    pkg = tmp_path / "wheel" / "pjsua2"
    pkg.mkdir(parents=True)
    leaky = _so(tmp_path, "_pjsua2.abi3.so", version_script=False)
    assert {"PyInit__pjsua2", "pj_leaked_helper"} <= exported_symbols(leaky)
    shutil.copy(leaky, pkg / leaky.name)
    with pytest.raises(VerificationError) as exc:
        check_exports(tmp_path / "wheel", {"PyInit__pjsua2"})
    assert exc.value.exit_code == 6
    assert "pjsua2/_pjsua2.abi3.so exports" in exc.value.summary
    assert "pj_leaked_helper" in exc.value.summary
    assert "version script" in exc.value.hint


def test_a_module_with_a_version_script_passes(tmp_path: Path) -> None:
    pkg = tmp_path / "wheel" / "pjsua2"
    pkg.mkdir(parents=True)
    so = _so(tmp_path, "_pjsua2.abi3.so", version_script=True)
    assert exported_symbols(so) == {"PyInit__pjsua2"}
    shutil.copy(so, pkg / so.name)
    check_exports(tmp_path / "wheel", {"PyInit__pjsua2"})  # no error


def test_bundled_libraries_are_not_extension_modules(tmp_path: Path) -> None:
    libs = tmp_path / "wheel" / "pjsua2.libs"
    libs.mkdir(parents=True)
    shutil.copy(_so(tmp_path, "libfoo.so", version_script=False), libs / "libfoo.so")
    check_exports(tmp_path / "wheel", {"PyInit__pjsua2"})  # auditwheel's copies: not checked


def test_tag_floor_reads_pep600_and_legacy_tags() -> None:
    assert tag_floor(["manylinux2014_x86_64", "manylinux_2_17_x86_64"]) == (2, 17)
    assert tag_floor(["manylinux_2_34_aarch64"]) == (2, 34)
    assert tag_floor(["manylinux_2_5_i686", "manylinux1_i686"]) == (2, 5)
    assert tag_floor(["linux_x86_64"]) is None
    assert tag_floor(["macosx_11_0_arm64"]) is None


def _wheel(tmp: Path, so: Path, name: str) -> Path:
    wheel = tmp / name
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(so, "pjsua2/_pjsua2.abi3.so")
    return wheel


def test_a_file_needing_a_newer_glibc_is_named(tmp_path: Path) -> None:
    so = _so(tmp_path, "m.so", version_script=True)
    wheel = _wheel(tmp_path, so, "pjsua2-1-cp38-abi3-manylinux_2_17_x86_64.whl")
    with pytest.raises(VerificationError) as exc:
        check_tag(wheel, ["manylinux_2_17_x86_64"], "2.17")
    assert exc.value.exit_code == 6
    # gcc here links glibc 2.36's pthread_create@GLIBC_2.34 (libpthread merged into libc)
    assert "pthread_create@GLIBC_2.34" in exc.value.summary
    assert "pjsua2/_pjsua2.abi3.so" in exc.value.summary
    check_tag(wheel, ["manylinux_2_34_x86_64"], "2.34")  # within its own floor: no error


def test_a_tag_newer_than_the_floor_is_refused(tmp_path: Path) -> None:
    so = _so(tmp_path, "m.so", version_script=True)
    wheel = _wheel(tmp_path, so, "pjsua2-1-cp38-abi3-manylinux_2_35_x86_64.whl")
    with pytest.raises(VerificationError) as exc:
        check_tag(wheel, ["manylinux_2_35_x86_64"], "2.34", why="auditwheel: libc.so.6 GLIBC_2.35")
    assert "granted manylinux_2_35_x86_64, newer than the target's glibc 2.34" in exc.value.summary
    assert exc.value.details == "auditwheel: libc.so.6 GLIBC_2.35"
    check_tag(wheel, ["manylinux_2_17_x86_64"], "2.34")  # an older tag promises less: fine
