"""The command line: parse, call, print, exit code. No build logic lives here: each command
`pjbuild X` is the module `cli/X.py` (its arguments and its output), the argument groups
they share are in `cli.args`, the consoles and error reports in `cli.output`."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import ModuleType

from pjbuild import __version__
from pjbuild.cli import (
    args,
    build,
    ci,
    conan,
    doctor,
    gc,
    matrix,
    options,
    plan,
    presets,
    targets,
    verify,
    versions,
    wheel,
)
from pjbuild.cli.output import err, os_error, report
from pjbuild.core import procs
from pjbuild.core.errors import PjbuildError

DESCRIPTION = (
    "Build pjproject for a target from pinned sources, verify it and run its tests on the "
    "target (under QEMU or Wine where it is not the host)"
)

# the commands, in the order `pjbuild --help` lists them
COMMANDS: dict[str, ModuleType] = {
    "targets": targets,
    "presets": presets,
    "options": options,
    "versions": versions,
    "plan": plan,
    "build": build,
    "wheel": wheel,
    "conan": conan,
    "ci": ci,
    "matrix": matrix,
    "verify": verify,
    "gc": gc,
    "doctor": doctor,
}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pjbuild", description=DESCRIPTION)
    ap.add_argument("-V", "--pjbuild-version", action="version", version=f"pjbuild {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.add(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    try:  # the parser's choices and help come from data files (pjbuild.inputs.registry)
        parsed = parser().parse_args(argv)
    except PjbuildError as exc:
        return report(exc)
    if argv is None:  # the pjbuild program (not a call from Python): own the signals
        procs.install_signal_handlers()
    try:
        args.check_counts(parsed)
        result: int = parsed.run(parsed)
        return result
    except PjbuildError as exc:
        return report(exc)
    except OSError as exc:
        return os_error(exc)
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


if __name__ == "__main__":
    sys.exit(main())
