"""The autotools prefix's CMake package (pjbuild.engines.cmake_package): made from its
libpjproject.pc, read by the real CMake (configure only: no compiler needed for an imported
target's properties)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pjbuild.core.procs import find_tool
from pjbuild.engines import cmake_package

SUFFIX = "-arm-unknown-linux-gnueabihf"
PC = f"""prefix=${{pcfiledir}}/../..
libdir=${{pcfiledir}}/../../lib
Name: libpjproject
Version: 2.17
Libs: -L${{pcfiledir}}/../../lib -lpjsua2{SUFFIX} -lstdc++ -lpjsua{SUFFIX} \
-lpjmedia{SUFFIX} -lpj{SUFFIX}
Libs.private: -lgsmcodec{SUFFIX} -lmbedtls -lm -pthread
Cflags: -I${{pcfiledir}}/../../include -DPJ_AUTOCONF=1 -DPJ_IS_BIG_ENDIAN=0
"""


def _prefix(tmp_path: Path) -> Path:
    prefix = tmp_path / "prefix"
    (prefix / "lib" / "pkgconfig").mkdir(parents=True)
    (prefix / "include").mkdir()
    (prefix / "lib" / "pkgconfig" / "libpjproject.pc").write_text(PC)
    for name in ("pjsua2", "pjsua", "pjmedia", "pj", "gsmcodec"):
        (prefix / "lib" / f"lib{name}{SUFFIX}.a").write_bytes(b"!<arch>\n")
    (prefix / "lib" / "libmbedtls.a").write_bytes(b"!<arch>\n")
    return prefix


def test_the_libraries_keep_pkg_configs_order_with_upstreams_names(tmp_path: Path) -> None:
    package = cmake_package.read_package(_prefix(tmp_path))
    assert [lib.target for lib in package.libraries] == [
        "Pj::pjsua2", "Pj::pjsua-lib", "Pj::pjmedia", "Pj::pjlib", "Pj::gsm", "Pj::Dep::mbedtls",
    ]  # fmt: skip
    assert package.libraries[0].file == f"lib/libpjsua2{SUFFIX}.a"
    assert package.system == ("stdc++", "m", "-pthread")  # not files of the prefix
    assert package.includes == ("include",)
    assert package.definitions == ("PJ_AUTOCONF=1", "PJ_IS_BIG_ENDIAN=0")
    assert package.version == "2.17"


def test_no_pc_no_package(tmp_path: Path) -> None:
    assert cmake_package.write_package(tmp_path, "test") is None
    assert not (tmp_path / "lib").exists()


CONSUMER = """cmake_minimum_required(VERSION 3.20)
project(consumer NONE)
find_package(Pj {version} CONFIG REQUIRED)
foreach(t Pj::pjsua-lib Pj::pjlib Pj::Dep::mbedtls)
  get_target_property(loc ${{t}} IMPORTED_LOCATION)
  get_target_property(libs ${{t}} INTERFACE_LINK_LIBRARIES)
  message(STATUS "${{t}}|${{loc}}|${{libs}}")
endforeach()
get_target_property(defs Pj::pjlib INTERFACE_COMPILE_DEFINITIONS)
message(STATUS "defs|${{defs}}|${{Pj_VERSION}}")
"""


def _configure(tmp_path: Path, prefix: Path, version: str) -> subprocess.CompletedProcess[str]:
    cmake = find_tool("cmake")
    if not cmake:
        pytest.skip("cmake not installed")
    src = tmp_path / f"src{version}"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(CONSUMER.format(version=version))
    return subprocess.run(
        [
            cmake,
            "-S",
            str(src),
            "-B",
            str(tmp_path / f"b{version}"),
            f"-DCMAKE_PREFIX_PATH={prefix}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cmake_finds_the_targets_in_a_moved_prefix(tmp_path: Path) -> None:
    made = _prefix(tmp_path)
    assert cmake_package.write_package(made, "test") is not None
    moved = tmp_path / "elsewhere" / "prefix"
    made.rename(moved.parent.mkdir(parents=True) or moved)
    done = _configure(tmp_path, moved, "2.17")
    assert done.returncode == 0, done.stdout + done.stderr
    found = dict(
        line.split("-- ", 1)[1].split("|", 1) for line in done.stdout.splitlines() if "|" in line
    )
    assert found["Pj::pjsua-lib"] == f"{moved}/lib/libpjsua{SUFFIX}.a|Pj::pjmedia"
    assert found["Pj::pjlib"] == f"{moved}/lib/libpj{SUFFIX}.a|Pj::gsm"
    assert found["Pj::Dep::mbedtls"] == f"{moved}/lib/libmbedtls.a|stdc++;m;-pthread"
    assert found["defs"] == "PJ_AUTOCONF=1;PJ_IS_BIG_ENDIAN=0|2.17"


@pytest.mark.parametrize(
    ("asked", "ok"), [("2.16", True), ("2.17", True), ("2.18", False), ("3", False)]
)
def test_the_version_file_is_same_major_no_newer(tmp_path: Path, asked: str, ok: bool) -> None:
    prefix = _prefix(tmp_path)
    cmake_package.write_package(prefix, "test")
    assert (_configure(tmp_path, prefix, asked).returncode == 0) is ok
