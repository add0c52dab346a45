"""pjbuild.ontarget.perf: pjsip-perf's output, the command lines, a measurement with a stand-in
program, and instruction counts. Fixtures under fixtures/pjsip-perf/ are real pjsip-perf 2.17
output (linux-x86_64, preset default)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pjbuild.ontarget import perf
from pjbuild.ontarget.runners import PrefixRunner

NATIVE = PrefixRunner(kind="native", prefix=(), env=())
QEMU = PrefixRunner(kind="qemu", prefix=("qemu-arm", "-L", "/x"), env=(), timeout_factor=3.0)


def _fixture(fixtures: Path, name: str) -> str:
    return (fixtures / "pjsip-perf" / name).read_text()


# --- output ----------------------------------------------------------------------------------


def test_parse_stateless_report(fixtures: Path) -> None:
    r = perf.parse_client(_fixture(fixtures, "client-stateless.log"))
    assert r.kind == "stateless OPTIONS requests"
    assert (r.requested, r.sent, r.responses) == (30000, 30000, 30000)
    assert r.responses_ms == 2129
    assert r.codes == {200: 30000}
    assert not r.timed_out
    assert r.rate == pytest.approx(30000 * 1000 / 2129)
    assert r.problem() == ""


def test_parse_stateful_and_invite_reports(fixtures: Path) -> None:
    stateful = perf.parse_client(_fixture(fixtures, "client-stateful.log"))
    assert stateful.kind == "stateful OPTIONS requests"
    assert stateful.ok == stateful.requested == 8000
    invite = perf.parse_client(_fixture(fixtures, "client-invite.log"))
    assert invite.kind == "INVITE calls"
    assert invite.codes == {200: 3000}
    assert invite.rate == pytest.approx(3000 * 1000 / 1560)
    assert invite.rate > 0


def test_unanswered_run_is_not_a_measurement(fixtures: Path) -> None:
    # real output of a client whose server was not there: "done." but no response
    r = perf.parse_client(_fixture(fixtures, "client-no-server.log"))
    assert (r.requested, r.sent, r.responses) == (50, 50, 0)
    assert r.rate == 0
    assert r.problem() == "0 of 50 answered 200"


def test_timed_out_and_other_codes_are_reported() -> None:
    text = (
        "Sending 10 INVITE calls to 'sip:2@127.0.0.1:5' with 1000 maximum outstanding jobs\n"
        "\ntimed-out!\n\nTotal 7 INVITE calls sent in 100 ms at rate of 70/sec\n"
        "Total 7 responses received in 200 ms at rate of 35/sec:\n"
        " - 200 responses:        5     (OK)\n - 408 responses:        2     (Request Timeout)\n"
    )
    r = perf.parse_client(text)
    assert r.timed_out
    assert r.problem() == "timed out after 7 of 10 requests"
    r2 = perf.parse_client(text.replace("timed-out!", "done."))
    assert r2.problem() == "5 of 10 answered 200 (408: 2)"


def test_server_output_is_no_client_report(fixtures: Path) -> None:
    server = _fixture(fixtures, "server.log")
    assert perf.SERVER_READY in server
    with pytest.raises(perf.PerfError, match="no report"):
        perf.parse_client(server)


# --- command lines ---------------------------------------------------------------------------


def test_client_command_lines() -> None:
    s = perf.SCENARIOS
    argv = perf.client_argv(
        "/a/pjsip-perf", s["stateless"], server_port=5070, client_port=5080, count=99, timeout_s=60
    )
    assert argv == [
        "/a/pjsip-perf", "-p", "5080", "-c", "99", "-t", "60", "-s", "sip:0@127.0.0.1:5070",
    ]  # fmt: skip
    stateful = perf.client_argv(
        "x", s["stateful"], server_port=1, client_port=2, count=5, timeout_s=9
    )
    assert stateful[-1] == "sip:1@127.0.0.1:1" and "-s" not in stateful
    invite = perf.client_argv(
        "x", s["invite"], server_port=1, client_port=2, count=5, timeout_s=900
    )
    assert invite[-3:] == ["-m", "INVITE", "sip:2@127.0.0.1:1"]
    assert invite[invite.index("-t") + 1] == "600"  # pjsip-perf refuses more
    assert perf.server_argv(Path("/a/pjsip-perf"), 5070) == ["/a/pjsip-perf", "-p", "5070"]


def test_every_address_is_loopback() -> None:
    for scenario in perf.SCENARIOS.values():
        argv = perf.client_argv("x", scenario, server_port=1, client_port=2, count=1, timeout_s=1)
        assert "@127.0.0.1:" in argv[-1]


def test_namespace_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(perf.netns.os, "geteuid", lambda: 0)
    assert perf.namespace_argv(["py"]) == ["/usr/bin/unshare", "--net", "py"]
    monkeypatch.setattr(perf.netns.os, "geteuid", lambda: 1000)
    assert perf.namespace_argv(["py"]) == [
        "/usr/bin/unshare", "--user", "--map-root-user", "--net", "py",
    ]  # fmt: skip
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(perf.ToolMissingError, match="unshare"):
        perf.namespace_argv(["py"])


def test_counts_are_smaller_under_an_emulator() -> None:
    assert perf.counts_for(NATIVE, perf.FULL_COUNTS) == perf.FULL_COUNTS
    emulated = perf.counts_for(QEMU, perf.FULL_COUNTS)
    assert emulated == {"stateless": 7500, "stateful": 2000, "invite": 750}
    assert perf.counts_for(QEMU, {"invite": 50}) == {"invite": 100}  # a floor


def test_runner_survives_the_trip_into_the_namespace() -> None:
    runner = PrefixRunner(
        kind="qemu", prefix=("q", "-L", "/s"), env=(("A", "1"),), timeout_factor=3
    )
    assert perf.runner_from(perf.runner_fields(runner)) == runner


def test_rate_best_and_median() -> None:
    r = perf.Rate("invite", "INVITE calls/s", 10, [100.0, 300.0, 200.0], [5.0, 7.0])
    assert (r.best, r.median) == (300.0, 200.0)
    assert (r.best_cpu, r.median_cpu) == (7.0, 6.0)
    assert r.to_json()["best"] == 300.0 and r.to_json()["cpu_runs"] == [5.0, 7.0]
    assert perf.Rate("x", "x", 1).best == 0.0


def test_program_in_artifact(tmp_path: Path) -> None:
    with pytest.raises(perf.PerfError, match="no bin/pjsip-perf"):
        perf.program_in(tmp_path)
    exe = tmp_path / "prefix" / "bin" / "pjsip-perf.exe"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    assert perf.program_in(tmp_path) == exe


# --- a measurement with a stand-in pjsip-perf (no namespace: run_spec directly) --------------

STAND_IN = """#!/bin/sh
# server without a URL: announce, then wait for EOF on stdin (as pjsip-perf does)
for last; do :; done
case "$last" in
  sip:*) ;;
  *) echo "pjsip-perf started in server-mode"; echo "Press <ENTER> to quit"; cat >/dev/null;
     exit 0;;
