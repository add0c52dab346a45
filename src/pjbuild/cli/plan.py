"""`pjbuild plan`: what a build would do (config_site.h, commands, dependencies, components,
tests) and its inputs digest, without building."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli.output import line

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands
    from pjbuild.plan import BuildPlan


def add(sub: Subcommands) -> None:
    p = sub.add_parser("plan", help="print config_site.h, configure command and test plan")
    shared.build_inputs(p)
    shared.json_output(p)
    p.add_argument("--digest", action="store_true", help="print only the inputs digest")
    p.add_argument(
        "--no-fetch",
        action="store_true",
        help="plan from the pinned sha256 without fetching the archive (on any machine, "
        "e.g. an MSVC or macOS target on Linux); the tree is described by the versions table",
    )
    shared.jobs(p, "shown in commands")
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.plan import make_plan

    plan = make_plan(shared.request(args))
    if args.digest:
        print(plan.digest)
    elif args.json:
        print(json.dumps(plan.to_json(args.jobs), indent=2))
    else:
        show(plan, args.jobs)
    return 0


def show(plan: BuildPlan, jobs: int) -> None:
    line(
        f"# target {plan.target.name}, pjproject {plan.source.version.version}, "
        f"inputs digest {plan.digest}"
    )
    line("\n## config_site.h\n")
    line(plan.header)
    line(f"## build ({plan.engine})\n")
    env = " ".join(f"{k}={json.dumps(v) if ' ' in v else v}" for k, v in plan.env)
    if env:
        line(f"environment: {env}")
    for argv in plan.build_commands(jobs):
        line(" ".join(argv))
    line()
    line("## patches\n")
    for patch in plan.source.version.patches:
        line(f"- {patch.file.name}: {patch.description}")
    for skip in plan.source.version.skipped:
        line(f"- not applied: {skip.name}: {skip.reason}")
    if not plan.source.version.patches and not plan.source.version.skipped:
        line("- none")
    line()
    line("## dependencies\n")
    if not plan.deps:
        line("- none")
    for dep in plan.deps:
        where = (
            f"built from {dep.recipe.source.filename if dep.recipe.source else '?'} into "
            f"{dep.prefix}"
            if dep.provider == "source"
            else f"system package {dep.package}"
        )
        line(f"- {dep.name} {dep.recipe.version} ({dep.provider}): {where}")
    line("\n## components\n")
    for d in plan.tree:
        line(f"- {d.component}: {d.action} ({d.detail})")
    line(f"\n## tests: {plan.tests} (runner: {plan.target.runner.kind})\n")
    test_plan = plan.test_plan()
    if isinstance(test_plan, dict):
        for prog, tests in test_plan.items():
            line(f"- {prog}: {' '.join(tests)}")
    else:
        line(f"- {test_plan}")
