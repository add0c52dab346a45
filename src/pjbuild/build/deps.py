"""Build a dependency from its pinned archive with the target's toolchain.

Same guarantees as pjproject artifacts: the archive is sha256-verified, the build runs in a work
folder under a per-digest lock, the result (static libraries, headers, .pc files, manifest) is
published into ``deps/artifacts/<digest>`` by one rename, and a later build of any pjproject
configuration for that target reuses it. A build system is a small class behind ``DepBuilder``.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pjbuild import __version__
from pjbuild.build.cache import Cache
from pjbuild.build.extract import extract
from pjbuild.core import paths
from pjbuild.core.ccache import OFF, Ccache
from pjbuild.core.errors import BuildError, ConfigError, ToolMissingError
from pjbuild.core.files import write_json_atomic
from pjbuild.core.say import Say, quiet
from pjbuild.core.steplog import StepLog
from pjbuild.inputs import repro
from pjbuild.inputs.deps import DepChoice, DepRecipe
from pjbuild.inputs.sources import fetch
from pjbuild.inputs.targets import Target


def deps_cache() -> Cache:
    return Cache(paths.home() / "deps")


DEFAULT_OPTIMIZE = ("-O2",)  # CMake builds: the project's Release build type instead


@dataclass(frozen=True)
class BuildContext:
    recipe: DepRecipe
    target: Target
    src: Path
    prefix: str  # the final install prefix (written into .pc files)
    destdir: Path  # staging root: files land in destdir + prefix
    jobs: int
    ccache: Ccache
    log: StepLog
    epoch: int  # SOURCE_DATE_EPOCH: newest file time of the extracted archive
    optimize: tuple[str, ...] = DEFAULT_OPTIMIZE  # the preset's [deps] cflags when it has them

    def env(self) -> dict[str, str]:
        c = self.target.compilers
        flags = " ".join(self.flags())
        env = {
            "CC": c.cc,
            "CXX": c.cxx,
            "AR": c.ar,
            "RANLIB": c.ranlib,
            "CFLAGS": flags,
            "CXXFLAGS": flags,
            **repro.step_env(self.epoch, paths.home()),
        }
        env["CC"] = self.ccache.wrap(c.cc)
        env["CXX"] = self.ccache.wrap(c.cxx)
        return {**env, **self.ccache.env()}

    def build_args(self) -> list[str]:
        """The recipe's configure arguments, then the target's for this dependency
        ([deps] build_args, e.g. Opus without NEON intrinsics where the compiler fails them)."""
        return [*self.recipe.build_args, *self.target.dep_build_args(self.recipe.name)]

    def flags(self, optimize: bool = True) -> list[str]:
        """Compile flags: the target's, position independent, paths mapped (inputs.repro)."""
        return [
            *(self.optimize if optimize else ()),
            *self.target.pic_cflags,
            *self.target.cflags,
            *self.target.dep_build_cflags(self.recipe.name),
            *repro.prefix_map_flags(paths.home()),
            *repro.tree_map_flags(self.src),
        ]


class DepBuilder(Protocol):
    def build(self, ctx: BuildContext) -> None: ...


class AutotoolsBuilder:
    """./configure [--host] --prefix; make [targets]; make install DESTDIR=."""

    def build(self, ctx: BuildContext) -> None:
        args = ["./configure", f"--prefix={ctx.prefix}", "--libdir=" + ctx.prefix + "/lib"]
        if ctx.target.cross:
            args.append(f"--host={ctx.target.triplet}")
        env = ctx.env()
        ctx.log.run("configure", [*args, *ctx.build_args()], ctx.src, env)
        ctx.log.run("make", ["make", f"-j{ctx.jobs}", *ctx.recipe.make_targets], ctx.src, env)
        ctx.log.run("install", ["make", "install", f"DESTDIR={ctx.destdir}"], ctx.src, env)


class OpenSSLBuilder:
    """OpenSSL's own Configure (a perl script) with the target's Configure name."""

    def build(self, ctx: BuildContext) -> None:
        if not ctx.target.openssl_target:
            raise ConfigError(
                f"target {ctx.target.name} does not say which OpenSSL Configure target it is",
                hint=f'add openssl_target = "..." to [deps] in {ctx.target.path} '
                "(see `perl Configure LIST` in the OpenSSL tree)",
            )
        env = ctx.env()
        flags = [f for f in ctx.flags() if f]
        env.pop("CFLAGS")  # passed as Configure arguments, where OpenSSL merges them
        env.pop("CXXFLAGS")
        argv = [
            "perl",
            "./Configure",
            ctx.target.openssl_target,
            *ctx.build_args(),
            f"--prefix={ctx.prefix}",
            f"--openssldir={ctx.prefix}/ssl",
            *flags,
        ]
        ctx.log.run("configure", argv, ctx.src, env)
        ctx.log.run("make", ["make", f"-j{ctx.jobs}", "build_libs"], ctx.src, env)
        ctx.log.run("install", ["make", "install_dev", f"DESTDIR={ctx.destdir}"], ctx.src, env)


