"""pjproject's own CMake build (2.16 and newer): a toolchain file from the plan, cmake with the
plan's cache entries (translated from configure's arguments by pjbuild.inputs.cmake), Ninja,
cmake --install. The result is laid out like the autotools engine's: the prefix with
lib/pkgconfig/libpjproject.pc and bin/pjsua, and the test programs where the test runner looks
for them (<module>/bin/<program>-<triplet>, run from <module>/build)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pjbuild import __version__
from pjbuild.core import paths
from pjbuild.core.ccache import OFF, Ccache
from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.core.procs import find_tool
from pjbuild.core.steplog import StepLog
from pjbuild.engines.autotools import install_extra, merge_deps
from pjbuild.engines.toolchain import toolchain_text
from pjbuild.inputs import cmake, repro
from pjbuild.plan import BuildPlan


def program(name: str) -> str:
    """cmake or ninja: PyPI's beside pjbuild's Python first (Debian 12's cmake is 3.25)."""
    return find_tool(name) or name


def cmake_version() -> tuple[int, ...]:
    exe = find_tool("cmake")
    if not exe:
        return ()
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"cmake version (\S+)", out)
    return cmake.version_tuple(found.group(1)) if found else ()


def check_cmake(have: tuple[int, ...] | None = None) -> None:
    """The cmake the engine runs (``have``: its version, default the one found) is one the
    trees take (resources/cmake.toml min_cmake)."""
    need = cmake.load().min_cmake
    have = cmake_version() if have is None else have
    if have and have < cmake.version_tuple(need):
        raise ConfigError(
            f"cmake {'.'.join(map(str, have))} is older than {need}, which pjproject's "
            "CMakeLists.txt needs (cmake_minimum_required)",
            hint=f"pip install 'cmake>={need}' (PyPI), or build with --engine autotools",
        )