esac
case "$last" in
  sip:0@*) cat "{fixtures}/client-stateless.log";;
  sip:1@*) cat "{fixtures}/client-stateful.log";;
  sip:2@*) cat "{fixtures}/client-invite.log";;
esac
"""


def test_run_spec_with_stand_in_program(tmp_path: Path, fixtures: Path) -> None:
    exe = tmp_path / "pjsip-perf"
    exe.write_text(STAND_IN.replace("{fixtures}", str(fixtures / "pjsip-perf")))
    exe.chmod(0o755)
    spec = perf.Spec(
        programs={"a": str(exe), "b": str(exe)},
        runner=perf.runner_fields(NATIVE),
        scenarios=("stateless", "invite"),
        counts={"stateless": 30000, "invite": 3000},
        repeats=2,
        work=str(tmp_path),
    )
    order: list[str] = []
    result = perf.run_spec(spec, say=order.append)
    rates = result["rates"]
    assert set(rates) == {"a", "b"}
    assert rates["a"]["stateless"]["runs"] == [pytest.approx(14091.1, abs=0.1)] * 2
    assert rates["b"]["invite"]["best"] == pytest.approx(1923.1, abs=0.1)
    # interleaved: run 1 of both programs before run 2
    assert [line.split(" run ")[0] for line in order[:4]] == [
        "a stateless", "b stateless", "a invite", "b invite",
    ]  # fmt: skip
    assert (tmp_path / "a.stateless.1.client.log").is_file()
    # the server's CPU time while the client ran (the stand-in's is near 0: a huge rate)
    assert len(rates["a"]["invite"]["cpu_runs"]) == 2
    assert rates["a"]["invite"]["best_cpu"] > 0


def test_process_cpu_time() -> None:
    mine = perf.process_cpu_s(os.getpid())
    assert mine is not None and mine > 0
    assert perf.process_cpu_s(2**22 + 12345) is None  # no such process
    assert perf.cpu_rate(1000, 0.5) == 2000
    assert perf.cpu_rate(10, 0.0) == pytest.approx(10 / 1e-6)


def test_measurement_conditions() -> None:
    m = perf.Measurement({}, {"cpu": 1, "nice": -20})
    assert m.describe() == "server and client on CPU 1, nice -20"
    assert perf.Measurement({}, {"cpu": None, "nice": 0}).describe() == "not pinned, nice 0"


def test_run_once_reports_a_server_that_does_not_start(tmp_path: Path) -> None:
    exe = tmp_path / "pjsip-perf"
    exe.write_text("#!/bin/sh\necho cannot bind >&2\nexit 1\n")
    exe.chmod(0o755)
    with pytest.raises(perf.PerfError, match="server did not start"):
        perf.run_once(str(exe), perf.SCENARIOS["stateless"], 10, NATIVE, tmp_path, "t")


# --- instructions per request (callgrind) -------------------------------------------------------


def test_client_window_option() -> None:
    s = perf.SCENARIOS["invite"]
    argv = perf.client_argv("x", s, server_port=1, client_port=2, count=5, timeout_s=9, window=1)
    assert argv[argv.index("-w") + 1] == "1"
    assert argv[-3:] == ["-m", "INVITE", "sip:2@127.0.0.1:1"]  # the scenario's args follow
    assert "-w" not in perf.client_argv("x", s, server_port=1, client_port=2, count=5, timeout_s=9)


def test_shutdown_is_taken_out_of_the_instruction_count(fixtures: Path) -> None:
    """Real callgrind_annotate output of a max-speed server after 900 stateful requests: its
    shut-down (pjsip_endpt_destroy, rescanning a 64K-bucket table per transaction) is 81%."""
    inclusive = (fixtures / "pjsip-perf" / "callgrind-inclusive.txt").read_text()
    assert perf.parse_annotate(inclusive) == 334_792_114 - 271_641_839
    assert perf.parse_annotate(inclusive, function="no_such_function") == 334_792_114
    with pytest.raises(perf.PerfError, match="PROGRAM TOTALS"):
        perf.parse_annotate("nothing here")


def test_instructions_per_request_is_the_difference_of_two_runs() -> None:
    assert perf.per_request(1_000_000, 3_000_000, 100, 300) == 10_000.0
    with pytest.raises(ValueError):
        perf.per_request(1, 2, 300, 300)


def test_instruction_counting_needs_valgrind_and_a_native_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(perf.ToolMissingError, match="valgrind"):
        perf.callgrind_argv(tmp_path / "p")
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert perf.callgrind_argv(tmp_path / "p") == (
        "/usr/bin/valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp_path / 'p'}",
    )  # fmt: skip
    spec = perf.Spec({"a": "x"}, perf.runner_fields(QEMU), ("stateless",), {"stateless": 1}, 1,
                     str(tmp_path), instructions=True)  # fmt: skip
    with pytest.raises(perf.PerfError, match="native"):
        perf.run_spec(spec)