class CMakeBuilder:
    """cmake configure/build/install; cross builds name the system from the target's data."""

    def build(self, ctx: BuildContext) -> None:
        if not shutil.which("cmake"):
            raise ToolMissingError(
                f"cmake not found (builds {ctx.recipe.name})",
                hint="install cmake: `pjbuild doctor --install`",
            )
        env = ctx.env()
        build = ctx.src / "_build"
        c = ctx.target.compilers
        # a preset's own optimisation flags go into CMAKE_C_FLAGS under a build type that adds
        # none (projects such as Mbed TLS set their own CMAKE_C_FLAGS_RELEASE)
        own_flags = ctx.optimize != DEFAULT_OPTIMIZE
        args = [
            "cmake",
            "-S",
            str(ctx.src),
            "-B",
            str(build),
            f"-DCMAKE_BUILD_TYPE={'None' if own_flags else 'Release'}",
            f"-DCMAKE_INSTALL_PREFIX={ctx.prefix}",
            "-DCMAKE_INSTALL_LIBDIR=lib",
            "-DCMAKE_POSITION_INDEPENDENT_CODE=ON",
            f"-DCMAKE_C_COMPILER={c.cc}",
            f"-DCMAKE_AR={shutil.which(c.ar) or c.ar}",
            f"-DCMAKE_RANLIB={shutil.which(c.ranlib) or c.ranlib}",
            f"-DCMAKE_C_FLAGS={' '.join(ctx.flags(optimize=own_flags))}",
        ]
        if ctx.ccache.enabled:
            args.append("-DCMAKE_C_COMPILER_LAUNCHER=ccache")
        env.pop("CC")
        env.pop("CXX")
        env.pop("CFLAGS")
        env.pop("CXXFLAGS")
        if ctx.target.cross:
            args += [
                f"-DCMAKE_SYSTEM_NAME={ctx.target.cmake_system_name()}",
                f"-DCMAKE_SYSTEM_PROCESSOR={ctx.target.arch}",
                "-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER",
                "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY",
                "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY",
            ]
        ctx.log.run("configure", [*args, *ctx.build_args()], ctx.src, env)
        ctx.log.run(
            "make", ["cmake", "--build", str(build), "--parallel", str(ctx.jobs)], ctx.src, env
        )
        ctx.log.run(
            "install",
            ["cmake", "--install", str(build)],
            ctx.src,
            {**env, "DESTDIR": str(ctx.destdir)},
        )


BUILDERS: dict[str, DepBuilder] = {
    "autotools": AutotoolsBuilder(),
    "openssl": OpenSSLBuilder(),
    "cmake": CMakeBuilder(),
}


def _tidy(prefix: Path) -> None:
    """Keep headers, static libraries and .pc files: no libtool archives, docs or programs."""
    for pattern in ("lib/*.la", "lib/*.so*", "lib/*.dll.a", "share/man", "share/doc", "bin"):
        for item in prefix.glob(pattern):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()


def _check(recipe: DepRecipe, prefix: Path) -> None:
    header = recipe.system_header
    if header and not (prefix / "include" / header).is_file():
        raise BuildError(
            f"{recipe.name} built but {header} is not in its prefix",
            hint=f"see the build log under {prefix.parent / 'logs'}",
        )
    if not list((prefix / "lib").glob("*.a")):
        raise BuildError(f"{recipe.name} built but installed no static library")


def ensure(
    choice: DepChoice, target: Target, jobs: int, ccache: Ccache = OFF, say: Say = quiet
) -> Path:
    """The dependency's prefix, building it first when the cache does not have it."""
    recipe = choice.recipe
    source = recipe.source
    assert choice.provider == "source" and source is not None
    cache = deps_cache()
    final = Path(choice.prefix)
    with cache.lock(choice.digest, on_wait=lambda: say(f"waiting for {recipe.name}'s build")):
        if cache.lookup(choice.digest) is not None:
            return final
        for tool in (target.compilers.cc, target.compilers.ar, "make"):
            if not shutil.which(tool):
                raise ToolMissingError(
                    f"{tool} not found (builds {recipe.name} for {target.name})",
                    hint=f"`pjbuild doctor --target {target.name} --install`",
                )
        say(f"building {recipe.name} {recipe.version} from source for {target.name}")
        start = time.monotonic()
        work = cache.fresh_work(choice.digest)
        stage = work / "stage"
        stage.mkdir()
        log = StepLog(stage / "logs" / "build.log")
        log.note(f"pjbuild {__version__}: {recipe.name} {recipe.version} for {target.name}")
        archive = fetch(source)
        src = extract(archive.path, work / "src", archive.sha256)
        destdir = work / "destdir"
        epoch = repro.source_date_epoch(src)
        ctx = BuildContext(
            recipe,
            target,
            src,
            str(final),
            destdir,
            jobs,
            ccache,
            log,
            epoch,
            optimize=choice.cflags or DEFAULT_OPTIMIZE,
        )
        BUILDERS[recipe.build_kind].build(ctx)
        installed = destdir / str(final).lstrip("/")
        if not installed.is_dir():
            raise BuildError(f"{recipe.name}: the install step wrote nothing under {installed}")
        os.replace(installed, stage / "prefix")
        _tidy(stage / "prefix")
        _check(recipe, stage / "prefix")
        manifest = {
            "inputs_digest": choice.digest,
            "name": recipe.name,
            "version": recipe.version,
            "target": target.name,
            "source": {"file": source.filename, "sha256": archive.sha256},
            "duration_s": round(time.monotonic() - start, 1),
            "durations": log.durations,
        }
        write_json_atomic(stage / "manifest.json", manifest)
        cache.publish(stage, choice.digest)
        shutil.rmtree(work, ignore_errors=True)
        say(f"{recipe.name} built in {manifest['duration_s']} s")
    return final


def ensure_all(
    choices: tuple[DepChoice, ...],
    target: Target,
    jobs: int,
    ccache: Ccache = OFF,
    say: Say = quiet,
) -> None:
    for choice in choices:
        if choice.provider == "source":
            ensure(choice, target, jobs, ccache, say)
