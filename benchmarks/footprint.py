"""Footprint of what pjbuild builds: stripped sizes per preset and target.

For each target (default: host and linux-armhf) and preset (default, max-speed, minimal-size,
asterisk), the artifact (built, or a cache hit; tests none; the same TLS for every preset of a
target), then with the target's own `strip` (Target.compilers.strip), on copies:

  pjsua    bin/pjsua after `strip --strip-all`
  libs     pjproject's static libraries (prefix/lib/libpj*.a; not the TLS/SRTP libraries
           merged into the prefix) after `strip --strip-debug`: what a static library can
           lose and still link; and their text + data (`size`), the code a program links from
           them without the symbol and relocation tables an archive keeps; and "same libs":
           only the libraries the preset shares with `default` (minimal-size leaves libpjsua2,
           the C++ API, out), the like-for-like figure
  bundled  the libraries pjproject builds from third_party/ (GSM, iLBC, speex, SRTP, WebRTC,
           ...; upstream trees only) after `strip --strip-debug`, and libs + bundled: what a
           build ships of pjproject's

and the ratios to `default`, with the goal minimal-size <= 0.75x default (both figures).

    python benchmarks/footprint.py [--targets host,linux-armhf] [--presets a,b,...]
                                   [--tls openssl] [--jobs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness, sizes

PRESETS = ("default", "max-speed", "minimal-size", "asterisk")
GOAL = 0.75  # minimal-size / default


def say(text: str) -> None:
    print(f"[footprint] {text}", file=sys.stderr, flush=True)


def kib(n: int) -> str:
    return f"{n / 1024:,.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--targets", default="host,linux-armhf")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument(
        "--tls",
        default=None,
        help="TLS for every build (default: host openssl, others the target's default)",
    )
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args()
    presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    if "default" not in presets:
        presets.insert(0, "default")
    started = datetime.datetime.now().astimezone()

    results: list[dict[str, Any]] = []
    for name in (t.strip() for t in args.targets.split(",") if t.strip()):
        tls = args.tls or ("openssl" if name == "host" else None)
        sizes: dict[str, sizes.Footprint] = {}
        target_name = name
        for preset in presets:
            artifact, target = harness.build_artifact(name, preset, tls, jobs=args.jobs, say=say)
            target_name = target.name
            sizes[preset] = sizes.footprint(artifact / "prefix", target.compilers.strip)
        base = sizes["default"]
        rows = {}
        for preset, fp in sizes.items():
            same, left_out = sizes.common_libs_ratio(fp, base)
            rows[preset] = {
                **fp.to_json(),
                "pjsua_ratio": harness.ratio(fp.pjsua, base.pjsua),
                "libs_ratio": harness.ratio(fp.libs, base.libs),
                "libs_code_ratio": harness.ratio(fp.libs_code or 0, base.libs_code or 0),
                "libs_same_ratio": same,
                "libs_left_out": left_out,
                # what a build ships of pjproject's: its libraries and the bundled ones
                "all_libs_ratio": harness.ratio(fp.libs + fp.bundled, base.libs + base.bundled),
            }
        results.append({"target": target_name, "tls": tls or "target default", "presets": rows})

    print("stripped sizes (KiB): pjsua --strip-all, pjproject's static libraries --strip-debug")
    print(f"machine: {harness.machine()}")
    print(f"date: {started:%Y-%m-%d %H:%M %Z}")
    print()
    print(
        f"{'target':<14}{'preset':<14}{'pjsua':>10}{'x default':>11}{'libs':>10}{'x default':>11}"
        f"{'libs text+data':>16}{'x default':>11}{'same libs':>11}{'libs unstripped':>17}"
        f"{'bundled':>10}{'libs+bundled x default':>24}"
    )
    verdicts = []
    for res in results:
        for preset, row in res["presets"].items():
            print(
                f"{res['target']:<14}{preset:<14}{kib(row['pjsua']):>10}{row['pjsua_ratio']:>11.3f}"
                f"{kib(row['libs']):>10}{row['libs_ratio']:>11.3f}"
                f"{kib(row['libs_code'] or 0):>16}{row['libs_code_ratio'] or 0:>11.3f}"
                f"{row['libs_same_ratio'] or 0:>11.3f}{kib(row['libs_unstripped']):>17}"
                f"{kib(row['bundled']):>10}{row['all_libs_ratio'] or 0:>24.3f}"
            )
        small = res["presets"].get("minimal-size")
        if small:
            ok = small["pjsua_ratio"] <= GOAL and small["libs_ratio"] <= GOAL
            left = ", ".join(small["libs_left_out"])  # file names: lib<name>-<triplet>.a
            verdicts.append(
                f"{res['target']}: minimal-size is {small['pjsua_ratio']:.3f}x default (pjsua), "
                f"{small['libs_ratio']:.3f}x (libraries; text+data "
                f"{small['libs_code_ratio'] or 0:.3f}x; the libraries both build "
                f"{small['libs_same_ratio'] or 0:.3f}x"
                + (f", left out: {left}" if left else "")
                + f"): goal <= {GOAL}x {'met' if ok else 'MISSED'}"
            )
    print()
    print("\n".join(verdicts))
    if args.json:
        harness.write_report(args.json, started, results=results)
    return 0


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
