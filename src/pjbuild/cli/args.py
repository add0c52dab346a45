"""Argument groups the commands share, each declared once, and what they turn into: the build
`Request`, the feature list, the `--dep-prefix` pairs, the target names."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pjbuild.core import ccache
from pjbuild.core.errors import ConfigError
from pjbuild.inputs import registry

if TYPE_CHECKING:
    from pjbuild.plan import Request

    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]  # add_subparsers()


def data_dirs(p: argparse.ArgumentParser) -> None:
    """Extra target and preset folders (every command reads targets or presets)."""
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


def json_output(p: argparse.ArgumentParser, help: str | None = None) -> None:
    p.add_argument("--json", action="store_true", help=help)


LAST_LINE_JSON = "last stdout line: one JSON object"


def jobs(p: argparse.ArgumentParser, help: str | None = None) -> None:
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help=help)


def rebuild(p: argparse.ArgumentParser) -> None:
    """--force and --no-ccache: how a command that builds treats the cache."""
    p.add_argument("--force", action="store_true", help="rebuild even on a cache hit")
    p.add_argument("--no-ccache", action="store_true", help="do not use ccache")
    p.add_argument(
        "--ccache-remote",
        metavar="URL",
        default=None,
        help="ccache remote storage behind the local cache (redis://, redis+unix:, http://, "
        f"file:; default: ${ccache.ENV_REMOTE}); not an input: the artifact is the same",
    )


def ccache_remote(args: argparse.Namespace) -> ccache.Remote | None:
    """--ccache-remote, else PJBUILD_CCACHE_REMOTE (empty: none); checked (ConfigError)."""
    given = args.ccache_remote
    text = given if given is not None else os.environ.get(ccache.ENV_REMOTE, "")
    if not text.strip():
        return None
    if args.no_ccache:
        if given is None:
            return None  # --no-ccache wins over the environment's remote
        raise ConfigError(
            "--ccache-remote needs ccache, and --no-ccache turns it off",
            hint="leave out one of --ccache-remote and --no-ccache",
        )
    return ccache.parse_remote(text)


def building(
    p: argparse.ArgumentParser, jobs_help: str | None = None, json_help: str = LAST_LINE_JSON
) -> None:
    """What a command that builds takes besides the inputs: --jobs, --test-jobs, --force,
    --no-ccache, --json (build, wheel, matrix)."""
    jobs(p, jobs_help)
    p.add_argument(
        "--test-jobs",
        type=int,
        default=None,
        help="test processes at once, each in its own loopback-only network namespace; 1: one "
        "at a time (default: --jobs x the runner's share in testsuites.toml [parallel])",
    )
    rebuild(p)
    json_output(p, json_help)


def quiet(p: argparse.ArgumentParser) -> None:
    """--quiet: no progress (build, matrix)."""
    p.add_argument(
        "--quiet", action="store_true", help="print only the result (and errors): no progress"
    )


def tls(p: argparse.ArgumentParser, default_is: str = "the target's") -> None:
    p.add_argument(
        "--tls", default=None, help=f"{'|'.join(registry.tls_backends())} (default: {default_is})"
    )


def deps(p: argparse.ArgumentParser) -> None:
    """Where the dependencies come from, and the external features."""
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


def build_inputs(
    p: argparse.ArgumentParser, *, one_target: bool = True, target_default: str | None = None
) -> None:
    """What a build is made of: target, preset, TLS, dependencies, options, version, source,
    test suite (plan, build, wheel, conan create; matrix without --target and --source)."""
    if one_target:
        if target_default is None:
            p.add_argument("--target", required=True, help="target name, or 'host'")
        else:
            p.add_argument(
                "--target",
                default=target_default,
                help=f"target name, or 'host' (default: {target_default})",
            )
    p.add_argument("--preset", default="default")
    p.add_argument(
        "--engine",
        default=None,
        help=f"{'|'.join(registry.engines())}: pjproject's build system (default: "
        + ("the target's: autotools, msbuild for MSVC)" if one_target else "each target's)"),
    )
    p.add_argument(
        "--libs",
        default=registry.lib_kinds()[0],
        help=f"{'|'.join(registry.lib_kinds())}: static: lib*.a linked into each program "
        "(default); shared: versioned shared libraries with $ORIGIN run paths (ELF targets)",
    )
    tls(p, "the target's" if one_target else "each target's")
    deps(p)
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
    if one_target:
        p.add_argument("--source", default=None, help="a pjproject archive path or URL")
    p.add_argument(
        "--tests",
        default=None,
        help="|".join(registry.test_suites())
        + " (default: quick; none for a target built, not run)",
    )


def features(values: list[str]) -> tuple[str, ...]:
    """--feature values, repeated or comma-separated."""
    return tuple(f.strip() for v in values for f in v.split(",") if f.strip())


def names(text: str) -> list[str]:
    """A comma-separated list of names (--targets a,b)."""
    return [n.strip() for n in text.split(",") if n.strip()]


def dep_prefixes(values: list[str]) -> tuple[tuple[str, str], ...]:
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


def check_counts(args: argparse.Namespace) -> None:
    """--jobs, --test-jobs and --parallel are counts of one or more (make -j0 is not a
    build)."""
    defaults = {
        "jobs": "the number of CPUs",
        "test_jobs": "from --jobs and the runner",
        "parallel": "--jobs",
    }
    for flag, default in defaults.items():
        value = getattr(args, flag, None)
        name = "--" + flag.replace("_", "-")
        if value is not None and value < 1:
            raise ConfigError(
                f"{name} {value}: must be 1 or more",
                hint=f"{name} N with N >= 1 (default: {default})",
            )


def request(args: argparse.Namespace, target: str | None = None) -> Request:
    """The build request from the build_inputs arguments (matrix sets the target per entry)."""
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
        features=features(args.features),
        dep_prefixes=dep_prefixes(getattr(args, "dep_prefixes", [])),
        fetch=not getattr(args, "no_fetch", False),
        engine=getattr(args, "engine", None),
        libs=getattr(args, "libs", "static"),
        toolchains_dirs=tuple(args.toolchains_dir),
        presets_dirs=tuple(args.presets_dir),
    )
