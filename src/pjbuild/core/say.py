"""How the library reports progress: a ``Say`` callable of one line of text (the CLI prints it,
the Conan recipe sends it to Conan's output, tests collect it)."""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


def quiet(_text: str) -> None:
    """The default ``Say``: report nothing."""
