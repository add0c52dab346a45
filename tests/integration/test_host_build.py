"""Real builds of pjproject for the host from the pinned sources (slow: about 8 minutes): the
GitHub archive users download (the default, 2.17) with its bundled codecs, and Debian's DFSG
repack with those components turned off."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs.sources import load_versions

from .conftest import Pjbuild, pkg_config_flags

pytestmark = pytest.mark.integration

HOST_ARGS = ("--target", "host", "--tls", "openssl", "--tests", "quick")


@pytest.fixture(scope="module")
def first(pjb: Pjbuild) -> dict[str, Any]:
    return pjb.build_json(*HOST_ARGS)


def test_host_build_passes_quick_tests_with_tls_verified(first: dict[str, Any]) -> None:
    assert first["cache_hit"] is False
    assert first["target"] == "linux-x86_64"
    assert first["tls"]["requested"] == "openssl" and first["tls"]["verified"] is True
    assert first["tls"]["on_target_test"] == "passed"  # ssl_sock_test: a real TLS handshake
    tests = first["tests"]
    assert tests["suite"] == "quick" and tests["runner"] == "native"
    assert tests["failed"] == 0 and tests["passed"] >= 30
    assert first["endianness"] == {"expected": "little", "verified": True}


def test_artifact_layout_and_manifest(first: dict[str, Any]) -> None:
    art = Path(first["artifact"])
    assert art.parent.name == "artifacts" and art.name == first["inputs_digest"]
    prefix = art / "prefix"
    assert list((prefix / "lib").glob("libpj-*.a"))
    assert list((prefix / "lib").glob("libpjsua2-*.a"))
    assert os.access(prefix / "bin" / "pjsua", os.X_OK)
    header = (art / "config_site.h").read_text()
    assert (prefix / "include" / "pj" / "config_site.h").read_text() == header
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_OPENSSL" in header
    assert (art / "logs" / "build.log").is_file()
    assert list((art / "tests" / "pjlib" / "bin").glob("pjlib-test-*"))
    m = json.loads((art / "manifest.json").read_text())
    assert m["inputs_digest"] == first["inputs_digest"]
    assert m["source"]["version"] == "2.17" and m["source"]["sha256"] == (
        "065fe06c06788d97c35f563796d59f00ce52fe9558a52d7b490a042a966facce"
    )
    assert m["preset"] == "default" and m["config_site_h"] == header
    assert "--with-ssl=/usr" in m["configure_args"]
    assert m["toolchain"]["compiler"].startswith("gcc")
    assert m["tls"]["verified"] is True
    # configure's decisions, from its generated headers: Linux, no Windows, OpenSSL
    os_auto = m["configure"]["pjlib/include/pj/compat/os_auto.h"]
    assert os_auto["PJ_LINUX"] == "1" and os_auto["PJ_WIN32"] is None
    assert os_auto["PJ_SSL_SOCK_IMP"] == "PJ_SSL_SOCK_IMP_OPENSSL"
    quick = m["tests"]["quick"]
    names = {r["test"] for r in quick["results"] if r["status"] == "passed"}
    assert {"ssl_sock_test", "tsx_basic_test", "sdp_neg_test"} <= names
    # what the versions table gives 2.17 (0001 is the DFSG tree's alone), applied in its order
    table = load_versions()["2.17"]
    assert [p["file"] for p in m["patches"]] == [p.file.name for p in table.patches]
    assert m["patches"] and not any(p["file"].startswith("0001-") for p in m["patches"])
    for rel, digest in m["files"].items():
        assert hashlib.sha256((art / rel).read_bytes()).hexdigest() == digest


BUNDLED = ("srtp", "gsm", "speex", "speex-aec", "ilbc", "g7221", "resample", "webrtc")
CODEC_CALLS = (
    "PCMU/8000",
    "L16/44100/1",
    "G722/16000",
    "GSM/8000",
    "speex/8000",
    "iLBC/8000",
    "G7221/16000",
)


def test_upstream_tree_builds_its_bundled_components_and_each_codec_calls(
    first: dict[str, Any],
) -> None:
    """What upstream's configure builds by default, found on the target by the probe, and a
    loopback call per codec in which each side decoded the other's tones."""
    m = json.loads((Path(first["artifact"]) / "manifest.json").read_text())
    comps = m["components"]
    for name in BUNDLED:
        assert comps[name]["state"] == "bundled" and comps[name]["on_target"] is True, name
    assert comps["g711"] == {"state": "builtin", "why": "pjmedia's own code", "on_target": True}
    assert comps["yuv"]["state"] == "disabled"  # video off in the default preset
    calls = {r["test"]: r for r in m["tests"]["quick"]["results"] if r["program"] == "call"}
    assert tuple(calls) == CODEC_CALLS
    for codec, r in calls.items():
        assert r["status"] == "passed", (codec, r["reason"])
        call = r["cases"][0]
        assert call["codec"].lower() == codec.split("/")[0].lower()
        assert call["audio"]["callee"]["ok"] and call["audio"]["caller"]["ok"], call["audio"]
        assert call["audio"]["callee"]["in_order"] >= 4
    vectors = next(r for r in m["tests"]["quick"]["results"] if r["test"] == "codec_test_vectors")
    assert vectors["status"] == "passed"


