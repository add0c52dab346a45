"""Build engines: one module per build system behind the Engine Protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pjbuild.plan import BuildPlan


class Engine(Protocol):
    name: str

    def configure(self, plan: BuildPlan, src: Path) -> None: ...

    def build(self, plan: BuildPlan, src: Path, jobs: int) -> None: ...

    def install(self, plan: BuildPlan, src: Path, prefix: Path) -> None: ...
