"""pjproject's Visual Studio solution: MSBuild, then the artifact in pjbuild's layout.

Runs only on Windows with Visual Studio (a Developer Command Prompt: msbuild and cl on PATH,
INCLUDE/LIB set); what it runs comes from ``pjbuild.inputs.msbuild`` (pure, unit-tested on Linux).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pjbuild.core.ccache import OFF, Ccache
from pjbuild.core.errors import BuildError
from pjbuild.core.steplog import StepLog
from pjbuild.engines.autotools import install_extra
from pjbuild.inputs import msbuild
from pjbuild.plan import BuildPlan


def run_env(plan: BuildPlan) -> dict[str, str]:
    """The plan's INCLUDE/LIB folders before the Developer Prompt's own."""
    env = dict(plan.env)
    for var in ("INCLUDE", "LIB"):
        if var in env and os.environ.get(var):
            env[var] = f"{env[var]};{os.environ[var]}"
    return env


@dataclass
class MSBuildEngine:
    log: StepLog
    ccache: Ccache = OFF  # no ccache for cl
    name: str = "msbuild"
    epoch: int = 0  # unused: cl has no __DATE__ override through the environment here

    def configure(self, plan: BuildPlan, src: Path) -> None:
        return None  # the solution is configured by config_site.h alone

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None:
        self.log.run("msbuild", msbuild.command(plan.msbuild_spec(), jobs), src, run_env(plan))

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None:
        spec = plan.msbuild_spec()
        files = msbuild.artifact_files(spec, src)
        missing = msbuild.missing_outputs(spec, files)
        if missing:
            raise BuildError(
                f"MSBuild finished but {', '.join(missing)} is missing",
                hint=f"see the msbuild step in {self.log.path}",
            )
        for built, dest in files:
            target = prefix / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
        pc = prefix / "lib" / "pkgconfig" / "libpjproject.pc"
        pc.parent.mkdir(parents=True, exist_ok=True)
        pc.write_text(msbuild.pc_text(spec, plan.source.version.upstream))
        install_extra(src, prefix, plan.extra_install)


ENGINE = MSBuildEngine
