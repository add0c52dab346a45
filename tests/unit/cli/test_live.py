"""pjbuild.cli.live: what the progress looks like in a log (plain lines, no escape code), with
--quiet (nothing) and on a terminal (bars; rendered here on a forced terminal, the real one is
tests/integration/test_progress.py's tmux pane)."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from pjbuild.cli import live, output
from pjbuild.core.progress import Compiling, Testing
from pjbuild.ontarget.parallel import Concurrency
from pjbuild.ontarget.testsuites import SuiteResult, TestResult


def _events() -> list[Compiling | Testing]:
    compiling = [Compiling("linux-armhf", n, 40, n * 0.5) for n in range(0, 41, 5)]
    testing = [
        Testing("linux-armhf", 0, 6, (), (), 0.0),
        Testing("linux-armhf", 1, 6, ("pjlib-test:timer_test", "call:GSM/8000"), (), 1.0),
        Testing("linux-armhf", 3, 6, ("pjlib-test:timer_test",), ("pjsip-test:x: exit 1",), 2.0),
    ]
    many = tuple(f"pjlib-test:{n}_ioqueue_test" for n in ("udp", "tcp", "ssl", "a", "b", "c"))
    testing.append(Testing("linux-armhf", 4, 6, many, ("pjsip-test:x: exit 1",), 3.0))
    return [*compiling, *testing]


def test_a_log_gets_a_line_per_quarter_and_no_escape_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with live.Display("plain") as shown:
        shown.say("build (autotools, 2 jobs)")
        for event in _events():
            shown.progress(event)
    err = capsys.readouterr().err
    assert "\x1b" not in err
    lines = re.findall(r"linux-armhf: compiled (\d+)/40 objects", err)
    assert lines == ["10", "20", "30", "40"], err
    assert "[pjbuild] build (autotools, 2 jobs)" in err


def test_quiet_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with live.Display("quiet") as shown:
        shown.say("build")
        for event in _events():
            shown.progress(event)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("width", [200, 160])
def test_a_terminal_gets_bars_running_tests_and_failures(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """At any width the bars stay one line each (found in tmux: with eight tests running,
    the names pushed the line past 200 columns and rich wrapped the bar's label)."""
    screen = io.StringIO()
    monkeypatch.setattr(output, "err", Console(file=screen, force_terminal=True, width=width))
    with live.Display("terminal") as shown:
        for event in _events():
            shown.progress(event)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "\x1b" in screen.getvalue()  # a terminal: escape codes
    assert re.search(r"linux-armhf compiling .*40/40\s+objects", text), text
    assert re.search(r"linux-armhf tests .*4/6\s+results", text), text
    assert "1 failed; running: pjlib-test:udp_ioqueue_test" in text
    assert "failed linux-armhf pjsip-test:x: exit 1" in text


def test_mode_follows_the_flags() -> None:
    assert live.mode_for(json=False, quiet=True) == "quiet"
    assert live.mode_for(json=True, quiet=False) == "plain"


def test_summary_table_names_slowest_and_failures() -> None:
    suite = SuiteResult("quick", "qemu-arm", concurrency=Concurrency(4, "netns"), wall_s=40.5)
    suite.results = [
        TestResult("pjlib-test", "timer_test", "passed", 33.0),
        TestResult("pjsip-test", "x", "failed", 1.0, reason="exit 1"),
    ]
    screen = io.StringIO()
    Console(file=screen, width=160).print(live.summary_table(suite))
    text = screen.getvalue()
    assert "quick suite (qemu-arm)" in text and "4 (netns)" in text and "40.5" in text
    assert "slowest: pjlib-test:timer_test 33.0 s" in text
    assert "FAILED pjsip-test:x: exit 1" in text
