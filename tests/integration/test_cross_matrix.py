"""Real cross builds run on their targets: QEMU (armhf and big-endian mips from Debian's
toolchains; big-endian ARM and mips musl from zig's) and Wine (MinGW); and a target nothing
here runs (FreeBSD by zig), built and its binaries checked.

Every target gets Mbed TLS, libsrtp and Opus built from the pinned sources with its own
toolchain; TLS is verified by ssl_sock_test on the target, SRTP and Opus by a loopback call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

# MinGW first: its build and quick suite under Wine take longest (759 s in an 18-target run,
# against 190-490 s for QEMU targets), so it runs beside the others, not after them
RUN_TARGETS = (
    "windows-mingw-x86_64",
    "linux-armhf",
    "linux-armeb",
    "linux-mips",
)
BUILT_NOT_RUN = "freebsd-x86_64"  # zig cc; nothing here runs FreeBSD programs
CI_TARGETS = (*RUN_TARGETS, BUILT_NOT_RUN)
BIG_ENDIAN = ("linux-armeb", "linux-mips")
# the same checks for more targets, in ./dev test-extended only: each costs ~200 s cold in CI
# (mips musl by zig: big-endian, as linux-armeb by zig and linux-mips by Debian's gcc are)
EXTENDED_TARGETS = ("linux-mips-musl",)


def _run_matrix(
    pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory, targets: tuple[str, ...]
) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("report")
    proc = pjb.run(
        "matrix",
        "--targets",
        ",".join(targets),
        "--tls",
        "mbedtls",
        "--feature",
        "srtp",
        "--feature",
        "opus",
        "--tests",
        "quick",
        "--jobs",
        "2",
        "--report",
        str(report),
        "--json",
        timeout=3600,
    )
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    data["_rc"] = proc.returncode
    data["_stderr"] = proc.stderr[-6000:]
    data["_report"] = str(report)
    return data


@pytest.fixture(scope="module")
def matrix(pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_matrix(pjb, tmp_path_factory, CI_TARGETS)


def _entry(matrix: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in matrix["targets"] if e["target"] == name)


def _results(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    manifest = json.loads((Path(entry["artifact"]) / "manifest.json").read_text())
    return {f"{r['program']}:{r['test']}": r for r in manifest["tests"]["quick"]["results"]}


def test_matrix_passes_and_reports(matrix: dict[str, Any]) -> None:
    assert matrix["_rc"] == 0, matrix["_stderr"]
    assert [e["target"] for e in matrix["targets"]] == list(CI_TARGETS)
    md = (Path(matrix["_report"]) / "matrix.md").read_text()
    for name in RUN_TARGETS:
        assert f"| {name} | passed |" in md
    assert f"| {BUILT_NOT_RUN} | built, not run | 0/0/0/0/0 |" in md


@pytest.mark.parametrize("name", RUN_TARGETS)
def test_target_builds_and_passes_quick_tests_on_target(matrix: dict[str, Any], name: str) -> None:
    _check_quick(_entry(matrix, name))


def _check_quick(e: dict[str, Any]) -> None:
    assert e["status"] == "passed", e["error"]
    assert e["tests"]["failed"] == 0 and e["tests"]["passed"] >= 25
    assert e["endianness"]["verified"] is True
    assert e["tls"] == {
        "requested": "mbedtls",
        "provider": "source",
        "verified": True,
        "on_target_test": "passed",  # ssl_sock_test: a TLS handshake over 127.0.0.1 on target
    }
    for feature in ("srtp", "opus"):
        f = e["features"][feature]
        assert f["provider"] == "source" and f["verified"] is True, f
        assert f["on_target_test"] == "passed", f  # the loopback call
    assert e["lib_size_bytes"] > 1_000_000
    assert list((Path(e["artifact"]) / "prefix" / "lib").glob("libpj-*.a"))


@pytest.mark.parametrize("name", BIG_ENDIAN)
def test_big_endian_targets_are_verified_big_endian_on_target(
    matrix: dict[str, Any], name: str
) -> None:
    _check_big_endian(_entry(matrix, name))


def _check_big_endian(e: dict[str, Any]) -> None:
    assert e["endianness"] == {"expected": "big", "verified": True}
    manifest = json.loads((Path(e["artifact"]) / "manifest.json").read_text())
    assert manifest["pjlib_config"]["PJ_IS_(BIG/LITTLE)_ENDIAN"] == "big-endian"


@pytest.mark.parametrize("name", ["linux-armhf", *BIG_ENDIAN])
def test_alignment_patch_regression(matrix: dict[str, Any], name: str) -> None:
    _check_alignment(_entry(matrix, name))


def _check_alignment(e: dict[str, Any]) -> None:
    """Without patch 0003 these crash with SIGBUS on 32-bit ARM and MIPS."""
    results = _results(e)
    for test in ("errno_test", "os_test", "pool_test", "fifobuf_test", "thread_test"):
        assert results[f"pjlib-test:{test}"]["status"] == "passed", results[f"pjlib-test:{test}"]


def test_windows_artifact_has_exe(matrix: dict[str, Any]) -> None:
    e = _entry(matrix, "windows-mingw-x86_64")
    assert (Path(e["artifact"]) / "prefix" / "bin" / "pjsua.exe").is_file()


@pytest.mark.parametrize("name", RUN_TARGETS)
def test_call_used_srtp_and_opus_on_target(matrix: dict[str, Any], name: str) -> None:
    _check_call(_entry(matrix, name))


def _check_call(e: dict[str, Any]) -> None:
    manifest = json.loads((Path(e["artifact"]) / "manifest.json").read_text())
    call = manifest["call_test"]
    assert call["status"] == "passed" and call["srtp"] is True
    assert call["codec"].startswith("opus")
    versions = {f: manifest["features"][f]["runtime_version"] for f in ("srtp", "opus")}
    assert versions["srtp"].startswith("libsrtp2 2.5") and "1.3.1" in versions["opus"], versions


def test_ssl_sock_test_ran_with_mbedtls(matrix: dict[str, Any]) -> None:
    """Patch 0006: without it every Mbed TLS >= 3.6.3 client handshake fails (-0x5D80)."""
    for name in RUN_TARGETS:
        r = _results(_entry(matrix, name))["pjlib-test:ssl_sock_test"]
        assert r["status"] == "passed", (name, r)


# the codecs of the upstream tree each CI target builds (and Opus: --feature opus)
CALLS = (
    "PCMU/8000",
    "L16/44100/1",
    "G722/16000",
    "GSM/8000",
    "speex/8000",
    "iLBC/8000",
    "G7221/16000",
    "opus/48000",
)


@pytest.mark.parametrize("name", RUN_TARGETS)
def test_each_codec_calls_on_the_target_and_both_sides_hear_the_tones(
    matrix: dict[str, Any], name: str
) -> None:
    _check_codecs(_entry(matrix, name))


def _check_codecs(e: dict[str, Any]) -> None:
    """A loopback call per codec under QEMU or Wine, SRTP mandatory (--feature srtp): on
    big-endian mips too, each side decoded the other's tones in order."""
    name = e["target"]
    manifest = json.loads((Path(e["artifact"]) / "manifest.json").read_text())
    calls = {r["test"]: r for r in manifest["tests"]["quick"]["results"] if r["program"] == "call"}
    assert tuple(calls) == CALLS
    for codec, r in calls.items():
        assert r["status"] == "passed", (name, codec, r["reason"])
        call = r["cases"][0]
        assert (
            call["srtp"] is True and call["audio"]["callee"]["ok"] and call["audio"]["caller"]["ok"]
        )
    vectors = _results(e)["pjmedia-test:codec_test_vectors"]
    assert vectors["status"] == "passed", vectors  # patch 0012 on big-endian mips


