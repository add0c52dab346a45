"""`pjbuild wheel`: the pjsua2 Python wheel (abi3) from the target's build, tested with calls
on the target."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli.output import line, say

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser(
        "wheel", help="pjsua2 Python wheel (abi3) from the target's build, tested with calls"
    )
    shared.build_inputs(p, target_default="host")
    p.add_argument(
        "--bound",
        action="store_true",
        help="the wheel of the named target itself, tagged for the glibc it builds against "
        "(default: its portable twin's, manylinux2014, where it has one)",
    )
    p.add_argument(
        "--python-api",
        default=None,
        metavar="cp3X",
        help="lowest CPython the wheel supports (limited API; default cp38)",
    )
    p.add_argument("--out", type=Path, default=Path("dist"), help="folder for the wheel")
    p.add_argument(
        "--no-smoke", action="store_true", help="skip the calls with the wheel on the target"
    )
    p.add_argument(
        "--sdist",
        action="store_true",
        help="write the sdist instead (pjsua2-<v>.tar.gz: `pip install` of it builds pjproject "
        "and the module on the installing machine with pjbuild's build path); nothing is built",
    )
    test_on(p)
    shared.building(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def test_on(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--test-on",
        action="append",
        default=[],
        metavar="DISTRO",
        help="also install the wheel with that distribution's pip in a root of it and make "
        "the calls there (repeatable; e.g. debian-11: glibc 2.31, Python 3.9)",
    )


def _sdist(args: argparse.Namespace, api: str) -> int:
    from pjbuild.plan import make_plan
    from pjbuild.wheel.build import check_plan, check_target
    from pjbuild.wheel.sdist import check_sdist_target, write_sdist

    request = shared.request(args)
    plan = make_plan(request)
    check_target(plan.target)
    check_sdist_target(plan)
    check_plan(plan)
    path = write_sdist(plan, request, api, args.out)
    summary = {"sdist": str(path), "size": path.stat().st_size, "target": "host"}
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        line(
            f"sdist: {path} ({path.stat().st_size / 1e6:.1f} MB; builds for the installing machine)"
        )
    return 0


def run(args: argparse.Namespace) -> int:
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.inputs.targets import load_targets, resolve_target, wheel_target
    from pjbuild.plan import make_plan
    from pjbuild.wheel.build import (
        build_wheel,
        check_api,
        check_plan,
        check_target,
        check_tools,
    )
    from pjbuild.wheel.distros import distro
    from pjbuild.wheel.pyroot import wheel_data

    data = wheel_data()
    api = check_api(args.python_api or data["default_api"], data)
    for name in args.test_on:
        distro(name, data)
    targets = load_targets(args.toolchains_dir)
    named = resolve_target(args.target, targets)
    if args.sdist:
        return _sdist(args, api)
    target = wheel_target(named, targets, bound=args.bound)
    if target is not named:
        say(f"{named.name}: the portable wheel is {target.name}'s (--bound: {named.name}'s own)")
    plan = make_plan(shared.request(args, target=target.name))
    check_target(plan.target)
    check_plan(plan)
    check_tools(data, plan.target.os)
    say(
        f"target {plan.target.name}, preset {plan.preset.name}, TLS {plan.tls.backend}, "
        f"python API {api}, inputs digest {plan.digest}"
    )
    opts = BuildOptions(
        jobs=args.jobs,
        force=args.force,
        ccache=not args.no_ccache,
        ccache_remote=shared.ccache_remote(args),
        test_jobs=args.test_jobs,
    )
    outcome = run_build(plan, opts, say)
    say(f"artifact: {outcome.artifact} ({'cache hit' if outcome.cache_hit else 'built'})")
    result = build_wheel(
        outcome,
        api=api,
        out=args.out,
        jobs=args.jobs,
        ccache=not args.no_ccache,
        smoke=not args.no_smoke,
        test_on=tuple(args.test_on),
        say=say,
    )
    summary = result.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
        return 0
    abi3 = "clean" if result.abi3["clean"] else "NOT clean"
    line(
        f"wheel: {result.path}\n"
        f"version {result.version}, tag {result.tag}, {result.size / 1e6:.1f} MB "
        f"(before repair {result.raw_size / 1e6:.1f} MB), bundled: "
        f"{', '.join(result.bundled) or 'nothing'}; abi3audit {abi3}; "
        f"calls on the target: {result.smoke['status']}"
        + "".join(f"; in {name}: {r['status']}" for name, r in result.distros.items()),
    )
    return 0
