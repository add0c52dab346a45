"""The autotools engine's prefix serves the consumers the cmake engine's does
(test_cmake_engine.py): `find_package(Pj)` through the PjConfig.cmake pjbuild generates from the
prefix's libpjproject.pc (pjbuild.engines.cmake_package), with upstream CMake's target names,
and pkg-config; from a moved prefix, on the host and cross (linux-armhf, Mbed TLS, SRTP and
Opus built from source; the consumer built with the generated toolchain file and run under
qemu-arm). The requests are those of test_host_build.py and test_cross_matrix.py: cache hits
when those ran first in the session's home, as they do in `./dev test`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs.targets import load_targets

from .conftest import Pjbuild, cmake_consumer, pkgconfig_consumer, run_on_target

pytestmark = pytest.mark.integration

HOST = ("--target", "host", "--tls", "openssl", "--tests", "quick")
ARMHF = ("--target", "linux-armhf", "--tls", "mbedtls", "--feature", "srtp", "--feature", "opus")
REQUESTS = [
    pytest.param(HOST, id="host-openssl"),
    pytest.param((*ARMHF, "--tests", "quick", "--jobs", "2"), id="linux-armhf-mbedtls"),
]


@pytest.fixture(scope="module", params=REQUESTS)
def built(request: pytest.FixtureRequest, pjb: Pjbuild) -> dict[str, Any]:
    result = pjb.build_json(*request.param)
    assert result["engine"] == "autotools"
    return result


def test_the_autotools_prefix_has_upstreams_cmake_package(built: dict[str, Any]) -> None:
    package = Path(built["artifact"]) / "prefix" / "lib" / "cmake" / "Pj"
    text = (package / "PjConfig.cmake").read_text()
    for name in ("pjlib", "pjlib-util", "pjnath", "pjmedia", "pjsip", "pjsua-lib", "pjsua2"):
        assert f"add_library(Pj::{name} STATIC IMPORTED)" in text
    assert built["artifact"] not in text  # relative to the file: the prefix can move
    assert 'set(PACKAGE_VERSION "2.17")' in (package / "PjConfigVersion.cmake").read_text()


def test_a_cmake_consumer_finds_pj_in_the_moved_autotools_prefix(
    built: dict[str, Any], pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = load_targets([])[built["target"]]
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    exe = cmake_consumer(built, "autotools", tmp_path)
    assert run_on_target(target, exe) == f"pj 2.17 ssl=1 big={int(target.endianness == 'big')}"


def test_a_pkg_config_consumer_links_from_the_moved_autotools_prefix(
    built: dict[str, Any], tmp_path: Path
) -> None:
    target = load_targets([])[built["target"]]
    exe = pkgconfig_consumer(built, tmp_path)
    assert run_on_target(target, exe) == f"pj 2.17 ssl=1 big={int(target.endianness == 'big')}"
