"""The error hierarchy: every error carries a one-line summary, a fix, and optional details.

The CLI prints ``error: <summary>`` first, then ``fix: <hint>``, then details, and exits with
``exit_code``. Nothing else in pjbuild prints errors.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PjbuildError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 2

    def __init__(self, summary: str, *, hint: str = "", details: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.hint = hint
        self.details = details


class ConfigError(PjbuildError):
    """Bad input: unknown target/preset/option, invalid value, broken data file."""


class SourceError(PjbuildError):
    """A source archive is missing, corrupted, or unsafe."""

    exit_code = 3


class ToolMissingError(PjbuildError):
    """A compiler, emulator or library the target needs is not installed."""

    exit_code = 4


class BuildError(PjbuildError):
    """configure, make or install failed."""

    exit_code = 5


class VerificationError(PjbuildError):
    """The build does not have what was asked for (e.g. TLS requested but not compiled in)."""

    exit_code = 6


class TestFailureError(PjbuildError):
    """pjproject's own tests failed (and the failures are not listed as known)."""

    exit_code = 7
    __test__ = False  # not a pytest test class
    kept = ""  # the unpublished stage folder, for reports


class HomeError(PjbuildError):
    """PJBUILD_HOME cannot be written: a full disk, a read-only file system, not a folder."""

    exit_code = 8


def nearest(name: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, or None."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    if not matches:
        matches = difflib.get_close_matches(name.upper(), list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def unknown(kind: str, name: str, choices: Iterable[str], *, list_cmd: str = "") -> ConfigError:
    """A ConfigError for an unknown name, naming the nearest known one and the full list."""
    known = sorted(choices)
    near = nearest(name, known)
    summary = f"unknown {kind} '{name}'" + (f"; did you mean '{near}'?" if near else "")
    plural = kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
    hint = f"known {plural}: {', '.join(known)}"
    if list_cmd:
        hint += f" (see `{list_cmd}`)"
    return ConfigError(summary, hint=hint)
