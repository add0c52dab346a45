"""run_suite's flow (selection, groups, timeouts, crashes, retries) with a stand-in program.

The stand-in is a shell script that speaks pjproject's test-program protocol (`--list`,
`[n/m] name [OK]` lines); the real programs run in the integration tests.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pjbuild.runners import PrefixRunner
from pjbuild.targets import load_targets
from pjbuild.testsuites import Program, Suite, TestCatalog, TestTree, run_suite

SCRIPT = r"""#!/bin/sh
if [ "$1" = "--list" ]; then
  echo "12:00:00.000 2 essential tests: ok_test flaky_test"
  echo "12:00:00.000 4 features tests: broken_test crash_test hang_test group_test"
  exit 0
fi
shift  # --ci-mode
skip=""
if [ "$1" = "--skip-e" ]; then skip=1; shift; fi
case "$1" in
  ok_test) echo "[ 1/1] ok_test                          [OK] [0.001s]";;
  flaky_test)
    if [ -f flaky.state ]; then echo "[ 1/1] flaky_test [OK] [0.001s]"; exit 0; fi
    touch flaky.state; echo "[ 1/1] flaky_test [Err: -3] [0.001s]"; exit 1;;
  broken_test) echo "[ 1/1] broken_test [Err: -70] [0.001s]"; exit 1;;
  crash_test) kill -SEGV $$;;
  hang_test) sleep 30;;
  group_test)
    if [ -n "$skip" ]; then echo "[ 1/1] group_test [OK] [0.0s]"; exit 0; fi
    echo 'Test "group_test" is not found in essential tests'; exit 1;;
esac
"""


def test_run_suite_flow(tmp_path: Path) -> None:
    bin_dir = tmp_path / "tree" / "pjlib" / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / "tree" / "pjlib" / "build").mkdir()
    exe = bin_dir / "pjlib-test-fake"
    exe.write_text(SCRIPT)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    program = Program("pjlib-test", "pjlib", (("features", ("--skip-e",)),), ())
    tests = (
        "ok_test",
        "flaky_test",
        "broken_test",
        "crash_test",
        "hang_test",
        "group_test",
        "missing_test",
    )
    catalog = TestCatalog(
        programs={"pjlib-test": program},
        suites={"s": Suite("s", "", False, (("pjlib-test", tests),))},
        timeouts={"default": 10.0, "pjlib-test:hang_test": 0.5},
        known_failures={"pjlib-test:broken_test": "documented reason"},
        retries=1,
    )
    result = run_suite(
        "s",
        TestTree(tmp_path / "tree"),
        PrefixRunner("native", (), ()),
        load_targets()["linux-x86_64"],
        catalog,
        tmp_path / "logs",
    )
    by = {r.test: r for r in result.results}
    assert by["ok_test"].status == "passed" and not by["ok_test"].flaky
    assert by["flaky_test"].status == "passed" and by["flaky_test"].flaky
    assert "failed once" in by["flaky_test"].reason
    assert by["broken_test"].status == "known" and "documented reason" in by["broken_test"].reason
    assert by["crash_test"].status == "failed" and "SIGSEGV" in by["crash_test"].reason
    assert by["hang_test"].status == "failed" and "timed out" in by["hang_test"].reason
    assert by["group_test"].status == "passed"  # a features test got --skip-e
    assert by["missing_test"].status == "skipped"
    assert result.summary() == {
        "suite": "s",
        "runner": "native",
        "passed": 3,
        "failed": 2,
        "skipped": 1,
        "known": 1,
        "flaky": 1,
    }
    logs = {p.name for p in (tmp_path / "logs").iterdir()}
    assert {"pjlib-test.flaky_test.log", "pjlib-test.flaky_test.retry1.log"} <= logs
