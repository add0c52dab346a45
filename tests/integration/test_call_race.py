"""Patch 0011 (RTP read during transport attach) holds on a real call, with the race forced.

Under qemu-arm the caller aborted about once in 75 SRTP/Opus loopback calls. The LD_PRELOAD
shim in fixtures/rtp_attach_race.c widens the two windows of that race, so that an unpatched
pjsua aborts on every call with
  pj_sockaddr_get_len: Assertion `a->addr.sa_family == PJ_AF_INET || ...' failed.
Measured on linux-x86_64 with this shim: without patch 0011, 11 of 11 calls aborted (6 plain
RTP, 5 SRTP + Opus); with it, 0 of 8, audio flowing both ways. The calls go through pjbuild's
own call test (calltest.run_call, no retry) with a native runner that carries the shim.

Upstream fixed the race after 2.17 (pjsip/pjproject#5001). The master snapshot has that fix and
does not take patch 0011 (conandata.yml `skipped`): the same forced race must pass there
unpatched, which proves upstream's fix and retires the patch for the next release.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.ontarget.calltest import CallSpec, run_call
from pjbuild.ontarget.runners import PrefixRunner

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

SHIM = Path(__file__).parent / "fixtures" / "rtp_attach_race.c"
CALLS = 3


@pytest.mark.parametrize(
    "version,patched",
    [("2.17", True), ("master-b7317ff", False)],
    ids=["2.17-with-0011", "master-unpatched"],
)
def test_calls_pass_with_the_attach_race_forced(
    pjb: Pjbuild, tmp_path: Path, version: str, patched: bool
) -> None:
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed for the race shim"
    shim = tmp_path / "rtp_attach_race.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O2", "-Wall", "-o", str(shim), str(SHIM), "-ldl"], check=True
    )
    # for 2.17, the same build as test_deps_build's host SRTP + Opus test (whichever runs
    # first builds it): the TLS suite and the SRTP + Opus call; the quick suites of 2.17 and
    # master run in test_host_build and in ./dev test-extended (test_versions.py)
    tests = "tls" if patched else "none"
    r = pjb.build_json(
        "--target",
        "host",
        "--tls",
        "mbedtls",
        "--feature",
        "srtp",
        "--feature",
        "opus",
        "--version",
        version,
        "--tests",
        tests,
    )
    assert r["version"] == version
    assert any(p["file"].startswith("0011-") for p in _patches(r["artifact"])) == patched
    pjsua = Path(r["artifact"]) / "prefix" / "bin" / "pjsua"
    runner = PrefixRunner("native", (), (("LD_PRELOAD", str(shim)),))
    spec = CallSpec("opus/48000", ("srtp",))
    for n in range(CALLS):
        logs = tmp_path / f"call{n}"
        result = run_call(pjsua, runner, spec, tmp_path / "work", logs, retries=0)
        caller = (logs / f"{spec.slug}-caller.log").read_text(errors="replace")
        callee = (logs / f"{spec.slug}-callee.log").read_text(errors="replace")
        # the shim opened both windows in the caller, and left the callee alone
        assert "race shim: attach held after media_start" in caller
        assert "race shim: RTP packet held between read and callback" in caller
        assert "race shim" not in callee
        assert result.status == "passed", f"call {n}: {result.reason}"
        assert result.caller_exit == "exit 0" and result.callee_exit == "exit 0"


def _patches(artifact: str) -> list[dict[str, str]]:
    manifest = json.loads((Path(artifact) / "manifest.json").read_text())
    patches: list[dict[str, str]] = manifest["patches"]
    return patches
