"""pjbuild.ontarget.calltest: the loopback call's verdict from real pjsua logs (qemu-mips, and a
minimal-size host build judged by its audio), pjsua's arguments, and retries that keep each
attempt's logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pjbuild.ontarget.calltest import CallSpec

CALLS = Path(__file__).parents[1] / "fixtures" / "calls"


SRTP_OPUS = CallSpec("opus/48000", ("srtp",))
OPUS = CallSpec("opus/48000")
SRTP_PCMU = CallSpec("PCMU/8000", ("srtp",))


def test_call_verdict_passes_on_a_real_srtp_opus_call() -> None:
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."))
    assert (r.status, r.codec, r.srtp) == ("passed", "opus", True), r.reason


def test_call_verdict_fails_when_media_cannot_start() -> None:
    """First run of the feature: Opus at 48 kHz with an 8 kHz bridge and no resampler -> 488."""
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-opus-no-resampler-488-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."))
    assert r.status == "failed"
    assert (
        r.reason
        == "the call did not reach CONFIRMED (ended with 488 (Unable to create media session))"
    )


def test_call_verdict_checks_each_feature() -> None:
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    no_crypto = text.replace("a=crypto:", "a=x-removed:")
    assert judge(no_crypto, SRTP_OPUS, 0.0, Path(".")).reason == (
        "the SDP has no RTP/SAVP + a=crypto"
    )
    assert judge(no_crypto, CallSpec("opus/48000"), 0.0, Path(".")).status == "passed"
    pcmu = text.replace("stream #0: opus (sendrecv)", "stream #0: PCMU (sendrecv)")
    assert judge(pcmu, CallSpec("opus/48000"), 0.0, Path(".")).reason == (
        "the audio stream used PCMU, not opus"
    )
    assert judge(pcmu, SRTP_PCMU, 0.0, Path(".")).status == "passed"
    hung = "\n".join(line for line in text.splitlines() if "is DISCONNECTED" not in line)
    assert "did not end" in judge(hung, SRTP_PCMU, 0.0, Path(".")).reason


def test_call_verdict_needs_both_sides_to_decode_the_others_tones(tmp_path: Path) -> None:
    from pjbuild.ontarget import audio
    from pjbuild.ontarget.calltest import CALLEE_TONES, CALLER_TONES, judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    good = tmp_path / "good.wav"
    audio.write_tones(good, 48000, CALLER_TONES)
    own = tmp_path / "own.wav"  # the callee's own tones: a side that hears itself
    audio.write_tones(own, 48000, CALLEE_TONES)
    heard = {"callee": audio.hear(good, CALLER_TONES), "caller": audio.hear(own, CALLER_TONES)}
    r = judge(text, SRTP_OPUS, 0.0, Path("."), heard=heard)
    assert r.status == "failed"
    assert r.reason.startswith("the caller did not decode what the other side played: tones ")
    assert r.audio["callee"]["ok"] is True and r.audio["caller"]["ok"] is False
    heard["caller"] = audio.hear(own, CALLEE_TONES)
    assert judge(text, SRTP_OPUS, 0.0, Path("."), heard=heard).status == "passed"


def test_call_verdict_names_the_crash_of_a_caller_that_died() -> None:
    """A real caller log from qemu-arm (the race patch 0011 fixes): pjsua asserted right after
    CONFIRMED; its handler printed on stderr, which now lands in the log, and exited 1."""
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "armhf-srtp-opus-assert-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."), caller_exit="exit 1")
    assert r.status == "failed"
    assert r.reason.startswith("the call did not end by itself (--duration); ")
    assert "the caller ended with exit 1: ../src/pj/sock_common.c:393: " in r.reason
    assert "Assertion `a->addr.sa_family" in r.reason and ">>>" not in r.reason
    # stderr can land in the middle of a buffered log line, even of a word ("(Ma" + "pjsua:"):
    # the message is cut out of it, from the file name on
    mid = text.replace(">>> pjsua: ../src", "11:58:15.522   conference.c  .Port 3 (Mapjsua: ../src")
    r = judge(mid, SRTP_PCMU, 0.0, Path("."), caller_exit="exit 1")
    assert r.reason.endswith(
        "exit 1: ../src/pj/sock_common.c:393: pj_sockaddr_get_len: Assertion `a->addr."
        "sa_family == PJ_AF_INET || a->addr.sa_family == PJ_AF_INET6' failed."
    )
    # no crash line: the last line is named instead; a clean exit adds nothing
    hung = "\n".join(line for line in text.splitlines() if "Assertion" not in line)
    hung = hung.replace("Error: signal 6:", "")
    r = judge(hung, SRTP_PCMU, 0.0, Path("."), caller_exit="killed by SIGKILL")
    assert r.reason.endswith("killed by SIGKILL: " + hung.strip().splitlines()[-1].strip())
    assert judge(hung, SRTP_PCMU, 0.0, Path("."), caller_exit="exit 0").reason == (
        "the call did not end by itself (--duration)"
    )


def test_exit_text_names_signals_and_pjbuilds_own_kill() -> None:
    from pjbuild.ontarget.calltest import exit_text

    assert exit_text(0, False) == "exit 0"
    assert exit_text(1, False) == "exit 1"
    assert exit_text(-11, False) == "killed by SIGSEGV"
    assert exit_text(-6, False) == "killed by SIGABRT"
    assert exit_text(-9, True) == "killed by pjbuild (it did not quit when asked)"


def test_pjsua_keeps_stderr_for_crash_reports() -> None:
    """--no-stderr sent stderr to /dev/null, and with it the assertion that CI hit."""
    from pjbuild.ontarget.calltest import pjsua_args

    args = pjsua_args(5060, SRTP_OPUS, "caller")
    assert "--no-stderr" not in args
    # only the call's codec, at its rate, and the files named relative to the work folder
    assert args[args.index("--dis-codec=*") + 1] == "--add-codec=opus/48000"
    assert "--clock-rate=48000" in args and "--use-srtp=2" in args
    assert "--play-file=call-opus-48000-caller-plays.wav" in args
    assert "--rec-file=call-opus-48000-caller-heard.wav" in args


def _scripted_calls(monkeypatch: pytest.MonkeyPatch, statuses: list[str]) -> list[int]:
    """Replace the real call by a script of outcomes; each attempt writes its own logs."""
    from pjbuild.ontarget import calltest

    made: list[int] = []

    def once(pjsua: Path, runner: object, spec: CallSpec, work: Path, logs: Path):
        made.append(len(made) + 1)
        logs.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        (logs / f"{spec.slug}-caller.log").write_text(f"attempt {len(made)}\n")
        (logs / f"{spec.slug}-callee.log").write_text(f"attempt {len(made)}\n")
        (work / f"{spec.slug}-callee-heard.wav").write_text(f"wav {len(made)}\n")
        status = statuses[len(made) - 1]
        reason = "" if status == "passed" else f"reason {len(made)}"
        return calltest.CallResult(status, reason, "opus", True, 1.0, str(logs), "exit 1")

    monkeypatch.setattr(calltest, "_call_once", once)
    return made


def test_a_failed_call_is_made_again_and_reported_flaky(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert made == [1, 2]
    assert (r.status, r.flaky) == ("passed", True)
    assert r.reason == "flaky: failed once (reason 1), passed on retry 1"
    # the failed attempt's logs are kept beside the passing one's
    logs = tmp_path / "logs"
    assert (logs / "call-opus-48000-caller.attempt1.log").read_text() == "attempt 1\n"
    assert (logs / "call-opus-48000-callee.attempt1.log").read_text() == "attempt 1\n"
    assert (logs / "call-opus-48000-caller.log").read_text() == "attempt 2\n"
    # and what the failed attempt recorded
    assert (logs / "call-opus-48000-callee-heard.attempt1.wav").read_text() == "wav 1\n"


def test_a_call_that_fails_twice_fails_with_both_reasons(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "failed", "passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert len(made) == 2
    assert (r.status, r.flaky) == ("failed", False)
    assert r.reason == "reason 2 (first attempt: reason 1)"


def test_each_failed_attempt_keeps_its_own_logs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "failed", "passed"])
    logs = tmp_path / "logs"
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", logs, retries=2)  # type: ignore[arg-type]
    assert made == [1, 2, 3] and r.flaky
    assert r.reason == "flaky: failed once (reason 1), passed on retry 2"
    assert sorted(p.name for p in logs.iterdir()) == [
        "call-opus-48000-callee-heard.attempt1.wav",
        "call-opus-48000-callee-heard.attempt2.wav",
        "call-opus-48000-callee.attempt1.log",
        "call-opus-48000-callee.attempt2.log",
        "call-opus-48000-callee.log",
        "call-opus-48000-caller.attempt1.log",
        "call-opus-48000-caller.attempt2.log",
        "call-opus-48000-caller.log",
    ]
    assert (logs / "call-opus-48000-caller.attempt2.log").read_text() == "attempt 2\n"


def test_retries_zero_makes_the_call_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "passed"])
    logs = tmp_path / "logs"
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", logs, retries=0)  # type: ignore[arg-type]
    assert made == [1] and r.status == "failed" and r.reason == "reason 1"
    assert not list(logs.glob("*.attempt*.log"))


def test_a_call_that_passes_is_made_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert made == [1] and (r.status, r.flaky, r.reason) == ("passed", False, "")
    assert not list((tmp_path / "logs").glob("*.attempt*.log"))


def test_call_arguments_come_from_the_feature_data() -> None:
    from pjbuild.ontarget.calltest import feature_call, pjsua_args

    plain = pjsua_args(5060, CallSpec("GSM/8000"), "callee")
    assert "--clock-rate=8000" in plain and "--use-srtp=2" not in plain
    assert "--add-codec=GSM/8000" in plain
    both = pjsua_args(5060, feature_call(("srtp", "opus")), "caller")
    assert "--use-srtp=2" in both and "--add-codec=opus/48000" in both
    assert "--clock-rate=48000" in both and "--clock-rate=8000" not in both
    assert "--ip-addr=127.0.0.1" in both and "--local-port=5060" in both
    # the call that verifies SRTP alone uses G.711
    assert feature_call(("srtp",)) == CallSpec("PCMU/8000", ("srtp",))


def test_a_build_that_logs_below_4_is_judged_by_its_audio(tmp_path: Path) -> None:
    """A real caller log of a minimal-size build (PJ_LOG_MAX_LEVEL 1, host): pjsua printed its
    menu and nothing else, so the log-based verdict said 'did not reach CONFIRMED' of a call
    whose recordings held every tone. Such a build is judged by both recordings."""
    from pjbuild.ontarget import audio
    from pjbuild.ontarget.calltest import CALLEE_TONES, CALLER_TONES, judge

    text = (CALLS / "host-minimal-size-log1-caller.log").read_text()
    assert "CONFIRMED" not in text and "You have 1 active call" in text
    logged, silent = CallSpec("PCMU/8000"), CallSpec("PCMU/8000", log_level=1)
    assert judge(text, logged, 0.0, Path(".")).reason == "the call did not reach CONFIRMED"
    good, own = tmp_path / "good.wav", tmp_path / "own.wav"
    audio.write_tones(good, 8000, CALLER_TONES)
    audio.write_tones(own, 8000, CALLEE_TONES)
    heard = {"callee": audio.hear(good, CALLER_TONES), "caller": audio.hear(own, CALLEE_TONES)}
    r = judge(text, silent, 0.0, Path("."), heard=heard)
    assert (r.status, r.codec, r.judged_by) == ("passed", "PCMU", "audio"), r.reason
    heard["caller"] = audio.hear(own, CALLER_TONES)  # the caller heard itself
    r = judge(text, silent, 0.0, Path("."), heard=heard)
    assert r.status == "failed" and "judged by its audio alone" in r.reason
    assert r.codec == "" and r.srtp is False
    assert judge(text, silent, 0.0, Path(".")).status == "failed"  # no recording checked
