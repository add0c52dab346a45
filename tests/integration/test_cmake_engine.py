"""Upstream's CMake build as pjbuild's second engine (issue 22), for real: the host and
linux-armhf (cross, run under qemu-arm; with ./dev test-extended also Mbed TLS, big-endian
linux-mips and linux-aarch64) build pjproject 2.17 with `--engine cmake`, pass the
quick suite and the TLS handshake test on the target, and install a prefix whose
libpjproject.pc serves a pkg-config consumer from a moved folder (under QEMU for the cross
target). The defects of upstream's CMake build found this way are patches 0017-0020."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs import cmake
from pjbuild.inputs.targets import load_targets

from .conftest import Pjbuild, pkg_config_flags

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
]
HELLO = (
    "#include <pjlib.h>\n#include <pjmedia.h>\n#include <stdio.h>\n"
    "int main(void){ if (pj_init()!=PJ_SUCCESS) return 1;"
    ' printf("pj %s ssl=%d big=%d\\n", pj_get_version(), PJ_HAS_SSL_SOCK, PJ_IS_BIG_ENDIAN);'
    " pj_shutdown(); return 0; }\n"
)


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
    states = {k: v["state"] for k, v in m["components"].items()}
    assert states["speex-aec"] == "bundled" and states["webrtc"] == "bundled"


def test_static_libraries_are_in_lib_not_bin(built: dict[str, Any]) -> None:
    prefix = Path(built["artifact"]) / "prefix"
    assert (prefix / "lib" / "libpjlib.a").is_file() and (prefix / "lib" / "libpjsua2.a").is_file()
    assert not list((prefix / "bin").rglob("*.a"))  # upstream put them there (patch 0017)
    assert (prefix / "lib" / "cmake" / "Pj" / "PjConfig.cmake").is_file()
    assert os.access(prefix / "bin" / "pjsua", os.X_OK)


def test_a_pkg_config_consumer_links_from_a_moved_prefix(
    built: dict[str, Any], tmp_path: Path
) -> None:
    target = load_targets([])[built["target"]]
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(Path(built["artifact"]) / "prefix", moved, symlinks=True)
    (tmp_path / "hello.c").write_text(HELLO)
    env = {**os.environ, "PKG_CONFIG_PATH": str(moved / "lib" / "pkgconfig")}
    env.pop("PKG_CONFIG_LIBDIR", None)
    flags = pkg_config_flags(env)
    assert any(str(moved) in f for f in flags) and not any("/bin/" in f for f in flags)
    exe = tmp_path / "hello"
    compiler = shutil.which(target.compilers.cxx) or target.compilers.cxx
    subprocess.run(
        [compiler, "-x", "c", str(tmp_path / "hello.c"), "-x", "none", "-o", str(exe), *flags],
        check=True,
    )
    run = [*target.runner_command(), str(exe)]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    big = int(target.endianness == "big")
    assert out.strip().splitlines()[-1] == f"pj 2.17 ssl=1 big={big}"
