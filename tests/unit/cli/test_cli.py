"""The command line, run as a user runs it (a real process), for everything that builds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_SOURCES


def pjbuild(
    *args: str,
    env_home: Path | None = None,
    mirror: Path | None = None,
    check: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ}
    if env_home is not None:
        env["PJBUILD_HOME"] = str(env_home)
    env["PJBUILD_MIRROR"] = str(mirror or SHARED_SOURCES)
    proc = subprocess.run(
        [sys.executable, "-m", "pjbuild", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=cwd,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_targets_json(home: Path) -> None:
    rows = json.loads(pjbuild("targets", "--json", check=True).stdout)
    host = next(r for r in rows if r["name"] == "linux-x86_64")
    assert host["runner"] == "native" and host["tls_default"] == "openssl"


def test_presets_and_options_json(home: Path) -> None:
    rows = {p["name"]: p for p in json.loads(pjbuild("presets", "--json", check=True).stdout)}
    assert {"default", "minimal-size", "max-speed", "asterisk"} <= set(rows)
    small = rows["minimal-size"]
    assert "-Wl,--gc-sections" in small["ldflags"] and "-Os" in small["dep_cflags"]
    assert rows["default"]["ldflags"] == [] and rows["default"]["dep_cflags"] == []
    options = json.loads(pjbuild("options", "--json", check=True).stdout)
    ipv6 = next(o for o in options if o["name"] == "PJ_HAS_IPV6")
    assert ipv6["type"] == "bool" and ipv6["description"]


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


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["--target", "linux-x86-64"], 2, "did you mean 'linux-x86_64'"),
        (["--target", "host", "--preset", "minimal"], 2, "did you mean 'minimal-size'"),
        (["--target", "host", "--set", "PJSUA_MAX_CALL=4"], 2, "did you mean 'PJSUA_MAX_CALLS'"),
        (["--target", "host", "--set", "PJ_LOG_MAX_LEVEL=99"], 2, "out of range"),
        (["--target", "host", "--set", "PJ_HAS_SSL_SOCK=1"], 2, "not set with --set"),
        (["--target", "host", "--tls", "wolfssl"], 2, "unknown TLS backend"),
        (["--target", "host", "--tests", "quik"], 2, "did you mean 'quick'"),
        (["--target", "host", "--version", "9.9"], 2, "unknown pjproject version"),
        (["--target", "host", "--set-raw", "X=1\n#include <y>"], 2, "not printable ASCII"),
        (["--target", "linux-mips", "--feature", "srtpp"], 2, "did you mean 'srtp'"),
        # issue 18: make -j0, and prefixes that would be looked up in the work folder
        (["--target", "host", "--jobs", "0"], 2, "--jobs 0: must be 1 or more"),
        (["--target", "host", "--dep-prefix", "openssl=/nonexistent/ssl"], 2, "no such folder"),
        (["--target", "host", "--dep-prefix", "openssl=no/such"], 2, "not an absolute path"),
        (["--target", "linux-mips", "--tls", "gnutls"], 2, "cannot work on linux-mips"),
        (
            ["--target", "linux-mips", "--tls", "openssl", "--deps-from", "system"],
            2,
            "Debian has no mips multiarch packages",
        ),
    ],
)
def test_bad_input_one_line_error(home: Path, args: list[str], code: int, needle: str) -> None:
    proc = pjbuild("build", *args, env_home=home)
    assert proc.returncode == code
    first = proc.stderr.splitlines()[0]
    assert first.startswith("error: ") and needle in first
    assert proc.stderr.splitlines()[1].startswith("fix: ")
    assert not (home / "artifacts").exists() and not (home / "work").exists()
    assert not (home / "deps").exists()  # refused before any dependency build


def test_corrupted_archive_refused_with_both_digests(home: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray((SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (mirror / "pjproject-2.17-dfsg.tar.xz").write_bytes(bytes(data))
    proc = pjbuild(
        "build", "--target", "host", "--version", "2.17-dfsg", env_home=home, mirror=mirror
    )
    assert proc.returncode == 3
    first = proc.stderr.splitlines()[0]
    assert "checksum mismatch" in first
    assert "6860c2f7604b4eee75f38151a9ef69774eb3f0c5286fc1d14bc1db2dc5a9e8aa" in first
    import hashlib

    assert hashlib.sha256(bytes(data)).hexdigest() in first
    assert not (home / "artifacts").exists() and not (home / "work").exists()


def test_user_presets_folder(home: Path, tmp_path: Path) -> None:
    (tmp_path / "board.toml").write_text(
        'description = "my board"\n[options]\nPJSUA_MAX_CALLS = 2\n'
    )
    proc = pjbuild(
        "plan",
        "--target",
        "host",
        "--preset",
        "board",
        "--presets-dir",
        str(tmp_path),
        env_home=home,
        check=True,
    )
    assert "#define PJSUA_MAX_CALLS 2" in proc.stdout
    (tmp_path / "bad.toml").write_text('[options]\nPJSUA_MAX_CALLS = "two"\n')
    proc = pjbuild("presets", "--presets-dir", str(tmp_path), env_home=home)
    assert proc.returncode == 2 and "bad.toml" in proc.stderr


def test_doctor_lists_packages(home: Path) -> None:
    proc = pjbuild("doctor", "--target", "host", "--json", env_home=home)
    rows = json.loads(proc.stdout)
    gcc = next(r for r in rows if r["what"] == "gcc")
    assert gcc["package"] == "gcc" and gcc["present"]
    tls = next(r for r in rows if r["kind"] == "tls" and r["what"].startswith("openssl"))
    assert tls["package"] == "libssl-dev" and tls["required"]


def test_wheel_of_a_configuration_without_pjsua2_is_refused_before_building(home: Path) -> None:
    proc = pjbuild("wheel", "--target", "host", "--preset", "minimal-size", env_home=home)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: a pjsua2 wheel needs pjsua2") and "minimal-size" in lines[0]
    assert lines[1] == "fix: add --set PJ_EXCLUDE_PJSUA2=false, or choose another preset"
    assert not (home / "work").exists() and not (home / "artifacts").exists()  # nothing started


def test_counts_and_doctor_tls_are_checked(home: Path) -> None:
    """Issue 18: matrix --parallel 0 and doctor --tls with a backend that does not exist were
    accepted (doctor then checked the target's default TLS instead)."""
    for args, needle in (
        (["matrix", "--targets", "host", "--parallel", "0"], "--parallel 0: must be 1 or more"),
        (["doctor", "--target", "host", "--tls", "wolfssl"], "unknown TLS backend 'wolfssl'"),
    ):
        proc = pjbuild(*args, env_home=home)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.splitlines()
        assert lines[0].startswith("error: ") and needle in lines[0], proc.stderr
        assert lines[1].startswith("fix: ") and "Traceback" not in proc.stderr


def test_dep_prefix_is_made_absolute(home: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "ssl"
    (prefix / "include").mkdir(parents=True)
    (prefix / "lib").mkdir()
    proc = pjbuild(
        "plan", "--target", "host", "--tls", "openssl", "--dep-prefix", "openssl=ssl", "--json",
        env_home=home, cwd=tmp_path, check=True,
    )  # fmt: skip
    plan = json.loads(proc.stdout)
    assert str(prefix) in json.dumps(plan["deps"]), plan["deps"]


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


def test_each_command_is_the_module_named_after_it() -> None:
    """`pjbuild X` is pjbuild.cli.X, and `pjbuild --help` lists exactly the registered ones."""
    from pjbuild.cli import COMMANDS

    assert {name: mod.__name__ for name, mod in COMMANDS.items()} == {
        name: f"pjbuild.cli.{name}" for name in COMMANDS
    }
    proc = pjbuild("--help", check=True)
    listed = proc.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert listed == list(COMMANDS)


def test_shared_arguments_are_declared_once() -> None:
    """The arguments several commands take are declared in cli/args.py only: a command module
    that declares --jobs (or another shared one) itself fails."""
    import ast

    import pjbuild.cli

    shared = {"--jobs", "--json", "--force", "--no-ccache", "--tls", "--feature", "--deps-from",
              "--toolchains-dir", "--presets-dir", "--set", "--version", "--tests"}  # fmt: skip
    folder = Path(pjbuild.cli.__file__).parent
    declared: dict[str, list[str]] = {}
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_argument"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in shared
            ):
                declared.setdefault(path.name, []).append(node.args[0].value)
    assert set(declared) == {"args.py"}, declared
    assert sorted(declared["args.py"]) == sorted(shared)
