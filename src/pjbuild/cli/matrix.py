"""`pjbuild matrix`: build and test many targets at once; writes matrix.md and matrix.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli import live
from pjbuild.cli.output import failed, line

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("matrix", help="build and test many targets; writes matrix.md/json")
    sel = p.add_mutually_exclusive_group(required=True)
    sel.add_argument("--targets", help="comma-separated target names")
    sel.add_argument("--all", action="store_true", help="every target (unsupported ones listed)")
    shared.build_inputs(p, one_target=False)
    shared.building(
        p,
        jobs_help="make jobs of the target compiling (one compiles at a time while the others "
        "run their tests)",
        json_help="last stdout line: the matrix JSON",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=None,
        help="targets at once: one compiles, the others run their tests on --jobs / N "
        "cores each (default: --jobs)",
    )
    p.add_argument(
        "--report",
        type=Path,
        default=Path("matrix-report"),
        help="folder for matrix.md and matrix.json",
    )
    p.add_argument(
        "--perf",
        action="store_true",
        help="after each passed build, a short pjsip-perf run on the target (stateless "
        "OPTIONS/s, INVITE calls/s) on 127.0.0.1, in the report",
    )
    shared.quiet(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.inputs.targets import load_targets, resolve_target
    from pjbuild.inputs.testsuites import check_suite, load_catalog
    from pjbuild.matrix import Totals, run_matrix, to_json, write_reports

    check_suite(args.tests or "quick", load_catalog())
    targets = load_targets(args.toolchains_dir)
    if args.all:
        chosen = sorted(targets.values(), key=lambda t: t.name)
    else:
        chosen = [resolve_target(n, targets) for n in shared.names(args.targets)]
    with live.display(json=args.json, quiet=args.quiet) as shown:
        entries = run_matrix(
            chosen,
            shared.request(args, target="host"),
            jobs=args.jobs,
            parallel=args.parallel or args.jobs,
            test_jobs=args.test_jobs,
            force=args.force,
            ccache=not args.no_ccache,
            ccache_remote=shared.ccache_remote(args),
            perf=args.perf,
            say=shown.say,
            progress=shown.progress,
            totals=(totals := Totals()),
        )
    tls, tests = args.tls or "per target", args.tests or "quick"
    title = f"pjbuild matrix: preset {args.preset}, TLS {tls}, tests {tests}"
    md, js = write_reports(entries, args.report, title, totals)
    failures = [e.target for e in entries if e.status == "failed"]
    if args.json:
        print(json.dumps(to_json(entries, totals), sort_keys=True))
    else:
        line(md.read_text())
        line(f"reports: {md} {js}")
    if failures:
        failed(
            f"{len(failures)} target(s) failed: {', '.join(failures)}",
            f"see {md} and each target's logs",
        )
        return 1
    return 0
