"""The generated CMake toolchain file: what CMake reads from it, checked by running cmake itself
(a tiny project that prints the values) for a native and a cross target."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.engines.toolchain import toolchain_text
from pjbuild.plan import Request, make_plan

PRINT = """cmake_minimum_required(VERSION 3.20)
project(probe NONE)
foreach(v CMAKE_CROSSCOMPILING CMAKE_SYSTEM_NAME CMAKE_SYSTEM_PROCESSOR CMAKE_C_COMPILER
          CMAKE_C_FLAGS_INIT CMAKE_EXE_LINKER_FLAGS_INIT CMAKE_C_STANDARD_LIBRARIES
          CMAKE_FIND_ROOT_PATH CMAKE_FIND_ROOT_PATH_MODE_LIBRARY CMAKE_CROSSCOMPILING_EMULATOR)
  message(STATUS "${v}=[${${v}}]")
endforeach()
message(STATUS "PKG_CONFIG_LIBDIR=[$ENV{PKG_CONFIG_LIBDIR}]")
"""


def _cmake_reads(text: str, tmp_path: Path, *extra: str) -> dict[str, str]:
    (tmp_path / "CMakeLists.txt").write_text(PRINT)
    (tmp_path / "tc.cmake").write_text(text)
    proc = subprocess.run(
        [
            "cmake",
            "-S",
            str(tmp_path),
            "-B",
            str(tmp_path / "b"),
            f"--toolchain={tmp_path / 'tc.cmake'}",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = {}
    for line in proc.stdout.splitlines():
        if line.startswith("-- ") and "=[" in line:
            key, _, value = line[3:].partition("=[")
            out[key] = value[:-1]
    return out


pytestmark = pytest.mark.skipif(not shutil.which("cmake"), reason="cmake not installed")


def test_a_cross_target_gets_its_system_roots_and_emulator(tmp_path: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="openssl", fetch=False))
    env = dict(plan.env)
    got = _cmake_reads(toolchain_text(plan, env, "test"), tmp_path)
    assert got["CMAKE_CROSSCOMPILING"] == "TRUE"
    assert got["CMAKE_SYSTEM_NAME"] == "Linux"
    assert got["CMAKE_SYSTEM_PROCESSOR"] == plan.target.arch
    assert got["CMAKE_C_COMPILER"].endswith(plan.target.compilers.cc)
    assert got["CMAKE_C_FLAGS_INIT"] == env["CFLAGS"]
    assert got["CMAKE_EXE_LINKER_FLAGS_INIT"] == env.get("LDFLAGS", "")
    openssl = next(d for d in plan.deps if d.name == "openssl")
    # the target's sysroot and the dependency only, never /usr
    assert got["CMAKE_FIND_ROOT_PATH"] == f"{plan.target.sysroot};{openssl.prefix}"
    assert got["CMAKE_FIND_ROOT_PATH_MODE_LIBRARY"] == "ONLY"
    assert got["CMAKE_CROSSCOMPILING_EMULATOR"] == ";".join(plan.target.runner_command())
    assert got["PKG_CONFIG_LIBDIR"] == env["PKG_CONFIG_LIBDIR"]
    if "LIBS" in env:
        assert got["CMAKE_C_STANDARD_LIBRARIES"] == env["LIBS"]


def test_a_consumer_adds_its_own_find_root(tmp_path: Path) -> None:
    """A project consuming the installed prefix passes it as a root; the file adds its own once
    (CMake reads a toolchain file again for every try_compile)."""
    plan = make_plan(Request(target="linux-armhf", tls="openssl", fetch=False))
    text = toolchain_text(plan, dict(plan.env), "test")
    got = _cmake_reads(text, tmp_path, "-DCMAKE_FIND_ROOT_PATH=/opt/pj")
    roots = got["CMAKE_FIND_ROOT_PATH"].split(";")
    assert roots[0] == "/opt/pj" and roots[1] == plan.target.sysroot and len(set(roots)) == 3


def test_the_host_is_not_cross(tmp_path: Path) -> None:
    plan = make_plan(Request(target="host", tls="openssl", fetch=False))
    got = _cmake_reads(toolchain_text(plan, dict(plan.env), "test"), tmp_path)
    assert got["CMAKE_CROSSCOMPILING"] == "FALSE"
    assert got["CMAKE_FIND_ROOT_PATH"] == "" and got["CMAKE_CROSSCOMPILING_EMULATOR"] == ""


def test_quotes_survive(tmp_path: Path) -> None:
    plan = make_plan(Request(target="host", tls="openssl", fetch=False))
    env = {**dict(plan.env), "CFLAGS": '-O2 -DNAME="a b" -DPATH=C:\\x'}
    got = _cmake_reads(toolchain_text(plan, env, "test"), tmp_path)
    assert got["CMAKE_C_FLAGS_INIT"] == '-O2 -DNAME="a b" -DPATH=C:\\x'
