"""Upstream's CMake build as pjbuild's second engine (issue 22), for real: the host and
linux-armhf (cross, run under qemu-arm; with ./dev test-extended also Mbed TLS, big-endian
linux-mips and linux-aarch64) build pjproject 2.17 with `--engine cmake`, pass the
quick suite and the TLS handshake test on the target, and install a prefix whose
libpjproject.pc serves a pkg-config consumer from a moved folder (under QEMU for the cross
target). The defects of upstream's CMake build found this way are patches 0017-0020."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs import cmake
from pjbuild.inputs.targets import load_targets
from pjbuild.plan import Request, make_plan

from .conftest import Pjbuild, cmake_consumer, pkgconfig_consumer, program, run_on_target

pytestmark = pytest.mark.integration

# host and one cross target in every CI run; the other validated ones in ./dev test-extended
BUILDS = [
    pytest.param(("host", "openssl"), id="host-openssl"),
    pytest.param(("linux-armhf", "openssl"), id="linux-armhf-openssl"),
    pytest.param(("linux-armhf", "mbedtls"), id="linux-armhf-mbedtls", marks=pytest.mark.extended),
    pytest.param(("linux-mips", "openssl"), id="linux-mips-openssl", marks=pytest.mark.extended),
    pytest.param(
        ("linux-aarch64", "openssl"), id="linux-aarch64-openssl", marks=pytest.mark.extended
    ),
    pytest.param(  # under Wine, one test at a time: about 6 minutes
        ("windows-mingw-x86_64", "mbedtls"), id="mingw-x86_64-mbedtls", marks=pytest.mark.extended
    ),
]


@pytest.fixture(scope="module", params=BUILDS)
def built(request: pytest.FixtureRequest, pjb: Pjbuild) -> dict[str, Any]:
    target, tls = request.param
    return pjb.build_json("--target", target, "--engine", "cmake", "--tls", tls, "--tests", "quick")


def test_the_quick_suite_and_tls_pass_on_the_target(built: dict[str, Any]) -> None:
    assert built["engine"] == "cmake"
    assert built["tls"]["verified"] is True and built["tls"]["on_target_test"] == "passed"
    tests = built["tests"]
    assert tests["failed"] == 0 and tests["passed"] >= 40, tests
    assert built["endianness"]["verified"] is True


def test_the_manifest_names_the_engine_and_its_tools(built: dict[str, Any]) -> None:
    m = json.loads((Path(built["artifact"]) / "manifest.json").read_text())
    assert m["engine"] == "cmake" and m["inputs"]["engine"] == "cmake"
    have = m["toolchain"]["cmake"].removeprefix("cmake version ")
    assert cmake.version_tuple(have) >= cmake.version_tuple(cmake.load().min_cmake)
    assert m["toolchain"]["ninja"] != "missing"
    assert f"PJLIB_WITH_SSL={built['tls']['requested']}" in m["configure_args"]
    # every component the tree bundles, as the autotools build has them: the probe checked
    # each on the target (Speex AEC: patch 0018; WebRTC AEC: 0019)
    comps = m["components"]
    assert comps["speex-aec"]["state"] == "bundled" and comps["speex-aec"]["on_target"] is True
    # as planned: off where the target file or cmake.toml says why (mips; MinGW), else bundled
    plan = make_plan(
        Request(target=built["target"], tls=built["tls"]["requested"], engine="cmake", fetch=False)
    )
    assert comps["webrtc"]["state"] == plan.components_json()["webrtc"]["state"]
    found = [k for k, v in comps.items() if v["state"] == "bundled" and "on_target" in v]
    assert found and all(comps[k]["on_target"] is True for k in found)


def test_static_libraries_are_in_lib_not_bin(built: dict[str, Any]) -> None:
    prefix = Path(built["artifact"]) / "prefix"
    assert (prefix / "lib" / "libpjlib.a").is_file() and (prefix / "lib" / "libpjsua2.a").is_file()
    assert not list((prefix / "bin").rglob("*.a"))  # upstream put them there (patch 0017)
    assert (prefix / "lib" / "cmake" / "Pj" / "PjConfig.cmake").is_file()
    target = load_targets([])[built["target"]]
    assert os.access(program(target, prefix / "bin").with_stem("pjsua"), os.X_OK)


def test_a_pkg_config_consumer_links_from_a_moved_prefix(
    built: dict[str, Any], tmp_path: Path
) -> None:
    target = load_targets([])[built["target"]]
    big = int(target.endianness == "big")
    assert run_on_target(target, pkgconfig_consumer(built, tmp_path)) == f"pj 2.17 ssl=1 big={big}"


def test_a_cmake_consumer_finds_pj_in_a_moved_prefix(
    built: dict[str, Any], pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """find_package(Pj) from upstream's exported package (patches 0017, 0018, 0021), the prefix
    copied elsewhere; a cross target's consumer is built with pjbuild's generated toolchain
    file (its prefix added as a find root) and run under the target's emulator."""
    target = load_targets([])[built["target"]]
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))  # the plan of the build being tested
    exe = cmake_consumer(built, "cmake", tmp_path)
    big = int(target.endianness == "big")
    assert run_on_target(target, exe) == f"pj 2.17 ssl=1 big={big}"


