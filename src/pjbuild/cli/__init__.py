"""The command line: parse, call, print, exit code. No build logic lives here."""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pjbuild import __version__
from pjbuild.core import paths, procs
from pjbuild.core.errors import ConfigError, HomeError, PjbuildError
from pjbuild.core.files import write_atomic
from pjbuild.inputs import registry

out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--toolchains-dir",
        action="append",
        type=Path,
        default=[],
        help="extra folder of target TOML files (also PJBUILD_TOOLCHAINS_PATH)",
    )
    p.add_argument(
        "--presets-dir",
        action="append",
        type=Path,
        default=[],
        help="extra folder of preset TOML files (also PJBUILD_PRESETS_PATH)",
    )


def _deps_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--deps-from",
        choices=("system", "source"),
        default=None,
        help="where every dependency comes from (default: each target's providers)",
    )
    p.add_argument(
        "--dep-prefix",
        dest="dep_prefixes",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="take dependency NAME (e.g. openssl) from a folder where it is installed "
        "(include/ and lib/); the only source of OpenSSL for MSVC targets",
    )
    p.add_argument(
        "--feature",
        dest="features",
        action="append",
        default=[],
        metavar="|".join(registry.features()),
        help="build with an external library, verified by a loopback call (repeatable, or a,b)",
    )


def _features(values: list[str]) -> tuple[str, ...]:
    return tuple(f.strip() for v in values for f in v.split(",") if f.strip())


