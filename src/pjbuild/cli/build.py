"""`pjbuild build`: build, verify on the target, test and publish one artifact."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli import live
from pjbuild.cli.output import line, out
from pjbuild.core.errors import ConfigError
from pjbuild.inputs import cmake

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("build", help="build, verify on the target, test and publish")
    shared.build_inputs(p)
    shared.building(p)
    shared.quiet(p)
    p.add_argument(
        "--ctest",
        action="store_true",
        help="after the suite, run upstream's CTest in the CMake build tree through the target's "
        "runner and record its result in the manifest (cross-check; --engine cmake; rebuilds)",
    )
    p.add_argument(
        "--ctest-timeout",
        type=float,
        default=600.0,
        help="seconds per CTest test (times the runner's factor; default 600)",
    )
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.plan import make_plan

    remote = shared.ccache_remote(args)  # checked before anything is planned
    with live.display(json=args.json, quiet=args.quiet) as shown:
        plan = make_plan(shared.request(args))
        if args.ctest and plan.engine != cmake.ENGINE:
            raise ConfigError(
                f"--ctest runs upstream's CTest, which only the cmake engine's build has (this "
                f"build's engine: {plan.engine})",
                hint="add --engine cmake, or leave out --ctest",
            )
        shown.say(
            f"target {plan.target.name}, preset {plan.preset.name}, TLS {plan.tls.backend} "
            f"({plan.tls.provider}), inputs digest {plan.digest}"
        )
        for dep in plan.deps:
            shown.say(
                f"dependency {dep.name}: {dep.package or dep.recipe.version} ({dep.provider})"
            )
        outcome = run_build(
            plan,
            BuildOptions(
                jobs=args.jobs,
                force=args.force or args.ctest,  # CTest runs in the build tree: a rebuild
                ccache=not args.no_ccache,
                ccache_remote=remote,
                test_jobs=args.test_jobs,
                progress=shown.progress,
                ctest=args.ctest,
                ctest_timeout_s=args.ctest_timeout,
            ),
            shown.say,
        )
    summary = outcome.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
        return 0
    if shown.mode == "terminal" and outcome.suite is not None:
        out.print(live.summary_table(outcome.suite))
    t = summary["tests"]
    tls = summary["tls"]
    features = "".join(
        f"; {name}: verified={f['verified']} call={f['on_target_test']}"
        for name, f in summary["features"].items()
    )
    line(
        f"{'cache hit' if outcome.cache_hit else 'built'}: {summary['artifact']}\n"
        f"TLS {tls['requested']} verified={tls['verified']} "
        f"ssl_sock_test={tls.get('on_target_test', 'not-run')}{features}; "
        f"tests ({t['suite']}): {t['passed']} passed, {t['failed']} failed, "
        f"{t['skipped']} skipped, {t['known']} known; {summary['duration_s']:.1f}s",
    )
    return 0
