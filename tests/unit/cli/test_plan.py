"""`pjbuild plan` (pjbuild.cli.plan): the header, configure and tests it prints, the JSON and
the digest (with --dep-prefix contents), and an MSVC plan without fetching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.conftest import pjbuild


def test_plan_prints_header_configure_and_tests(home: Path) -> None:
    proc = pjbuild(
        "plan",
        "--target",
        "host",
        "--tls",
        "openssl",
        "--set",
        "PJSUA_MAX_CALLS=64",
        env_home=home,
        check=True,
    )
    assert "#define PJSUA_MAX_CALLS 64" in proc.stdout
    assert "./configure" in proc.stdout and "--with-ssl=/usr" in proc.stdout
    assert "pjlib-test:" in proc.stdout
    assert not (home / "artifacts").exists()  # plan builds nothing


def test_plan_json_and_digest_changes_with_options(home: Path) -> None:
    a = json.loads(pjbuild("plan", "--target", "host", "--json", env_home=home, check=True).stdout)
    b = pjbuild("plan", "--target", "host", "--digest", env_home=home, check=True).stdout.strip()
    c = pjbuild(
        "plan",
        "--target",
        "host",
        "--set",
        "PJ_LOG_MAX_LEVEL=3",
        "--digest",
        env_home=home,
        check=True,
    ).stdout.strip()
    d = pjbuild(
        "plan", "--target", "host", "--tests", "none", "--digest", env_home=home, check=True
    ).stdout.strip()
    assert a["inputs_digest"] == b == d  # the test suite does not change the bytes
    assert b != c
    assert "--disable-ssl" not in a["configure"]
    components = {name: c["state"] for name, c in a["components"].items()}
    assert components["ilbc"] == "bundled"  # the default version is the GitHub archive
    dfsg = json.loads(
        pjbuild(
            "plan",
            "--target",
            "host",
            "--version",
            "2.17-dfsg",
            "--json",
            env_home=home,
            check=True,
        ).stdout
    )
    assert dfsg["components"]["ilbc"] == {
        "state": "disabled",
        "why": "third_party/ilbc is not in this tree",
    }
    assert dfsg["inputs_digest"] != a["inputs_digest"]


def test_tls_none_disables_ssl(home: Path) -> None:
    a = json.loads(
        pjbuild(
            "plan", "--target", "host", "--tls", "none", "--json", env_home=home, check=True
        ).stdout
    )
    assert "--disable-ssl" in a["configure"]
    assert "#define PJ_HAS_SSL_SOCK 0" in a["config_site_h"]


def test_dep_prefix_contents_are_in_the_inputs_digest(home: Path, tmp_path: Path) -> None:
    """Issue 18: an updated OpenSSL in a --dep-prefix folder gave a cache hit on the old build."""
    prefix = tmp_path / "ssl"
    (prefix / "include" / "openssl").mkdir(parents=True)
    (prefix / "lib").mkdir()
    (prefix / "include" / "openssl" / "ssl.h").write_text("/* 3.0.1 */\n")
    lib = prefix / "lib" / "libssl.so.3"
    lib.write_bytes(b"\x7fELF old")
    (prefix / "lib" / "libssl.so").symlink_to("libssl.so.3")

    def digest() -> str:
        args = ("--target", "host", "--tls", "openssl", "--dep-prefix", f"openssl={prefix}")
        return pjbuild("plan", *args, "--digest", env_home=home, check=True).stdout.strip()

    first = digest()
    assert digest() == first  # the same folder: the same inputs
    lib.write_bytes(b"\x7fELF new")
    second = digest()
    assert second != first
    (prefix / "lib" / "libssl.so").unlink()
    (prefix / "lib" / "libssl.so").symlink_to("libssl.so.1.1")
    assert digest() not in (first, second)


def test_cli_dep_prefix_and_no_fetch(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pjbuild.cli import main

    assert main(["plan", "--target", "windows-msvc-x64", "--dep-prefix", "openssl"]) == 2
    assert "bad --dep-prefix 'openssl'" in capsys.readouterr().err
    assert main(["plan", "--target", "windows-msvc-arm64", "--no-fetch", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "## build (msbuild)" in out
    assert "-p:Platform=ARM64" in out
