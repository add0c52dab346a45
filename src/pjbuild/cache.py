"""The artifact cache: one folder per inputs digest, locked, published atomically.

Layout under PJBUILD_HOME:
  artifacts/<digest>/   complete artifacts only (renamed into place as the last step)
  work/<digest>/        a build in progress (deterministic path: ccache hits across builds);
                        removed and redone when a run finds it left over by a killed build
  locks/<digest>.lock   held while building or testing one digest
  downloads/            fetched archives (verified on every use)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from pjbuild import paths


@dataclass(frozen=True)
class Cache:
    root: Path

    @classmethod
    def default(cls) -> Cache:
        return cls(paths.home())

    def artifact(self, digest: str) -> Path:
        return self.root / "artifacts" / digest

    def work(self, digest: str) -> Path:
        return self.root / "work" / digest

    def lookup(self, digest: str) -> dict[str, Any] | None:
        """The manifest of a complete artifact, or None. A broken entry is removed."""
        folder = self.artifact(digest)
        manifest = folder / "manifest.json"
        if not folder.is_dir():
            return None
        try:
            data: dict[str, Any] = json.loads(manifest.read_text())
        except (OSError, ValueError):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        if data.get("inputs_digest") != digest:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return data

    @contextmanager
    def lock(self, digest: str, on_wait: Any = None) -> Iterator[None]:
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_dir / f"{digest}.lock"))
        try:
            lock.acquire(timeout=0.1)
        except Timeout:
            if on_wait:
                on_wait()
            lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def fresh_work(self, digest: str) -> Path:
        """An empty work folder (call with the lock held): leftovers of killed runs go."""
        work = self.work(digest)
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        return work

    def publish(self, stage: Path, digest: str) -> Path:
        """Move a finished stage folder into the cache in one rename."""
        dest = self.artifact(digest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():  # --force rebuild: swap out the old entry
            trash = Path(tempfile.mkdtemp(prefix=f".old-{digest}.", dir=dest.parent))
            os.replace(dest, trash / "old")
            os.replace(stage, dest)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(stage, dest)
        return dest


def write_json_atomic(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
