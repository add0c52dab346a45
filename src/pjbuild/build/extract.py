"""Safe, atomic extraction of a source archive, by pjbuild's own checks on every Python.

Python's tarfile filters are not enough here: they check member names textually (a chain of
links, ``a -> .`` then ``b -> a/../..``, then ``b/FILE``, passes the check), on 3.10.0-3.10.11
and 3.11.0-3.11.3 they do not exist, and their errors are tracebacks. So the archive is read as
one stream, hashed while it is read, and each member is written by this module:

- the one top folder is stripped first, and every check is on the path that is written;
- names: relative, no ``..``, no backslash or drive, not empty; regular files, folders,
  symbolic links and hard links only (no devices, fifos, sockets);
- the folder a member goes into is resolved on disk (through the links extracted so far) and
  must be inside the tree; a member never replaces a link;
- a symbolic link must resolve, against what was extracted so far, inside the tree; a hard
  link must name a regular file extracted earlier;
- modes are 0755 or 0644 (no setuid, no world-writable files), times are the archive's;
- the sha256 of the bytes read must be the pinned one: the tree is renamed into place only
  then, so an archive swapped after it was verified is refused;
- a broken archive (truncated, corrupt, not a tar) is a SourceError (exit 3); on any error the
  temporary folder is removed and nothing is left at the destination.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from pjbuild.core.errors import HomeError, SourceError

_MALICIOUS = "the archive is malicious or broken: use the pinned archive"


class _Hashing:
    """A read-only stream that hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return self.sha256.hexdigest()


def _unsafe(name: str, why: str) -> SourceError:
    return SourceError(f"unsafe archive member '{name}': {why}", hint=_MALICIOUS)


def _relative(member: tarfile.TarInfo, top: str | None) -> tuple[str, PurePosixPath | None]:
    """The top folder and the member's path below it (None: the top folder itself)."""
    name = member.name
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _unsafe(name, "an absolute path, a drive or a backslash escapes the destination")
    parts = [p for p in PurePosixPath(name).parts if p != "."]
    if not parts or ".." in parts:
        raise _unsafe(name, "escapes the destination")
    first = parts[0]
    if top is None:
        top = first
    if first != top:
        raise SourceError(
            f"archive member '{name}' is outside the top folder '{top}'",
            hint="a source archive holds one top folder (as GitHub's and the projects' do)",
        )
    rest = parts[1:]
    return top, PurePosixPath(*rest) if rest else None


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _write_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, rel: PurePosixPath, root: Path, top: str
) -> tuple[Path, int] | None:
    """Write one member below root (resolved); returns a folder and its time, to set last."""
    name = member.name
    target = root / rel
    parent = target.parent
    if not _inside(Path(os.path.realpath(parent)), root):
        raise _unsafe(name, "its folder is reached through a link that leaves the tree")
    if target.is_symlink():
        raise _unsafe(name, "it would be written through a link")
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(0o755)
        return target, int(member.mtime)
    parent.mkdir(parents=True, exist_ok=True)
    if member.isreg():
        source = tar.extractfile(member)
        assert source is not None
        mode = 0o755 if member.mode & 0o111 else 0o644
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
        os.chmod(target, mode)
        os.utime(target, (member.mtime, member.mtime))
    elif member.issym():
        link = member.linkname
        if not link or link.startswith("/") or "\\" in link:
            raise _unsafe(name, f"link to '{link}' points outside the tree")
        resolved = Path(os.path.realpath(parent / link))
        if not _inside(resolved, root):
            raise _unsafe(name, f"link to '{link}' points outside the tree")
        os.symlink(link, target)
        os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)
    elif member.islnk():
        _, linked = _relative(tarfile.TarInfo(member.linkname), top)
        source_path = root / linked if linked else root
        real = Path(os.path.realpath(source_path))
        if not _inside(real, root) or not real.is_file() or source_path.is_symlink():
            raise _unsafe(name, f"hard link to '{member.linkname}' is not a file of the tree")
        os.link(real, target)
    else:
        raise _unsafe(name, "not a file, folder or link (device, fifo or socket)")
    return None


def extract(archive: Path, dest: Path, sha256: str | None = None) -> Path:
    """Extract ``archive`` into ``dest`` (which must not exist), its top folder stripped.

    With ``sha256``, the bytes read must hash to it, or nothing is left at ``dest``."""
    if dest.exists():
        raise SourceError(f"extraction target {dest} already exists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    root = Path(os.path.realpath(tmp / "tree"))
    try:
        root.mkdir()
        with archive.open("rb") as raw:
            stream = _Hashing(raw)
            folders = _extract_stream(archive, stream, root)
            digest = stream.drain()
        if sha256 is not None and digest != sha256.lower():
            raise SourceError(
                f"{archive.name} changed after it was verified: its bytes hash to {digest}, "
                f"not the pinned sha256 {sha256}",
                hint=f"something replaced {archive} during the build: fetch it again",
            )
        for folder, mtime in reversed(folders):  # after their contents were written
            os.utime(folder, (mtime, mtime))
        os.replace(root, dest)
        shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _extract_stream(archive: Path, stream: _Hashing, root: Path) -> list[tuple[Path, int]]:
    folders: list[tuple[Path, int]] = []
    top: str | None = None
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:  # type: ignore[call-overload]
            for member in tar:
                top, rel = _relative(member, top)
                if rel is None:
                    if not member.isdir():
                        raise SourceError(
                            f"archive member '{member.name}' is not a folder",
                            hint="a source archive holds one top folder",
                        )
                    folders.append((root, int(member.mtime)))
                    continue
                folder = _write_member(tar, member, rel, root, top)
                if folder is not None:
                    folders.append(folder)
    except SourceError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as exc:
        text = " ".join(str(exc).split())  # one line: tarfile lists each method it tried
        why = "truncated" if isinstance(exc, EOFError) else f"{type(exc).__name__}: {text}"
        raise SourceError(
            f"{archive.name}: not a readable archive ({why})",
            hint="delete it and fetch it again, or give a .tar.gz/.tar.bz2/.tar.xz archive",
        ) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise SourceError(
                f"{archive.name}: a member's name is too long for this file system",
                hint=_MALICIOUS,
            ) from None
        raise HomeError(
            f"cannot write the extracted tree under {root.parent.parent}: {exc.strerror or exc}",
            hint="free space in PJBUILD_HOME or point PJBUILD_HOME at a writable folder",
        ) from None
    if top is None:
        raise SourceError(
            f"{archive.name}: not a readable archive (no members)", hint="give a source archive"
        )
    return folders
