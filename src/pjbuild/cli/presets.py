"""`pjbuild presets`: the presets (config_site/presets/*.toml), as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table

from pjbuild.cli import args as shared
from pjbuild.cli.output import out
from pjbuild.inputs.options import load_presets, load_schema, show_value

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("presets", help="list presets")
    shared.json_output(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    presets = load_presets(load_schema(), args.presets_dir)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "description": p.description,
            "cflags": list(p.cflags),
            "ldflags": list(p.ldflags),
            "dep_cflags": list(p.dep_cflags),
            "options": dict(p.options),
            "notes": p.notes.strip(),
            "file": str(p.path),
        }
        for p in presets.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table("preset", "description", "flags", "options")
    for r in rows:
        opts = " ".join(f"{k}={show_value(v)}" for k, v in r["options"].items())
        flags = " ".join([*r["cflags"], *r["ldflags"]])
        table.add_row(r["name"], r["description"], flags, opts)
    out.print(table)
    return 0
