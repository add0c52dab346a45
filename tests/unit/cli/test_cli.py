"""pjbuild.cli (the parser and main), run as a user runs it (a real process): every command is
the module named after it, and bad input of any kind is one `error:` and one `fix:` line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.conftest import pjbuild


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
        # issue 21: test processes at once
        (["--target", "host", "--test-jobs", "0"], 2, "--test-jobs 0: must be 1 or more"),
        (["--target", "host", "--test-jobs", "-3"], 2, "--test-jobs -3: must be 1 or more"),
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


def test_each_command_is_the_module_named_after_it() -> None:
    """`pjbuild X` is pjbuild.cli.X, and `pjbuild --help` lists exactly the registered ones."""
    from pjbuild.cli import COMMANDS

    assert {name: mod.__name__ for name, mod in COMMANDS.items()} == {
        name: f"pjbuild.cli.{name}" for name in COMMANDS
    }
    proc = pjbuild("--help", check=True)
    listed = proc.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert listed == list(COMMANDS)