def test_components_follow_what_each_target_can_build(matrix: dict[str, Any]) -> None:
    """WebRTC's AEC builds for armhf (NEON) and MinGW (SSE2) and is found on the target;
    the big-endian targets cannot build it (typedefs.h knows no big-endian CPU): off, with that
    reason."""
    comps = {
        name: json.loads((Path(_entry(matrix, name)["artifact"]) / "manifest.json").read_text())[
            "components"
        ]
        for name in RUN_TARGETS
    }
    for name in ("linux-armhf", "windows-mingw-x86_64"):
        assert comps[name]["webrtc"] == {
            "state": "bundled",
            "why": "third_party/webrtc",
            "on_target": True,
        }
    for name in BIG_ENDIAN:
        webrtc = comps[name]["webrtc"]
        assert webrtc["state"] == "disabled" and webrtc["on_target"] is False
        assert "typedefs.h" in webrtc["why"]
    for name in RUN_TARGETS:
        for comp in ("gsm", "speex", "ilbc", "g7221", "resample"):
            assert comps[name][comp]["on_target"] is True, (name, comp)
        assert comps[name]["srtp"]["state"] == "dependency"  # --feature srtp: pjbuild's libsrtp


def test_the_built_not_run_target_is_built_checked_and_claims_no_run(
    matrix: dict[str, Any],
) -> None:
    """FreeBSD by zig: Mbed TLS, libsrtp and Opus compiled in (read from the linked probe's
    bytes), every binary an x86_64 FreeBSD one; no test, call or byte order claimed."""
    e = _entry(matrix, BUILT_NOT_RUN)
    assert e["status"] == "built, not run", e["error"]
    assert e["tests"] == {"passed": 0, "failed": 0, "skipped": 0, "known": 0, "flaky": 0}
    assert e["tls"] == {
        "requested": "mbedtls",
        "provider": "source",
        "verified": True,  # compiled in
        "on_target_test": "not-run",
    }
    assert e["endianness"] == {"expected": "little", "verified": False, "compiled": "little"}
    for feature in ("srtp", "opus"):
        assert e["features"][feature]["verified"] is True
        assert e["features"][feature]["on_target_test"] == "not-run"
    manifest = json.loads((Path(e["artifact"]) / "manifest.json").read_text())
    assert manifest["run"]["status"] == "built, not run" and "FreeBSD" in manifest["run"]["reason"]
    assert manifest["tests"] == {} and "call_test" not in manifest
    binaries = manifest["binaries"]
    assert binaries["machine"] == "EM_X86_64" and binaries["note"] == "FreeBSD"
    assert binaries["programs"] >= 5 and binaries["objects"] > 100  # pjsua, the test programs
    assert all("on_target" not in c for c in manifest["components"].values())


@pytest.mark.extended  # one more cold target with three dependencies from source: ~200 s
def test_more_big_endian_targets_pass_the_same_checks(
    pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory
) -> None:
    more = _run_matrix(pjb, tmp_path_factory, EXTENDED_TARGETS)
    assert more["_rc"] == 0, more["_stderr"]
    for name in EXTENDED_TARGETS:
        e = _entry(more, name)
        for check in (_check_quick, _check_big_endian, _check_alignment, _check_call):
            check(e)
        _check_codecs(e)
        assert _results(e)["pjlib-test:ssl_sock_test"]["status"] == "passed"
        comps = json.loads((Path(e["artifact"]) / "manifest.json").read_text())["components"]
        assert comps["webrtc"]["state"] == "disabled" and "typedefs.h" in comps["webrtc"]["why"]