def test_dfsg_tree_builds_with_what_it_lacks_turned_off(pjb: Pjbuild) -> None:
    """Debian's repack: the removed components are off (no system library here), 0001 drops
    the removed bdimad_dev.c from the Makefile, and the probe finds on the target the built-in
    codecs and nothing of what was removed. No test suite: the upstream build above runs the
    same pjproject code through the quick suite and a call per codec (this keeps ./dev test
    within its time; `pjbuild build --version 2.17-dfsg` runs the quick suite by default)."""
    r = pjb.build_json(
        "--target", "host", "--tls", "openssl", "--version", "2.17-dfsg", "--tests", "none"
    )
    assert r["version"] == "2.17-dfsg"
    m = json.loads((Path(r["artifact"]) / "manifest.json").read_text())
    assert m["patches"][0]["file"] == "0001-dfsg-drop-bdimad_dev-from-makefile.patch"
    for name in ("gsm", "ilbc", "g7221", "webrtc", "resample"):
        assert m["components"][name]["state"] == "disabled", name
        assert m["components"][name]["on_target"] is False, name
        assert "not in this tree" in m["components"][name]["why"]
    for name in ("g711", "l16", "g722"):
        assert m["components"][name] == {
            "state": "builtin",
            "why": "pjmedia's own code",
            "on_target": True,
        }, name


def test_rerun_is_a_cache_hit(pjb: Pjbuild, first: dict[str, Any]) -> None:
    again = pjb.build_json(*HOST_ARGS)
    assert again["cache_hit"] is True
    assert again["artifact"] == first["artifact"]
    assert again["tests"] == first["tests"]
    none = pjb.build_json("--target", "host", "--tls", "openssl", "--tests", "none")
    assert none["cache_hit"] is True and none["tests"]["suite"] == "none"


def test_moved_prefix_links_with_pkg_config(first: dict[str, Any], tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(Path(first["artifact"]) / "prefix", moved)
    src = tmp_path / "hello.c"
    src.write_text(
        "#include <pjlib.h>\n#include <stdio.h>\n"
        "int main(void){ if (pj_init()!=PJ_SUCCESS) return 1;"
        ' printf("pj %s ssl=%d\\n", pj_get_version(), PJ_HAS_SSL_SOCK); pj_shutdown();'
        " return 0; }\n"
    )
    env = {**os.environ, "PKG_CONFIG_PATH": str(moved / "lib" / "pkgconfig")}
    flags = pkg_config_flags(env)
    assert any(str(moved) in f for f in flags)
    exe = tmp_path / "hello"
    subprocess.run(["gcc", str(src), "-o", str(exe), *flags], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "pj 2.17 ssl=1"


def test_requested_tls_that_configure_drops_fails(pjb: Pjbuild, tmp_path: Path) -> None:
    """A target whose compiler cannot see OpenSSL: upstream configure silently builds without
    TLS; pjbuild must fail, naming the missing library and its package, and publish nothing."""
    shadow = tmp_path / "shadow" / "openssl"
    shadow.mkdir(parents=True)
    (shadow / "ssl.h").write_text('#error "OpenSSL hidden by the pjbuild test"\n')
    repo_file = Path(__file__).resolve().parents[2] / "toolchains" / "linux-x86_64.toml"
    text = repo_file.read_text().replace('name = "linux-x86_64"', 'name = "nossl-x86_64"')
    text = text.replace("cross = false", f'cross = false\ncflags = ["-isystem", "{shadow.parent}"]')
    tc = tmp_path / "toolchains"
    tc.mkdir()
    (tc / "nossl-x86_64.toml").write_text(text)
    proc = pjb.run(
        "build",
        "--target",
        "nossl-x86_64",
        "--tls",
        "openssl",
        "--tests",
        "none",
        "--toolchains-dir",
        str(tc),
    )
    assert proc.returncode == 6, proc.stderr
    error = next(ln for ln in proc.stderr.splitlines() if ln.startswith("error: "))
    assert "configure did not enable TLS 'openssl'" in error
    assert "libssl-dev" in proc.stderr
    digest = pjb.run(
        "plan",
        "--target",
        "nossl-x86_64",
        "--tls",
        "openssl",
        "--digest",
        "--toolchains-dir",
        str(tc),
    ).stdout.strip()
    assert not (pjb.home / "artifacts" / digest).exists()
