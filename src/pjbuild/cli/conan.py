"""`pjbuild conan`: the Conan package of pjproject (`profile`: a target's host profile;
`create`: `conan create recipes/pjproject`, offline)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pjbuild.cli import args as shared
from pjbuild.cli.output import emit, out, say

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("conan", help="Conan package of pjproject: host profiles, conan create")
    conan_sub = p.add_subparsers(dest="conan_command", required=True)
    q = conan_sub.add_parser("profile", help="write the Conan host profile of a target")
    q.add_argument("--target", required=True)
    shared.tls(q)
    shared.deps(q)
    q.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    shared.data_dirs(q)
    q = conan_sub.add_parser("create", help="conan create recipes/pjproject for a target, offline")
    shared.build_inputs(q)
    shared.json_output(q, shared.LAST_LINE_JSON)
    shared.data_dirs(q)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.conan.create import conan_create, conan_profile

    if args.conan_command == "profile":
        features = shared.features(args.features)
        emit(
            conan_profile(args.target, args.tls, args.deps_from, features, args.toolchains_dir),
            args.out,
        )
        return 0
    result = conan_create(shared.request(args), say)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        out.print(f"conan create passed: {result['reference']} ({result['package_id']})")
    return 0
