"""`pjbuild versions` (pjbuild.cli.versions; its rows come from pjbuild.inputs.versions) on the
real archives: what each pinned tree has, its patches, and a corrupt archive named instead of
described."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.conftest import UPSTREAM, _cli


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
