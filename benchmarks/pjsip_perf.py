"""SIP throughput of what pjbuild builds: presets `default` vs `max-speed`, pjsip-perf.

For the host and one emulated target (default linux-armhf, through its runner: qemu-arm), the
artifacts of both presets (same TLS; built, or cache hits, tests none), then pjproject's
pjsip-perf sample as server and client on 127.0.0.1 (in a loopback-only network namespace, see
pjbuild.ontarget.perf), three rates each:

  stateless OPTIONS/s   sip:0@ (the server answers without a transaction)
  stateful OPTIONS/s    sip:1@ (a UAS transaction per request)
  INVITE calls/s        sip:2@ (INVITE, 200 + SDP, ACK, BYE, 200)

Every rate is the client's completed requests per second (pjsip-perf's own figure), the best
of --repeats runs (the median is printed too), and the same requests per second of the server's
CPU time (less sensitive to other load on the machine). Runs alternate between the presets so a
change of load hits both; server and client share one CPU (pjbuild.ontarget.perf.settle). Emulated
targets send a quarter of the requests. Prints the machine, date, load average, both tables and
the max-speed/default ratios.

Rates in a shared VM vary between runs by more than a preset changes, so for the host it also
counts the server's instructions per request with valgrind's callgrind (pjbuild.ontarget.perf
count_instructions: exact repeats; user-space work only, not the kernel's), unless
--no-instructions or valgrind is missing (then it says so).

    python benchmarks/pjsip_perf.py [--tls openssl] [--emulated linux-armhf|none]
                                    [--repeats 3] [--no-instructions] [--jobs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness
from pjbuild.ontarget import perf
from pjbuild.ontarget.runners import runner_for

PRESETS = ("default", "max-speed")


def say(text: str) -> None:
    print(f"[pjsip_perf] {text}", file=sys.stderr, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tls", default="openssl", help="TLS of the host builds (default openssl)")
    ap.add_argument("--emulated", default="linux-armhf", help="emulated target, or 'none'")
    ap.add_argument("--emulated-tls", default=None, help="its TLS (default: the target's)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    ap.add_argument(
        "--no-instructions", action="store_true", help="do not count instructions (callgrind)"
    )
    args = ap.parse_args()

    runs = [("host", args.tls)]
    if args.emulated != "none":
        runs.append((args.emulated, args.emulated_tls))
    started = datetime.datetime.now().astimezone()
    results: list[dict[str, Any]] = []
    for target_name, tls in runs:
        artifacts = {}
        target = None
        for preset in PRESETS:
            artifact, target = harness.build_artifact(
                target_name, preset, tls, jobs=args.jobs, say=say
            )
            artifacts[preset] = perf.program_in(artifact)
        assert target is not None
        runner = runner_for(target)
        counts = perf.counts_for(runner, perf.FULL_COUNTS)
        say(
            f"{target.name}: measuring ({runner.describe()}), load average {harness.load_average()}"
        )
        with tempfile.TemporaryDirectory(prefix="pjbuild-perf-") as tmp:
            done = perf.measure(
                artifacts, runner, counts=counts, repeats=args.repeats, work=Path(tmp)
            )
        rates = done.rates
        instructions: dict[str, dict[str, float]] = {}
        if runner.kind == "native" and not args.no_instructions:
            if shutil.which("valgrind"):
                say(f"{target.name}: counting instructions per request (callgrind)")
                with tempfile.TemporaryDirectory(prefix="pjbuild-perf-ir-") as tmp:
                    instructions = perf.count_instructions(artifacts, work=Path(tmp))
            else:
                say("valgrind is not installed: no instruction counts (apt-get install valgrind)")
        results.append(
            {
                "target": target.name,
                "runner": runner.describe(),
                "conditions": done.describe(),
                "counts": counts,
                "rates": {p: {n: r.to_json() for n, r in rs.items()} for p, rs in rates.items()},
                "ratios": {
                    n: harness.ratio(rates["max-speed"][n].best, rates["default"][n].best)
                    for n in perf.SCENARIOS
                },
                "cpu_ratios": {
                    n: harness.ratio(rates["max-speed"][n].best_cpu, rates["default"][n].best_cpu)
                    for n in perf.SCENARIOS
                },
                "instructions": instructions,
                "instruction_ratios": {
                    n: harness.ratio(instructions["max-speed"][n], instructions["default"][n])
                    for n in perf.SCENARIOS
                }
                if instructions
                else {},
            }
        )

    print(f"pjsip-perf, presets {' vs '.join(PRESETS)}, best of {args.repeats} runs (median)")
    print(f"machine: {harness.machine()}")
    print(f"date: {started:%Y-%m-%d %H:%M %Z}, load average after: {harness.load_average()}")
    for title, best, median, ratio_key in (
        ("pjsip-perf's rates (client, wall clock)", "best", "median", "ratios"),
        ("per second of the server's CPU time", "best_cpu", "median_cpu", "cpu_ratios"),
    ):
        print()
        print(title)
        head = "".join(f"{perf.SCENARIOS[n].label:>24}" for n in perf.SCENARIOS)
        print(f"{'target':<14}{'preset':<12}{head}")
        for res in results:
            for preset in PRESETS:
                cells = "".join(
                    f"{r[best]:>14.0f} ({r[median]:>6.0f})"
                    for r in (res["rates"][preset][n] for n in perf.SCENARIOS)
                )
                print(f"{res['target']:<14}{preset:<12}{cells}")
            ratios = "".join(f"{res[ratio_key][n]:>24.3f}" for n in perf.SCENARIOS)
            print(f"{res['target']:<14}{'ratio':<12}{ratios}   (max-speed / default, best)")
    for res in results:
        if not res["instructions"]:
            continue
        print()
        print(f"{res['target']}: server instructions per request (callgrind; fewer is faster)")
        head = "".join(f"{n:>24}" for n in perf.SCENARIOS)  # instructions, not rates
        print(f"{'preset':<26}{head}")
        for preset in PRESETS:
            cells = "".join(f"{res['instructions'][preset][n]:>24,.0f}" for n in perf.SCENARIOS)
            print(f"{preset:<26}{cells}")
        ratios = "".join(f"{res['instruction_ratios'][n]:>24.3f}" for n in perf.SCENARIOS)
        print(f"{'max-speed / default':<26}{ratios}")
        counts = ", ".join(f"{n} {c} and {3 * c}" for n, c in perf.INSTRUCTION_COUNTS.items())
        print(f"  requests per run, one outstanding (-w 1): {counts}; shut-down not counted")
    print()
    for res in results:
        counts = ", ".join(f"{n} {c}" for n, c in res["counts"].items())
        print(f"{res['target']}: requests per run: {counts}; runner: {res['runner']}")
        print(f"  {res['conditions']}")
    if args.json:
        harness.write_report(args.json, started, repeats=args.repeats, results=results)
    return 0


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
