"""`pjbuild doctor`: what a target needs and which package provides it (--install installs
what is missing)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.table import Table

from pjbuild.cli import args as shared
from pjbuild.cli.output import failed, line, out, say

if TYPE_CHECKING:
    from pjbuild.cli.args import Subcommands


def add(sub: Subcommands) -> None:
    p = sub.add_parser("doctor", help="what a target needs and which package provides it")
    p.add_argument("--target", default="host")
    shared.tls(p)
    shared.deps(p)
    p.add_argument(
        "--wheel",
        action="store_true",
        help="also what `pjbuild wheel` needs (Python tools, sipp, the target's Python root)",
    )
    p.add_argument(
        "--bound",
        action="store_true",
        help="with --wheel: the named target's own wheel, not its portable twin's",
    )
    p.add_argument(
        "--test-on",
        action="append",
        default=[],
        metavar="DISTRO",
        help="with --wheel: the root of that distribution `pjbuild wheel --test-on` uses",
    )
    p.add_argument("--install", action="store_true", help="apt-get install what is missing")
    p.add_argument("--optional", action="store_true", help="with --install: optional libraries too")
    shared.json_output(p)
    shared.data_dirs(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pjbuild.doctor import (
        install,
        install_python,
        missing_packages,
        missing_python,
        requirements,
        wheel_requirements,
    )
    from pjbuild.inputs.targets import load_targets, resolve_target, wheel_target
    from pjbuild.wheel.distros import distro, ensure_root
    from pjbuild.wheel.pyroot import ensure_target_python

    targets = load_targets(args.toolchains_dir)
    target = resolve_target(args.target, targets)
    if args.wheel:  # what `pjbuild wheel --target <it>` builds: its portable twin by default
        target = wheel_target(target, targets, bound=args.bound)
    proving = [distro(name) for name in args.test_on]

    def collect() -> list[Any]:
        found = requirements(target, args.tls, args.deps_from, shared.features(args.features))
        return found + (wheel_requirements(target, proving) if args.wheel else [])

    reqs = collect()
    if args.install:
        install(missing_packages(reqs, include_optional=args.optional))
        install_python(missing_python(reqs))
        if args.wheel and target.wheel_python == "debian-root":
            ensure_target_python(target, say)
        if args.wheel:
            for d in proving:
                ensure_root(d, target, say)
        reqs = collect()
    if args.json:
        print(json.dumps([r.__dict__ for r in reqs], indent=2))
    else:
        table = Table(
            "needs", "kind", "required", "status", "package (Debian/Ubuntu; python: PyPI)"
        )
        for r in reqs:
            table.add_row(
                r.what,
                r.kind,
                "yes" if r.required else "optional",
                "ok" if r.present else "MISSING",
                r.package,
            )
        line(f"target {target.name} ({target.description})")
        out.print(table)
    missing = [r for r in reqs if r.required and not r.present]
    if missing:
        pkgs = missing_packages(reqs)
        pips = missing_python(reqs)
        failed(
            f"{len(missing)} required item(s) missing for {target.name}",
            f"pjbuild doctor --target {target.name} --install"
            + (f"  (apt-get install {' '.join(pkgs)})" if pkgs else "")
            + (f"  (pip install {' '.join(pips)})" if pips else ""),
        )
        return 4
    return 0
