"""`pjbuild versions`: the pinned pjproject versions, what each tree has, their patches; as a
table, JSON, or the docs' Markdown table."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rich.table import Table

from pjbuild.cli import args as shared
from pjbuild.cli.output import out
from pjbuild.inputs.versions import markdown, rows

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser(
        "versions", help="list the pinned pjproject versions, what each tree has, their patches"
    )
    shared.json_output(p)
    p.add_argument("--markdown", action="store_true", help="the versions table of the docs")
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    data = rows()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    if args.markdown:
        print(markdown(data))
        return 0
    table = Table("version", "archive", "CMake", "bundled", "patches", "description")
    for r in data:
        name = r["version"] + (" (default)" if r["default"] else "")
        where = r["archive"].get("error") or r["archive"]["where"].split(":")[0]
        cmake = {True: "yes", False: "no", None: "?"}[r["cmake"]]
        bundled = ", ".join(r["bundled"]) + (
            f"; lacks {', '.join(r['lacks'])}" if r["lacks"] else ""
        )
        patches = " ".join(p["file"][:4] for p in r["patches"]) or "-"
        patches += "".join(f"\nskips {s['file'][:4]}: {s['reason']}" for s in r["skipped_patches"])
        table.add_row(name, where, cmake, bundled, patches, r["description"])
    out.print(table)
    return 0
