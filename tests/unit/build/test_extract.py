"""Crafted archives against pjbuild's extraction (pjbuild.build.extract; issue 18): each is
refused with exit 3, nothing lands outside the destination, and no temporary folder is left;
what is fine extracts with its times and without setuid bits, its top folder stripped and its
links inside the tree kept. Real tar files, written with tarfile in the test."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from pjbuild.build.extract import extract
from pjbuild.core.errors import SourceError

Member = tuple[tarfile.TarInfo, bytes | None]


def _file(name: str, data: bytes = b"x", mode: int = 0o644, mtime: int = 1_700_000_000) -> Member:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, mtime
    return info, data


def _entry(name: str, kind: bytes, linkname: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, None


def _sym(name: str, target: str) -> Member:
    return _entry(name, tarfile.SYMTYPE, target)


def _tar(path: Path, members: list[Member], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _left(tmp_path: Path, archive: Path) -> list[str]:
    """Everything in tmp_path but the archive and the outside canary."""
    return sorted(p.name for p in tmp_path.iterdir() if p not in (archive, tmp_path / "outside"))


TOP = [_entry("pj", tarfile.DIRTYPE), _file("pj/ok.c")]

CRAFTED: dict[str, list[Member]] = {
    "dotdot": [*TOP, _file("pj/../../evil")],
    "absolute": [*TOP, _file("/tmp/evil-abs")],
    "drive": [*TOP, _file("C:/evil")],
    "backslash": [*TOP, _file("pj\\..\\..\\evil")],
    "symlink-absolute": [*TOP, _sym("pj/l", "/etc")],
    "symlink-escape": [*TOP, _sym("pj/l", "../../outside")],
    # checked after the top folder is stripped: pj/up -> .. would point at the work folder
    "symlink-to-work-folder": [*TOP, _sym("pj/up", "..")],
    # a chain: each link alone looks inside, together they leave the tree
    "link-chain": [*TOP, _sym("pj/a", "."), _sym("pj/b", "a/../.."), _file("pj/b/FILE")],
    "write-through-link": [
        *TOP,
        _entry("pj/d", tarfile.DIRTYPE),
        _sym("pj/d/x", "../ok.c"),
        _file("pj/d/x", b"overwritten"),
    ],
    "hardlink-outside": [*TOP, _entry("pj/h", tarfile.LNKTYPE, "outside/canary")],
    "hardlink-escape": [*TOP, _entry("pj/h", tarfile.LNKTYPE, "pj/../../outside/canary")],
    "device": [*TOP, _entry("pj/dev", tarfile.CHRTYPE)],
    "fifo": [*TOP, _entry("pj/fifo", tarfile.FIFOTYPE)],
    "two-top-folders": [*TOP, _file("other/x.c")],
    "long-name": [*TOP, _file("pj/" + "n" * 300)],
}


@pytest.fixture()
def canary(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary").write_text("untouched")
    return outside


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_archive_is_refused_and_leaves_nothing(
    tmp_path: Path, canary: Path, case: str
) -> None:
    arc = _tar(tmp_path / f"{case}.tar.gz", CRAFTED[case])
    with pytest.raises(SourceError) as exc:
        extract(arc, tmp_path / "out")
    assert exc.value.exit_code == 3
    assert _left(tmp_path, arc) == []  # no destination, no temporary folder
    assert sorted(p.name for p in canary.iterdir()) == ["canary"]
    assert (canary / "canary").read_text() == "untouched"
    assert not Path("/tmp/evil-abs").exists()


@pytest.mark.parametrize("how", ["truncated", "corrupt", "not-a-tar", "empty", "xz-corrupt"])
def test_broken_archive_is_exit_3_without_traceback_material(tmp_path: Path, how: str) -> None:
    good = _tar(tmp_path / "good.tar.gz", [*TOP, _file("pj/big.c", os.urandom(200_000))])
    data = good.read_bytes()
    good.unlink()
    arc = tmp_path / "bad.tar.gz"
    if how == "truncated":
        arc.write_bytes(data[: len(data) // 2])
    elif how == "corrupt":
        arc.write_bytes(data[:100] + bytes(b ^ 0x5A for b in data[100:400]) + data[400:])
    elif how == "not-a-tar":
        arc.write_bytes(b"<html>404 Not Found</html>\n" * 40)
    elif how == "empty":
        arc.write_bytes(b"")
    else:
        xz = _tar(tmp_path / "x.tar.xz", [*TOP], mode="w:xz")
        raw = xz.read_bytes()
        xz.unlink()
        arc = tmp_path / "bad.tar.xz"
        arc.write_bytes(raw[:20] + b"\x00" * 40 + raw[60:])
    with pytest.raises(SourceError, match="not a readable archive") as exc:
        extract(arc, tmp_path / "out")
    assert exc.value.exit_code == 3
    assert _left(tmp_path, arc) == []


def test_an_archive_swapped_after_verification_is_refused(tmp_path: Path) -> None:
    """The pinned sha256 is checked on the bytes extracted, not only at plan time."""
    pinned = _tar(tmp_path / "pj.tar.gz", [*TOP])
    sha = hashlib.sha256(pinned.read_bytes()).hexdigest()
    _tar(pinned, [*TOP, _file("pj/trojan.c", b"int evil;")])  # swapped in between
    with pytest.raises(SourceError, match="changed after it was verified"):
        extract(pinned, tmp_path / "out", sha)
    assert _left(tmp_path, pinned) == []


def test_a_good_archive_extracts_with_times_links_and_safe_modes(tmp_path: Path) -> None:
    arc = _tar(
        tmp_path / "pj.tar.gz",
        [
            *TOP,
            _file("pj/sub/a.sh", b"#!/bin/sh\n", mode=0o4777, mtime=1_600_000_000),
            _sym("pj/l", "sub/a.sh"),
            _entry("pj/h", tarfile.LNKTYPE, "pj/ok.c"),
            _file("pj/" + "d" * 100 + "/" + "f" * 150),  # long (pax) names
        ],
    )
    sha = hashlib.sha256(arc.read_bytes()).hexdigest()
    dest = extract(arc, tmp_path / "out", sha)
    script = dest / "sub" / "a.sh"
    assert script.read_bytes() == b"#!/bin/sh\n"
    assert script.stat().st_mode & 0o7777 == 0o755  # no setuid, not world-writable
    assert int(script.stat().st_mtime) == 1_600_000_000
    assert os.readlink(dest / "l") == "sub/a.sh"
    assert (dest / "h").read_bytes() == b"x" and (dest / "h").samefile(dest / "ok.c")
    assert (dest / ("d" * 100) / ("f" * 150)).is_file()
    assert _left(tmp_path, arc) == ["out"]


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def test_extract_strips_top_folder(tmp_path: Path) -> None:
    arc = _tar(tmp_path / "a.tar.gz", [_file("top/a.txt", b"hello"), _file("top/sub/b.txt")])
    dest = extract(arc, tmp_path / "out")
    assert (dest / "a.txt").read_bytes() == b"hello"
    assert (dest / "sub" / "b.txt").is_file()


@pytest.mark.parametrize(
    "member",
    [
        _file("/etc/evil"),
        _file("top/../../evil"),
        _link("top/link", "/etc/passwd"),
        _link("top/link", "../../outside"),
        _link("top/hard", "../outside", tarfile.LNKTYPE),
    ],
    ids=["absolute", "dotdot", "symlink-absolute", "symlink-escape", "hardlink-escape"],
)
def test_extract_refuses_escaping_members(tmp_path: Path, member: tuple) -> None:
    arc = _tar(tmp_path / "evil.tar.gz", [_file("top/ok.txt"), member])
    with pytest.raises(SourceError, match="unsafe archive member"):
        extract(arc, tmp_path / "out")
    # nothing half-written: neither the destination nor a temporary folder is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar.gz"]


def test_extract_allows_links_inside_tree(tmp_path: Path) -> None:
    arc = _tar(tmp_path / "ok.tar.gz", [_file("top/sub/a.txt", b"A"), _link("top/l", "sub/a.txt")])
    dest = extract(arc, tmp_path / "out")
    assert (dest / "l").read_bytes() == b"A"


def test_extract_refuses_existing_destination(tmp_path: Path) -> None:
    arc = _tar(tmp_path / "a.tar.gz", [_file("top/a.txt")])
    (tmp_path / "out").mkdir()
    with pytest.raises(SourceError, match="already exists"):
        extract(arc, tmp_path / "out")


def test_extract_garbage_is_a_clear_error(tmp_path: Path) -> None:
    arc = tmp_path / "junk.tar.gz"
    arc.write_bytes(b"\x00" * 100)
    with pytest.raises(SourceError, match="not a readable archive"):
        extract(arc, tmp_path / "out")
    assert not (tmp_path / "out").exists()
