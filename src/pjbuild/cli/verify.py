"""`pjbuild verify`: rebuild an artifact cold in a scratch home and compare its bytes."""

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
        "verify", help="rebuild an artifact cold in a scratch home and compare its bytes"
    )
    p.add_argument("artifact", type=Path, help="an artifact folder (PJBUILD_HOME/artifacts/...)")
    shared.jobs(p)
    p.add_argument("--keep", action="store_true", help="keep the scratch home and rebuild")
    shared.json_output(p, shared.LAST_LINE_JSON)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.build.repro import verify_artifact

    result = verify_artifact(args.artifact, args.jobs, keep=args.keep, say=say)

    if result.reproducible:
        line(
            f"identical: {len(result.identical)} files of {args.artifact} rebuilt bit for bit "
            f"(inputs digest {result.inputs_digest})"
        )
    else:
        line(f"NOT reproducible: {len(result.differing)} file(s) differ")
        for rel in result.differing:
            changed = " (changed since the build)" if rel in result.modified else ""
            line(f"  differs: {rel}{changed}")
        for rel in result.only_original:
            line(f"  only in the artifact: {rel}")
        for rel in result.only_rebuilt:
            line(f"  only in the rebuild: {rel}")
        if result.diffoscope:
            line(f"diffoscope report: {result.diffoscope}")
        elif result.differing:
            line("(install diffoscope for a report of what differs)")
    if args.json:
        print(json.dumps(result.to_json()))
    return 0 if result.reproducible else 1
