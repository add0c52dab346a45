"""pjproject's Visual Studio solution as data: the MSBuild command, its environment, and where
the solution puts what it builds (``[msbuild]`` of a target file).

Pure functions only (no process is started here): `pjbuild plan` shows them on any machine,
the unit tests check them against the solution's own .sln/.vcxproj files, and
``pjbuild.engines.msbuild`` runs them on a Windows machine with Visual Studio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pjbuild.core.errors import ConfigError

# pjproject's libraries and their headers: what `make install` puts in include/ elsewhere
MODULES = ("pjlib", "pjlib-util", "pjnath", "pjmedia", "pjsip")


@dataclass(frozen=True)
class MSBuildSpec:
    platform: str  # the solution platform: Win32 | x64 | ARM64
    target_cpu: str  # $(TargetCPU) of build/vs/*-common-defaults.props: i386 | x86_64 | ARM64
    defines: tuple[str, ...]  # PreprocessorDef of build/vs/pjproject-vs14-common-config.props
    solution: str = "pjproject-vs14.sln"
    configuration: str = "Release-Static"
    toolset: str = "v143"
    vs_ver: str = "14"  # $(VSVer) of build/vs/pjproject-vs14-common-defaults.props
    projects: tuple[str, ...] = ()  # solution targets to build (pjsua and the test programs)
    system_libs: tuple[str, ...] = ()  # what pjsua.vcxproj links besides pjproject

    @property
    def suffix(self) -> str:
        """Every output name's ending: $(TargetCPU)-$(Platform)-vc$(VSVer)-$(Configuration)."""
        return f"{self.target_cpu}-{self.platform}-vc{self.vs_ver}-{self.configuration}"


def parse_spec(data: dict[str, Any], where: Path) -> MSBuildSpec:
    table = data.get("msbuild")
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: engine = "msbuild" needs an [msbuild] table')
    for key in ("platform", "target_cpu", "projects"):
        if key not in table:
            raise ConfigError(f"{where}: [msbuild] lacks '{key}'")
    return MSBuildSpec(
        platform=str(table["platform"]),
        target_cpu=str(table["target_cpu"]),
        defines=tuple(table.get("defines", [])),
        solution=str(table.get("solution", "pjproject-vs14.sln")),
        configuration=str(table.get("configuration", "Release-Static")),
        toolset=str(table.get("toolset", "v143")),
        vs_ver=str(table.get("vs_ver", "14")),
        projects=tuple(table["projects"]),
        system_libs=tuple(table.get("system_libs", [])),
    )


def command(spec: MSBuildSpec, jobs: int) -> list[str]:
    """The MSBuild command line, run in the source tree's root."""
    return [
        "msbuild",
        spec.solution,
        "-nologo",
        f"-m:{jobs}",
        "-t:" + ";".join(spec.projects),
        f"-p:Configuration={spec.configuration}",
        f"-p:Platform={spec.platform}",
        f"-p:PlatformToolset={spec.toolset}",
        "-v:minimal",
    ]


def environment(prefixes: list[str]) -> dict[str, str]:
    """Extra INCLUDE/LIB folders (a dependency's prefix, e.g. OpenSSL): prepended at run time to
    what the Developer Command Prompt set. pjproject's sources name their libraries with
    `#pragma comment(lib, ...)`, so the folders are all the link needs."""
    if not prefixes:
        return {}
    return {
        "INCLUDE": ";".join(f"{p}\\include" for p in prefixes),
        "LIB": ";".join(f"{p}\\lib" for p in prefixes),
    }


def artifact_files(spec: MSBuildSpec, src: Path) -> list[tuple[Path, str]]:
    """(built file, path in the install prefix) for every file the artifact takes from the tree.

    Libraries keep the solution's names (`pjlib-x86_64-x64-vc14-Release-Static.lib`, what MSVC
    users link); pjsua becomes bin/pjsua.exe as on every target; headers of the five modules
    go to include/ like `make install`'s. Test programs are collected by the test tree, which
    finds `<module>/bin/<program>-*` on every engine.
    """
    out: list[tuple[Path, str]] = []
    for lib in sorted(src.glob(f"*/lib/*-{spec.suffix}.lib")):
        out.append((lib, f"lib/{lib.name}"))
    pjsua = src / "pjsip-apps" / "bin" / f"pjsua-{spec.suffix}.exe"
    if pjsua.is_file():
        out.append((pjsua, "bin/pjsua.exe"))
    for module in MODULES:
        inc = src / module / "include"
        for header in sorted(inc.rglob("*")):
            if header.is_file():
                out.append(
                    (header, "include/" + str(PurePosixPath(*header.relative_to(inc).parts)))
                )
    return out


def missing_outputs(spec: MSBuildSpec, files: list[tuple[Path, str]]) -> list[str]:
    """What the artifact must have and does not: pjproject's library and pjsua."""
    dests = {dest for _, dest in files}
    wanted = [f"lib/libpjproject-{spec.suffix}.lib", "bin/pjsua.exe"]
    return [w for w in wanted if w not in dests]


def pc_text(spec: MSBuildSpec, version: str) -> str:
    """libpjproject.pc for the artifact: the probe (and pkg-config users) compile against it.
    MSVC's cl takes `-I`/`-D` and library files as plain inputs."""
    root = "${pcfiledir}/../.."
    cflags = [f"-I{root}/include", *(f"-D{d}" for d in spec.defines)]
    libs = [f"{root}/lib/libpjproject-{spec.suffix}.lib", *spec.system_libs]
    return (
        f"prefix={root}\n"
        "includedir=${prefix}/include\n"
        "libdir=${prefix}/lib\n\n"
        "Name: libpjproject\n"
        "Description: pjproject (Visual Studio solution, "
        f"{spec.configuration}|{spec.platform}, toolset {spec.toolset})\n"
        f"Version: {version}\n"
        f"Cflags: {' '.join(cflags)}\n"
        f"Libs: {' '.join(libs)}\n"
    )


__all__ = [
    "MSBuildSpec",
    "artifact_files",
    "command",
    "environment",
    "missing_outputs",
    "parse_spec",
    "pc_text",
]
