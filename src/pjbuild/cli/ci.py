"""`pjbuild ci`: CI from the target list (`github`: a GitHub Actions workflow; `gitlab`: a
GitLab CI pipeline; `matrix`: the matrix for other CI systems; `summary`: the Markdown report
of the build jobs' results)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from pjbuild.cli import args as shared
from pjbuild.cli.output import emit, out
from pjbuild.inputs.targets import load_targets, resolve_target

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("ci", help="CI generation from the target list")
    ci_sub = p.add_subparsers(dest="ci_command", required=True)
    q = ci_sub.add_parser("github", help="write a GitHub Actions workflow (a job per target)")
    q.add_argument("--targets", default=None, help="comma-separated (default: every supported)")
    q.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    shared.data_dirs(q)
    q = ci_sub.add_parser("gitlab", help="write a GitLab CI pipeline (a job per target)")
    q.add_argument("--targets", default=None, help="comma-separated (default: every supported)")
    q.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    shared.data_dirs(q)
    q = ci_sub.add_parser("matrix", help="the CI matrix (every target) for other CI systems")
    q.add_argument("--targets", default=None)
    shared.json_output(q, "JSON (the default output is a table)")
    shared.data_dirs(q)
    q = ci_sub.add_parser("summary", help="Markdown report from the build jobs' results")
    q.add_argument("results", type=Path, help="folder with <any>/<target>/result.json")
    q.add_argument("--targets", required=True, help="comma-separated: the matrix's targets")
    shared.data_dirs(q)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.ci.github import github_workflow
    from pjbuild.ci.gitlab import gitlab_pipeline
    from pjbuild.ci.jobs import matrix_entries
    from pjbuild.ci.summary import summary_markdown

    if args.ci_command == "summary":
        print(summary_markdown(args.results, shared.names(args.targets)), end="")
        return 0
    targets = load_targets(args.toolchains_dir)
    if args.targets:
        chosen = [resolve_target(n, targets) for n in shared.names(args.targets)]
    else:
        chosen = list(targets.values())
    if args.ci_command == "github":
        emit(github_workflow(chosen), args.out)
        return 0
    if args.ci_command == "gitlab":
        emit(gitlab_pipeline(chosen), args.out)
        return 0
    entries = matrix_entries(chosen)
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    table = Table("target", "status", "runs-on", "runner", "TLS", "wheel")
    for e in entries:
        table.add_row(
            e["target"], e["status"], e["runs-on"], e["runner"], e["tls"],
            "yes" if e["wheel"] else "",
        )  # fmt: skip
    out.print(table)
    return 0
