"""pjbuild.inputs.tools: the pinned tools (resources/tools.toml), finding a tool's binary in its
Python package at the pinned version, and the wrapper scripts' text (run with sh here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError, ToolMissingError
from pjbuild.core.tomlload import load_toml
from pjbuild.inputs import bases, tools

REPO = Path(__file__).resolve().parents[3]


def test_zig_is_pinned_once_in_data_and_in_the_extra() -> None:
    zig = tools.load_tools()["zig"]
    assert zig.package == "ziglang" and zig.install == f"pip install ziglang=={zig.version}"
    extra = load_toml(REPO / "pyproject.toml")["project"]
    assert extra["optional-dependencies"]["zig"] == [f"ziglang=={zig.version}"]


def test_every_tool_is_a_placeholder_left_for_the_wrappers() -> None:
    assert set(tools.load_tools()) <= bases.RUNTIME_PLACEHOLDERS


def _fake_package(root: Path, name: str, prints: str) -> None:
    """An installed package whose binary prints ``prints`` as its version."""
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    exe = pkg / "tool"
    exe.write_text(f"#!/bin/sh\necho {prints}\n")
    exe.chmod(0o755)


def test_the_binary_is_found_at_the_pinned_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_package(tmp_path, "fakezig_ok", "1.2.3")
    _fake_package(tmp_path, "fakezig_old", "1.0.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    ok = tools.Tool("fz", "fakezig_ok", "1.2.3", "tool", (), ())
    assert tools.binary(ok) == tmp_path / "fakezig_ok" / "tool"
    old = tools.Tool("fz", "fakezig_old", "1.2.3", "tool", (), ())
    with pytest.raises(ToolMissingError, match=r"fz 1\.0\.0 is installed") as caught:
        tools.binary(old)
    assert caught.value.hint == "pip install fakezig_old==1.2.3"
    assert caught.value.exit_code == 4
    absent = tools.Tool("fz", "fakezig_absent", "1.2.3", "tool", (), ())
    with pytest.raises(ToolMissingError, match="not installed"):
        tools.binary(absent)


def test_a_wrapper_runs_its_tool_with_the_callers_arguments(tmp_path: Path) -> None:
    found = {"zig": Path("/bin/echo")}
    argv = tools.wrapper_argv(("{zig}", "cc", "-target", "it's-quoted"), found)
    assert argv == ["/bin/echo", "cc", "-target", "it's-quoted"]
    script = tmp_path / "cc"
    script.write_text(tools.wrapper_script(argv, {"ZIG_GLOBAL_CACHE_DIR": str(tmp_path)}))
    script.chmod(0o755)
    out = subprocess.run([str(script), "-c", "a b.c"], capture_output=True, text=True, check=True)
    assert out.stdout == "cc -target it's-quoted -c a b.c\n"
    assert f"export ZIG_GLOBAL_CACHE_DIR={tmp_path}" in script.read_text()


def test_a_wrapper_naming_no_tool_is_refused() -> None:
    with pytest.raises(ConfigError, match="names no tool"):
        tools.wrapper_argv(("{zag}", "cc"), {"zig": Path(sys.executable)})


def test_a_wrapper_rewrites_the_arguments_its_target_translates(tmp_path: Path) -> None:
    """zig cc reads -march as a CPU name: the zig targets' wrappers give it zig's spelling."""
    translate = (("-march=armv8-a+simd", ("-mcpu=generic+neon",)), ("-drop-me", ()))
    script = tmp_path / "cc"
    script.write_text(tools.wrapper_script(["/bin/echo", "cc"], {}, translate))
    script.chmod(0o755)
    argv = [str(script), "-c", "-march=armv8-a+simd", "-drop-me", "a b.c", "-march=armv8-a"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert out.stdout == "cc -c -mcpu=generic+neon a b.c -march=armv8-a\n"
