"""`--libs shared`: pjproject as shared libraries with versioned SONAMEs and $ORIGIN run
paths, for both engines. The quick suite runs against the shared libraries (the build fails
otherwise); the prefix, moved elsewhere, serves a CMake consumer (find_package(Pj)) and a
pkg-config consumer, and its pjsua runs from there with no loader variable; the manifest and
the SBOM list the shared objects. On the host with each engine and on linux-armhf under
qemu-arm (Mbed TLS built from source, linked into libpj.so); the host's autotools build in
`./dev test`, the others in `./dev test-extended`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pjbuild.core import elf
from pjbuild.inputs.targets import load_targets
from pjbuild.ontarget.runners import runner_for

from .conftest import Pjbuild, cmake_consumer, pkgconfig_consumer, run_on_target

pytestmark = pytest.mark.integration

REQUESTS = [
    pytest.param(("host", "autotools", "openssl"), id="host-autotools"),
    pytest.param(("host", "cmake", "openssl"), id="host-cmake", marks=pytest.mark.extended),
    pytest.param(
        ("linux-armhf", "autotools", "mbedtls"),
        id="linux-armhf-autotools",
        marks=pytest.mark.extended,
    ),
]
# pjlib's library under each engine's name
PJLIB = {"autotools": "libpj.so", "cmake": "libpjlib.so"}


@pytest.fixture(scope="module", params=REQUESTS)
def built(request: pytest.FixtureRequest, pjb: Pjbuild) -> dict[str, Any]:
    target, engine, tls = request.param
    result = pjb.build_json(
        "--target", target, "--engine", engine, "--tls", tls, "--libs", "shared",
        "--tests", "quick", "--jobs", "2",
    )  # fmt: skip
    assert result["libs"] == "shared" and result["engine"] == engine
    assert result["tests"]["failed"] == 0 and result["tests"]["passed"] > 0
    return result


def _manifest(built: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(built["artifact"]) / "manifest.json").read_text())
    return data


def test_the_tests_ran_against_the_shared_libraries(built: dict[str, Any]) -> None:
    tests = Path(built["artifact"]) / "tests"
    engine = built["engine"]
    programs = [p for p in tests.rglob("pjlib-test*") if p.is_file() and elf.is_elf(p)]
    assert programs
    needed = elf.dynamic(programs[0])
    assert needed is not None
    assert f"{PJLIB[engine]}.2" in needed.needed  # not linked with libpj's archive


def test_the_manifest_and_the_sbom_list_the_shared_libraries(built: dict[str, Any]) -> None:
    manifest = _manifest(built)
    assert manifest["libs"] == "shared"
    libraries = {Path(e["file"]).name: e for e in manifest["libraries"]}
    soname = f"{PJLIB[built['engine']]}.2"
    pjlib = next(e for name, e in libraries.items() if name.startswith(soname))
    assert pjlib["soname"] == soname
    assert all(p.startswith("$ORIGIN") for e in libraries.values() for p in e["runpath"])
    prefix = Path(built["artifact"]) / "prefix"
    for entry in manifest["libraries"]:
        assert (prefix / entry["file"]).is_file()
        assert manifest["files"][f"prefix/{entry['file']}"] == entry["sha256"]
    sbom = json.loads((Path(built["artifact"]) / "sbom.cdx.json").read_text())
    files = {c["name"] for c in sbom["components"] if c["type"] == "file"}
    assert files == {e["file"] for e in manifest["libraries"]}


def test_pjsua_runs_from_the_moved_prefix_without_a_loader_variable(
    built: dict[str, Any], tmp_path: Path
) -> None:
    target = load_targets([])[built["target"]]
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(Path(built["artifact"]) / "prefix", moved, symlinks=True)
    runner = runner_for(target)
    assert not any(k == "LD_LIBRARY_PATH" for k, _ in runner.env)
    done = runner.run([str(moved / "bin" / "pjsua"), "--version"], tmp_path, 120)
    assert done.returncode == 0, done.output[-2000:]
    assert "PJ_VERSION" in done.output and "2.17" in done.output


def test_a_cmake_consumer_links_the_moved_shared_libraries(
    built: dict[str, Any], pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = load_targets([])[built["target"]]
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    exe = cmake_consumer(built, built["engine"], tmp_path)
    info = elf.dynamic(exe)
    assert info is not None and f"{PJLIB[built['engine']]}.2" in info.needed
    assert run_on_target(target, exe) == f"pj 2.17 ssl=1 big={int(target.endianness == 'big')}"


def test_a_pkg_config_consumer_links_the_moved_shared_libraries(
    built: dict[str, Any], tmp_path: Path
) -> None:
    target = load_targets([])[built["target"]]
    exe = pkgconfig_consumer(built, tmp_path)
    info = elf.dynamic(exe)
    assert info is not None and f"{PJLIB[built['engine']]}.2" in info.needed
    assert run_on_target(target, exe) == f"pj 2.17 ssl=1 big={int(target.endianness == 'big')}"