def _plan_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", required=True, help="target name, or 'host'")
    p.add_argument("--preset", default="default")
    p.add_argument(
        "--tls",
        default=None,
        help=f"{'|'.join(registry.tls_backends())} (default: the target's)",
    )
    _deps_args(p)
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a managed config_site.h option (see `pjbuild options`)",
    )
    p.add_argument(
        "--set-raw",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="define an unmanaged macro (C identifier = one-line constant)",
    )
    p.add_argument(
        "--version",
        dest="pj_version",
        default=None,
        help="pjproject version from the versions table (`pjbuild versions`; default: 2.17)",
    )
    p.add_argument("--source", default=None, help="a pjproject archive path or URL")
    p.add_argument("--tests", default="quick", help="|".join(registry.test_suites()))


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pjbuild", description=__doc__)
    ap.add_argument("-V", "--pjbuild-version", action="version", version=f"pjbuild {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    for name, help_text in (
        ("targets", "list targets"),
        ("presets", "list presets"),
        ("options", "list the config_site.h option schema"),
        ("versions", "list the pinned pjproject versions, what each tree has, their patches"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true")
        if name in ("targets", "versions"):
            p.add_argument(
                "--markdown",
                action="store_true",
                help=f"the {name} table of the docs",
            )
        _common(p)

    p = sub.add_parser("plan", help="print config_site.h, configure command and test plan")
    _plan_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--digest", action="store_true", help="print only the inputs digest")
    p.add_argument(
        "--no-fetch",
        action="store_true",
        help="plan from the pinned sha256 without fetching the archive (on any machine, "
        "e.g. an MSVC or macOS target on Linux); the tree is described by the versions table",
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="shown in commands")
    _common(p)

    p = sub.add_parser("build", help="build, verify on the target, test and publish")
    _plan_args(p)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--force", action="store_true", help="rebuild even on a cache hit")
    p.add_argument("--no-ccache", action="store_true", help="do not use ccache")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    _common(p)

    p = sub.add_parser(
        "wheel", help="pjsua2 Python wheel (abi3) from the target's build, tested with calls"
    )
    _plan_args(p)
    p.add_argument(
        "--python-api",
        default=None,
        metavar="cp3X",
        help="lowest CPython the wheel supports (limited API; default cp38)",
    )
    p.add_argument("--out", type=Path, default=Path("dist"), help="folder for the wheel")
    p.add_argument(
        "--no-smoke", action="store_true", help="skip the calls with the wheel on the target"
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--force", action="store_true", help="rebuild the artifact even on a hit")
    p.add_argument("--no-ccache", action="store_true", help="do not use ccache")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    _common(p)

    p = sub.add_parser("conan", help="Conan package of pjproject: host profiles, conan create")
    conan_sub = p.add_subparsers(dest="conan_command", required=True)
    q = conan_sub.add_parser("profile", help="write the Conan host profile of a target")
    q.add_argument("--target", required=True)
    q.add_argument("--tls", default=None)
    _deps_args(q)
    q.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    _common(q)
    q = conan_sub.add_parser("create", help="conan create recipes/pjproject for a target, offline")
    _plan_args(q)
    q.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    _common(q)

    p = sub.add_parser("ci", help="CI generation from the target list")
    ci_sub = p.add_subparsers(dest="ci_command", required=True)
    q = ci_sub.add_parser("github", help="write a GitHub Actions workflow (a job per target)")
    q.add_argument("--targets", default=None, help="comma-separated (default: every supported)")
    q.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    _common(q)
    q = ci_sub.add_parser("matrix", help="the CI matrix (every target) for other CI systems")
    q.add_argument("--targets", default=None)
    q.add_argument("--json", action="store_true", help="JSON (the default output is a table)")
    _common(q)
    q = ci_sub.add_parser("summary", help="Markdown report from the build jobs' results")
    q.add_argument("results", type=Path, help="folder with <any>/<target>/result.json")
    q.add_argument("--targets", required=True, help="comma-separated: the matrix's targets")
    _common(q)

    p = sub.add_parser("matrix", help="build and test many targets; writes matrix.md/json")
    sel = p.add_mutually_exclusive_group(required=True)
    sel.add_argument("--targets", help="comma-separated target names")
    sel.add_argument("--all", action="store_true", help="every target (unsupported ones listed)")
    p.add_argument("--preset", default="default")
    p.add_argument("--tls", default=None, help="for every target (default: each target's)")
    _deps_args(p)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--set-raw", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--version", dest="pj_version", default=None)
    p.add_argument("--tests", default="quick", help="|".join(registry.test_suites()))
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="total make jobs, shared by the builds running at once",
    )
    p.add_argument(
        "--parallel", type=int, default=None, help="targets built at once (default: --jobs)"
    )
    p.add_argument(
        "--report",
        type=Path,
        default=Path("matrix-report"),
        help="folder for matrix.md and matrix.json",
    )
    p.add_argument("--force", action="store_true")
    p.add_argument("--no-ccache", action="store_true")
    p.add_argument("--json", action="store_true", help="last stdout line: the matrix JSON")
    p.add_argument(
        "--perf",
        action="store_true",
        help="after each passed build, a short pjsip-perf run on the target (stateless "
        "OPTIONS/s, INVITE calls/s) on 127.0.0.1, in the report",
    )
    _common(p)

    p = sub.add_parser(
        "verify", help="rebuild an artifact cold in a scratch home and compare its bytes"
    )
    p.add_argument("artifact", type=Path, help="an artifact folder (PJBUILD_HOME/artifacts/...)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--keep", action="store_true", help="keep the scratch home and rebuild")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    _common(p)

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
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("doctor", help="what a target needs and which package provides it")
    p.add_argument("--target", default="host")
    p.add_argument("--tls", default=None)
    _deps_args(p)
    p.add_argument(
        "--wheel",
        action="store_true",
        help="also what `pjbuild wheel` needs (Python tools, sipp, the target's Python root)",
    )
    p.add_argument("--install", action="store_true", help="apt-get install what is missing")
    p.add_argument("--optional", action="store_true", help="with --install: optional libraries too")
    p.add_argument("--json", action="store_true")
    _common(p)
    return ap


def _report(exc: PjbuildError) -> int:
    err.print(f"[bold red]error:[/] {exc.summary}", markup=True, highlight=False)
    if exc.hint:
        err.print(f"fix: {exc.hint}", markup=False)
    if exc.details:
        err.print(exc.details, markup=False)
    return exc.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    try:  # the parser's choices and help come from data files (pjbuild.inputs.registry)
        args = parser().parse_args(argv)
    except PjbuildError as exc:
        return _report(exc)
    if argv is None:  # the pjbuild program (not a call from Python): own the signals
        procs.install_signal_handlers()
    try:
        _check_counts(args)
        handler = _HANDLERS[args.command]
        return handler(args)
    except PjbuildError as exc:
        return _report(exc)
    except OSError as exc:
        return _os_error(exc)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    except procs.Interrupted as exc:
        name = signal.Signals(exc.signum).name
        err.print(
            f"interrupted by {name}: stopped {exc.killed} running step(s); nothing was "
            "published (the next run starts this build again)",
            markup=False,
        )
        return 128 + exc.signum


# what a file system error means, for the one-line message
_ERRNO_WHY = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way of a folder",
    errno.ELOOP: "a symbolic link loop",
}
# errors about the file system as a whole: pjbuild's home even when no path is named
# (a write() on a full disk names none)
_WHOLE_DISK = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _in_home(filename: object) -> bool:
    if not isinstance(filename, (str, os.PathLike)):
        return False
    try:
        home = paths.home()
        path = Path(os.path.abspath(os.fspath(filename)))
    except (PjbuildError, OSError, ValueError):
        return False
    return path == home or home in path.parents


