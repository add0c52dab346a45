"""What a person sees while pjbuild builds (issue 21): on a terminal, bars of the objects
compiled and of the test results with the tests running now, then a summary table; in a log
(not a terminal), plain lines without one escape code; with --quiet, only the result.

The terminal is a real one: tmux runs pjbuild in a pane of 200x50, and the test reads the pane
(`capture-pane`) while the build runs. Host builds with a warm ccache (--force rebuilds)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

ARGS = ("build", "--target", "host", "--tls", "openssl", "--tests", "quick")
OBJECTS = re.compile(r"linux-x86_64 compiling .*?(\d+)/(\d+)\s+objects")
RESULTS = re.compile(r"linux-x86_64 tests .*?(\d+)/(\d+)\s+results")


@pytest.fixture(scope="module")
def built(pjb: Pjbuild) -> Pjbuild:
    """An earlier build of the host target, whose manifest says how many objects make
    compiled (the bar's total; a cache hit when the host build tests ran first), then a build
    of another configuration, newer, that compiles fewer (found in CI: the bar's total came
    from the newest build of the target, another configuration: 415 of 454 objects)."""
    for args in (ARGS, ("build", "--target", "host", "--tls", "none", "--tests", "none")):
        proc = pjb.run(*args, "--json", timeout=1800)
        assert proc.returncode == 0, proc.stderr[-3000:]
    return pjb


def test_a_log_gets_plain_lines_without_escape_codes(built: Pjbuild) -> None:
    proc = built.run(*ARGS, "--force", timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "\x1b" not in proc.stderr and "\x1b" not in proc.stdout
    compiled = re.findall(r"linux-x86_64: compiled (\d+)/(\d+) objects", proc.stderr)
    assert len(compiled) >= 3, proc.stderr[-3000:]  # a line per quarter
    assert compiled[-1][0] == compiled[-1][1]
    assert re.search(r"running the quick test suite \(native; \d+ at once", proc.stderr)
    assert "  passed  pjlib-test timer_test" in proc.stderr
    assert proc.stdout.startswith("built: ")


def test_quiet_prints_only_the_result(built: Pjbuild) -> None:
    proc = built.run(*ARGS, "--quiet", timeout=600)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.startswith("cache hit: ") and len(proc.stdout.splitlines()) == 2


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed (./dev setup)")
def test_a_terminal_shows_bars_of_objects_and_tests(built: Pjbuild, tmp_path: Path) -> None:
    session = f"pjbuild-{os.getpid()}"
    socket = tmp_path / "tmux.sock"
    env = " ".join(f"{k}={v}" for k, v in built.env.items() if k.startswith("PJBUILD_"))
    # the pane's programs see COLUMNS=80 from the test's environment (measured), and rich
    # takes COLUMNS over the terminal's size: unset, so that the pane's 200 columns count
    command = (
        f"env -u COLUMNS -u LINES {env} TERM=xterm-256color "
        f"{sys.executable} -m pjbuild {' '.join(ARGS)} --force; "
        "echo PJBUILD-EXIT=$?; sleep 600"
    )
    tmux = ["tmux", "-S", str(socket)]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", command], check=True
    )
    screens: list[str] = []
    try:
        deadline = time.monotonic() + 1500
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            screens.append(screen)
            if "PJBUILD-EXIT=" in screen:
                break
            time.sleep(0.5)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    last = screens[-1]
    assert "PJBUILD-EXIT=0" in last, last
    compiling = [tuple(map(int, m)) for s in screens for m in OBJECTS.findall(s)]
    assert any(0 < done < total for done, total in compiling), compiling[-5:]
    assert compiling[-1][0] == compiling[-1][1]  # the bar ends full
    testing = [(s, tuple(map(int, m))) for s in screens for m in RESULTS.findall(s)]
    assert any(0 < done < total for _, (done, total) in testing), [t for _, t in testing][-5:]
    assert any("running: " in s for s, (done, total) in testing if done < total)
    done, total = testing[-1][1]
    assert done == total >= 30
    assert "quick suite (native)" in last and "slowest: " in last  # the summary table
