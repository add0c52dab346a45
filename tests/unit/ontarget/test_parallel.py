"""pjbuild.ontarget.parallel (issue 21): the default count of tests at once per runner kind,
durations from earlier manifests, and run_suite with a stand-in program that binds a fixed
port, which collides without namespaces and passes with them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.testsuites import Parallel, Program, Suite, TestCatalog, load_catalog
from pjbuild.ontarget import parallel
from pjbuild.ontarget.parallel import Concurrency, choose, recorded_durations
from pjbuild.ontarget.runners import PrefixRunner
from pjbuild.ontarget.testsuites import ExtraTest, TestResult, TestTree, run_suite

HOST = load_targets()["linux-x86_64"]
NATIVE = PrefixRunner("native", (), ())
SRC = Path(__file__).resolve().parents[3] / "src"


def test_defaults_follow_the_cores_and_the_runner() -> None:
    data = load_catalog().parallel
    native = choose(NATIVE, data, None, ncores=2)
    assert (native.jobs, native.isolation) == (round(2 * data.per_core["native"]), "netns")
    qemu = choose(PrefixRunner("qemu", ("qemu-arm",), ()), data, None, ncores=2)
    assert qemu.jobs == round(2 * data.per_core["qemu"]) < native.jobs
    wine_runner = PrefixRunner("wine", ("wine",), ())
    wine = choose(wine_runner, data, None, ncores=2)
    assert (wine.jobs, wine.isolation) == (round(2 * data.per_core["wine"]), "netns")
    held = replace(data, sequential={"wine": "measured flaky"})
    one = choose(wine_runner, held, None, ncores=2)
    assert (one.jobs, one.isolation, one.why) == (1, "none", "wine runner: measured flaky")
    assert choose(NATIVE, data, 1) == Concurrency(1, "none", "")
    assert choose(NATIVE, data, 5).jobs == 5


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


# a stand-in ICE test: binds UDP 192.0.2.1 (a host candidate), which only a namespace holding
# that address has
ADDRESS_SCRIPT = r"""#!{python}
import socket, sys
if sys.argv[1] == "--list":
    print("2 default tests: ice plain")
    sys.exit(0)
name = sys.argv[-1]
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("192.0.2.1", 0))
except OSError as exc:
    print(f"[ 1/1] {{name}} [Err: -1] [0.0s] bind: {{exc}}")
    sys.exit(1)
print(f"[ 1/1] {{name}} [OK] [0.0s]")
"""


def test_a_test_the_data_says_needs_an_address_gets_one(tmp_path: Path) -> None:
    tree, catalog = _port_tree(tmp_path)
    exe = tmp_path / "tree" / "pjlib" / "bin" / "pjlib-test-fake"
    exe.write_text(ADDRESS_SCRIPT.format(python=sys.executable))
    catalog = replace(
        catalog,
        suites={"s": Suite("s", "", False, (("pjlib-test", ("ice", "plain")),))},
        parallel=Parallel(needs_address={"pjlib-test:ice": "host candidates"}),
    )
    result = run_suite(
        "s", tree, NATIVE, HOST, catalog, tmp_path / "logs", concurrency=Concurrency(2, "netns")
    )
    status = {r.test: (r.status, r.reason) for r in result.results}
    assert status["ice"][0] == "passed", status
    assert status["plain"][0] == "failed" and "Cannot assign requested address" in str(
        next(iter((tmp_path / "logs").rglob("*plain*"))).read_text()
    ), status


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


def test_a_namespace_that_cannot_be_made_fails_its_test_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel refusing one namespace mid-suite (here: a stand-in that raises) fails that
    test, naming why; the others still run and nothing is left running."""
    from pjbuild.ontarget import netns

    tree, catalog = _port_tree(tmp_path)
    real = netns.Namespace
    made: list[str] = []

    def flaky_namespace(address: str = "") -> netns.Namespace:
        made.append(address)
        if len(made) == 2:
            raise netns.NamespaceError("unshare: unshare failed: No space left on device")
        return real(address)

    monkeypatch.setattr(netns, "Namespace", flaky_namespace)
    result = run_suite(
        "s", tree, NATIVE, HOST, catalog, tmp_path / "logs", concurrency=Concurrency(1, "netns")
    )
    assert sorted(r.status for r in result.results) == ["failed", "passed", "passed", "passed"]
    assert len(made) == 4
    failed = next(r for r in result.results if r.status == "failed")
    assert failed.reason == (
        "its network namespace could not be made: unshare: unshare failed: No space left on device"
    )
