"""pjbuild's own overhead, and the engines against each other: bare build vs `pjbuild build`
(cold) vs a cache hit, for autotools and for cmake.

All in one run, same configuration, same machine state, no ccache (CCACHE_DISABLE=1), for each
engine (--engines, default both):
  bare      extract + patch + config_site.h done untimed, then timed: autotools
            `./configure ARGS && make -jN`; cmake the generated toolchain file, `cmake -G Ninja
            ENTRIES && cmake --build --parallel N` (the same plan, translated)
  no-op     the bare build's `make -jN` / `cmake --build` again, nothing to do
  cold      `pjbuild build --engine E --tests none --no-ccache` in an empty PJBUILD_HOME (timed
            end to end: verify, extract, patch, configure, build, install, probe, publish)
  hit       the same command again (cache hit)
Prints the times and the ratios cold/bare (goal <= 1.03), hit (goal <= 1 s), and
cmake bare / autotools bare: whether Ninja beats recursive make here.

    python benchmarks/overhead.py [--target host] [--tls openssl] [--jobs N]
                                  [--engines autotools,cmake]
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
from pjbuild.core.procs import find_tool
from pjbuild.engines.toolchain import toolchain_text
from pjbuild.inputs import cmake

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness
from pjbuild.plan import BuildPlan, Request, make_plan


def timed(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    subprocess.run(
        argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.monotonic() - start


def bare_build(plan: BuildPlan, src: Path, env: dict[str, str], jobs: int) -> tuple[float, float]:
    """The engine's own commands by hand in ``src``: (configure + build, no-op build)."""
    build_env = {**env, **dict(plan.env)}
    if plan.engine == cmake.ENGINE:
        build = src / cmake.load().build_dir
        build.mkdir()
        (build / cmake.TOOLCHAIN_FILE).write_text(toolchain_text(plan, dict(plan.env), "bench"))
        quiet = {v: "" for v in ("CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS")}
        build_env = {**build_env, **quiet}
        exe = find_tool("cmake") or "cmake"
        configure = [
            exe,
            *plan.configure_command()[1:],
            f"-DCMAKE_MAKE_PROGRAM={find_tool('ninja')}",
        ]
        make = [exe, "--build", str(build), "--parallel", str(jobs)]
    else:
        configure, make = plan.configure_command(), ["make", f"-j{jobs}"]
    first = timed(configure, src, build_env) + timed(make, src, build_env)
    return first, timed(make, src, build_env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--target", default="host")
    ap.add_argument("--tls", default="openssl")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--engines", default="autotools,cmake")
    args = ap.parse_args()

    engines = [e for e in args.engines.split(",") if e]
    rows: dict[str, dict[str, float]] = {}
    for engine in engines:
        rows[engine] = one_engine(args, engine)
    print(f"target {args.target}, preset {args.preset}, TLS {args.tls}, -j{args.jobs}, no ccache")
    for engine, r in rows.items():
        bare = f"{engine:9s} bare configure+build : {r['bare']:8.2f} s"
        print(f"{bare}   no-op re-run {r['noop']:6.2f} s")
        print(
            f"{engine:9s} pjbuild cold         : {r['cold']:8.2f} s   "
            f"ratio cold/bare = {r['cold'] / r['bare']:.3f} (goal <= 1.03)"
        )
        print(f"{engine:9s} pjbuild cache hit    : {r['hit']:8.2f} s   (goal <= 1 s)")
    if "autotools" in rows and "cmake" in rows:
        a, c = rows["autotools"], rows["cmake"]
        print(
            f"cmake/autotools bare = {c['bare'] / a['bare']:.3f}, no-op = "
            f"{c['noop'] / a['noop']:.3f}, pjbuild cold = {c['cold'] / a['cold']:.3f} "
            "(< 1: Ninja faster than recursive make)"
        )
    return 0


def one_engine(args: argparse.Namespace, engine: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pjbuild-bench-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "PJBUILD_HOME": str(root / "home"), "CCACHE_DISABLE": "1"}
        os.environ["PJBUILD_HOME"] = env["PJBUILD_HOME"]
        plan = make_plan(
            Request(
                target=args.target, preset=args.preset, tls=args.tls, tests="none", engine=engine
            )
        )
        # bare: the same tree, header, environment and engine arguments, by hand
        src = extract(plan.source.path, root / "bare")
        for patch in plan.source.version.patches:
            subprocess.run(["patch", "-p1", "-s", "-i", str(patch.file)], cwd=src, check=True)
        (src / "pjlib/include/pj/config_site.h").write_text(plan.header)
        bare, noop = bare_build(plan, src, env, args.jobs)

        cmd = [
            sys.executable,
            "-m",
            "pjbuild",
            "build",
            "--target",
            args.target,
            "--tls",
            args.tls,
            "--engine",
            engine,
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

    return {"bare": bare, "noop": noop, "cold": cold, "hit": hit}


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
