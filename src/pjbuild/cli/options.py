"""`pjbuild options`: the config_site.h option schema, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table

from pjbuild.cli import args as shared
from pjbuild.cli.output import out
from pjbuild.inputs.options import load_schema

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("options", help="list the config_site.h option schema")
    shared.json_output(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    schema = load_schema()
    rows: list[dict[str, Any]] = [
        {
            "name": o.name,
            "type": o.type,
            "default": o.default,
            "allowed": o.allowed_text(),
            "upstream": o.upstream,
            "managed_by": o.managed_by,
            "implies": {k: list(v) for k, v in o.implies},
            "description": o.description,
        }
        for o in schema.options.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table("option", "type", "allowed", "upstream default", "description")
    for r in rows:
        desc = r["description"] + (f" [set by --{r['managed_by']}]" if r["managed_by"] else "")
        table.add_row(r["name"], r["type"], r["allowed"], r["upstream"], desc)
    out.print(table)
    return 0
