"""What the command line prints: the two consoles, progress lines, generated files, and the
one-line `error:` / `fix:` report of a failure (with its exit code)."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, HomeError, PjbuildError
from pjbuild.core.files import write_atomic

out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def line(text: str = "") -> None:
    """A line of a command's report on standard output, printed as written (no markup)."""
    out.print(text, markup=False)


def say(text: str) -> None:
    """The commands' `Say`: a progress line on standard error."""
    err.print(f"[pjbuild] {text}", markup=False)


def emit(text: str, path: Path | None) -> None:
    """Generated text to a file (replaced in one rename, so never half-written) or stdout."""
    if path is None:
        print(text, end="")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    say(f"wrote {path}")


def failed(summary: str, hint: str) -> None:
    """A failure the command itself found (its exit code is the command's to choose)."""
    err.print(f"error: {summary}", markup=False)
    err.print(f"fix: {hint}", markup=False)


def report(exc: PjbuildError) -> int:
    err.print(f"[bold red]error:[/] {escape(exc.summary)}", markup=True, highlight=False)
    if exc.hint:
        err.print(f"fix: {exc.hint}", markup=False)
    if exc.details:
        err.print(exc.details, markup=False)
    return exc.exit_code


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


def os_error(exc: OSError) -> int:
    """An OSError that reached the CLI: one `error:` line and a `fix:` line, no traceback.
    About pjbuild's home (a path under PJBUILD_HOME, or a full or read-only disk): exit 8.
    About a path the user gave (a --source, a --dep-prefix's file, --out): exit 2."""
    why = _ERRNO_WHY.get(exc.errno or 0) or (exc.strerror or str(exc))
    where = exc.filename or "pjbuild home"
    if _in_home(exc.filename) or (exc.filename is None and exc.errno in _WHOLE_DISK):
        err.print(
            f"[bold red]error:[/] cannot write {escape(str(where))}: {why}",
            markup=True,
            highlight=False,
        )
        err.print(
            f"fix: PJBUILD_HOME ({paths.home()}) must be a writable folder with free space: "
            "free space there, or set PJBUILD_HOME to another folder",
            markup=False,
        )
        return HomeError.exit_code
    err.print(
        f"[bold red]error:[/] cannot use {escape(str(where))}: {why}", markup=True, highlight=False
    )
    err.print(
        "fix: check that path (it must exist, be readable, and be writable where pjbuild "
        "writes its output), or give another one",
        markup=False,
    )
    return ConfigError.exit_code
