"""Reproducible bytes, for real: an artifact is built cold, then `pjbuild verify` rebuilds it
cold in another PJBUILD_HOME (a scratch folder under /tmp), seconds later, and compares every
file manifest.json lists (static libraries, pjsua, test programs, headers, .pc files).

All of them are `extended` (`./dev test-extended`): two builds without ccache each (one test
builds through a cold ccache, and verify replays that), the host's about 4 minutes cold, the
cross and MinGW ones add dependency builds from source, which `./dev test` cannot afford within
its time. The unit tests check the path maps and
SOURCE_DATE_EPOCH (tests/unit/inputs/test_repro.py, engines/test_autotools.py) and the comparison
(tests/unit/build/test_repro.py) on every run.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Pjbuild

pytestmark = pytest.mark.integration


def _build_cold(home: Path, *args: str) -> tuple[Pjbuild, Path, dict[str, Any]]:
    pjb = Pjbuild(home)
    built = pjb.build_json(*args, "--tests", "none", "--no-ccache")
    artifact = Path(built["artifact"])
    manifest = json.loads((artifact / "manifest.json").read_text())
    files = manifest["files"]
    assert any(k.startswith("prefix/lib/libpj") and k.endswith(".a") for k in files)
    assert any(k.startswith("prefix/bin/pjsua") for k in files)
    assert any(k.startswith("tests/pjlib/bin/pjlib-test") for k in files)
    assert manifest["source_date_epoch"] > 1_600_000_000
    sbom = json.loads((artifact / "sbom.cdx.json").read_text())
    assert sbom["bomFormat"] == "CycloneDX"
    assert "pjproject" in {c["name"] for c in sbom["components"]}
    time.sleep(1.5)  # the rebuild happens at another time, too
    return pjb, artifact, manifest


def _verify(pjb: Pjbuild, artifact: Path) -> tuple[int, dict[str, Any], str]:
    proc = pjb.run("verify", str(artifact), "--json")
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stdout


@pytest.mark.extended
def test_host_artifact_rebuilds_bit_for_bit(tmp_path: Path) -> None:
    pjb, artifact, manifest = _build_cold(tmp_path / "home", "--target", "host", "--tls", "openssl")
    # a copy with one library changed after the build: the rebuild must find exactly that file
    copy = tmp_path / "copy"
    shutil.copytree(artifact, copy, symlinks=True)
    lib = sorted(p for p in (copy / "prefix" / "lib").glob("libpjlib-util*.a"))[0]
    data = bytearray(lib.read_bytes())
    data[-1] ^= 0xFF
    lib.write_bytes(bytes(data))
    rel = lib.relative_to(copy).as_posix()
    code, result, text = _verify(pjb, copy)
    assert code == 1, text
    assert result["differing"] == [rel]
    assert result["modified_since_build"] == [rel]
    # every other file of the artifact is identical in the rebuild from another home
    assert result["identical"] == len(manifest["files"]) - 1, text
    assert not result["only_original"] and not result["only_rebuilt"]
    assert "differs: " + rel in text


@pytest.mark.extended
@pytest.mark.parametrize(
    "target",
    [
        pytest.param("linux-armhf", id="cross-armhf-mbedtls-from-source"),
        pytest.param("windows-mingw-x86_64", id="mingw-mbedtls-from-source"),
        pytest.param("linux-armeb", id="zig-armeb-mbedtls-from-source"),
    ],
)
def test_cross_artifact_rebuilds_bit_for_bit(target: str, tmp_path: Path) -> None:
    pjb, artifact, manifest = _build_cold(tmp_path / "home", "--target", target)
    code, result, text = _verify(pjb, artifact)
    assert code == 0, text
    assert result["reproducible"] is True
    assert result["identical"] == len(manifest["files"])


@pytest.mark.extended
def test_an_artifact_built_through_ccache_rebuilds_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ccache's base_dir makes the paths of the dependency's headers and sources relative, so
    the bytes of a build through ccache are not those of one without it (measured: 14 files of
    linux-x86_64-musl with Mbed TLS); the manifest records it and verify rebuilds the same way,
    through an empty ccache."""
    monkeypatch.setenv("CCACHE_DIR", str(tmp_path / "ccache"))  # cold, this test's own
    pjb = Pjbuild(tmp_path / "home")
    built = pjb.build_json("--target", "linux-x86_64-musl", "--tests", "none")
    artifact = Path(built["artifact"])
    manifest = json.loads((artifact / "manifest.json").read_text())
    assert manifest["toolchain"]["ccache"] is True
    code, result, text = _verify(pjb, artifact)
    assert code == 0, text  # the rebuild went through an empty ccache too (else 14 differ)
    assert result["identical"] == len(manifest["files"])
