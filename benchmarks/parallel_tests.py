"""Concurrent tests against one at a time: the quick suite run N times on one cached artifact.

Both modes in one run, on the same artifact and machine state:
  parallel    the default: --jobs x the runner's share of test processes at once, each in its
              own loopback-only network namespace, longest first
  sequential  --test-jobs 1: one test after another (pjbuild before issue 21)
For each run: the suite's wall time, its longest test, the ratio wall/longest, and every
failure and flaky pass (a test that failed, then passed on its retry). Goals (issue 21): the
host quick suite's wall <= 1.3x its longest test, the same for linux-armhf under QEMU, and no
failure or flaky pass in 20 host runs and 10 armhf runs.

    python benchmarks/parallel_tests.py [--target host] [--runs 20] [--sequential-runs 2]
                                        [--test-jobs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness
from pjbuild.build.run import BuildOptions, run_build, run_tests
from pjbuild.ontarget.testsuites import SuiteResult
from pjbuild.plan import Request, make_plan


def one_run(suite: SuiteResult) -> dict[str, Any]:
    longest = max(suite.results, key=lambda r: r.duration_s)
    return {
        "wall_s": suite.wall_s,
        "longest": f"{longest.program}:{longest.test}",
        "longest_s": longest.duration_s,
        "ratio": round(suite.wall_s / longest.duration_s, 2) if longest.duration_s else 0.0,
        "jobs": suite.concurrency.jobs,
        "failed": [
            f"{r.program}:{r.test}: {r.reason}" for r in suite.results if r.status == "failed"
        ],
        "flaky": [f"{r.program}:{r.test}: {r.reason}" for r in suite.results if r.flaky],
        # each test's seconds (its last attempt), to set timeouts and estimates from
        "durations": {f"{r.program}:{r.test}": r.duration_s for r in suite.results},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--target", default="host")
    ap.add_argument("--tls", default=None)
    ap.add_argument("--suite", default="quick")
    ap.add_argument("--runs", type=int, default=20, help="parallel runs")
    ap.add_argument("--sequential-runs", type=int, default=2, help="one-at-a-time runs")
    ap.add_argument("--test-jobs", type=int, default=None, help="parallel mode's --test-jobs")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--feature", action="append", default=[])
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)

    def say(text: str) -> None:
        print(text, flush=True)

    request = Request(
        target=args.target, tls=args.tls, tests=args.suite, features=tuple(args.feature)
    )
    plan = make_plan(request)
    built = run_build(
        make_plan(
            Request(target=args.target, tls=args.tls, tests="none", features=request.features)
        ),
        BuildOptions(jobs=args.jobs),
        lambda text: None,
    )
    say(f"{plan.target.name}: {built.artifact} ({'cache hit' if built.cache_hit else 'built'})")
    say(f"machine: {harness.machine()}; load {harness.load_average()}")
    modes = {
        "parallel": (args.runs, BuildOptions(jobs=args.jobs, test_jobs=args.test_jobs)),
        "sequential": (args.sequential_runs, BuildOptions(jobs=args.jobs, test_jobs=1)),
    }
    report: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="pjbuild-bench-") as tmp:
        copy = Path(tmp) / "artifact"  # the runs write logs into it: not into the cache
        shutil.copytree(built.artifact, copy, symlinks=True)
        for mode, (runs, opts) in modes.items():
            report[mode] = []
            for i in range(1, runs + 1):
                shutil.rmtree(copy / "logs" / "tests", ignore_errors=True)
                suite, _ = run_tests(plan, copy, Path(tmp) / "run", lambda text: None, opts)
                assert suite is not None
                run = one_run(suite)
                report[mode].append(run)
                trouble = "; ".join(run["failed"] + run["flaky"]) or "clean"
                say(
                    f"{mode} {i}/{runs}: {run['jobs']} at once, wall {run['wall_s']:.1f} s, "
                    f"longest {run['longest']} {run['longest_s']:.1f} s, "
                    f"ratio {run['ratio']:.2f}; {trouble}"
                )
    say("")
    say(f"| {plan.target.name} {args.suite} | runs | at once | wall (s, median) | longest test "
        "(s, median) | wall / longest | failed runs | flaky passes |")  # fmt: skip
    say("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for mode, runs in report.items():
        if not runs:
            continue
        walls = [r["wall_s"] for r in runs]
        longest = [r["longest_s"] for r in runs]
        say(
            f"| {mode} | {len(runs)} | {runs[0]['jobs']} | {statistics.median(walls):.1f} "
            f"| {statistics.median(longest):.1f} "
            f"| {statistics.median(walls) / statistics.median(longest):.2f} "
            f"| {sum(1 for r in runs if r['failed'])} | {sum(len(r['flaky']) for r in runs)} |"
        )
    if report["parallel"] and report["sequential"]:
        par = statistics.median(r["wall_s"] for r in report["parallel"])
        seq = statistics.median(r["wall_s"] for r in report["sequential"])
        say(f"parallel / sequential wall: {par / seq:.2f}")
    if args.json:
        harness.write_report(args.json, started, target=plan.target.name, runs=report)
    return 0


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