def _os_error(exc: OSError) -> int:
    """An OSError that reached the CLI: one `error:` line and a `fix:` line, no traceback.
    About pjbuild's home (a path under PJBUILD_HOME, or a full or read-only disk): exit 8.
    About a path the user gave (a --source, a --dep-prefix's file, --out): exit 2."""
    why = _ERRNO_WHY.get(exc.errno or 0) or (exc.strerror or str(exc))
    where = exc.filename or "pjbuild home"
    if _in_home(exc.filename) or (exc.filename is None and exc.errno in _WHOLE_DISK):
        err.print(f"[bold red]error:[/] cannot write {where}: {why}", markup=True, highlight=False)
        err.print(
            f"fix: PJBUILD_HOME ({paths.home()}) must be a writable folder with free space: "
            "free space there, or set PJBUILD_HOME to another folder",
            markup=False,
        )
        return HomeError.exit_code
    err.print(f"[bold red]error:[/] cannot use {where}: {why}", markup=True, highlight=False)
    err.print(
        "fix: check that path (it must exist, be readable, and be writable where pjbuild "
        "writes its output), or give another one",
        markup=False,
    )
    return ConfigError.exit_code


def _check_counts(args: argparse.Namespace) -> None:
    """--jobs and --parallel are counts of one or more (make -j0 is not a build)."""
    for flag in ("jobs", "parallel"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise ConfigError(
                f"--{flag} {value}: must be 1 or more",
                hint=f"--{flag} N with N >= 1 (default: "
                + ("the number of CPUs" if flag == "jobs" else "--jobs")
                + ")",
            )


def _dep_prefixes(values: list[str]) -> tuple[tuple[str, str], ...]:
    """NAME=PATH pairs; a PATH that is a folder here is made absolute (builds run in their own
    work folder). One that is not is kept as given: it may be a path on the machine that builds
    (C:\\OpenSSL-Win64 for an MSVC target planned on Linux); make_plan checks the others."""
    out = []
    for item in values:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ConfigError(
                f"bad --dep-prefix '{item}'", hint="NAME=PATH, e.g. --dep-prefix openssl=/opt/ssl"
            )
        folder = Path(path).expanduser()
        out.append((name, str(folder.resolve()) if folder.is_dir() else path))
    return tuple(out)


def _request(args: argparse.Namespace, target: str | None = None) -> Any:
    """The build request from plan/build/matrix arguments (matrix sets the target per entry)."""
    from pjbuild.plan import Request

    return Request(
        target=target or args.target,
        preset=args.preset,
        tls=args.tls,
        sets=tuple(args.sets),
        set_raw=tuple(args.set_raw),
        version=args.pj_version,
        source=getattr(args, "source", None),
        tests=args.tests,
        deps_from=args.deps_from,
        features=_features(args.features),
        dep_prefixes=_dep_prefixes(getattr(args, "dep_prefixes", [])),
        fetch=not getattr(args, "no_fetch", False),
        toolchains_dirs=tuple(args.toolchains_dir),
        presets_dirs=tuple(args.presets_dir),
    )


def cmd_targets(args: argparse.Namespace) -> int:
    from pjbuild.inputs.targets import host_target_name, load_targets

    targets = load_targets(args.toolchains_dir)
    try:
        host = host_target_name(targets)
    except PjbuildError:
        host = ""
    rows: list[dict[str, Any]] = [
        {
            "name": t.name,
            "status": t.status,
            "arch": t.arch,
            "triplet": t.triplet,
            "endianness": t.endianness,
            "runner": t.runner.kind,
            "tls_default": t.tls_default,
            "tls_backends": list(t.tls_backends),
            "host": t.name == host,
            "description": t.description,
            "reason": t.reason,
            "file": str(t.path),
        }
        for t in sorted(targets.values(), key=lambda t: t.name)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if args.markdown:
        from pjbuild.cli.targets import targets_markdown

        print(targets_markdown(targets.values()))
        return 0
    table = Table("target", "status", "arch", "endian", "runner", "TLS", "description")
    for r in rows:
        name = r["name"] + (" (host)" if r["host"] else "")
        table.add_row(
            name,
            r["status"],
            r["arch"],
            r["endianness"],
            r["runner"],
            ",".join(r["tls_backends"]),
            r["description"] or r["reason"],
        )
    out.print(table)
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    from pjbuild.inputs.options import load_presets, load_schema

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
        opts = " ".join(f"{k}={_show(v)}" for k, v in r["options"].items())
        flags = " ".join([*r["cflags"], *r["ldflags"]])
        table.add_row(r["name"], r["description"], flags, opts)
    out.print(table)
    return 0


def _show(v: Any) -> str:
    return ("1" if v else "0") if isinstance(v, bool) else str(v)


def cmd_options(args: argparse.Namespace) -> int:
    from pjbuild.inputs.options import load_schema

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


def cmd_versions(args: argparse.Namespace) -> int:
    from pjbuild.inputs.versions import rows

    data = rows()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    if args.markdown:
        from pjbuild.inputs.versions import markdown

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


def cmd_plan(args: argparse.Namespace) -> int:
    from pjbuild.plan import make_plan

    plan = make_plan(_request(args))
    if args.digest:
        print(plan.digest)
        return 0
    suite = plan.catalog.suites.get(plan.tests)
    test_plan = (
        {p: list(t) for p, t in suite.tests}
        if suite and not suite.all
        else ("every test each program lists" if suite else "none")
    )
    data = {
        "target": plan.target.name,
        "inputs_digest": plan.digest,
        "source": {
            "version": plan.source.version.version,
            "file": str(plan.source.path),
            "sha256": plan.source.sha256,
            "origin": plan.source.origin,
        },
        "patches": [p.file.name for p in plan.source.version.patches],
        "skipped_patches": [
            {"file": s.name, "reason": s.reason} for s in plan.source.version.skipped
        ],
        "tls": plan.tls.backend,
        "tls_provider": plan.tls.provider,
        "deps": [d.summary() for d in plan.deps],
        "features": list(plan.features),
        "config_site_h": plan.header,
        "engine": plan.target.engine,
        "configure": plan.configure_command() if plan.target.engine == "autotools" else [],
        "commands": plan.build_commands(args.jobs),
        "env": dict(plan.env),
        "components": plan.components_json(),
        "tests": {"suite": plan.tests, "runner": plan.target.runner.kind, "plan": test_plan},
    }
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    out.print(
        f"# target {plan.target.name}, pjproject {plan.source.version.version}, "
        f"inputs digest {plan.digest}",
        markup=False,
    )
    out.print("\n## config_site.h\n", markup=False)
    out.print(plan.header, markup=False)
    out.print(f"## build ({plan.target.engine})\n", markup=False)
    env = " ".join(f"{k}={json.dumps(v) if ' ' in v else v}" for k, v in plan.env)
    if env:
        out.print(f"environment: {env}", markup=False)
    for argv in plan.build_commands(args.jobs):
        out.print(" ".join(argv), markup=False)
    out.print("", markup=False)
    out.print("## patches\n", markup=False)
    for patch in plan.source.version.patches:
        out.print(f"- {patch.file.name}: {patch.description}", markup=False)
    for skip in plan.source.version.skipped:
        out.print(f"- not applied: {skip.name}: {skip.reason}", markup=False)
    if not plan.source.version.patches and not plan.source.version.skipped:
        out.print("- none", markup=False)
    out.print("", markup=False)
    out.print("## dependencies\n", markup=False)
    if not plan.deps:
        out.print("- none", markup=False)
    for dep in plan.deps:
        where = (
            f"built from {dep.recipe.source.filename if dep.recipe.source else '?'} into "
            f"{dep.prefix}"
            if dep.provider == "source"
            else f"system package {dep.package}"
        )
        out.print(f"- {dep.name} {dep.recipe.version} ({dep.provider}): {where}", markup=False)
    out.print("\n## components\n", markup=False)
    for d in plan.tree:
        out.print(f"- {d.component}: {d.action} ({d.detail})", markup=False)
    out.print(f"\n## tests: {plan.tests} (runner: {plan.target.runner.kind})\n", markup=False)
    if isinstance(test_plan, dict):
        for prog, tests in test_plan.items():
            out.print(f"- {prog}: {' '.join(tests)}", markup=False)
    else:
        out.print(f"- {test_plan}", markup=False)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.plan import make_plan

    def say(text: str) -> None:
        err.print(f"[pjbuild] {text}", markup=False)

    plan = make_plan(_request(args))
    say(
        f"target {plan.target.name}, preset {plan.preset.name}, TLS {plan.tls.backend} "
        f"({plan.tls.provider}), inputs digest {plan.digest}"
    )
    for dep in plan.deps:
        say(f"dependency {dep.name}: {dep.package or dep.recipe.version} ({dep.provider})")
    outcome = run_build(
        plan, BuildOptions(jobs=args.jobs, force=args.force, ccache=not args.no_ccache), say
    )
    summary = outcome.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        t = summary["tests"]
        tls = summary["tls"]
        features = "".join(
            f"; {name}: verified={f['verified']} call={f['on_target_test']}"
            for name, f in summary["features"].items()
        )
        out.print(
            f"{'cache hit' if outcome.cache_hit else 'built'}: {summary['artifact']}\n"
            f"TLS {tls['requested']} verified={tls['verified']} "
            f"ssl_sock_test={tls.get('on_target_test', 'not-run')}{features}; "
            f"tests ({t['suite']}): {t['passed']} passed, {t['failed']} failed, "
            f"{t['skipped']} skipped, {t['known']} known; {summary['duration_s']:.1f}s",
            markup=False,
        )
    return 0


def cmd_wheel(args: argparse.Namespace) -> int:
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.plan import make_plan
    from pjbuild.wheel.build import build_wheel, check_api, check_plan, check_target, check_tools
    from pjbuild.wheel.pyroot import wheel_data

    def say(text: str) -> None:
        err.print(f"[pjbuild] {text}", markup=False)

    data = wheel_data()
    api = check_api(args.python_api or data["default_api"], data)
    plan = make_plan(_request(args))
    check_target(plan.target)
    check_plan(plan)
    check_tools(data, plan.target.os)
    say(
        f"target {plan.target.name}, preset {plan.preset.name}, TLS {plan.tls.backend}, "
        f"python API {api}, inputs digest {plan.digest}"
    )
    opts = BuildOptions(jobs=args.jobs, force=args.force, ccache=not args.no_ccache)
    outcome = run_build(plan, opts, say)
    say(f"artifact: {outcome.artifact} ({'cache hit' if outcome.cache_hit else 'built'})")
    result = build_wheel(
        outcome,
        api=api,
        out=args.out,
        jobs=args.jobs,
        ccache=not args.no_ccache,
        smoke=not args.no_smoke,
        say=say,
    )
    summary = result.summary()
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        abi3 = "clean" if result.abi3["clean"] else "NOT clean"
        out.print(
            f"wheel: {result.path}\n"
            f"version {result.version}, tag {result.tag}, {result.size / 1e6:.1f} MB "
            f"(before repair {result.raw_size / 1e6:.1f} MB), bundled: "
            f"{', '.join(result.bundled) or 'nothing'}; abi3audit {abi3}; "
            f"calls on the target: {result.smoke['status']}",
            markup=False,
        )
    return 0


def cmd_conan(args: argparse.Namespace) -> int:
    from pjbuild.conan.create import conan_create, conan_profile

    if args.conan_command == "profile":
        text = conan_profile(
            args.target, args.tls, args.deps_from, _features(args.features), args.toolchains_dir
        )
        _emit(text, args.out)
        return 0

    def say(text: str) -> None:
        err.print(f"[pjbuild] {text}", markup=False)

    result = conan_create(_request(args), say)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        out.print(f"conan create passed: {result['reference']} ({result['package_id']})")
    return 0


def cmd_ci(args: argparse.Namespace) -> int:
    from pjbuild.ci.workflow import github_workflow, matrix_entries, summary_markdown
    from pjbuild.inputs.targets import load_targets, resolve_target

    if args.ci_command == "summary":
        names = [n.strip() for n in args.targets.split(",") if n.strip()]
        print(summary_markdown(args.results, names), end="")
        return 0
    targets = load_targets(args.toolchains_dir)
    if args.targets:
        chosen = [resolve_target(n.strip(), targets) for n in args.targets.split(",") if n.strip()]
    else:
        chosen = list(targets.values())
    if args.ci_command == "matrix":
        entries = matrix_entries(chosen)
        if args.json:
            print(json.dumps(entries, indent=2))
        else:
            table = Table("target", "status", "runs-on", "runner", "TLS", "wheel")
            for e in entries:
                table.add_row(
                    e["target"], e["status"], e["runs-on"], e["runner"], e["tls"],
                    "yes" if e["wheel"] else "",
                )  # fmt: skip
            out.print(table)
        return 0
    _emit(github_workflow(chosen), args.out)
    return 0


def _emit(text: str, path: Path | None) -> None:
    """Generated text to a file (replaced in one rename, so never half-written) or stdout."""
    if path is None:
        print(text, end="")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    err.print(f"[pjbuild] wrote {path}", markup=False)


def cmd_matrix(args: argparse.Namespace) -> int:
    from pjbuild.inputs.targets import load_targets, resolve_target
    from pjbuild.inputs.testsuites import check_suite, load_catalog
    from pjbuild.matrix import run_matrix, to_json, write_reports

    check_suite(args.tests, load_catalog())
    targets = load_targets(args.toolchains_dir)
    if args.all:
        chosen = sorted(targets.values(), key=lambda t: t.name)
    else:
        names = [n.strip() for n in args.targets.split(",") if n.strip()]
        chosen = [resolve_target(n, targets) for n in names]
    template = _request(args, target="host")

    def say(text: str) -> None:
        err.print(f"[pjbuild] {text}", markup=False)

    entries = run_matrix(
        chosen,
        template,
        jobs=args.jobs,
        parallel=args.parallel or args.jobs,
        force=args.force,
        ccache=not args.no_ccache,
        perf=args.perf,
        say=say,
    )
    title = (
        f"pjbuild matrix: preset {args.preset}, TLS {args.tls or 'per target'}, tests {args.tests}"
    )
    md, js = write_reports(entries, args.report, title)
    failed = [e.target for e in entries if e.status == "failed"]
    if args.json:
        print(json.dumps(to_json(entries), sort_keys=True))
    else:
        out.print(md.read_text(), markup=False)
        out.print(f"reports: {md} {js}", markup=False)
    if failed:
        err.print(f"error: {len(failed)} target(s) failed: {', '.join(failed)}", markup=False)
        err.print(f"fix: see {md} and each target's logs", markup=False)
        return 1
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from pjbuild.doctor import install, missing_packages, requirements, wheel_requirements
    from pjbuild.inputs.targets import load_targets, resolve_target
    from pjbuild.wheel.pyroot import ensure_target_python

    target = resolve_target(args.target, load_targets(args.toolchains_dir))

    def collect() -> list[Any]:
        found = requirements(target, args.tls, args.deps_from, _features(args.features))
        return found + (wheel_requirements(target) if args.wheel else [])

    reqs = collect()
    if args.install:
        install(missing_packages(reqs, include_optional=args.optional))
        if args.wheel and target.wheel_python == "debian-root":
            ensure_target_python(target, lambda t: err.print(f"[pjbuild] {t}", markup=False))
        reqs = collect()
    if args.json:
        print(json.dumps([r.__dict__ for r in reqs], indent=2))
    else:
        table = Table("needs", "kind", "required", "status", "Debian/Ubuntu package")
        for r in reqs:
            table.add_row(
                r.what,
                r.kind,
                "yes" if r.required else "optional",
                "ok" if r.present else "MISSING",
                r.package,
            )
        out.print(f"target {target.name} ({target.description})", markup=False)
        out.print(table)
    missing = [r for r in reqs if r.required and not r.present]
    if missing:
        pkgs = missing_packages(reqs)
        err.print(f"error: {len(missing)} required item(s) missing for {target.name}", markup=False)
        err.print(
            f"fix: pjbuild doctor --target {target.name} --install"
            + (f"  (apt-get install {' '.join(pkgs)})" if pkgs else ""),
            markup=False,
        )
        return 4
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pjbuild.build.repro import verify_artifact

    def say(text: str) -> None:
        err.print(f"[pjbuild] {text}", markup=False)

    result = verify_artifact(args.artifact, args.jobs, keep=args.keep, say=say)
    if result.reproducible:
        out.print(
            f"identical: {len(result.identical)} files of {args.artifact} rebuilt bit for bit "
            f"(inputs digest {result.inputs_digest})",
            markup=False,
        )
    else:
        out.print(f"NOT reproducible: {len(result.differing)} file(s) differ", markup=False)
        for rel in result.differing:
            changed = " (changed since the build)" if rel in result.modified else ""
            out.print(f"  differs: {rel}{changed}", markup=False)
        for rel in result.only_original:
            out.print(f"  only in the artifact: {rel}", markup=False)
        for rel in result.only_rebuilt:
            out.print(f"  only in the rebuild: {rel}", markup=False)
        if result.diffoscope:
            out.print(f"diffoscope report: {result.diffoscope}", markup=False)
        elif result.differing:
            out.print("(install diffoscope for a report of what differs)", markup=False)
    if args.json:
        print(json.dumps(result.to_json()))
    return 0 if result.reproducible else 1


_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _SIZE_UNITS else ""
    number = value[: len(value) - len(unit)]
    try:
        return int(float(number) * _SIZE_UNITS[unit])
    except ValueError:
        raise ConfigError(
            f"bad size '{text}'", hint="a number with an optional K, M, G or T (e.g. 2G)"
        ) from None


def cmd_gc(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from pjbuild.build.cache import gc
    from pjbuild.core import paths

    if args.keep is not None and args.keep < 0:
        raise ConfigError("--keep must be 0 or more")
    limit = parse_size(args.max_size) if args.max_size else None
    report = gc(paths.home(), keep=args.keep, max_size=limit, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for folder in report.removed_work:
        out.print(f"{verb} work folder {folder}", markup=False)
    for folder in report.removed_broken:
        out.print(f"{verb} broken or leftover {folder}", markup=False)
    for digest in report.removed_artifacts:
        out.print(f"{verb} artifact {digest}", markup=False)
    for folder in report.busy:
        out.print(f"left alone (a build holds its lock): {folder}", markup=False)
    if report.killed_groups:
        out.print(f"killed {len(report.killed_groups)} orphaned build step(s)", markup=False)
    out.print(
        f"{verb} {report.freed_bytes / (1 << 20):.1f} MiB; kept {len(report.kept)} artifact(s), "
        f"{report.kept_bytes / (1 << 20):.1f} MiB",
        markup=False,
    )
    if args.json:
        print(json.dumps(asdict(report)))
    return 0


_HANDLERS = {
    "targets": cmd_targets,
    "presets": cmd_presets,
    "options": cmd_options,
    "versions": cmd_versions,
    "plan": cmd_plan,
    "build": cmd_build,
    "wheel": cmd_wheel,
    "conan": cmd_conan,
    "ci": cmd_ci,
    "matrix": cmd_matrix,
    "doctor": cmd_doctor,
    "verify": cmd_verify,
    "gc": cmd_gc,
}

if __name__ == "__main__":
    sys.exit(main())
