from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

from pjbuild.build.cache import Cache
from pjbuild.core.files import write_json_atomic


def _stage(root: Path, digest: str) -> Path:
    stage = root / "stage"
    stage.mkdir()
    (stage / "prefix").mkdir()
    write_json_atomic(stage / "manifest.json", {"inputs_digest": digest})
    return stage


def test_publish_then_lookup(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    assert cache.lookup("abc") is None
    cache.publish(_stage(tmp_path, "abc"), "abc")
    assert cache.lookup("abc") == {"inputs_digest": "abc"}
    assert not (tmp_path / "stage").exists()


def test_republish_swaps_entry(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    cache.publish(_stage(tmp_path, "abc"), "abc")
    stage = _stage(tmp_path, "abc")
    (stage / "new").write_text("1")
    cache.publish(stage, "abc")
    assert (cache.artifact("abc") / "new").is_file()
    assert [p.name for p in cache.artifact("abc").parent.iterdir()] == ["abc"]


def test_broken_entries_are_not_trusted(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    folder = cache.artifact("abc")
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{truncated")
    assert cache.lookup("abc") is None and not folder.exists()
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"inputs_digest": "other"}))
    assert cache.lookup("abc") is None


def test_fresh_work_removes_leftovers(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    (cache.work("abc") / "src" / "half").mkdir(parents=True)
    work = cache.fresh_work("abc")
    assert list(work.iterdir()) == []


def _hold(root: str, digest: str, seconds: float, out: str) -> None:
    cache = Cache(Path(root))
    with cache.lock(digest):
        Path(out).write_text(str(time.monotonic()))
        time.sleep(seconds)


def test_lock_serialises_same_digest(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    holder = ctx.Process(target=_hold, args=(str(tmp_path), "abc", 1.5, str(tmp_path / "t")))
    holder.start()
    while not (tmp_path / "t").exists():
        time.sleep(0.05)
    waited: list[bool] = []
    with Cache(tmp_path).lock("abc", on_wait=lambda: waited.append(True)):
        got = time.monotonic()
    holder.join()
    assert waited == [True]
    assert got >= float((tmp_path / "t").read_text()) + 1.0
    # a different digest does not wait
    other: list[bool] = []
    with Cache(tmp_path).lock("def", on_wait=lambda: other.append(True)):
        pass
    assert other == []
