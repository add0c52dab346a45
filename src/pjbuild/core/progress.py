"""How far a build is, for a display: events the build path sends while make and the tests
run (the CLI draws them as bars on a terminal and plain lines elsewhere; the library's
default ignores them). Each event is the whole state, so a display that misses one is
still right at the next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Compiling:
    """make is running: objects compiled so far, of ``expected`` (None: not known yet, no
    earlier build of the target)."""

    target: str
    done: int
    expected: int | None
    elapsed_s: float


@dataclass(frozen=True)
class Testing:
    """The suite is running: results so far of ``total``, the tests running now and the
    failures so far ("program:test: reason")."""

    target: str
    done: int
    total: int
    running: tuple[str, ...]
    failed: tuple[str, ...]
    elapsed_s: float
    __test__ = False  # not a pytest class


Event = Compiling | Testing
Progress = Callable[[Event], None]


def silent(_event: Event) -> None:
    """The default Progress: show nothing."""