@pytest.mark.extended  # each upstream test program whole: up to --ctest-timeout each
def test_upstreams_ctest_is_run_and_recorded(pjb: Pjbuild) -> None:
    proc = pjb.run(
        "build", "--target", "host", "--engine", "cmake", "--tls", "openssl", "--tests", "none",
        "--ctest", "--ctest-timeout", "120", "--json", timeout=3600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    ctest = json.loads((Path(built["artifact"]) / "manifest.json").read_text())["ctest"]
    names = {t["name"] for t in ctest["tests"]}
    assert {"pjlib-test", "pjlib-util-test", "pjnath-test", "pjmedia-test", "pjsip-test"} <= names
    assert all(t["status"] in ("passed", "failed", "timeout") for t in ctest["tests"])
    # patch 0028: pjmedia-test runs in pjmedia/build, where its data files are
    status = {t["name"]: t["status"] for t in ctest["tests"]}
    assert status["pjmedia-test"] == "passed" and status["pjsua2-test"] == "passed"
    assert ctest["timeout_s"] == 120 and ctest["isolation"] == "netns"
    refused = pjb.run("build", "--target", "host", "--ctest", "--tests", "none")
    assert refused.returncode == 2 and "only the cmake engine" in refused.stderr


@pytest.mark.extended  # two more builds: about 2 minutes each with a warm ccache
@pytest.mark.parametrize("target", ["host", "linux-armhf"])
def test_the_first_cmake_release_passes_with_its_patches(pjb: Pjbuild, target: str) -> None:
    """2.16, upstream's first CMake build: it needs 0023 (pjsua2-test did not link) and 0024
    (no PJ_POOL_ALIGNMENT: pool_test failed on both targets) to pass the quick suite."""
    r = pjb.build_json(
        "--target", target, "--version", "2.16", "--engine", "cmake", "--tls", "openssl",
        "--tests", "quick",
    )  # fmt: skip
    assert r["version"] == "2.16" and r["engine"] == "cmake"
    assert r["tests"]["failed"] == 0 and r["tests"]["passed"] >= 40
    assert r["tls"]["on_target_test"] == "passed"
    manifest = json.loads((Path(r["artifact"]) / "manifest.json").read_text())
    assert {"0023", "0024"} <= {p["file"].split("/")[-1][:4] for p in manifest["patches"]}


@pytest.mark.extended  # one more build: about a minute with a warm ccache
def test_the_first_cmake_release_builds_shared_libraries_with_its_patches(pjb: Pjbuild) -> None:
    """2.16 with --libs shared needs 0026 (pjlib-test did not link against a shared pjlib),
    0025 (versioned SONAMEs for the bundled libraries: pjbuild's check) and 0027 (its CMake
    said 2.15): the libraries carry 2.16, and the quick suite passes against them."""
    r = pjb.build_json(
        "--target", "host", "--version", "2.16", "--engine", "cmake", "--tls", "openssl",
        "--libs", "shared", "--tests", "quick",
    )  # fmt: skip
    assert r["libs"] == "shared" and r["tests"]["failed"] == 0 and r["tests"]["passed"] >= 40
    manifest = json.loads((Path(r["artifact"]) / "manifest.json").read_text())
    assert {"0025", "0026", "0027"} <= {p["file"].split("/")[-1][:4] for p in manifest["patches"]}
    files = {e["file"]: e["soname"] for e in manifest["libraries"]}
    assert files["lib/libpjlib.so.2.16"] == "libpjlib.so.2"
    assert files["lib/pjproject/third_party/libsrtp.so.2.16"] == "libsrtp.so.2"
