"""`pjbuild build` (pjbuild.cli.build), run as a process: a corrupted archive is refused with
both digests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED_SOURCES
from tests.unit.cli.conftest import pjbuild


def test_corrupted_archive_refused_with_both_digests(home: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray((SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (mirror / "pjproject-2.17-dfsg.tar.xz").write_bytes(bytes(data))
    proc = pjbuild(
        "build", "--target", "host", "--version", "2.17-dfsg", env_home=home, mirror=mirror
    )
    assert proc.returncode == 3
    first = proc.stderr.splitlines()[0]
    assert "checksum mismatch" in first
    assert "6860c2f7604b4eee75f38151a9ef69774eb3f0c5286fc1d14bc1db2dc5a9e8aa" in first
    import hashlib

    assert hashlib.sha256(bytes(data)).hexdigest() in first
    assert not (home / "artifacts").exists() and not (home / "work").exists()
