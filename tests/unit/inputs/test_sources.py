"""pjbuild.inputs.sources: the versions table (pins and their published digests, patch files,
each patch taken or skipped), the version chosen, mirror lookup and verification, a user's
--source archive."""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

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
from tests.unit.conftest import UPSTREAM, _one_error, _pjbuild

VERSIONS = load_versions()


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


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


def test_every_archive_users_download_is_pinned_with_its_published_digest() -> None:
    sums = dict(
        reversed(line.split()) for line in (SHARED_SOURCES / "SHA256SUMS").read_text().splitlines()
    )
    for name in (*UPSTREAM, "2.17-dfsg"):
        v = VERSIONS[name]
        assert sums[v.filename] == v.sha256, name
        if name != "2.17-dfsg":
            assert v.urls and v.urls[0].startswith("https://github.com/pjsip/pjproject/archive/")
    master = VERSIONS["master-b7317ff"]
    assert master.commit.startswith("b7317ff") and master.commit in master.urls[0]
    assert master.upstream == "2.18.dev203"  # PEP 440: after 2.17, before 2.18


def _all_patch_names() -> set[str]:
    return {p.file.name for v in VERSIONS.values() for p in v.patches}


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_every_version_takes_or_skips_every_patch(name: str) -> None:
    """No patch is silently missing from a version: it is applied, or skipped with a reason."""
    v = VERSIONS[name]
    taken = {p.file.name for p in v.patches}
    skipped = {s.name for s in v.skipped}
    assert not taken & skipped
    assert taken | skipped == _all_patch_names(), sorted(_all_patch_names() - taken - skipped)
    assert all(s.reason for s in v.skipped)


def test_each_patch_header_names_the_versions_that_take_it() -> None:
    takers: dict[Path, set[str]] = {}
    for v in VERSIONS.values():
        for p in v.patches:
            takers.setdefault(p.file, set()).add(v.version)
    for file, versions in takers.items():
        header = file.read_text().split("\n---", 1)[0]
        line = next((ln for ln in header.splitlines() if ln.startswith("Applies:")), "")
        named = {
            n for n in VERSIONS if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-]|\.\d)", line)
        }
        assert named == versions, (
            f"{file.name}: header says {sorted(named)}, table {sorted(versions)}"
        )
    # every patch file in the recipe is used by some version
    on_disk = {p for p in (paths.patches_root() / "patches").rglob("*.patch")}
    assert on_disk == set(takers), sorted(str(p) for p in on_disk ^ set(takers))


def test_bad_sources_are_exit_3_at_plan_time(tmp_path: Path) -> None:
    """Issue 18: a non-tar --source, a tar that is not pjproject and HTTP errors were
    tracebacks. The HTTP server is on 127.0.0.1 and answers 404."""
    import http.server
    import threading

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"<html>not an archive</html>\n")
    other = tmp_path / "other-1.0.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        info = tarfile.TarInfo("other-1.0/configure")
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/pjproject-9.9.tar.gz"
    try:
        for source, needle in (
            (str(junk), "not a readable archive"),
            (str(other), "not a pjproject tree"),
            (url, "the download failed"),
        ):
            proc = _pjbuild(tmp_path / "home", "plan", "--target", "host", "--source", source)
            _one_error(proc, 3, needle)
    finally:
        server.shutdown()
