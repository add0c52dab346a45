"""Build engines: one module per build system behind the Engine Protocol; a target's data
names its engine (`engine = "autotools"` by default, "msbuild" for Visual Studio), registered in
resources/engines.toml (its tools, whether configure's results are checked); the engine
`<name>` is the class `ENGINE` of `pjbuild.engines.<name>`."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from pjbuild.core.ccache import Ccache
from pjbuild.core.steplog import StepLog
from pjbuild.inputs.registry import load_engines
from pjbuild.inputs.targets import Target
from pjbuild.plan import BuildPlan


class Engine(Protocol):
    name: str

    def configure(self, plan: BuildPlan, src: Path) -> None: ...

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None: ...

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None: ...


class EngineClass(Protocol):
    def __call__(self, log: StepLog, *, ccache: Ccache, epoch: int) -> Engine: ...


def engine_class(name: str) -> EngineClass:
    """The class that runs the engine `name` (the `ENGINE` of its module)."""
    cls: EngineClass = importlib.import_module(f"pjbuild.engines.{name}").ENGINE
    return cls


def engine_for(plan: BuildPlan, log: StepLog, ccache: Ccache, epoch: int) -> Engine:
    return engine_class(plan.engine)(log, ccache=ccache, epoch=epoch)


def checks_configure(engine: str) -> bool:
    """Whether the engine has a configure step whose results (TLS, features) pjbuild checks
    before building."""
    return bool(load_engines()[engine]["checks_configure"])


def required_tools(target: Target, engine: str | None = None) -> list[str]:
    """Programs a build for the target runs (checked on PATH before anything starts): the
    engine's `tools` (default: the target's engine), with the target's compilers for {cc},
    {cxx}, {ar}, {ranlib}."""
    c = target.compilers
    names = {"cc": c.cc, "cxx": c.cxx, "ar": c.ar, "ranlib": c.ranlib}
    tools = load_engines()[engine or target.engine]["tools"]
    return [tool.format(**names) for tool in tools]
