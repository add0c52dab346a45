"""How many of a suite's test processes run at once on a target, and how they are kept apart.

Concurrent tests run each in a loopback-only network namespace of its own (pjbuild.ontarget.
netns): pjproject's tests bind fixed ports (5060, 3478...), which would collide, and none may
reach another address. Where namespaces cannot be made, the suite runs one test at a time and
says why once. The default count is the cores times the runner kind's share in the data
(testsuites.toml [parallel] per_core: an emulated test costs more CPU than a native one); a
runner kind listed under ``sequential`` runs one at a time, with its reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pjbuild.inputs.testsuites import LOOPBACK, Parallel
from pjbuild.ontarget import netns
from pjbuild.ontarget.runners import PrefixRunner, Runner

ISOLATION = "netns"  # a loopback-only network namespace per test process


@dataclass(frozen=True)
class Concurrency:
    """Test processes at once (1: one after another) and their isolation ("netns" or "none");
    ``why``: the reason tests run one at a time where they could have run at once."""

    jobs: int = 1
    isolation: str = "none"
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "isolation": self.isolation, "why": self.why}

    @contextlib.contextmanager
    def enter(self, runner: Runner, network: str = LOOPBACK) -> Iterator[Runner]:
        """The runner one test uses: in a namespace of its own when isolated, its network one
        of NETWORKS (pjbuild.inputs.testsuites)."""
        if self.isolation == ISOLATION and isinstance(runner, PrefixRunner):
            with netns.isolated(runner, network) as inside:
                yield inside
        else:
            yield runner


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def choose(
    runner: Runner, data: Parallel, requested: int | None = None, ncores: int | None = None
) -> Concurrency:
    """The concurrency of a suite on ``runner``: ``requested`` (``--test-jobs``, at least 1)
    or the data's default for the runner's kind; isolated when above 1, or one at a time with
    the reason when namespaces cannot be made here."""
    kind = runner.kind
    if requested is None:
        if kind in data.sequential:
            return Concurrency(1, "none", f"{kind} runner: {data.sequential[kind]}")
        share = data.per_core.get(kind, 1.0)
        requested = max(1, round((ncores or cores()) * share))
    if requested == 1:
        return Concurrency(1, "none", "")
    if not isinstance(runner, PrefixRunner):
        return Concurrency(1, "none", f"the {kind} runner cannot enter a network namespace")
    why = netns.unavailable()
    if why:
        return Concurrency(1, "none", f"{why}; tests ran one at a time")
    return Concurrency(requested, ISOLATION, "")


def recorded_durations(manifests: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Seconds each test ("program:test") took in earlier manifests of a target, oldest
    first (the newest run's figure wins)."""
    found: dict[str, float] = {}
    for data in manifests:
        for suite in (data.get("tests") or {}).values():
            for r in suite.get("results", []) if isinstance(suite, dict) else []:
                seconds = r.get("duration_s")
                if r.get("status") in ("passed", "failed", "known") and seconds:
                    found[f"{r['program']}:{r['test']}"] = float(seconds)
    return found
