"""pjbuild.build.cache: publish, lookup and locks of the artifact cache, and gc (stale work,
--keep/--max-size, the trash of a swap, artifacts in use); parse_size."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from pjbuild.build.cache import Cache, gc, parse_size
from pjbuild.core.errors import ConfigError
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


def test_parse_size() -> None:
    assert parse_size("2G") == 2 << 30
    assert parse_size("500M") == 500 << 20
    assert parse_size("1.5KiB") == 1536
    assert parse_size("123") == 123
    with pytest.raises(ConfigError, match="bad size"):
        parse_size("lots")


def _artifact(cache: Cache, digest: str, size: int, used: float) -> None:
    stage = cache.root / f"stage-{digest}"
    (stage / "prefix").mkdir(parents=True)
    (stage / "prefix" / "lib.a").write_bytes(b"x" * size)
    write_json_atomic(stage / "manifest.json", {"inputs_digest": digest})
    cache.publish(stage, digest)
    os.utime(cache.artifact(digest), (used, used))


def test_gc_removes_stale_work_and_keeps_recent_artifacts(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    now = time.time()
    for i, digest in enumerate(("old", "mid", "new")):
        _artifact(cache, digest, 1000, now - 100 * (3 - i))
    (cache.work("stale") / "src").mkdir(parents=True)  # a killed build's leftovers
    (cache.work("busy") / "src").mkdir(parents=True)  # a running build's
    (cache.root / "deps" / "work" / "dep1").mkdir(parents=True)
    with cache.lock("busy"):
        report = gc(cache.root, keep=2)
    assert sorted(Path(p).name for p in report.removed_work) == ["dep1", "stale"]
    assert [Path(p).name for p in report.busy] == ["busy"]
    assert report.removed_artifacts == ["old"]
    assert report.kept == ["new", "mid"]
    assert not cache.work("stale").exists() and cache.work("busy").exists()
    assert not cache.artifact("old").exists() and cache.lookup("new") is not None
    # a cache hit makes an artifact the most recently used
    time.sleep(0.05)  # past the file system clock's granularity
    assert cache.lookup("mid") is not None
    report = gc(cache.root, max_size=1500)
    assert report.kept == ["mid"] and report.removed_artifacts == ["new"]


def test_gc_dry_run_removes_nothing(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    _artifact(cache, "a", 10, time.time())
    (cache.work("w")).mkdir(parents=True)
    report = gc(cache.root, keep=0, dry_run=True)
    assert report.removed_artifacts == ["a"] and len(report.removed_work) == 1
    assert cache.artifact("a").exists() and cache.work("w").exists()


def test_gc_leaves_the_trash_of_a_swap_in_progress(tmp_path: Path) -> None:
    """Issue 18: gc removed a publish --force swap's trash without the lock the swap holds."""
    cache = Cache(tmp_path / "home")
    _artifact(cache, "d1", 10, time.time())
    trash = cache.root / "artifacts" / ".old-d1.abc123"
    (trash / "old").mkdir(parents=True)
    stale = cache.root / "artifacts" / ".old-d2.def456"  # an interrupted swap: nobody holds d2
    (stale / "old").mkdir(parents=True)
    with cache.lock("d1"):  # the swap of d1 is under way
        report = gc(cache.root)
    assert trash.is_dir() and str(trash) in report.busy
    assert not stale.exists() and str(stale) in report.removed_broken


def test_an_artifact_in_use_is_kept_by_gc_keep(tmp_path: Path) -> None:
    """Issue 18: `pjbuild wheel` read an artifact that `gc --keep` could delete meanwhile;
    the wheel holds it through Cache.using."""
    from pjbuild.core.errors import BuildError

    cache = Cache(tmp_path / "home")
    _artifact(cache, "wheeled", 10, time.time() - 100)
    _artifact(cache, "newer", 10, time.time())
    with cache.using("wheeled") as folder:
        report = gc(cache.root, keep=1)
        assert (folder / "manifest.json").is_file()
        assert str(folder) in report.busy and report.removed_artifacts == []
    report = gc(cache.root, keep=1)
    assert report.removed_artifacts == ["wheeled"]
    with pytest.raises(BuildError, match="removed before it could be used"), cache.using("wheeled"):
        pass
