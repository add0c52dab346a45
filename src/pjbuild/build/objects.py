"""Counting what make compiled, for the progress of a build: object files in the tree, polled
while make runs (any engine, no parsing of make's output)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from pjbuild.core.progress import Compiling, Progress

SUFFIXES = (".o", ".obj")
POLL_S = 0.5


def count_objects(tree: Path) -> int:
    """Object files under ``tree``."""
    found = 0
    for _, _, files in os.walk(tree):
        found += sum(1 for name in files if name.endswith(SUFFIXES))
    return found


@contextlib.contextmanager
def watching(tree: Path, target: str, expected: int | None, progress: Progress) -> Iterator[None]:
    """Report the objects compiled under ``tree`` every POLL_S while the block runs (only
    changes), and once more at its end."""
    stop = threading.Event()
    start = time.monotonic()
    base = count_objects(tree)  # objects that were there before make (none in a fresh tree)

    def send() -> int:
        done = max(0, count_objects(tree) - base)
        progress(Compiling(target, done, expected, time.monotonic() - start))
        return done

    def poll() -> None:
        last = -1
        while not stop.wait(POLL_S):
            with contextlib.suppress(OSError):
                done = max(0, count_objects(tree) - base)
                if done != last:
                    progress(Compiling(target, done, expected, time.monotonic() - start))
                    last = done

    thread = threading.Thread(target=poll, name=f"objects-{target}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        with contextlib.suppress(OSError):
            send()
