"""The versions table against the real archives: pins, trees, and the patches of each version."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pjbuild.build.extract import extract
from pjbuild.build.patches import apply_patches
from pjbuild.core import paths
from pjbuild.core.errors import SourceError
from pjbuild.core.steplog import StepLog
from pjbuild.inputs.sources import load_versions
from tests.conftest import SHARED_SOURCES

VERSIONS = load_versions()
UPSTREAM = ("2.17", "2.16", "2.15.1", "2.14.1", "master-b7317ff")


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pjbuild", *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PJBUILD_HOME": str(home),
            "PJBUILD_MIRROR": str(SHARED_SOURCES),
            "PATH": "/usr/bin:/bin",
        },
    )


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


def test_versions_lists_each_trees_components_cmake_build_and_patches(home: Path) -> None:
    proc = _cli("versions", "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    rows = {r["version"]: r for r in json.loads(proc.stdout)}
    assert [r for r in rows if rows[r]["default"]] == ["2.17"]
    assert list(rows)[:2] == [
        "master-b7317ff",
        "2.17",
    ]  # newest first, the release before its repack
    for name in UPSTREAM:
        assert rows[name]["tree_scanned"] and rows[name]["lacks"] == [], name
        assert {"gsm", "speex", "ilbc", "g7221", "srtp", "webrtc"} <= set(rows[name]["bundled"])
    # upstream's CMake build came with 2.16
    assert {n: rows[n]["cmake"] for n in UPSTREAM} == {
        "2.17": True,
        "2.16": True,
        "2.15.1": False,
        "2.14.1": False,
        "master-b7317ff": True,
    }
    assert set(rows["2.17-dfsg"]["lacks"]) >= {"gsm", "ilbc", "srtp", "webrtc"}
    skipped = {s["file"][:4]: s["reason"] for s in rows["master-b7317ff"]["skipped_patches"]}
    assert "pjsip/pjproject#5001" in skipped["0011"]
    assert "0011" not in [p["file"][:4] for p in rows["master-b7317ff"]["patches"]]
    assert "0011" in [p["file"][:4] for p in rows["2.17"]["patches"]]


def test_versions_names_a_corrupt_archive_instead_of_describing_it(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "pjproject-2.16.tar.gz").write_bytes(b"not the archive")
    proc = subprocess.run(
        [sys.executable, "-m", "pjbuild", "versions", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={"PJBUILD_HOME": str(home), "PJBUILD_MIRROR": str(mirror), "PATH": "/usr/bin:/bin"},
    )
    rows = {r["version"]: r for r in json.loads(proc.stdout)}
    assert "checksum mismatch" in rows["2.16"]["archive"]["error"]
    assert rows["2.16"]["tree_scanned"] is False and rows["2.16"]["cmake"] is None
    assert rows["2.17"]["archive"]["where"].startswith("not here: https://")


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


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_each_versions_patches_apply_in_order_to_its_archive(name: str, tmp_path: Path) -> None:
    """The real archive, the real `patch`: what a build does before configure."""
    v = VERSIONS[name]
    src = extract(SHARED_SOURCES / v.filename, tmp_path / "src")
    log = StepLog(tmp_path / "build.log")
    apply_patches(v, src, log, lambda _text: None)
    assert not list(src.rglob("*.rej")) and not list(src.rglob("*.orig"))
    if v.patches:  # at an offset is fine, a guess is not
        assert "with fuzz" not in log.path.read_text()
    shutil.rmtree(src)


def test_a_patch_that_does_not_apply_names_itself_the_version_and_the_hunk(
    tmp_path: Path,
) -> None:
    v = VERSIONS["2.14.1"]
    src = extract(SHARED_SOURCES / v.filename, tmp_path / "src")
    p0011 = next(p for p in VERSIONS["2.17"].patches if p.file.name.startswith("0011-"))
    wrong = type(v)(**{**v.__dict__, "patches": (*v.patches, p0011)})
    with pytest.raises(SourceError) as exc:
        apply_patches(wrong, src, StepLog(tmp_path / "build.log"), lambda _text: None)
    assert exc.value.exit_code == 3
    assert exc.value.summary == f"patch {p0011.file.name} does not apply to pjproject 2.14.1"
    assert "skipped" in exc.value.hint
    assert "--- rejected in pjmedia/src/pjmedia/transport_udp.c:" in exc.value.details
    assert "@@ " in exc.value.details  # the hunk itself


def _words_in_tree(archive: Path) -> set[str]:
    """Every identifier in the tree's C sources and headers, and in its configure script."""
    words: set[str] = set()
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith((".h", ".c", ".ac", ".in", ".mak")):
                data = tar.extractfile(member)
                assert data is not None
                words |= set(re.findall(rb"[A-Z][A-Z0-9_]{3,}", data.read()))
    return {w.decode() for w in words}