@dataclass
class CMakeEngine:
    log: StepLog
    ccache: Ccache = OFF
    name: str = cmake.ENGINE
    epoch: int = 0  # SOURCE_DATE_EPOCH of the extracted archive (pjbuild.inputs.repro)

    def _env(self, plan: BuildPlan, src: Path) -> dict[str, str]:
        """The compile environment, as every engine's (pjbuild.inputs.repro.compile_env)."""
        env = repro.compile_env(dict(plan.env), self.epoch, paths.home(), src)
        return {**env, **self.ccache.env()}

    def _step_env(self, plan: BuildPlan, src: Path) -> dict[str, str]:
        """What cmake runs with: the toolchain file has the compilers and flags, and CMake
        would add these variables' values to them again."""
        quiet = {var: "" for var in ("CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS")}
        return {**self._env(plan, src), **quiet}

    def _build_dir(self, src: Path) -> Path:
        return src / cmake.load().build_dir

    def configure(self, plan: BuildPlan, src: Path) -> None:
        check_cmake()
        env = self._env(plan, src)
        build = self._build_dir(src)
        build.mkdir(exist_ok=True)
        toolchain = build / cmake.TOOLCHAIN_FILE
        toolchain.write_text(toolchain_text(plan, env, f"pjbuild {__version__}"))
        argv = [program("cmake"), *plan.configure_command()[1:]]
        argv.append(f"-DCMAKE_MAKE_PROGRAM={program('ninja')}")
        if self.ccache.enabled:
            argv += ["-DCMAKE_C_COMPILER_LAUNCHER=ccache", "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
        self.log.run("configure", argv, src, self._step_env(plan, src))

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None:
        build = self._build_dir(src)
        argv = [program("cmake"), "--build", str(build), "--parallel", str(jobs)]
        self.log.run("build", argv, src, self._step_env(plan, src))
        self._place_tests(plan, src, build)

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None:
        build = self._build_dir(src)
        argv = [program("cmake"), "--install", str(build), "--prefix", str(prefix)]
        self.log.run("install", argv, src, self._step_env(plan, src))
        merge_deps(plan, prefix)
        write_pkgconfig(plan, build, prefix)
        bin_dir = prefix / "bin"
        for exe in ("pjsua", "pjsua.exe"):
            if (build / "pjsip-apps" / exe).is_file() and not (bin_dir / exe).is_file():
                shutil.copy2(build / "pjsip-apps" / exe, bin_dir / exe)
        # shared libraries: upstream's install run paths are relative already ($ORIGIN,
        # $ORIGIN/../lib, $ORIGIN/pjproject/third_party), as pjbuild.build.sharedlibs checks
        install_extra(src, prefix, plan.extra_install)

    def _place_tests(self, plan: BuildPlan, src: Path, build: Path) -> None:
        """Copy the test programs CMake built (<build>/<module>/<program>) to where the test
        runner takes them from, as configure's build leaves them."""
        for test_program in plan.catalog.programs.values():
            name, module = test_program.name, test_program.module
            for built in (name, f"{name}.exe"):
                exe = build / module / built
                if exe.is_file():
                    dest = src / module / "bin"
                    dest.mkdir(parents=True, exist_ok=True)
                    suffix = ".exe" if built.endswith(".exe") else ""
                    shutil.copy2(exe, dest / f"{name}-{plan.target.triplet}{suffix}")


def _link_libraries(build: Path) -> list[str]:
    """What CMake links pjsua with (build.ninja's LINK_LIBRARIES of the pjsua program, named
    pjsua-<version> with a pjsua symlink): its libraries in order, then the system ones."""
    text = (build / "build.ninja").read_text()
    block = re.search(
        r"^build [^:\n]+: C(?:XX)?_EXECUTABLE_LINKER__pjsua_\S* .*?(?=^build |\Z)",
        text,
        re.M | re.S,
    )
    found = re.search(r"^\s*LINK_LIBRARIES = (.*)$", block.group(0), re.M) if block else None
    if found is None:
        raise BuildError("no pjsua link step in CMake's build.ninja", hint=f"see {build}")
    return found.group(1).split()


# the run paths CMake links the build tree's programs with (not a consumer's business)
BUILD_RUNPATH_FLAGS = ("-Wl,-rpath,", "-Wl,-rpath-link,")


def _linked_name(name: str) -> str:
    """The installed file a link step names: a shared library of the build by its versioned
    file (libpjlib.so.2.17) is its development link (libpjlib.so)."""
    stem, sep, _ = name.partition(".so.")
    return f"{stem}.so" if sep else name


def _system_flag(item: str) -> str:
    """-lNAME for a library outside the build (/usr/lib/.../libssl.so -> -lssl), a flag as is."""
    if item.startswith("-"):
        return item
    stem = Path(item).name.split(".so")[0].removesuffix(".a").removesuffix(".lib")
    return f"-l{stem.removeprefix('lib')}"


def _definitions(prefix: Path) -> list[str]:
    """The compile definitions the installed targets pass to their users (PjTargets.cmake's
    INTERFACE_COMPILE_DEFINITIONS: PJ_AUTOCONF, the byte order...), in order, once each."""
    found: list[str] = []
    for path in sorted(prefix.glob("lib/cmake/Pj/PjTargets*.cmake")):
        for value in re.findall(r'INTERFACE_COMPILE_DEFINITIONS "([^"]*)"', path.read_text()):
            found += [d for d in value.split(";") if d and "$<" not in d and d not in found]
    return found


def write_pkgconfig(plan: BuildPlan, build: Path, prefix: Path) -> None:
    """lib/pkgconfig/libpjproject.pc for the installed libraries. Upstream's CMake writes one
    with empty Libs and Cflags (PJ_INSTALL_LDFLAGS is never computed), so a pkg-config consumer
    links nothing; this one is relative to ${pcfiledir} (the prefix can move) and lists the
    libraries in CMake's own link order for pjsua (each at its last place: CMake repeats a
    static library after each user), with pjsua2 first."""
    # static libraries, or (--libs shared) the shared libraries' development links
    installed = {p.name: p for pattern in ("*.a", "*.lib", "*.so") for p in prefix.rglob(pattern)}
    pjsua2 = "pjsip/libpjsua2.so" if plan.shared_libs else "pjsip/libpjsua2.a"
    libs: list[str] = []
    private: list[str] = []
    for item in [pjsua2, *_link_libraries(build)]:
        if item.startswith(BUILD_RUNPATH_FLAGS):  # into the build tree (shared libraries)
            continue
        name = _linked_name(Path(item).name)
        if item.startswith("-l") and f"lib{item[2:]}.a" in installed:
            name = f"lib{item[2:]}.a"  # a dependency's -lNAME (LIBS), merged into the prefix
        if name in installed:  # pjproject's, or a source-built dependency merged in
            entry = f"${{pcfiledir}}/../../{installed[name].relative_to(prefix).as_posix()}"
            # the last of CMake's repeats: static libraries after every library that uses them
            if entry in libs:
                libs.remove(entry)
            libs.append(entry)
        elif item.startswith("-") or Path(item).is_absolute():  # the system's
            if _system_flag(item) not in private:
                private.append(_system_flag(item))
        else:  # a library of the build that the install left out
            raise BuildError(
                f"CMake links pjsua with {item}, which cmake --install did not install",
                hint=f"the install is incomplete; see {build}",
            )
    cflags = ["-I${pcfiledir}/../../include", *(f"-D{d}" for d in _definitions(prefix))]
    text = "\n".join(
        [
            "prefix=${pcfiledir}/../..",
            "",
            "Name: libpjproject",
            "Description: Multimedia communication library (pjproject, CMake build by pjbuild)",
            f"Version: {plan.source.version.upstream}",
            f"Libs: {' '.join(libs)}",
            f"Libs.private: {' '.join(private)}",
            f"Cflags: {' '.join(cflags)}",
            "",
        ]
    )
    pc = prefix / "lib" / "pkgconfig" / "libpjproject.pc"
    pc.parent.mkdir(parents=True, exist_ok=True)
    pc.write_text(text)


ENGINE = CMakeEngine
