"""Concurrent tests (issue 21): the scheduler's order, limit and exclusive jobs; loopback-only
network namespaces made for real (as root, or in a user namespace); the fall-back to one test
at a time when the kernel refuses them; run_suite with a stand-in program that binds a fixed
port, which collides without namespaces and passes with them."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.testsuites import Parallel, Program, Suite, TestCatalog, load_catalog
from pjbuild.ontarget import netns, parallel
from pjbuild.ontarget.parallel import Concurrency, choose, recorded_durations
from pjbuild.ontarget.runners import PrefixRunner
from pjbuild.ontarget.schedule import Job, order, run_jobs
from pjbuild.ontarget.testsuites import ExtraTest, TestResult, TestTree, run_suite

HOST = load_targets()["linux-x86_64"]
NATIVE = PrefixRunner("native", (), ())
SRC = Path(__file__).resolve().parents[3] / "src"


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


def test_defaults_follow_the_cores_and_the_runner() -> None:
    data = load_catalog().parallel
    native = choose(NATIVE, data, None, ncores=2)
    assert (native.jobs, native.isolation) == (round(2 * data.per_core["native"]), "netns")
    qemu = choose(PrefixRunner("qemu", ("qemu-arm",), ()), data, None, ncores=2)
    assert qemu.jobs == round(2 * data.per_core["qemu"]) < native.jobs
    wine = choose(PrefixRunner("wine", ("wine",), ()), data, None, ncores=2)
    assert (wine.jobs, wine.isolation) == (1, "none") and wine.why.startswith("wine runner: ")
    assert choose(NATIVE, data, 1) == Concurrency(1, "none", "")
    assert choose(NATIVE, data, 5).jobs == 5


def test_a_namespace_has_only_loopback_and_its_own_ports() -> None:
    """Two namespaces bind the same fixed port at once; neither reaches another address."""
    probe = (
        "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', 5060)); s.listen();"
        "print([n for _, n in socket.if_nameindex()]);"
        "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n u.connect(('192.0.2.1', 9)); print('routed')\n"
        "except OSError: print('no route')\n"
        "sys.stdin.read()"
    )
    a, b = netns.Namespace(), netns.Namespace()
    procs = []
    try:
        for ns in (a, b):
            procs.append(
                subprocess.Popen(
                    [*ns.prefix, sys.executable, "-c", probe],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        outs = [p.communicate("", timeout=30)[0].split("\n") for p in procs]
    finally:
        a.close()
        b.close()
    for out in outs:
        assert out[:2] == ["['lo']", "no route"], out


def test_refused_namespaces_mean_one_test_at_a_time_and_say_why(tmp_path: Path) -> None:
    """The kernel refuses new network namespaces (max_net_namespaces = 0, set in a user
    namespace made for this test): one test at a time, one line saying why and how to allow
    them."""
    script = (
        "from pjbuild.ontarget.parallel import choose\n"
        "from pjbuild.ontarget.runners import PrefixRunner\n"
        "from pjbuild.inputs.testsuites import load_catalog\n"
        "c = choose(PrefixRunner('native', (), ()), load_catalog().parallel, 4)\n"
        "print(c.jobs, c.isolation); print(c.why)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "PJBUILD_HOME": str(tmp_path)}
    proc = subprocess.run(
        [
            shutil.which("unshare") or "unshare",
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            'echo 0 > /proc/sys/user/max_net_namespaces && exec "$0" -c "$1"',
            sys.executable,
            script,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    first, why = proc.stdout.splitlines()
    assert first == "1 none"
    assert "network namespaces are not available here" in why
    assert "unprivileged_userns_clone" in why and why.endswith("tests ran one at a time")


# a stand-in test program: --list, then each test binds TCP 127.0.0.1:15060 for 1 s (as
# pjproject's tests bind fixed ports) and prints the framework's result line
PORT_SCRIPT = r"""#!{python}
import socket, sys, time
if sys.argv[1] == "--list":
    print("4 default tests: t1 t2 t3 t4")
    sys.exit(0)
name = sys.argv[-1]
s = socket.socket()
try:
    s.bind(("127.0.0.1", 15060))
except OSError as exc:
    print(f"[ 1/1] {{name}} [Err: -1] [0.0s] bind: {{exc}}")
    sys.exit(1)