@pytest.fixture(scope="module")
def tree_words() -> dict[str, set[str]]:
    return {name: _words_in_tree(SHARED_SOURCES / VERSIONS[name].filename) for name in UPSTREAM}


def test_every_option_exists_in_every_version_it_claims(tree_words: dict[str, set[str]]) -> None:
    """`since` is measured: an option is in each release from `since` on, and not before."""
    from pjbuild.inputs.options import load_schema

    schema = load_schema()
    for option in schema.options.values():
        if not option.render or option.managed_by == "pjbuild" or option.type == "set":
            continue
        for name in UPSTREAM:
            release = VERSIONS[name].upstream
            assert (option.name in tree_words[name]) == option.exists_in(release), (
                option.name,
                name,
                option.since,
            )


def test_a_preset_option_a_version_lacks_is_left_out_and_a_set_one_refused(home: Path) -> None:
    old = _cli(
        "plan",
        "--target",
        "host",
        "--preset",
        "asterisk",
        "--version",
        "2.15.1",
        "--json",
        home=home,
    )
    assert old.returncode == 0, old.stderr
    header = json.loads(old.stdout)["config_site_h"]
    assert "#define PJ_ICE_SESS_CHECK_SRC_ADDR" not in header
    assert "PJ_ICE_SESS_CHECK_SRC_ADDR left out: pjproject 2.15.1 does not have it" in header
    new = _cli("plan", "--target", "host", "--preset", "asterisk", "--json", home=home)
    assert "#define PJ_ICE_SESS_CHECK_SRC_ADDR 0" in json.loads(new.stdout)["config_site_h"]
    refused = _cli(
        "plan",
        "--target",
        "host",
        "--version",
        "2.15.1",
        "--set",
        "PJ_ICE_SESS_CHECK_SRC_ADDR=0",
        home=home,
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0] == (
        "error: PJ_ICE_SESS_CHECK_SRC_ADDR does not exist in pjproject 2.15.1 (it came with 2.16)"
    )
    assert refused.stderr.splitlines()[1].startswith("fix: drop --set PJ_ICE_SESS_CHECK_SRC_ADDR")


def test_every_versions_test_harness_is_described() -> None:
    from pjbuild.inputs.testsuites import load_catalog

    harnesses = load_catalog().harnesses
    assert {v.version: v.test_harness for v in VERSIONS.values()} == {
        **{n: "unittest" for n in VERSIONS},
        "2.15.1": "do_test",
        "2.14.1": "do_test",
    }
    assert all(v.test_harness in harnesses for v in VERSIONS.values())
    # the DO_TEST harness needs pjbuild's patch that selects a test by name
    for name in ("2.15.1", "2.14.1"):
        assert any(p.file.name.startswith("0013-") for p in VERSIONS[name].patches)


def test_a_tls_backend_the_release_lacks_is_refused(home: Path) -> None:
    proc = _cli("plan", "--target", "host", "--tls", "mbedtls", "--version", "2.15.1", home=home)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: pjproject 2.15.1 has no mbedtls TLS backend (it came with 2.16)"
    assert lines[1] == "fix: --tls openssl or gnutls or none, or a newer --version"
    assert _cli("plan", "--target", "host", "--tls", "mbedtls", home=home).returncode == 0
