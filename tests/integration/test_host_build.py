"""Real builds of pjproject for the host from the pinned sources (slow: about 4 minutes)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

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
    assert m["source"]["sha256"] == (
        "6860c2f7604b4eee75f38151a9ef69774eb3f0c5286fc1d14bc1db2dc5a9e8aa"
    )
    assert m["preset"] == "default" and m["config_site_h"] == header
    assert "--with-ssl=/usr" in m["configure_args"]
    assert m["toolchain"]["compiler"].startswith("gcc")
    assert m["tls"]["verified"] is True
    quick = m["tests"]["quick"]
    names = {r["test"] for r in quick["results"] if r["status"] == "passed"}
    assert {"ssl_sock_test", "tsx_basic_test", "sdp_neg_test"} <= names
    assert {p["file"] for p in m["patches"]} >= {"0001-dfsg-drop-bdimad_dev-from-makefile.patch"}
    for rel, digest in m["files"].items():
        assert hashlib.sha256((art / rel).read_bytes()).hexdigest() == digest


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
