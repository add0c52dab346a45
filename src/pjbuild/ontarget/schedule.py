"""Running a suite's test processes at once: longest first, up to a limit, some alone.

The tests of pjproject's suites mostly wait (timers, sockets, retransmissions), so on a few
cores many can run at once; the wall time of a suite then approaches its longest test. Jobs
start longest-first (by their estimates), at most ``limit`` at a time; an exclusive job (one
that measures time slices or CPU and fails under load) waits until nothing else runs and runs
alone. Results come back in the jobs' order, whatever order they finished in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Job(Generic[T]):
    name: str  # program:test
    run: Callable[[], T]
    estimate: float = 1.0  # seconds: the order jobs start in, longest first
    exclusive: bool = False


def order(jobs: Sequence[Job[T]]) -> list[int]:
    """The indices of ``jobs`` in the order they start: longest estimate first (ties: the
    jobs' own order)."""
    return sorted(range(len(jobs)), key=lambda i: (-jobs[i].estimate, i))


def run_jobs(
    jobs: Sequence[Job[T]],
    limit: int,
    *,
    started: Callable[[Job[T]], None] | None = None,
    finished: Callable[[Job[T], T], None] | None = None,
) -> list[T]:
    """Run the jobs, ``limit`` at once at most (1: one after another, in start order);
    ``started``/``finished`` are called as that happens (``finished`` from the thread that
    ran the job, one call at a time). An exception in a job stops new starts, waits for the
    running ones and is raised."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    pending = order(jobs)
    results: dict[int, T] = {}
    running: set[int] = set()
    failure: list[BaseException] = []
    cond = threading.Condition()

    def work(i: int) -> None:
        try:
            value = jobs[i].run()
            with cond:
                results[i] = value
                if finished:
                    finished(jobs[i], value)
        except BaseException as exc:  # raised again by run_jobs' thread
            with cond:
                failure.append(exc)
        finally:
            with cond:
                running.discard(i)
                cond.notify_all()

    def can_start(i: int) -> bool:
        if jobs[i].exclusive or any(jobs[r].exclusive for r in running):
            return not running
        return len(running) < limit

    threads: list[threading.Thread] = []
    with cond:
        while pending and not failure:
            # the longest pending job that may start now; an exclusive one at the head waits
            # for the others to end (nothing jumps ahead of it, or it could wait for ever)
            head = pending[0]
            if not can_start(head):
                cond.wait()
                continue
            pending.pop(0)
            running.add(head)
            if started:
                started(jobs[head])
            thread = threading.Thread(target=work, args=(head,), name=jobs[head].name)
            threads.append(thread)
            thread.start()
        while running:
            cond.wait()
    for thread in threads:
        thread.join()
    if failure:
        raise failure[0]
    return [results[i] for i in range(len(jobs))]
