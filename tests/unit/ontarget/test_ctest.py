"""Upstream's CTest as a recorded cross-check: run_ctest on a real CTest tree (a tiny CMake
project whose tests pass, fail and time out), its JUnit report read back per test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pjbuild.core.procs import find_tool
from pjbuild.ontarget.ctest import run_ctest
from pjbuild.ontarget.runners import PrefixRunner

PROJECT = """cmake_minimum_required(VERSION 3.20)
project(tiny NONE)
enable_testing()
add_test(NAME passes COMMAND ${CMAKE_COMMAND} -E true)
add_test(NAME fails COMMAND ${CMAKE_COMMAND} -E false)
add_test(NAME hangs COMMAND ${CMAKE_COMMAND} -E sleep 30)
"""

pytestmark = pytest.mark.skipif(not find_tool("ctest"), reason="ctest not installed")


def test_each_test_is_recorded_with_its_status(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "CMakeLists.txt").write_text(PROJECT)
    build = tmp_path / "build"
    cmake = find_tool("cmake") or "cmake"
    subprocess.run([cmake, "-S", tmp_path / "src", "-B", build], check=True, capture_output=True)
    runner = PrefixRunner(kind="native", prefix=(), env=(), timeout_factor=1.0)
    result = run_ctest(build, runner, tmp_path / "logs" / "ctest.log", timeout_s=2)
    got = {c.name: c.status for c in result.cases}
    assert got == {"passes": "passed", "fails": "failed", "hangs": "timeout"}
    assert result.status == "failed" and "fails" in result.reason and "hangs" in result.reason
    assert result.timeout_s == 2 and result.duration_s < 20
    assert "passes" in (tmp_path / "logs" / "ctest.log").read_text()
    out = result.to_json()
    assert [t["name"] for t in out["tests"]] == ["passes", "fails", "hangs"]


def test_a_tree_without_tests_has_no_report(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(t NONE)\n"
    )
    cmake = find_tool("cmake") or "cmake"
    subprocess.run(
        [cmake, "-S", tmp_path / "src", "-B", tmp_path / "b"], check=True, capture_output=True
    )
    runner = PrefixRunner(kind="native", prefix=(), env=())
    result = run_ctest(tmp_path / "b", runner, tmp_path / "ctest.log", timeout_s=2)
    assert result.cases == [] and result.status == "failed" and "no report" in result.reason
    assert (tmp_path / "ctest.log").is_file()
