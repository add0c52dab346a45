from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pjbuild.core.procs import find_tool
from pjbuild.engines.toolchain import toolchain_text
from pjbuild.inputs.targets import Target, load_targets
from pjbuild.ontarget.runners import runner_for
from pjbuild.plan import Request, make_plan

from ..conftest import SHARED_SOURCES


class Pjbuild:
    """Runs the real CLI against one PJBUILD_HOME."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "PJBUILD_HOME": str(home), "PJBUILD_MIRROR": str(SHARED_SOURCES)}

    def run(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pjbuild", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def build_json(self, *args: str) -> dict[str, Any]:
        proc = self.run("build", *args, "--json")
        assert proc.returncode == 0, proc.stderr[-4000:]
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "pjbuild", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,
        )


def pkg_config_flags(env: dict[str, str], static: bool = True) -> list[str]:
    """`pkg-config --cflags --libs [--static] libpjproject` in the given environment."""
    return subprocess.run(
        ["pkg-config", "--cflags", "--libs", *(["--static"] if static else []), "libpjproject"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()


@pytest.fixture(scope="session")
def pjb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pjbuild]:
    yield Pjbuild(tmp_path_factory.mktemp("pjbuild-home"))


# --- consumers of an artifact's prefix (both engines' prefixes serve the same ones) ---------

HELLO = (
    "#include <pjlib.h>\n#include <pjmedia.h>\n#include <stdio.h>\n"
    "int main(void){ if (pj_init()!=PJ_SUCCESS) return 1;"
    ' printf("pj %s ssl=%d big=%d\\n", pj_get_version(), PJ_HAS_SSL_SOCK, PJ_IS_BIG_ENDIAN);'
    " pj_shutdown(); return 0; }\n"
)

CONSUMER = """cmake_minimum_required(VERSION 3.28)
project(consumer C CXX)
find_package(Pj 2.17 CONFIG REQUIRED)
add_executable(hello hello.c)
target_link_libraries(hello PRIVATE Pj::pjsua-lib)
"""


def run_on_target(target: Target, exe: Path) -> str:
    """The program's last output line, run through the target's runner (its environment too)."""
    done = runner_for(target).run([str(exe)], exe.parent, 120)
    assert done.returncode == 0, done.output[-2000:]
    return done.output.strip().splitlines()[-1]


def program(target: Target, folder: Path) -> Path:
    return folder / ("hello.exe" if target.os == "windows" else "hello")


def cmake_consumer(built: dict[str, Any], engine: str, tmp_path: Path) -> Path:
    """A CMake project that finds Pj (find_package) in a copy of the artifact's prefix moved
    elsewhere and links Pj::pjsua-lib; a cross target's with pjbuild's generated toolchain file
    (the moved prefix added as a find root). Built with Ninja; its program."""
    target = load_targets([])[built["target"]]
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(Path(built["artifact"]) / "prefix", moved, symlinks=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "CMakeLists.txt").write_text(CONSUMER)
    (tmp_path / "src" / "hello.c").write_text(HELLO)
    plan = make_plan(
        Request(target=target.name, tls=built["tls"]["requested"], engine=engine, fetch=False)
    )
    toolchain = tmp_path / "toolchain.cmake"
    toolchain.write_text(toolchain_text(plan, dict(plan.env), "the test"))
    cmake_exe = find_tool("cmake") or "cmake"
    configure = [
        cmake_exe, "-S", str(tmp_path / "src"), "-B", str(tmp_path / "b"), "-G", "Ninja",
        f"-DCMAKE_MAKE_PROGRAM={find_tool('ninja')}", f"--toolchain={toolchain}",
        f"-DCMAKE_PREFIX_PATH={moved}",
        *([f"-DCMAKE_FIND_ROOT_PATH={moved}"] if target.cross else []),
    ]  # fmt: skip
    done = subprocess.run(configure, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built_exe = subprocess.run(
        [cmake_exe, "--build", str(tmp_path / "b")], capture_output=True, text=True, check=False
    )
    assert built_exe.returncode == 0, built_exe.stdout[-3000:]
    return program(target, tmp_path / "b")


def pkgconfig_consumer(built: dict[str, Any], tmp_path: Path) -> Path:
    """A program compiled with the target's compiler and `pkg-config --static libpjproject`'s
    flags from a copy of the artifact's prefix moved elsewhere; its path. Against shared
    libraries (a --libs shared artifact): `pkg-config libpjproject`'s flags, and a run path to
    the moved prefix's lib/, as a consumer links them (what those libraries need in turn they
    find through their own $ORIGIN run paths)."""
    target = load_targets([])[built["target"]]
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(Path(built["artifact"]) / "prefix", moved, symlinks=True)
    (tmp_path / "hello.c").write_text(HELLO)
    env = {**os.environ, "PKG_CONFIG_PATH": str(moved / "lib" / "pkgconfig")}
    env.pop("PKG_CONFIG_LIBDIR", None)
    shared = built.get("libs") == "shared"
    flags = pkg_config_flags(env, static=not shared)
    if shared:
        flags.append(f"-Wl,-rpath,{moved / 'lib'}")
    assert any(str(moved) in f for f in flags) and not any("/bin/" in f for f in flags)
    exe = program(target, tmp_path)
    compiler = shutil.which(target.compilers.cxx) or target.compilers.cxx
    subprocess.run(
        [compiler, "-x", "c", str(tmp_path / "hello.c"), "-x", "none", "-o", str(exe), *flags,
         *target.ldflags],
        check=True,
    )  # fmt: skip
    return exe
