"""How a build's progress is shown: bars on a terminal, plain lines in a log, or nothing.

terminal   standard error is a terminal and neither --json nor --quiet: per target, a bar of
           objects compiled (of the previous build's count; elapsed, time left), then a bar
           of test results with the tests running now; progress lines and failures scroll
           above the bars as they happen
plain      not a terminal (CI logs) or --json: the progress lines, and a line per quarter of
           the objects compiled; never an escape code
quiet      --quiet: nothing but the result and errors
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from types import TracebackType

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

from pjbuild.cli import output
from pjbuild.core.progress import Compiling, Event, Testing
from pjbuild.ontarget.testsuites import SuiteResult

MODES = ("terminal", "plain", "quiet")
RUNNING_SHOWN = 3  # tests named on the tests bar; more are "+N"
NOTE_WIDTH = 60  # columns of the tests bar's note (the failures, the running tests), at most


def mode_for(*, json: bool, quiet: bool) -> str:
    if quiet:
        return "quiet"
    if json or not sys.stderr.isatty():
        return "plain"
    return "terminal"


class Display:
    """The Say and the Progress of one command (a context manager around the build)."""

    def __init__(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self._lock = threading.Lock()
        self._bars: Progress | None = None
        self._tasks: dict[tuple[str, str], TaskID] = {}
        self._failed: set[str] = set()
        self._quarter: dict[str, int] = {}

    def __enter__(self) -> Display:
        if self.mode == "terminal":
            # one line per bar: the note (running tests) is cut at NOTE_WIDTH, nothing wraps
            self._bars = Progress(
                TextColumn("{task.description}", table_column=Column(no_wrap=True)),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                TextColumn(
                    "{task.fields[note]}",
                    table_column=Column(no_wrap=True, overflow="ellipsis", max_width=NOTE_WIDTH),
                ),
                console=output.err,
                transient=False,
                refresh_per_second=4,
            )
            self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    # --- the Say -------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self._bars is not None:
            self._bars.console.print(f"[pjbuild] {text}", markup=False, highlight=False)
        else:
            output.say(text)

    # --- the Progress --------------------------------------------------------------------------

    def progress(self, event: Event) -> None:
        if self.mode == "quiet":
            return
        with self._lock:
            if isinstance(event, Compiling):
                self._compiling(event)
            else:
                self._testing(event)

    def _task(self, target: str, phase: str, total: int | None, unit: str) -> TaskID:
        assert self._bars is not None
        key = (target, phase)
        if key not in self._tasks:
            self._tasks[key] = self._bars.add_task(
                f"{target} {phase}", total=total, unit=unit, note=""
            )
        return self._tasks[key]

    def _compiling(self, e: Compiling) -> None:
        if self._bars is None:
            self._plain_compiling(e)
            return
        expected = max(e.expected, e.done) if e.expected else None
        task = self._task(e.target, "compiling", expected, "objects")
        self._bars.update(task, completed=e.done, total=expected)

    def _plain_compiling(self, e: Compiling) -> None:
        # a line per quarter of the expected objects; with no earlier build, per 250 objects
        quarter = min(4, 4 * e.done // e.expected) if e.expected else e.done // 250
        if quarter > self._quarter.get(e.target, 0):
            self._quarter[e.target] = quarter
            of = f"/{e.expected}" if e.expected else ""
            output.say(f"{e.target}: compiled {e.done}{of} objects ({e.elapsed_s:.0f} s)")

    def _testing(self, e: Testing) -> None:
        for failure in e.failed:
            if failure not in self._failed:
                self._failed.add(failure)
                if self._bars is not None:
                    self._bars.console.print(
                        Text.assemble(("failed", "bold red"), f" {e.target} {failure}"),
                        highlight=False,
                    )
        if self._bars is None:
            return  # plain: the progress lines already say each result
        compiling = self._tasks.get((e.target, "compiling"))
        if compiling is not None:  # make is over: its bar ends full
            done = self._bars.tasks[compiling].completed
            self._bars.update(compiling, total=done, completed=done)
        task = self._task(e.target, "tests", e.total or None, "results")
        shown = ", ".join(e.running[:RUNNING_SHOWN])
        more = len(e.running) - RUNNING_SHOWN
        note = f"running: {shown}" + (f" +{more}" if more > 0 else "") if e.running else ""
        if e.failed:
            note = f"{len(e.failed)} failed; {note}"
        self._bars.update(task, completed=e.done, total=e.total or None, note=note)


def summary_table(suite: SuiteResult, slowest: int = 5) -> Table:
    """A suite's results on a terminal: the counts, how the tests ran, the slowest tests and
    every failure."""
    table = Table(title=f"{suite.suite} suite ({suite.runner})", title_justify="left")
    for column in ("passed", "failed", "skipped", "known", "flaky", "at once", "wall (s)"):
        table.add_column(column, justify="right")
    counts = suite.summary()
    table.add_row(
        *(str(counts[k]) for k in ("passed", "failed", "skipped", "known", "flaky")),
        f"{suite.concurrency.jobs} ({suite.concurrency.isolation})",
        f"{suite.wall_s:.1f}",
    )
    ranked = sorted(suite.results, key=lambda r: -r.duration_s)[:slowest]
    caption = "slowest: " + ", ".join(f"{r.program}:{r.test} {r.duration_s:.1f} s" for r in ranked)
    for r in suite.results:
        if r.status == "failed":
            caption += f"\nFAILED {r.program}:{r.test}: {r.reason}"
    table.caption = Text(caption)  # as written: no markup, no emoji codes (":x:")
    table.caption_justify = "left"
    return table


@contextlib.contextmanager
def display(*, json: bool = False, quiet: bool = False) -> Iterator[Display]:
    with Display(mode_for(json=json, quiet=quiet)) as shown:
        yield shown
