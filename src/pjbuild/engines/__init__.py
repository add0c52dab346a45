"""Build engines: one module per build system behind the Engine Protocol; a target's data
names its engine (`engine = "autotools"` by default, "msbuild" for Visual Studio)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pjbuild.core.steplog import StepLog
from pjbuild.inputs.targets import Target
from pjbuild.plan import BuildPlan


class Engine(Protocol):
    name: str
    checks_configure: bool  # configure's results (TLS, features) can be checked after it

    def configure(self, plan: BuildPlan, src: Path) -> None: ...

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None: ...

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None: ...


def engine_for(plan: BuildPlan, log: StepLog, ccache: bool, epoch: int) -> Engine:
    from pjbuild.engines.autotools import AutotoolsEngine
    from pjbuild.engines.msbuild import MSBuildEngine

    engines: dict[str, type[AutotoolsEngine] | type[MSBuildEngine]] = {
        "autotools": AutotoolsEngine,
        "msbuild": MSBuildEngine,
    }
    return engines[plan.target.engine](log, ccache=ccache, epoch=epoch)


def required_tools(target: Target) -> list[str]:
    """Programs a build for the target runs (checked on PATH before anything starts)."""
    c = target.compilers
    if target.engine == "msbuild":
        return ["msbuild", c.cc, "patch"]
    return [c.cc, c.cxx, c.ar, c.ranlib, "make", "patch"]
