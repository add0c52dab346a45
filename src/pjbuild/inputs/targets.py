"""Targets as data: one TOML file per target in ``toolchains/``.

A target says how to compile for it (triplet, compilers), how to run programs on it (runner),
which Debian packages provide what it needs, and what is known about its tests. No code in
pjbuild branches on a target's name or architecture. A target file may extend a base
(``toolchains/base/``, pjbuild.inputs.bases) and then holds only what is its own.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, ToolMissingError, unknown
from pjbuild.core.tomlload import Table, load_toml
from pjbuild.inputs import bases, registry, tools

# "none": nothing here can run the target's programs (a build-only target: FreeBSD, macOS by zig)
RUNNER_KINDS = ("native", "qemu", "wine", "none")
PROBE_COMMAND = ("{cxx}", "{cflags}", "{src}", "-o", "{exe}", "{ldflags}", "{libs}")
# "built, not run": pjbuild builds it and checks its binaries' format, but runs nothing of it
BUILT_NOT_RUN = "built, not run"
STATUSES = ("supported", BUILT_NOT_RUN, "unsupported")
BINARY_FORMATS = ("elf", "macho", "pe")
ENDIANNESS = ("little", "big")


@dataclass(frozen=True)
class Compilers:
    cc: str
    cxx: str
    ar: str = "ar"
    ranlib: str = "ranlib"
    strip: str = "strip"


@dataclass(frozen=True)
class Runner:
    kind: str  # native | qemu | wine | none
    command: tuple[str, ...] = ()  # prefix put before the program, e.g. ("qemu-arm", "-L", "...")
    env: tuple[tuple[str, str], ...] = ()  # values may use {home} (PJBUILD_HOME)
    timeout_factor: float = 1.0  # emulated targets are slower: per-test timeouts scale by this
    setup: tuple[str, ...] = ()  # run once before programs (e.g. create a Wine prefix)
    # the oldest emulator release that runs this target's programs correctly, and why
    min_version: str = ""
    min_version_why: str = ""


@dataclass(frozen=True)
class Binaries:
    """What the target's programs and objects are ([binaries]), checked after a build that
    cannot run them (pjbuild.build.binfmt): the file format and the CPU as the format names it
    (ELF: pyelftools' e_machine, e.g. EM_X86_64; Mach-O: CPU_TYPE_X86_64 or CPU_TYPE_ARM64);
    for ELF programs, the owner of the ABI note the OS's loader reads (e.g. "FreeBSD") and
    the program interpreter ("" for any)."""

    format: str = ""
    machine: str = ""
    note: str = ""
    interpreter: str = ""


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    status: str
    reason: str
    os: str
    arch: str
    triplet: str
    endianness: str
    cross: bool  # configure with --host=<triplet>
    sysroot: str  # the target's libraries for the runner ({sysroot} in runner.command)
    compilers: Compilers
    runner: Runner
    tls_default: str
    tls_backends: tuple[str, ...]
    # Debian/Ubuntu packages: tool or library -> package
    tool_packages: tuple[tuple[str, str], ...]
    tls_packages: tuple[tuple[str, str], ...]
    configure_args: tuple[str, ...]
    cflags: tuple[str, ...]
    known_failures: tuple[tuple[str, str], ...]  # "program:test" -> reason
    host_machines: tuple[str, ...]
    host_system: str
    conan: tuple[tuple[str, str], ...]
    path: Path
    # dependencies: default provider per dependency, Debian multiarch architecture (enables the
    # system provider for a cross target), OpenSSL's Configure target, flags for dependency builds
    dep_providers: tuple[tuple[str, str], ...] = ()
    multiarch: str = ""
    openssl_target: str = ""
    pic_cflags: tuple[str, ...] = ("-fPIC",)
    # pjsua2 wheels: where the target's Python comes from ("build": the Python running pjbuild;
    # "debian-root": a minimal Debian root of the target's architecture; "": no wheels) and the
    # wheel platform of a cross build (sysconfig form, e.g. linux-aarch64); the target whose
    # wheel `pjbuild wheel --target <this>` builds by default (a glibc-pinned twin: portable
    # wheels); the Debian architecture of the Python root when it is not [deps] multiarch (a
    # glibc-pinned target takes no Debian libraries, which need Debian's newer glibc)
    wheel_python: str = ""
    wheel_platform: str = ""
    wheel_portable: str = ""
    wheel_debian_arch: str = ""
    wheel_debian_triplet: str = ""  # Debian's multiarch tuple when not the triplet (i386-linux-gnu)
    wheel_test_on: tuple[str, ...] = ()  # distributions CI proves the wheel on (--test-on)
    tls_unavailable: tuple[tuple[str, str], ...] = ()  # backend -> why it cannot work here
    no_system: tuple[tuple[str, str], ...] = ()  # dependency -> why the system's is unusable
    # known failures that hold only with one TLS backend: (backend, "program:test", reason)
    tls_known_failures: tuple[tuple[str, str, str], ...] = ()
    ldflags: tuple[str, ...] = ()  # extra link flags (LDFLAGS) for pjproject's programs
    # a preset's GNU ld link flags as this target's linker spells them (e.g. Apple's ld64:
    # -Wl,--gc-sections -> -Wl,-dead_strip); [] drops the flag
    ldflag_spelling: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # extra libraries a statically linked dependency needs on this target: name -> libs
    dep_libs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # extra configure arguments and compile flags of a dependency built for this target:
    # name -> args ([deps] build_args), name -> flags ([deps] cflags)
    dep_args: tuple[tuple[str, tuple[str, ...]], ...] = ()
    dep_cflags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # build engine (pjbuild.engines): "autotools" (configure + make) or "msbuild" (Visual
    # Studio solution, [msbuild] table); third_party folders the engine's build cannot do without
    engine: str = "autotools"
    # configure arguments per TLS backend ([tls.configure]; "*": every backend without its own)
    tls_configure: tuple[tuple[str, tuple[str, ...]], ...] = ()
    requires_tree: tuple[str, ...] = ()
    # how the verification probe is compiled: {cxx} {cflags} {src} {exe} {ldflags} {libs}
    probe_command: tuple[str, ...] = PROBE_COMMAND
    version_args: tuple[str, ...] = ("--version",)  # compiler version for the inputs digest
    # platform.system() of the machines the build runs on (cross builds: Linux)
    build_on: tuple[str, ...] = ("Linux",)
    # media components (components.toml) this target cannot build, with the measured reason:
    # the build turns them off explicitly ([components] unavailable)
    components_unavailable: tuple[tuple[str, str], ...] = ()
    # components this target builds only with one of pjbuild's patches ([components]
    # needs_patch = { webrtc = "0015" }): off, with the reason, for a version that lacks it
    components_need_patch: tuple[tuple[str, str], ...] = ()
    # library kinds (configure.toml [libs]) this target cannot have, with why ([libs] unavailable)
    libs_unavailable: tuple[tuple[str, str], ...] = ()
    # programs pjbuild writes as scripts before a build ([wrappers] NAME = argv; `{tool}`: a
    # pinned tool of resources/tools.toml, e.g. ["{zig}", "cc", "-target", "armeb-linux-musleabi"])
    wrappers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # arguments the wrappers replace before running their tool ([translate] "GCC's spelling" =
    # [the tool's]): zig cc reads -march as a CPU name (zig issue 4911)
    translate: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # glibc-pinned targets: the newest glibc its programs may need (checked after the build)
    glibc: str = ""
    # CMAKE_SYSTEM_NAME for dependencies built with CMake ([cmake] system; "": Conan's os)
    cmake_system: str = ""
    # the binaries' format and CPU, checked after the build ([binaries]; required with
    # runner kind "none")
    binaries: Binaries = Binaries()
    # the base files the target file extends (toolchains/base/<name>.toml), nearest first
    bases: tuple[Path, ...] = ()
    # the file's data merged over its bases (placeholders filled in), hashed into the inputs digest
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False, default_factory=dict)

    @property
    def supported(self) -> bool:
        """pjbuild builds it (and runs its tests, unless it is built, not run)."""
        return self.status != "unsupported"

    @property
    def runs(self) -> bool:
        """Something here runs its programs (QEMU, Wine, this machine): probe, tests, calls."""
        return self.runner.kind != "none"

    def builds_here(self) -> bool:
        return platform.system() in self.build_on

    def cmake_system_name(self) -> str:
        """CMake's name of the OS (CMAKE_SYSTEM_NAME): [cmake] system (Darwin, FreeBSD), else
        Conan's (Linux, Windows), else the target's os capitalised."""
        return self.cmake_system or dict(self.conan).get("os", self.os.capitalize())

    def runner_command(self) -> tuple[str, ...]:
        """The runner prefix with {sysroot} filled in."""
        return tuple(part.replace("{sysroot}", self.sysroot) for part in self.runner.command)

    def known_failure(self, program: str, test: str) -> str | None:
        for key, reason in self.known_failures:
            if key in (f"{program}:{test}", f"*:{test}"):
                return reason
        return None

    def packages_for_tls(self, backend: str) -> list[str]:
        return [pkg for name, pkg in self.tls_packages if name == backend]

    def known_failures_for_tls(self, backend: str) -> dict[str, str]:
        return {key: reason for b, key, reason in self.tls_known_failures if b == backend}

    def configure_for_tls(self, backend: str) -> tuple[str, ...]:
        table = dict(self.tls_configure)
        return table.get(backend, table.get("*", ()))

    def spell_ldflags(self, flags: tuple[str, ...]) -> list[str]:
        """A preset's link flags (GNU ld spelling) for this target's linker."""
        spelling = dict(self.ldflag_spelling)
        return [x for f in flags for x in spelling.get(f, (f,))]

    def dep_extra_libs(self, name: str) -> tuple[str, ...]:
        return dict(self.dep_libs).get(name, ())

    def dep_build_args(self, name: str) -> tuple[str, ...]:
        return dict(self.dep_args).get(name, ())

    def dep_build_cflags(self, name: str) -> tuple[str, ...]:
        return dict(self.dep_cflags).get(name, ())

    def dep_provider(self, name: str) -> str:
        return dict(self.dep_providers).get(name, "")

    def compiler_version(self) -> str:
        """The compiler's version line (``<cc> --version``; MSVC's cl prints its banner on
        stderr): part of the inputs digest. "missing" when the compiler is not installed here,
        so a plan can still be made (e.g. an MSVC target planned on Linux)."""
        pins = ""
        wrapped = dict(self.wrappers).get(self.compilers.cc)
        if wrapped is not None:  # a pinned tool (zig): its version, then what its cc says
            try:
                used, found = tools.resolve(self.wrappers)
            except ToolMissingError:  # as for any compiler: a plan can still be made
                return "missing"
            argv = tools.wrapper_argv(wrapped, found)
            pins = ", ".join(f"{t.name} {t.version}" for t in used) + ": "
        else:
            exe = shutil.which(self.compilers.cc)
            if not exe:
                return "missing"
            argv = [exe]
        # in a scratch folder: zig cc -target <arch>-macos --version writes an empty a.o into
        # its working directory (zig 0.17.1, measured)
        with tempfile.TemporaryDirectory(prefix="pjbuild-cc-version-") as scratch:
            proc = subprocess.run(
                [*argv, *self.version_args],
                capture_output=True,
                text=True,
                check=False,
                cwd=scratch,
            )
        lines = [x.strip() for x in (proc.stdout + "\n" + proc.stderr).splitlines() if x.strip()]
        versioned = [x for x in lines if "version" in x.lower()]
        return pins + (versioned or lines or ["unknown"])[0]


def parse_target(path: Path, folders: list[Path] | None = None) -> Target:
    """A target file, merged over the bases it extends; bases are looked up in the base/
    folder of each toolchains folder (default: the shipped one, PJBUILD_TOOLCHAINS_PATH's and
    the file's own)."""
    folders = list(paths.toolchain_dirs() if folders is None else folders)
    if path.parent not in folders:
        folders.append(path.parent)
    merged = bases.extend(path, load_toml(path), folders)
    top = Table(merged.data, path, origins=merged.origins)
    name = top.text("name")
    if name != path.stem:
        raise ConfigError(
            f"{path}: target name '{name}' does not match the file name",
            hint=f'rename the file to {name}.toml or set name = "{path.stem}"',
        )
    status = top.text("status", "supported")
    if status not in STATUSES:
        raise ConfigError(f"{top.origin('status')}: status must be one of {', '.join(STATUSES)}")
    if status in ("unsupported", BUILT_NOT_RUN) and not top.text("reason", ""):
        what = "an unsupported target" if status == "unsupported" else "a built, not run target"
        raise ConfigError(
            f'{path}: {what} must say why (reason = "...")',
            hint="say what is missing here, measured (e.g. no emulator runs FreeBSD programs)",
        )
    endianness = top.text("endianness")
    if endianness not in ENDIANNESS:
        raise ConfigError(f"{top.origin('endianness')}: endianness must be 'little' or 'big'")
    comp = top.sub("compilers")
    runner = top.sub("runner", {"kind": "native"})
    kind = runner.text("kind", "")
    if kind not in RUNNER_KINDS:
        raise ConfigError(
            f"{runner.origin('kind')}: runner.kind must be one of {', '.join(RUNNER_KINDS)}"
        )
    if (kind == "none") != (status == BUILT_NOT_RUN) and status != "unsupported":
        raise ConfigError(
            f'{path}: runner.kind = "none" and status = "{BUILT_NOT_RUN}" go together '
            f"(here: kind {kind}, status {status})",
            hint="a target nothing here can run says both; one that runs says neither",
        )
    found = _binaries(top.sub("binaries", {}))
    if kind == "none" and not found.format:
        raise ConfigError(
            f"{path}: a target nothing here runs needs [binaries] format and machine",
            hint='e.g. [binaries] format = "elf", machine = "EM_X86_64", note = "FreeBSD": '
            "pjbuild checks the built files against them",
        )
    engine = top.text("engine", "autotools")
    if engine not in registry.engines():
        raise unknown("build engine", engine, registry.engines())
    tls = top.sub("tls", {})
    host = top.sub("host", {})
    tests = top.sub("tests", {})
    packages = top.sub("packages", {})
    deps = top.sub("deps", {})
    wheel = top.sub("wheel", {})
    by_tls = tests.sub("known_failures_by_tls", {})
    return Target(
        name=name,
        description=top.text("description", ""),
        status=status,
        reason=top.text("reason", ""),
        os=top.text("os"),
        arch=top.text("arch"),
        triplet=top.text("triplet"),
        endianness=endianness,
        cross=top.flag("cross", False),
        sysroot=top.text("sysroot", ""),
        compilers=Compilers(
            cc=comp.text("cc"),
            cxx=comp.text("cxx"),
            ar=comp.text("ar", "ar"),
            ranlib=comp.text("ranlib", "ranlib"),
            strip=comp.text("strip", "strip"),
        ),
        runner=Runner(
            kind=kind,
            command=runner.strings("command"),
            env=runner.pairs("env"),
            timeout_factor=runner.number("timeout_factor", 1.0),
            setup=runner.strings("setup"),
            min_version=runner.text("min_version", ""),
            min_version_why=runner.text("min_version_why", ""),
        ),
        tls_default=tls.text("default", "none"),
        tls_backends=tls.strings("backends", ("none",)),
        tool_packages=packages.pairs("tools"),
        tls_packages=packages.pairs("tls"),
        configure_args=top.strings("configure_args"),
        cflags=top.strings("cflags"),
        known_failures=tests.pairs("known_failures"),
        host_machines=tuple(m.lower() for m in host.strings("machines")),
        host_system=host.text("system", ""),
        conan=top.pairs("conan"),
        wheel_python=wheel.text("python", ""),
        wheel_platform=wheel.text("platform", ""),
        wheel_portable=wheel.text("portable", ""),
        wheel_debian_arch=wheel.text("debian_arch", ""),
        wheel_debian_triplet=wheel.text("debian_triplet", ""),
        wheel_test_on=wheel.strings("test_on"),
        path=path,
        bases=merged.bases,
        wrappers=top.lists("wrappers"),
        translate=top.lists("translate"),
        glibc=top.text("glibc", ""),
        binaries=found,
        cmake_system=top.sub("cmake", {}).text("system", ""),
        raw=top.data,
        dep_providers=deps.pairs("providers"),
        multiarch=deps.text("multiarch", ""),
        openssl_target=deps.text("openssl_target", ""),
        pic_cflags=top.strings("pic", ("-fPIC",)),
        tls_unavailable=tls.pairs("unavailable"),
        no_system=deps.pairs("no_system"),
        ldflags=top.strings("ldflags"),
        ldflag_spelling=top.lists("ldflag_spelling"),
        engine=engine,
        tls_configure=tls.lists("configure"),
        requires_tree=top.strings("requires_tree"),
        probe_command=top.sub("probe", {}).strings("command", PROBE_COMMAND),
        version_args=comp.strings("version_args", ("--version",)),
        build_on=top.strings("build_on", ("Linux",)),
        components_unavailable=top.sub("components", {}).pairs("unavailable"),
        components_need_patch=top.sub("components", {}).pairs("needs_patch"),
        libs_unavailable=top.sub("libs", {}).pairs("unavailable"),
        dep_libs=deps.lists("libs"),
        dep_args=deps.lists("build_args"),
        dep_cflags=deps.lists("cflags"),
        tls_known_failures=tuple(
            sorted(
                (backend, key, reason)
                for backend in by_tls.data
                for key, reason in by_tls.pairs(backend)
            )
        ),
    )


def _binaries(table: Table) -> Binaries:
    if not table.data:
        return Binaries()
    table.known("format", "machine", "note", "interpreter")
    fmt = table.text("format")
    if fmt not in BINARY_FORMATS:
        raise ConfigError(
            f"{table.origin('format')}: binaries.format must be one of "
            f"{', '.join(BINARY_FORMATS)} (not '{fmt}')",
            hint="elf (Linux, FreeBSD), macho (macOS) or pe (Windows)",
        )
    return Binaries(
        fmt, table.text("machine"), table.text("note", ""), table.text("interpreter", "")
    )


def load_targets(extra_dirs: list[Path] | None = None) -> dict[str, Target]:
    """Every target file of the toolchains folders (their base/ folders hold no targets)."""
    targets: dict[str, Target] = {}
    folders = paths.toolchain_dirs(extra_dirs)
    for file in paths.toml_files(folders, extra_dirs, "toolchains"):
        target = parse_target(file, folders)
        targets[target.name] = target
    return targets


def host_target_name(targets: dict[str, Target]) -> str:
    system = platform.system()
    machine = platform.machine().lower()
    for target in targets.values():
        if target.host_system == system and machine in target.host_machines:
            return target.name
    raise ConfigError(
        f"no target describes this machine ({system} {machine})",
        hint="add a toolchains/<name>.toml with [host] system/machines for it",
    )


def wheel_target(target: Target, targets: dict[str, Target], *, bound: bool = False) -> Target:
    """The target whose wheel `pjbuild wheel --target <target>` builds: its portable twin
    ([wheel] portable, a glibc-pinned target: manylinux2014), unless ``bound`` asks for the
    target itself (a wheel tagged for the glibc it builds against)."""
    if bound or not target.wheel_portable:
        return target
    twin = targets.get(target.wheel_portable)
    if twin is None:
        raise ConfigError(
            f"{target.name}'s portable wheel target '{target.wheel_portable}' is not a known "
            "target",
            hint=f"fix [wheel] portable in {target.path}, or pass --bound",
        )
    return twin


def resolve_target(name: str, targets: dict[str, Target]) -> Target:
    if name == "host":
        name = host_target_name(targets)
    if name not in targets:
        raise unknown("target", name, [*targets, "host"], list_cmd="pjbuild targets")
    return targets[name]


def is_native(target: Target) -> bool:
    return target.runner.kind == "native"