time.sleep(1.0)
print(f"[ 1/1] {{name}} [OK] [1.0s]")
"""


def _port_tree(tmp_path: Path) -> tuple[TestTree, TestCatalog]:
    bin_dir = tmp_path / "tree" / "pjlib" / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / "tree" / "pjlib" / "build").mkdir()
    exe = bin_dir / "pjlib-test-fake"
    exe.write_text(PORT_SCRIPT.format(python=sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    catalog = TestCatalog(
        programs={"pjlib-test": Program("pjlib-test", "pjlib", (), ())},
        suites={"s": Suite("s", "", False, (("pjlib-test", ("t1", "t2", "t3", "t4")),))},
        timeouts={"default": 30.0},
        known_failures={},
        retries=0,
        parallel=Parallel(estimates={"pjlib-test:t3": 9.0}),
    )
    return TestTree(tmp_path / "tree"), catalog


class Watch:
    """A display's view of a suite."""

    def __init__(self) -> None:
        self.total = 0
        self.begun: list[str] = []
        self.finished: list[str] = []

    def planned(self, total: int) -> None:
        self.total = total

    def started(self, name: str) -> None:
        self.begun.append(name)

    def ended(self, item: TestResult) -> None:
        self.finished.append(item.test)


def test_concurrent_tests_need_their_own_namespaces(tmp_path: Path) -> None:
    tree, catalog = _port_tree(tmp_path)
    seen: list[str] = []
    watch = Watch()

    def call(runner: PrefixRunner | object) -> TestResult:
        assert isinstance(runner, PrefixRunner)
        out = subprocess.run(
            [*runner.prefix, sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return TestResult("call", "X/8000", "passed" if "[(1, 'lo')]" in out else "failed")

    begin = time.monotonic()
    result = run_suite(
        "s",
        tree,
        NATIVE,
        HOST,
        catalog,
        tmp_path / "logs",
        lambda item: seen.append(item.test),
        concurrency=Concurrency(4, "netns"),
        more=[ExtraTest("call", "X/8000", call)],
        watch=watch,
    )
    wall = time.monotonic() - begin
    assert [(r.test, r.status) for r in result.results] == [
        ("t1", "passed"), ("t2", "passed"), ("t3", "passed"), ("t4", "passed"),
        ("X/8000", "passed"),
    ], [r.reason for r in result.results]  # fmt: skip
    assert watch.begun[0] == "pjlib-test:t3"  # the longest estimate first
    assert sorted(seen) == sorted(watch.finished) == ["X/8000", "t1", "t2", "t3", "t4"]
    assert watch.total == 5
    assert wall < 3.5, wall  # four 1 s tests at once, not one after another
    assert result.to_json()["concurrency"] == {"jobs": 4, "isolation": "netns", "why": ""}

    # the same tests at once without namespaces collide on the port
    clash = run_suite(
        "s", tree, NATIVE, HOST, catalog, tmp_path / "logs2", concurrency=Concurrency(4, "none")
    )
    assert clash.count("failed") >= 1
    assert any("Address already in use" in r.reason or r.status == "failed" for r in clash.results)


def test_durations_come_from_the_newest_manifests_of_the_target(tmp_path: Path) -> None:
    from pjbuild.build.cache import Cache

    def manifest(name: str, target: str, seconds: float, age: float) -> None:
        folder = tmp_path / "artifacts" / name
        folder.mkdir(parents=True)
        path = folder / "manifest.json"
        results = [{"program": "pjlib-test", "test": "timer_test", "status": "passed",
                    "duration_s": seconds}]  # fmt: skip
        path.write_text(json.dumps({"target": target, "tests": {"quick": {"results": results}}}))
        os.utime(path, (time.time() - age, time.time() - age))

    manifest("old", "linux-armhf", 90.0, 200)
    manifest("new", "linux-armhf", 70.0, 100)
    manifest("other", "linux-mips", 5.0, 10)
    (tmp_path / "artifacts" / "broken").mkdir()
    (tmp_path / "artifacts" / "broken" / "manifest.json").write_text("{")
    cache = Cache(tmp_path)
    assert recorded_durations(cache.recent_manifests("linux-armhf")) == {
        "pjlib-test:timer_test": 70.0
    }
    assert recorded_durations(cache.recent_manifests("linux-x86_64")) == {}
    # the 3 newest: broken (unreadable), other, new; "old" is not among them
    assert (
        cache.recent_manifests("linux-armhf", newest=3)[0]["tests"]["quick"]["results"][0][
            "duration_s"
        ]
        == 70.0
    )
    assert len(cache.recent_manifests("linux-armhf", newest=3)) == 1
    assert parallel.cores() >= 1
