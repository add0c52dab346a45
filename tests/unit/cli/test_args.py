"""pjbuild.cli.args: the arguments several commands take are declared there only; --dep-prefix
folders are made absolute; counts and --tls are checked before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import pjbuild


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
