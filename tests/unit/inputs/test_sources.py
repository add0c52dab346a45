from __future__ import annotations

import io
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from pjbuild.build.extract import extract
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, SourceError
from pjbuild.inputs.sources import (
    fetch,
    find_local,
    load_versions,
    select_version,
    sha256_file,
    verify,
)
from tests.conftest import SHARED_SOURCES


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def test_versions_table_has_pins_and_patch_files() -> None:
    versions = load_versions()
    assert {"2.17", "2.17-dfsg"} <= set(versions)
    assert versions["2.17"].urls and versions["2.17"].urls[0].startswith("https://")
    for v in versions.values():
        assert len(v.sha256) == 64
        for patch in v.patches:
            assert patch.file.is_file(), patch.file
            head = patch.file.read_text().split("\n---", 1)[0]
            for word in ("What:", "Why:", "How found:", "Upstream:"):
                assert word in head, f"{patch.file.name} header lacks {word}"


def test_versions_table_agrees_with_shared_sha256sums() -> None:
    sums = dict(
        reversed(line.split()) for line in (SHARED_SOURCES / "SHA256SUMS").read_text().splitlines()
    )
    dfsg = load_versions()["2.17-dfsg"]
    assert sums[dfsg.filename] == dfsg.sha256


def test_default_version_is_the_tables_default_whatever_is_offline(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = load_versions()
    assert [v.version for v in versions.values() if v.default] == ["2.17"]
    assert select_version(versions, None).version == "2.17"
    assert find_local("pjproject-2.17.tar.gz") is not None
    # a mirror holding only the DFSG repack does not change the default (it used to)
    only_dfsg = tmp_path / "mirror"
    only_dfsg.mkdir()
    (only_dfsg / versions["2.17-dfsg"].filename).symlink_to(
        SHARED_SOURCES / versions["2.17-dfsg"].filename
    )
    monkeypatch.setenv("PJBUILD_MIRROR", str(only_dfsg))
    assert select_version(versions, None).version == "2.17"
    # ... and when the default cannot be had, the error names the versions that are here
    with pytest.raises(SourceError) as exc:
        fetch(replace(versions["2.17"], urls=()))
    assert "available offline: --version 2.17-dfsg" in exc.value.hint


def test_a_build_that_needs_a_folder_gets_the_newest_version_with_it() -> None:
    versions = load_versions()
    assert select_version(versions, None, ("third_party/gsm",)).version == "2.17"
    only = {k: v for k, v in versions.items() if k in ("2.17-dfsg", "2.16")}
    only["2.17-dfsg"] = replace(only["2.17-dfsg"], default=True)
    assert select_version(only, None, ("third_party/gsm",)).version == "2.16"


def test_unknown_version_lists_known() -> None:
    with pytest.raises(ConfigError) as exc:
        select_version(load_versions(), "2.71")
    assert "2.17" in exc.value.hint


def test_checksum_mismatch_reports_both_digests(tmp_path: Path) -> None:
    bad = tmp_path / "pjproject-2.17-dfsg.tar.xz"
    bad.write_bytes(b"not the archive")
    expected = load_versions()["2.17-dfsg"].sha256
    with pytest.raises(SourceError) as exc:
        verify(bad, expected)
    assert expected in exc.value.summary
    assert sha256_file(bad) in exc.value.summary


def test_fetch_refuses_corrupted_mirror_file(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = (SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz").read_bytes()
    (mirror / "pjproject-2.17-dfsg.tar.xz").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    monkeypatch.setenv("PJBUILD_MIRROR", str(mirror))
    with pytest.raises(SourceError, match="checksum mismatch"):
        fetch(load_versions()["2.17-dfsg"])


def test_fetch_missing_archive_says_where(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PJBUILD_MIRROR", str(tmp_path))
    with pytest.raises(SourceError) as exc:
        fetch(load_versions()["2.17-dfsg"])
    assert "PJBUILD_MIRROR" in exc.value.hint


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


def test_data_folders_are_found() -> None:
    root = paths.data_root()
    assert (root / "toolchains").is_dir()
    assert (root / "config_site" / "options.toml").is_file()
    assert paths.conandata_file().is_file()


def test_user_source_with_pinned_name_is_verified(home: Path) -> None:
    from pjbuild.inputs.sources import from_user

    got = from_user(str(SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz"), load_versions())
    assert got.version.version == "2.17-dfsg" and got.origin == "user"


def test_user_source_unpinned_records_digest(home: Path, tmp_path: Path) -> None:
    from pjbuild.inputs.sources import from_user

    arc = _tar(tmp_path / "pjproject-9.9.tar.gz", [_file("pjproject-9.9/README")])
    got = from_user(str(arc), load_versions())
    assert got.sha256 == sha256_file(arc)
    assert got.version.upstream == "9.9" and not got.version.patches
    with pytest.raises(SourceError, match="no such file"):
        from_user(str(tmp_path / "missing.tar.gz"), load_versions())
