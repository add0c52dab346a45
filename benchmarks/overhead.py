"""pjbuild's own overhead: bare configure+make vs `pjbuild build` (cold) vs a cache hit.

All three in one run, same configuration, same machine state, no ccache (CCACHE_DISABLE=1):
  bare      extract + patch + config_site.h done untimed, then timed `./configure ARGS && make -jN`
  cold      `pjbuild build --tests none --no-ccache` in an empty PJBUILD_HOME (timed end to end:
            verify, extract, patch, configure, make, install, on-target probe, publish)
  hit       the same command again (cache hit)
Prints the times and the ratios cold/bare and hit (goals: cold <= 1.03x bare, hit <= 1 s).

    python benchmarks/overhead.py [--target host] [--tls openssl] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pjbuild.build.extract import extract

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness
from pjbuild.plan import Request, make_plan


def timed(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    subprocess.run(
        argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--target", default="host")
    ap.add_argument("--tls", default="openssl")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="pjbuild-bench-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "PJBUILD_HOME": str(root / "home"), "CCACHE_DISABLE": "1"}
        os.environ["PJBUILD_HOME"] = env["PJBUILD_HOME"]
        plan = make_plan(
            Request(target=args.target, preset=args.preset, tls=args.tls, tests="none")
        )
        # bare: the same tree, header, environment and configure arguments, by hand
        src = extract(plan.source.path, root / "bare")
        for patch in plan.source.version.patches:
            subprocess.run(["patch", "-p1", "-s", "-i", str(patch.file)], cwd=src, check=True)
        (src / "pjlib/include/pj/config_site.h").write_text(plan.header)
        build_env = {**env, **dict(plan.env)}
        bare = timed(plan.configure_command(), src, build_env)
        bare += timed(["make", f"-j{args.jobs}"], src, build_env)

        cmd = [
            sys.executable,
            "-m",
            "pjbuild",
            "build",
            "--target",
            args.target,
            "--tls",
            args.tls,
            "--preset",
            args.preset,
            "--tests",
            "none",
            "--no-ccache",
            "--jobs",
            str(args.jobs),
        ]
        cold = timed(cmd, env=env)
        hit = timed(cmd, env=env)

    print(f"target {plan.target.name}, preset {args.preset}, TLS {args.tls}, make -j{args.jobs}")
    print(f"bare configure+make : {bare:8.2f} s")
    print(
        f"pjbuild cold        : {cold:8.2f} s   ratio cold/bare = {cold / bare:.3f} (goal <= 1.03)"
    )
    print(f"pjbuild cache hit   : {hit:8.2f} s   (goal <= 1 s)   ratio hit/bare = {hit / bare:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
