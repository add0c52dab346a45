"""The cmake engine's own steps on made-up build trees: the pkg-config file from CMake's link
line (order, repeats, system libraries, what the install lacks), the test programs placed where
the runner takes them, and the CMake version check. The real builds (host, linux-armhf) are
tests/integration/test_cmake_engine.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.engines import cmake as engine
from pjbuild.plan import Request, make_plan

# the shape of CMake 4's build.ninja for pjsua (versioned program plus a symlink)
NINJA = """
build pjsip-apps/pjsua-2.17: CXX_EXECUTABLE_LINKER__pjsua_ pjsip-apps/main.c.o | pjlib/libpjlib.a
  FLAGS = -O2
  LINK_LIBRARIES = {libs}
  OBJECT_DIR = pjsip-apps/CMakeFiles/pjsua.dir

build pjsip-apps/pjsua: CMAKE_SYMLINK_EXECUTABLE pjsip-apps/pjsua-2.17
  POST_BUILD = :
"""

TARGETS = """set_target_properties(Pj::pjlib PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "PJ_AUTOCONF=1;PJ_IS_BIG_ENDIAN=0;$<$<CONFIG:Debug>:X=1>"
)
set_target_properties(Pj::pjmedia PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "PJ_AUTOCONF=1;PJMEDIA_HAS_SRTP=1"
)
"""


def _tree(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    build, prefix = tmp_path / "build", tmp_path / "prefix"
    build.mkdir()
    libs = [
        "pjsip/libpjsua-lib.a",
        "pjmedia/libpjmedia-codec.a",
        "pjmedia/libpjmedia.a",
        "third_party/gsm/libgsm.a",
        "pjmedia/libpjmedia.a",
        "pjlib/libpjlib.a",
        "-lm",
        "/usr/lib/x86_64-linux-gnu/libssl.so",
        "-lmbedtls",  # a dependency merged into the prefix (LIBS): its archive there
        extra,
        "pjlib/libpjlib.a",
    ]
    (build / "build.ninja").write_text(NINJA.format(libs="  ".join(libs)))
    for lib in (
        "libpjsua2.a",
        "libpjsua-lib.a",
        "libpjmedia-codec.a",
        "libpjmedia.a",
        "libpjlib.a",
        "libmbedtls.a",
    ):
        (prefix / "lib").mkdir(parents=True, exist_ok=True)
        (prefix / "lib" / lib).write_bytes(b"!<arch>\n")
    (prefix / "lib" / "pjproject" / "third_party").mkdir(parents=True)
    (prefix / "lib" / "pjproject" / "third_party" / "libgsm.a").write_bytes(b"!<arch>\n")
    (prefix / "lib" / "cmake" / "Pj").mkdir(parents=True)
    (prefix / "lib" / "cmake" / "Pj" / "PjTargets.cmake").write_text(TARGETS)
    return build, prefix


def _pc(prefix: Path) -> dict[str, str]:
    text = (prefix / "lib" / "pkgconfig" / "libpjproject.pc").read_text()
    pairs = (line.partition(":") for line in text.splitlines())
    return {k: v.strip() for k, sep, v in pairs if sep}


def test_the_pkgconfig_file_follows_cmakes_link_line(tmp_path: Path) -> None:
    plan = make_plan(Request(target="host", tls="openssl", fetch=False, engine="cmake"))
    build, prefix = _tree(tmp_path)
    engine.write_pkgconfig(plan, build, prefix)
    pc = _pc(prefix)
    here = "${pcfiledir}/../../lib/"
    # pjsua2 first, then each library at its last place in CMake's line (libpjmedia after gsm)
    assert pc["Libs"].split() == [
        here + "libpjsua2.a",
        here + "libpjsua-lib.a",
        here + "libpjmedia-codec.a",
        here + "pjproject/third_party/libgsm.a",
        here + "libpjmedia.a",
        here + "libmbedtls.a",
        here + "libpjlib.a",
    ]
    assert pc["Libs.private"].split() == ["-lm", "-lssl"]
    assert pc["Cflags"].split() == [
        "-I${pcfiledir}/../../include",
        "-DPJ_AUTOCONF=1",
        "-DPJ_IS_BIG_ENDIAN=0",
        "-DPJMEDIA_HAS_SRTP=1",
    ]  # each once; generator expressions left out
    assert pc["Version"] == plan.source.version.upstream


def test_a_library_the_install_left_out_is_an_error(tmp_path: Path) -> None:
    plan = make_plan(Request(target="host", tls="openssl", fetch=False, engine="cmake"))
    build, prefix = _tree(tmp_path, extra="third_party/yuv/libyuv.a")
    with pytest.raises(
        BuildError, match=r"third_party/yuv/libyuv\.a, which cmake --install did not"
    ):
        engine.write_pkgconfig(plan, build, prefix)


def test_no_pjsua_link_step_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "build.ninja").write_text("build x: phony\n")
    with pytest.raises(BuildError, match="no pjsua link step"):
        engine._link_libraries(tmp_path)


def test_test_programs_go_where_the_runner_looks(tmp_path: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="openssl", fetch=False, engine="cmake"))
    src, build = tmp_path / "src", tmp_path / "src" / "_b"
    (build / "pjlib").mkdir(parents=True)
    (build / "pjlib" / "pjlib-test").write_text("#!/bin/sh\n")
    engine.CMakeEngine(log=None)._place_tests(plan, src, build)  # type: ignore[arg-type]
    placed = sorted(p.relative_to(src).as_posix() for p in src.glob("*/bin/*"))
    assert placed == ["pjlib/bin/pjlib-test-arm-linux-gnueabihf"]


def test_an_old_cmake_is_refused_with_the_version_to_install() -> None:
    need = engine.cmake.load().min_cmake
    with pytest.raises(ConfigError) as err:
        engine.check_cmake((3, 25, 1))
    assert f"cmake 3.25.1 is older than {need}" in err.value.summary
    assert f"cmake>={need}" in err.value.hint
    engine.check_cmake(engine.cmake.version_tuple(need))  # the minimum itself is fine
    assert engine.cmake_version() >= engine.cmake.version_tuple(need)  # PyPI's, beside Python
