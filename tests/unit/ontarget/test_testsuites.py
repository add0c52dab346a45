"""pjbuild.ontarget.testsuites: the test programs' output parsed and judged (fixtures/ holds
real output), and run_suite's flow (selection, groups, timeouts, crashes, retries, the DO_TEST
harness) with a stand-in program.

The stand-in is a shell script that speaks pjproject's test-program protocol (`--list`,
`[n/m] name [OK]` lines); the real programs run in the integration tests.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.testsuites import Program, Suite, TestCatalog, load_catalog
from pjbuild.ontarget.runners import Completed, PrefixRunner
from pjbuild.ontarget.testsuites import (
    TestTree,
    _judge,
    parse_config,
    parse_list,
    parse_results,
    run_suite,
)

CATALOG = load_catalog()
HOST = load_targets()["linux-x86_64"]


def _done(output: str, rc: int | None = 0, timed_out: bool = False) -> Completed:
    return Completed(("x",), rc, output, 1.0, timed_out)


def test_parse_ok_results(fixtures: Path) -> None:
    cases = parse_results((fixtures / "pjlib-test-ok.log").read_text())
    assert cases == [{"name": "udp_ioqueue_test", "arg": None, "ok": True, "rc": 0}]


def test_parse_results_with_args(fixtures: Path) -> None:
    cases = parse_results((fixtures / "pjsip-test-args.log").read_text())
    assert [c["arg"] for c in cases] == ["1", "0", "2"]
    assert all(c["ok"] for c in cases)


def test_parse_error_result(fixtures: Path) -> None:
    cases = parse_results((fixtures / "pjmedia-test-err.log").read_text())
    assert cases == [{"name": "jbuf_test", "arg": None, "ok": False, "rc": -1}]


def test_parse_list_groups(fixtures: Path) -> None:
    groups = parse_list((fixtures / "pjlib-test-config.log").read_text())
    assert groups["essential"][0] == "errno_test"
    assert "ssl_sock_test" in groups["features"]
    pjsip = parse_list((fixtures / "pjsip-test-list.log").read_text())["pjsip"]
    assert pjsip.count("tsx_basic_test") == 1  # listed once per argument, kept once


def test_parse_config(fixtures: Path) -> None:
    config = parse_config((fixtures / "pjlib-test-config.log").read_text())
    assert config["PJ_SSL_SOCK_IMP"] == "1"
    assert config["PJ_HAS_SSL_SOCK"] == "1"
    assert config["PJ_IS_(BIG/LITTLE)_ENDIAN"] == "little-endian"
    assert config["ioqueue type"] == "select"


def test_judge_pass_fail_timeout_crash(fixtures: Path) -> None:
    ok = (fixtures / "pjlib-test-ok.log").read_text()
    err = (fixtures / "pjmedia-test-err.log").read_text()
    assert _judge("pjlib-test", "udp_ioqueue_test", _done(ok), HOST, CATALOG).status == "passed"
    failed = _judge("pjmedia-test", "jbuf_test", _done(err, 99), HOST, CATALOG)
    assert failed.status == "failed" and "jbuf_test rc=-1" in failed.reason
    hung = _judge("pjlib-test", "x", _done("", None, True), HOST, CATALOG)
    assert hung.status == "failed" and "timed out" in hung.reason
    crashed = _judge("pjlib-test", "x", _done("[ 1/1] x", -7), HOST, CATALOG)
    assert "SIGBUS" in crashed.reason
    # exit code 0 but no result line is not a pass
    assert _judge("pjlib-test", "x", _done("nothing"), HOST, CATALOG).status == "failed"


def test_known_failure_needs_reason_and_is_reported(fixtures: Path) -> None:
    err = (fixtures / "pjmedia-test-err.log").read_text()
    CATALOG.known_failures["pjmedia-test:jbuf_test"] = "because"
    try:
        item = _judge("pjmedia-test", "jbuf_test", _done(err, 99), HOST, CATALOG)
        assert item.status == "known" and "because" in item.reason
        ok = (fixtures / "pjlib-test-ok.log").read_text()
        CATALOG.known_failures["pjlib-test:udp_ioqueue_test"] = "flaky"
        item = _judge("pjlib-test", "udp_ioqueue_test", _done(ok), HOST, CATALOG)
        assert item.status == "passed" and "known failure but passed" in item.reason
    finally:
        CATALOG.known_failures.clear()


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


# A 2.15.1-style program with pjbuild's patch 0013: no --list, no names as arguments, the
# test named by PJ_TEST_ONLY (all without it); output as its DO_TEST/DO_TSX_TEST macros print.
DO_TEST_SCRIPT = r"""#!/bin/sh
[ -n "$1" ] && [ "$1" != "--ci-mode" ] && { echo "Error in argument \"$1\""; exit 1; }
run() {  # name [arg] -> the DO_TEST lines; stop at the first error, as the macro does
  case "$PJ_TEST_ONLY" in ""|"$1") ;; *) return 0;; esac
  echo "12:00:00.000 test Running $1(${2})..."
  case "$1" in
    ok_test|tsx_test|old_name_test) echo "12:00:00.001 test ..success(0)";;
    broken_test) echo "12:00:00.001 test ..ERROR(-50)"; exit 50;;
    crash_test) kill -SEGV $$;;
  esac
}
run ok_test; run old_name_test; run tsx_test udp; run tsx_test tcp; run broken_test; run crash_test
echo "12:00:00.002 test Looks like everything is okay!"
"""


def _do_test_tree(tmp_path: Path) -> tuple[TestTree, TestCatalog]:
    from pjbuild.inputs.testsuites import Harness

    bin_dir = tmp_path / "tree" / "pjlib" / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / "tree" / "pjlib" / "build").mkdir()
    exe = bin_dir / "pjlib-test-fake"
    exe.write_text(DO_TEST_SCRIPT)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    tests = ("ok_test", "tsx_test", "broken_test", "crash_test", "atomic_slist_test", "new_name")
    catalog = TestCatalog(
        programs={"pjlib-test": Program("pjlib-test", "pjlib", (), ())},
        suites={
            "s": Suite("s", "", False, (("pjlib-test", tests),)),
            "all": Suite("all", "", True, ()),
        },
        timeouts={"default": 10.0},
        known_failures={},
        retries=0,
        harnesses={
            "do_test": Harness(
                "do_test",
                env="PJ_TEST_ONLY",
                args=(("pjlib-test", ("--ci-mode",)),),
                names=(("pjlib-test:new_name", "old_name_test"),),
            )
        },
    )
    return TestTree(tmp_path / "tree"), catalog


def test_do_test_harness_runs_each_test_alone_by_its_name(tmp_path: Path) -> None:
    tree, catalog = _do_test_tree(tmp_path)
    target = load_targets()["linux-x86_64"]
    result = run_suite(
        "s",
        tree,
        PrefixRunner("native", (), ()),
        target,
        catalog,
        tmp_path / "logs",
        harness="do_test",
    )
    by = {r.test: r for r in result.results}
    assert by["ok_test"].status == "passed"
    # a test the old program names differently (pjmedia-test's jbuf_test was jbuf_main)
    assert by["new_name"].status == "passed" and by["new_name"].cases[0]["name"] == "old_name_test"
    # a DO_TSX_TEST runs once per transport: both cases must pass
    assert by["tsx_test"].status == "passed"
    assert [(c["arg"], c["ok"]) for c in by["tsx_test"].cases] == [("udp", True), ("tcp", True)]
    # the run that failed stops there, but the tests after it ran in their own processes
    assert by["broken_test"].status == "failed" and "broken_test rc=-50" in by["broken_test"].reason
    assert by["crash_test"].status == "failed" and "SIGSEGV" in by["crash_test"].reason
    # a name the old program does not have (newer than 2.15.1) is not built there
    assert (by["atomic_slist_test"].status, by["atomic_slist_test"].reason) == (
        "skipped",
        "not built in this program",
    )
    log = (tmp_path / "logs" / "pjlib-test.ok_test.log").read_text()
    assert log.startswith("$ PJ_TEST_ONLY=ok_test ") and "--ci-mode" in log.splitlines()[0]
    assert any("do_test" in note for note in result.notes)


def test_do_test_harness_full_suite_runs_the_program_whole(tmp_path: Path) -> None:
    tree, catalog = _do_test_tree(tmp_path)
    result = run_suite(
        "all",
        tree,
        PrefixRunner("native", (), ()),
        load_targets()["linux-x86_64"],
        catalog,
        tmp_path / "logs",
        harness="do_test",
    )
    [whole] = result.results
    assert whole.test == "*" and whole.status == "failed"
    assert [c["name"] for c in whole.cases] == [
        "ok_test",
        "old_name_test",
        "tsx_test",
        "tsx_test",
        "broken_test",
    ]
    assert (tmp_path / "logs" / "pjlib-test.all.log").is_file()
