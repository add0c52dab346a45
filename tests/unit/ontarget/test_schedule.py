"""pjbuild.ontarget.schedule: jobs start longest first, up to the limit; an exclusive job
runs alone; results keep the jobs' order; a failing job is raised once the others end."""

from __future__ import annotations

import threading
import time

import pytest

from pjbuild.ontarget.schedule import Job, order, run_jobs


class Tracker:
    """Which jobs run at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: set[str] = set()
        self.most = 0
        self.seen_with: dict[str, set[str]] = {}
        self.starts: list[str] = []

    def job(self, name: str, seconds: float, estimate: float, exclusive: bool = False) -> Job[str]:
        def run() -> str:
            with self.lock:
                self.now.add(name)
                self.starts.append(name)
                self.most = max(self.most, len(self.now))
                for other in self.now:
                    self.seen_with.setdefault(other, set()).update(self.now - {other})
            time.sleep(seconds)
            with self.lock:
                self.now.discard(name)
            return name.upper()

        return Job(name, run, estimate, exclusive)


def test_jobs_start_longest_first_up_to_the_limit_and_results_keep_their_order() -> None:
    t = Tracker()
    jobs = [t.job(f"j{i}", 0.15, estimate) for i, estimate in enumerate((1, 9, 3, 9, 5, 2))]
    assert order(jobs) == [1, 3, 4, 2, 5, 0]  # ties keep the jobs' order
    assert run_jobs(jobs, 3) == ["J0", "J1", "J2", "J3", "J4", "J5"]
    assert t.most == 3
    assert t.starts[:3] == ["j1", "j3", "j4"]


def test_one_job_at_a_time_runs_them_in_start_order() -> None:
    t = Tracker()
    jobs = [t.job(f"j{i}", 0.01, e) for i, e in enumerate((1, 3, 2))]
    run_jobs(jobs, 1)
    assert t.most == 1 and t.starts == ["j1", "j2", "j0"]


def test_an_exclusive_job_runs_alone() -> None:
    t = Tracker()
    jobs = [
        t.job("a", 0.2, 5),
        t.job("alone", 0.2, 4, exclusive=True),
        t.job("b", 0.2, 3),
        t.job("c", 0.2, 2),
    ]
    run_jobs(jobs, 4)
    assert "alone" not in t.seen_with or not t.seen_with["alone"]
    assert t.seen_with["b"] >= {"c"}  # the others did run together


def test_a_failing_job_is_raised_after_the_running_ones_end() -> None:
    ended: list[str] = []

    def slow() -> str:
        time.sleep(0.2)
        ended.append("slow")
        return "ok"

    def bad() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_jobs([Job("slow", slow, 2), Job("bad", bad, 1)], 2)
    assert ended == ["slow"]
    with pytest.raises(ValueError):
        run_jobs([], 0)
