"""What every benchmark script shares: pjbuild's error contract, building an artifact, the
report's machine and date."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pjbuild.core.errors import PjbuildError
from pjbuild.inputs.targets import Target

# --- for the benchmarks ----------------------------------------------------------------------


def run_benchmark(main: Callable[[], int]) -> int:
    """A benchmark's main with pjbuild's error contract: a PjbuildError (no archive in the
    mirror, a tool missing, a failed build) is `error:` and `fix:` lines and its exit code,
    not a traceback."""
    try:
        return main()
    except PjbuildError as exc:
        print(f"error: {exc.summary}", file=sys.stderr)
        if exc.hint:
            print(f"fix: {exc.hint}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        return exc.exit_code


def build_artifact(
    target: str, preset: str, tls: str | None, *, jobs: int, say: Callable[[str], None]
) -> tuple[Path, Target]:
    """The artifact of (target, preset, TLS), tests none: built, or a cache hit."""
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.plan import Request, make_plan

    plan = make_plan(Request(target=target, preset=preset, tls=tls, tests="none"))
    outcome = run_build(plan, BuildOptions(jobs=jobs), lambda text: say(f"{preset}: {text}"))
    hit = "cache hit" if outcome.cache_hit else f"built in {outcome.duration_s:.0f} s"
    say(f"{plan.target.name} {preset} TLS {plan.tls.backend}: {outcome.artifact} ({hit})")
    return outcome.artifact, plan.target


def write_report(path: Path, started: datetime.datetime, **fields: Any) -> None:
    """A benchmark's --json file: the machine and date first, then its own fields."""
    data = {"machine": machine(), "date": started.isoformat(timespec="minutes"), **fields}
    path.write_text(json.dumps(data, indent=2) + "\n")


def machine() -> str:
    """CPU model, CPU count, OS and kernel: what the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    system = platform.system()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip('"')
    cpus = os.cpu_count() or 0
    return (
        f"{model or platform.processor() or platform.machine()}, {cpus} CPUs "
        f"({platform.machine()}), {system}, kernel {platform.release()}"
    )


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "n/a"


def ratio(value: float, base: float) -> float | None:
    return round(value / base, 3) if base else None
