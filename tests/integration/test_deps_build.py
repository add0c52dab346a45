"""Dependencies built from source are cached per target and shared by pjproject builds; the
published prefix carries them and stays relocatable. Runs after the cross matrix (same home)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import Pjbuild, pkg_config_flags

pytestmark = pytest.mark.integration


def _dep_manifests(home: Path) -> dict[str, dict[str, object]]:
    out = {}
    for m in (home / "deps" / "artifacts").glob("*/manifest.json"):
        data = json.loads(m.read_text())
        out[f"{data['target']}:{data['name']}"] = {**data, "_mtime": m.stat().st_mtime_ns}
    return out


def test_second_config_reuses_dependencies(pjb: Pjbuild, tmp_path: Path) -> None:
    args = ("--target", "linux-mips", "--tls", "mbedtls", "--feature", "srtp", "--tests", "none")
    first = pjb.run("build", *args, "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    before = _dep_manifests(pjb.home)
    assert "linux-mips:mbedtls" in before and "linux-mips:libsrtp" in before
    # another pjproject configuration of the same target: new artifact, same dependencies
    # (not minimal-size: its [deps] cflags build them again, with -Os)
    second = pjb.run("build", *args, "--set", "PJSUA_MAX_CALLS=8", "--json")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "building mbedtls" not in second.stderr and "building libsrtp" not in second.stderr
    a = json.loads(first.stdout.strip().splitlines()[-1])
    b = json.loads(second.stdout.strip().splitlines()[-1])
    assert a["inputs_digest"] != b["inputs_digest"]
    assert [d["digest"] for d in a["deps"]] == [d["digest"] for d in b["deps"]]
    assert _dep_manifests(pjb.home) == before  # nothing rebuilt or rewritten

    # the prefix carries the dependencies and works after a move: link a program against it
    moved = tmp_path / "moved"
    shutil.copytree(Path(b["artifact"]) / "prefix", moved, symlinks=True)
    assert (moved / "lib" / "libmbedtls.a").is_file() and (moved / "lib" / "libsrtp2.a").is_file()
    env = {"PKG_CONFIG_LIBDIR": str(moved / "lib" / "pkgconfig"), "PATH": "/usr/bin:/bin"}
    flags = pkg_config_flags(env)
    assert not [f for f in flags if str(pjb.home) in f], flags  # nothing points into the cache
    src = tmp_path / "t.c"
    src.write_text(
        "#include <pjlib.h>\n#include <mbedtls/version.h>\n"
        "int main(void){ return pj_init() == PJ_SUCCESS ? 0 : 1; }\n"
    )
    subprocess.run(
        ["mips-linux-gnu-g++", str(src), "-o", str(tmp_path / "t"), *flags],
        check=True,
        env=env,
    )


def test_unavailable_provider_is_refused_before_building(pjb: Pjbuild) -> None:
    proc = pjb.run(
        "build", "--target", "linux-mips", "--tls", "openssl", "--deps-from", "system", "--json"
    )
    assert proc.returncode == 2
    assert "Debian has no mips multiarch packages" in proc.stderr
    assert "--deps-from source" in proc.stderr


def test_system_provider_for_a_cross_target_uses_multiarch(pjb: Pjbuild) -> None:
    """`./dev setup` ran `pjbuild doctor --target linux-aarch64 --tls openssl --deps-from system
    --install` (dpkg --add-architecture arm64, libssl-dev:arm64). The TLS suite: what this
    checks is Debian's arm64 OpenSSL linked and working on the target (ssl_sock_test under
    qemu-aarch64); the quick suite on a QEMU target runs in test_cross_matrix."""
    r = pjb.build_json(
        "--target", "linux-aarch64", "--tls", "openssl", "--deps-from", "system", "--tests", "tls"
    )
    assert r["deps"] == [
        {
            "name": "openssl",
            "version": "system",
            "provider": "system",
            "digest": "",
            "package": "libssl-dev:arm64",
            "prefix": "",
        }
    ]
    assert r["tls"]["verified"] is True and r["tls"]["on_target_test"] == "passed"
    assert r["tests"]["failed"] == 0


def test_host_with_source_mbedtls_and_system_opus(pjb: Pjbuild) -> None:
    """Native: Mbed TLS and libsrtp from source (PKG_CONFIG_PATH), Opus from the system. The
    TLS suite (ssl_sock_test with Mbed TLS) and the features' own call (SRTP + Opus)."""
    r = pjb.build_json(
        "--target", "host", "--tls", "mbedtls", "--feature", "srtp", "--feature", "opus",
        "--tests", "tls",
    )  # fmt: skip
    providers = {d["name"]: d["provider"] for d in r["deps"]}
    assert providers == {"mbedtls": "source", "libsrtp": "source", "opus": "system"}
    assert r["tls"] == {
        "requested": "mbedtls",
        "compiled": "mbedtls",
        "verified": True,
        "on_target_test": "passed",
    }
    for feature in ("srtp", "opus"):
        assert r["features"][feature]["verified"] is True
        assert r["features"][feature]["on_target_test"] == "passed"
    assert r["tests"]["failed"] == 0
