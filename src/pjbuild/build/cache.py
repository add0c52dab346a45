"""The artifact cache: one folder per inputs digest, locked, published atomically.

Layout under PJBUILD_HOME:
  artifacts/<digest>/   complete artifacts only (renamed into place as the last step)
  work/<digest>/        a build in progress (deterministic path: ccache hits across builds);
                        removed and redone when a run finds it left over by a killed build
  locks/<digest>.lock   held while building or testing one digest
  downloads/            fetched archives (verified on every use)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ConfigError


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

    def manifest(self, digest: str) -> dict[str, Any] | None:
        """The manifest of a complete artifact, read only (nothing is marked or removed)."""
        try:
            data: dict[str, Any] = json.loads((self.artifact(digest) / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        return data if data.get("inputs_digest") == digest else None

    def recent_manifests(self, target: str, newest: int = 20) -> list[dict[str, Any]]:
        """The manifests of ``target``'s artifacts among the ``newest`` in the cache, oldest
        first (what earlier builds of the target measured: test durations, objects)."""
        found = []
        for path in (self.root / "artifacts").glob("*/manifest.json"):
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, path))
        out = []
        for _, path in sorted(found)[-newest:]:
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("target") == target:
                out.append(data)
        return out

    def lookup(self, digest: str) -> dict[str, Any] | None:
        """The manifest of a complete artifact, or None. A broken entry is removed."""
        folder = self.artifact(digest)
        if not folder.is_dir():
            return None
        data = self.manifest(digest)
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(folder)  # last use, for `pjbuild gc --keep/--max-size`
        return data

    def _filelock(self, digest: str) -> FileLock:
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(lock_dir / f"{digest}.lock"))

    def try_lock(self, digest: str) -> FileLock | None:
        """The digest's lock if nobody holds it (gc), else None."""
        lock = self._filelock(digest)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return None
        return lock

    @contextmanager
    def lock(self, digest: str, on_wait: Any = None) -> Iterator[None]:
        lock = self._filelock(digest)
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

    @contextmanager
    def using(self, digest: str, on_wait: Any = None) -> Iterator[Path]:
        """Hold a published artifact while something reads it (a wheel build): `pjbuild gc`
        then leaves it alone. Raises if it was removed before the lock was taken."""
        with self.lock(digest, on_wait):
            folder = self.artifact(digest)
            if not (folder / "manifest.json").is_file():
                raise BuildError(
                    f"the artifact {digest} was removed before it could be used "
                    "(pjbuild gc --keep/--max-size ran meanwhile)",
                    hint="run the command again: the artifact is rebuilt",
                )
            yield folder

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
        os.utime(dest)
        return dest

    def remove(self, folder: Path) -> None:
        """Take a folder out of the cache in one rename, then delete it."""
        trash = Path(tempfile.mkdtemp(prefix=f".gc-{folder.name}.", dir=folder.parent))
        os.replace(folder, trash / folder.name)
        shutil.rmtree(trash, ignore_errors=True)


def folder_size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


@dataclass
class GcReport:
    removed_work: list[str] = field(default_factory=list)
    removed_artifacts: list[str] = field(default_factory=list)
    removed_broken: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # locked by a running build: left alone
    killed_groups: list[int] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    freed_bytes: int = 0
    kept_bytes: int = 0


_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """A size limit as `pjbuild gc --max-size` takes it: bytes, or K, M, G, T (binary units,
    with an optional B or iB: 500M, 2G, 1.5GiB)."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _SIZE_UNITS else ""
    number = value[: len(value) - len(unit)]
    try:
        return int(float(number) * _SIZE_UNITS[unit])
    except ValueError:
        raise ConfigError(
            f"bad size '{text}'", hint="a number with an optional K, M, G or T (e.g. 2G)"
        ) from None


def gc(
    root: Path, keep: int | None = None, max_size: int | None = None, dry_run: bool = False
) -> GcReport:
    """Remove what no build is using: work folders of finished or killed builds (their lock
    is free), broken artifact folders, leftovers of interrupted renames; with ``keep`` /
    ``max_size`` also the least recently used complete artifacts beyond N / the size."""
    from pjbuild.core import procs

    report = GcReport()
    if not dry_run:
        report.killed_groups = procs.reap_orphans()
    for cache in (Cache(root), Cache(root / "deps")):
        work = cache.root / "work"
        for folder in sorted(work.iterdir()) if work.is_dir() else []:
            lock = cache.try_lock(folder.name)
            if lock is None:
                report.busy.append(str(folder))
                continue
            try:
                report.freed_bytes += folder_size(folder)
                report.removed_work.append(str(folder))
                if not dry_run:
                    cache.remove(folder)
            finally:
                lock.release()
        arts = cache.root / "artifacts"
        for folder in sorted(arts.iterdir()) if arts.is_dir() else []:
            if folder.name.startswith("."):  # trash of an interrupted swap or gc
                # a swap (publish --force) holds its digest's lock while its trash exists
                swapped = folder.name[len(".old-") :].split(".")[0]
                held = cache.try_lock(swapped) if folder.name.startswith(".old-") else None
                if folder.name.startswith(".old-") and held is None:
                    report.busy.append(str(folder))
                    continue
                try:
                    report.removed_broken.append(str(folder))
                    if not dry_run:
                        shutil.rmtree(folder, ignore_errors=True)
                finally:
                    if held is not None:
                        held.release()
            elif not (folder / "manifest.json").is_file():
                report.removed_broken.append(str(folder))
                if not dry_run:
                    cache.remove(folder)
    if keep is None and max_size is None:
        return report
    cache = Cache(root)
    arts = cache.root / "artifacts"
    entries = [f for f in arts.iterdir() if not f.name.startswith(".")] if arts.is_dir() else []
    entries = [f for f in entries if cache.manifest(f.name) is not None]
    entries.sort(key=lambda f: f.stat().st_mtime, reverse=True)  # most recently used first
    total = 0
    for index, folder in enumerate(entries):
        size = folder_size(folder)
        over = (keep is not None and index >= keep) or (
            max_size is not None and total + size > max_size
        )
        if not over:
            total += size
            report.kept.append(folder.name)
            continue
        lock = cache.try_lock(folder.name)
        if lock is None:
            report.busy.append(str(folder))
            total += size
            continue
        try:
            report.removed_artifacts.append(folder.name)
            report.freed_bytes += size
            if not dry_run:
                cache.remove(folder)
        finally:
            lock.release()
    report.kept_bytes = total
    return report
