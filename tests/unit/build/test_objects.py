"""pjbuild.build.objects: the objects make compiled, counted in the tree while it runs."""

from __future__ import annotations

import time
from pathlib import Path

from pjbuild.build.objects import count_objects, watching
from pjbuild.core.progress import Compiling, Event


def test_objects_compiled_during_the_block_are_reported(tmp_path: Path) -> None:
    (tmp_path / "pjlib" / "build").mkdir(parents=True)
    (tmp_path / "old.o").write_bytes(b"")  # there before make: not counted
    (tmp_path / "pjlib" / "x.c").write_text("")
    seen: list[Event] = []
    with watching(tmp_path, "linux-armhf", 3, seen.append):
        for name in ("a.o", "b.obj", "c.o"):
            (tmp_path / "pjlib" / "build" / name).write_bytes(b"")
            time.sleep(0.6)
    assert count_objects(tmp_path) == 4
    counts = [e.done for e in seen if isinstance(e, Compiling)]
    assert counts == sorted(counts) and counts[-1] == 3 and len(set(counts)) >= 2, counts
    assert all(e.expected == 3 and e.target == "linux-armhf" for e in seen)
