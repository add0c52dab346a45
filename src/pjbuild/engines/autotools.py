"""pjproject's autoconf build: ./configure, make, make install."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pjbuild import __version__
from pjbuild.core import paths
from pjbuild.core.ccache import OFF, Ccache
from pjbuild.core.steplog import StepLog
from pjbuild.engines import cmake_package, runpath
from pjbuild.inputs import repro
from pjbuild.plan import BuildPlan


@dataclass
class AutotoolsEngine:
    log: StepLog
    ccache: Ccache = OFF
    name: str = "autotools"
    epoch: int = 0  # SOURCE_DATE_EPOCH of the extracted archive (pjbuild.inputs.repro)

    def _env(self, plan: BuildPlan, src: Path) -> dict[str, str]:
        env = repro.compile_env(dict(plan.env), self.epoch, paths.home(), src)
        for var in ("CC", "CXX", "LD"):
            env[var] = self.ccache.wrap(env[var])
        return {**env, **self.ccache.env()}

    def configure(self, plan: BuildPlan, src: Path) -> None:
        self.log.run("configure", plan.configure_command(), src, self._env(plan, src))

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None:
        self.log.run("make", ["make", f"-j{jobs}"], src, self._env(plan, src))

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None:
        env = self._env(plan, src)
        self.log.run("install", ["make", "install", f"prefix={prefix}"], src, env)
        merge_deps(plan, prefix)
        relocate_pkgconfig(prefix)
        # find_package(Pj) with upstream CMake's target names, as the cmake engine's prefix
        cmake_package.write_package(prefix, f"pjbuild {__version__}")
        bin_dir = prefix / "bin"
        bin_dir.mkdir(exist_ok=True)
        for exe in sorted((src / "pjsip-apps" / "bin").glob("pjsua-*")):
            suffix = ".exe" if exe.suffix == ".exe" else ""
            shutil.copy2(exe, bin_dir / f"pjsua{suffix}")
        install_samples(src, bin_dir)
        install_extra(src, prefix, plan.extra_install)
        if plan.shared_libs:
            runpath.set_runpaths(prefix)


# pjproject's samples that the artifact ships (pjsip-perf: SIP throughput, pjbuild.ontarget.perf)
SAMPLES = ("pjsip-perf",)


def install_samples(src: Path, bin_dir: Path, names: tuple[str, ...] = SAMPLES) -> None:
    """Copy samples `make` built into pjsip-apps/bin/samples/<target name>/ to bin/."""
    for name in names:
        for exe in sorted((src / "pjsip-apps" / "bin" / "samples").glob(f"*/{name}*")):
            if exe.name in (name, f"{name}.exe"):
                shutil.copy2(exe, bin_dir / exe.name)


def install_extra(src: Path, prefix: Path, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """Copy source files that `make install` leaves out (configure.toml's [install])."""
    for folder, files in extra:
        dest = prefix / folder
        dest.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copy2(src / name, dest / Path(name).name)


def merge_deps(plan: BuildPlan, prefix: Path) -> None:
    """Copy source-built dependencies (headers, static libraries, .pc) into the prefix, and
    point pjproject's .pc at them there: the published prefix is self-contained."""
    for dep in plan.deps:
        if dep.provider != "source":
            continue
        shutil.copytree(dep.prefix, prefix, dirs_exist_ok=True, symlinks=True)
        for pc in (prefix / "lib" / "pkgconfig").glob("*.pc"):
            text = pc.read_text()
            for flag in (f"-I{dep.prefix}/include", f"-L{dep.prefix}/lib"):
                text = text.replace(f"{flag} ", "").replace(flag, "")
            pc.write_text(text.replace(dep.prefix, str(prefix)))


def relocate_pkgconfig(prefix: Path) -> None:
    """Make libpjproject.pc relative to ${pcfiledir}, so the prefix can be moved."""
    for pc in (prefix / "lib" / "pkgconfig").glob("*.pc"):
        text = pc.read_text()
        text = repro.drop_prefix_maps(text.replace(str(prefix), "${pcfiledir}/../.."))
        lines = text.splitlines()
        out = [
            "prefix=${pcfiledir}/../.." if line.startswith("prefix=") else line for line in lines
        ]
        pc.write_text("\n".join(out) + "\n")
        os.chmod(pc, 0o644)


ENGINE = AutotoolsEngine
