"""`pjbuild gc`: remove stale work folders and, with --keep/--max-size, old artifacts."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli.output import line
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser(
        "gc", help="remove stale work folders and, with --keep/--max-size, old artifacts"
    )
    p.add_argument(
        "--keep",
        type=int,
        default=None,
        metavar="N",
        help="keep the N most recently used artifacts",
    )
    p.add_argument(
        "--max-size",
        default=None,
        metavar="SIZE",
        help="keep artifacts within SIZE (e.g. 500M, 2G)",
    )
    p.add_argument("--dry-run", action="store_true", help="only say what would go")
    shared.json_output(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.build.cache import gc, parse_size

    if args.keep is not None and args.keep < 0:
        raise ConfigError("--keep must be 0 or more")
    limit = parse_size(args.max_size) if args.max_size else None
    report = gc(paths.home(), keep=args.keep, max_size=limit, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"

    for folder in report.removed_work:
        line(f"{verb} work folder {folder}")
    for folder in report.removed_broken:
        line(f"{verb} broken or leftover {folder}")
    for digest in report.removed_artifacts:
        line(f"{verb} artifact {digest}")
    for folder in report.busy:
        line(f"left alone (a build holds its lock): {folder}")
    if report.killed_groups:
        line(f"killed {len(report.killed_groups)} orphaned build step(s)")
    line(
        f"{verb} {report.freed_bytes / (1 << 20):.1f} MiB; kept {len(report.kept)} artifact(s), "
        f"{report.kept_bytes / (1 << 20):.1f} MiB"
    )
    if args.json:
        print(json.dumps(asdict(report)))
    return 0
