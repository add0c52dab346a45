from __future__ import annotations

from pathlib import Path

from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.testsuites import load_catalog
from pjbuild.ontarget.runners import Completed
from pjbuild.ontarget.testsuites import _judge, parse_config, parse_list, parse_results

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


def test_quick_suite_names_exist_in_programs(fixtures: Path) -> None:
    listed = parse_list((fixtures / "pjlib-test-config.log").read_text())
    all_pjlib = set(listed["essential"]) | set(listed["features"])
    quick = dict(CATALOG.suites["quick"].tests)
    assert set(quick["pjlib-test"]) <= all_pjlib
    assert set(quick["pjsip-test"]) <= set(
        parse_list((fixtures / "pjsip-test-list.log").read_text())["pjsip"]
    )
