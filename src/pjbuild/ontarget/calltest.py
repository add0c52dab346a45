"""A real call on the target: two pjsua processes on 127.0.0.1, one codec, audio checked.

pjproject's test programs do not run a codec through a call, and have no SRTP or Opus test.
So every codec a build has is verified by a loopback call under the target's runner (the
suite's `calls`), and ``--feature srtp|opus`` by the same calls: the callee auto-answers, the
caller hangs up after 3 s; the call must reach CONFIRMED, use the codec it asked for (all others
disabled), carry RTP/SAVP with a=crypto when SRTP is a feature, and each side must have decoded
the tones the other played, in order (pjbuild.ontarget.audio): that audio flowed is not enough.

A failed call is made again like a failed test program (``retries`` in testsuites.toml): a
call that passes then is reported as passed *and* flaky, with the first failure's reason and
logs kept (``call-*.attempt1.log``); a call that fails every time fails the build.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild.core.net import free_udp_port
from pjbuild.inputs.registry import load_configure_data
from pjbuild.ontarget import audio
from pjbuild.ontarget.runners import PrefixRunner, signal_name, stop
from pjbuild.ontarget.testsuites import flaky_reason

# seconds (scaled by the runner's timeout factor) the call may take to end: set-up, the 3 s
# call, hang-up; pjsua's output is unbuffered (--stdout-no-buf), so its end is seen at once
CALL_WINDOW_S = 8
_STREAM = re.compile(r"updated, stream #0: (?P<codec>[^ ]+) \((?P<dir>\w+)\)")
# the tones each side plays (the callee's in reverse: a side that hears itself fails)
CALLER_TONES = audio.TONES_HZ
CALLEE_TONES = tuple(reversed(audio.TONES_HZ))


# the log level of the pjsua lines the call is judged by: "PJSUA state changed: ... -->
# RUNNING" and "... updated, stream #0: <codec>" are level 4 (pjsua_core.c, pjsua_media.c),
# "state changed to CONFIRMED" and "is DISCONNECTED" level 3 (pjsua_app.c)
LOGGED_LEVEL = 4
UPSTREAM_LOG_LEVEL = 5  # PJ_LOG_MAX_LEVEL when config_site.h leaves it alone (pj/config.h)


@dataclass(frozen=True)
class CallSpec:
    """One loopback call: the codec it must use (pjmedia id, e.g. GSM/8000), the features
    both ends use (srtp: SRTP mandatory) and the build's compile-time PJ_LOG_MAX_LEVEL: under
    LOGGED_LEVEL pjsua cannot print what the call is judged by (PJ_CONFIG_MAXIMUM_SPEED
    sets 3, the minimal-size preset 1), and the call is judged by its audio alone."""

    codec: str
    features: tuple[str, ...] = ()
    log_level: int = UPSTREAM_LOG_LEVEL

    @property
    def logged(self) -> bool:
        return self.log_level >= LOGGED_LEVEL

    @property
    def clock_rate(self) -> int:
        return int(self.codec.split("/")[1])

    @property
    def codec_name(self) -> str:
        return self.codec.split("/")[0]

    @property
    def slug(self) -> str:
        """Log and file names of this call: call-GSM-8000."""
        return "call-" + re.sub(r"[^A-Za-z0-9]+", "-", self.codec).strip("-")

    @property
    def srtp(self) -> bool:
        """A feature of the call secures its media (configure.toml `secures_media`: SRTP)."""
        specs = load_configure_data().get("features", {})
        return any(specs.get(f, {}).get("secures_media", False) for f in self.features)


@dataclass
class CallResult:
    status: str  # passed | failed | known
    reason: str
    codec: str  # the codec the audio stream used
    srtp: bool
    duration_s: float
    log: str
    caller_exit: str = ""  # how each program ended: "exit 0", "killed by SIGSEGV", ...
    callee_exit: str = ""
    flaky: bool = False  # failed, then passed when made again
    requested: str = ""  # the codec asked for (CallSpec.codec)
    # what each side decoded: pjbuild.ontarget.audio.Heard.to_json() of the callee's and caller's
    # recordings
    audio: dict[str, Any] = field(default_factory=dict)
    # "log and audio"; "audio": the build logs below LOGGED_LEVEL, so the codec and SRTP are
    # what both ends were limited to (--dis-codec=* --add-codec, --use-srtp=2), not observed
    judged_by: str = "log and audio"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def feature_call(features: tuple[str, ...], log_level: int = UPSTREAM_LOG_LEVEL) -> CallSpec:
    """The call that verifies features when the suite makes no codec calls: the codec a
    feature brings (opus), else G.711."""
    specs = load_configure_data().get("features", {})
    codecs = [specs.get(f, {}).get("call", "") for f in features]
    return CallSpec(next((c for c in codecs if c), "PCMU/8000"), features, log_level)


def pjsua_args(port: int, spec: CallSpec, role: str) -> list[str]:
    """Both ends: only the call's codec, at its clock rate (the bridge and the files too, so
    that no resampler is needed), playing their tones and recording what they decode."""
    specs = load_configure_data().get("features", {})
    extra = [a for f in spec.features for a in specs.get(f, {}).get("call_args", [])]
    # no --no-stderr: it sends stderr to /dev/null, and with it pjsua's crash handler's
    # "Error: signal N" and backtrace (pjsua logs to stdout; stderr carries nothing else)
    return [
        "--null-audio",
        "--no-tcp",
        "--ip-addr=127.0.0.1",
        "--bound-addr=127.0.0.1",
        f"--local-port={port}",
        f"--rtp-port={port + 2}",
        "--log-level=4",
        "--app-log-level=4",
        "--max-calls=1",
        "--no-vad",
        "--stdout-no-buf",
        "--dis-codec=*",
        f"--add-codec={spec.codec}",
        f"--clock-rate={spec.clock_rate}",
        f"--play-file={spec.slug}-{role}-plays.wav",
        "--auto-play",
        f"--rec-file={spec.slug}-{role}-heard.wav",
        "--auto-rec",
        *extra,
    ]


def exit_text(returncode: int | None, killed_by_us: bool) -> str:
    """How a program ended, in words: ``exit 0``, ``exit 3``, ``killed by SIGSEGV``."""
    if returncode is None:
        return "still running"
    if killed_by_us:
        return "killed by pjbuild (it did not quit when asked)"
    name = signal_name(returncode)
    return f"killed by {name}" if name else f"exit {returncode}"


def run_call(
    pjsua: Path,
    runner: PrefixRunner,
    spec: CallSpec,
    work: Path,
    logs: Path,
    retries: int = 1,
) -> CallResult:
    """The loopback call, made up to ``retries`` more times if it fails (see the module doc)."""
    first: CallResult | None = None
    attempts = max(1, retries + 1)
    for attempt in range(1, attempts + 1):
        result = _call_once(pjsua, runner, spec, work, logs)
        if result.status == "passed":
            if first is None:
                return result
            return replace(result, flaky=True, reason=flaky_reason(first.reason, attempt - 1))
        if first is None:
            first = result
        if attempt < attempts:  # keep this attempt's logs and recordings beside the next one's
            for role in ("caller", "callee"):
                for kept in (
                    logs / f"{spec.slug}-{role}.log",
                    work / f"{spec.slug}-{role}-heard.wav",
                ):
                    if kept.is_file():
                        dest = logs / f"{kept.stem}.attempt{attempt}{kept.suffix}"
                        shutil.move(kept, dest)
    assert first is not None
    if result is first:
        return result
    return replace(result, reason=f"{result.reason} (first attempt: {first.reason})")


def _call_once(
    pjsua: Path, runner: PrefixRunner, spec: CallSpec, work: Path, logs: Path
) -> CallResult:
    """One loopback call between two pjsua instances on the target.

    The callee starts first; the caller starts once the callee's log says it is RUNNING (an
    INVITE that reaches pjsua between its transport's creation and pjsua_start() is answered
    503, "Error initializing media channel: Object is busy": seen under qemu on aarch64,
    armel and hppa). The caller calls at start-up and hangs up after 3 s (--duration).
    pjsua's output is unbuffered
    (--stdout-no-buf), so the caller's log shows the end of the call as it happens; then both
    are asked to quit (``q``), which closes their recordings, and the logs and recordings are
    judged. Files are named relative to the work folder, which is the programs' cwd on every
    runner (Wine included).
    """
    work.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    factor = runner.timeout_factor
    audio.write_tones(work / f"{spec.slug}-caller-plays.wav", spec.clock_rate, CALLER_TONES)
    audio.write_tones(work / f"{spec.slug}-callee-plays.wav", spec.clock_rate, CALLEE_TONES)
    for role in ("caller", "callee"):
        (work / f"{spec.slug}-{role}-heard.wav").unlink(missing_ok=True)
    callee_port = free_udp_port()
    caller_port = free_udp_port()
    while abs(caller_port - callee_port) < 4:
        caller_port = free_udp_port()
    start = time.monotonic()
    callee_out = logs / f"{spec.slug}-callee.log"
    caller_out = logs / f"{spec.slug}-caller.log"
    callee = runner.start(
        [str(pjsua), *pjsua_args(callee_port, spec, "callee"), "--auto-answer=200"],
        work,
        callee_out,
    )
    _wait_until_running(callee, callee_out, start + CALL_WINDOW_S * factor)
    caller = runner.start(
        [
            str(pjsua),
            *pjsua_args(caller_port, spec, "caller"),
            "--duration=3",
            f"sip:pjbuild@127.0.0.1:{callee_port}",
        ],
        work,
        caller_out,
    )
    try:
        # a build that logs sees the end; one that does not gets the window (set-up, the
        # 3 s call, hang-up), then both quit
        window = (CALL_WINDOW_S + 30) if spec.logged else CALL_WINDOW_S
        deadline = time.monotonic() + window * factor
        while time.monotonic() < deadline and caller.poll() is None:
            if spec.logged and b"is DISCONNECTED" in caller_out.read_bytes():
                break
            time.sleep(0.1)
    finally:
        caller_killed = stop(caller, grace=10 * factor, quit_input=b"q\n")
        callee_killed = stop(callee, grace=10 * factor, quit_input=b"q\n")
    heard = {
        "callee": audio.hear(work / f"{spec.slug}-callee-heard.wav", CALLER_TONES),
        "caller": audio.hear(work / f"{spec.slug}-caller-heard.wav", CALLEE_TONES),
    }
    result = judge(
        caller_out.read_text(errors="replace"),
        spec,
        start,
        logs,
        caller_exit=exit_text(caller.returncode, caller_killed),
        heard=heard,
    )
    result.callee_exit = exit_text(callee.returncode, callee_killed)
    return result


READY = b"--> RUNNING"  # pjsua_core.c: "PJSUA state changed: STARTING --> RUNNING"
# the console menu's line, printed once pjsua runs: the sign of a build that logs below 4
MENU_READY = b"You have 0 active call"


def _wait_until_running(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    """Until pjsua's log says it runs, it exits, or the deadline passes (then the call goes
    ahead and its result says what happened)."""
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError):
            text = log.read_bytes()
            if READY in text or MENU_READY in text:
                return
        time.sleep(0.05)


# what a dying program prints on stderr, which lands anywhere in the block-buffered log, even
# in the middle of a word: assert() ("prog: file:line: func: Assertion `...' failed.", taken
# from the file name on), pjsua's SIGSEGV/SIGABRT handler, QEMU and Wine
_CRASH = re.compile(
    r"[\w./-]+\.\w+:\d+: \S+: Assertion .* failed\.?|Error: signal \d+"
    r"|qemu: uncaught target signal.*|Unhandled (?:page fault|exception).*"
)


def _crash_line(text: str) -> str:
    """The first crash message in a log, else its last line."""
    found = _CRASH.search(text)
    if found:
        return found.group(0).strip()[:200]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _with_crash(reason: str, caller_exit: str, text: str) -> str:
    """A failed call's reason, with how a caller that died mid-call ended and its crash line
    (or its last line)."""
    if reason and caller_exit and caller_exit != "exit 0":
        return f"{reason}; the caller ended with {caller_exit}: {_crash_line(text)}"
    return reason


def judge(
    text: str,
    spec: CallSpec,
    start: float,
    logs: Path,
    caller_exit: str = "",
    heard: dict[str, audio.Heard] | None = None,
) -> CallResult:
    """The verdict from the caller's log, how the caller ended (when known) and what each side
    decoded (``heard``: the callee's and the caller's recordings; None: not checked)."""
    if not spec.logged:
        return _judge_by_audio(text, spec, start, logs, caller_exit, heard or {})
    stream = _STREAM.search(text)
    codec = stream.group("codec") if stream else ""
    srtp = bool(re.search(r"m=audio \d+ RTP/SAVP", text) and "a=crypto:" in text)
    confirmed = "state changed to CONFIRMED" in text
    ended = re.search(r"is DISCONNECTED \[reason=([^\]]*)\]", text)
    reason = ""
    if not confirmed:
        reason = "the call did not reach CONFIRMED"
        if ended:
            reason += f" (ended with {ended.group(1)})"
    elif not ended:
        reason = "the call did not end by itself (--duration)"
    elif spec.srtp and not srtp:
        reason = "the SDP has no RTP/SAVP + a=crypto"
    elif codec.lower() != spec.codec_name.lower():
        reason = f"the audio stream used {codec or 'no codec'}, not {spec.codec_name}"
    else:
        for side, what in (heard or {}).items():
            if not what.ok:
                reason = f"the {side} did not decode what the other side played: {what.reason}"
                break
    reason = _with_crash(reason, caller_exit, text)
    status = "failed" if reason else "passed"
    return CallResult(
        status,
        reason,
        codec,
        srtp,
        round(time.monotonic() - start, 3),
        str(logs),
        caller_exit=caller_exit,
        requested=spec.codec,
        audio={side: what.to_json() for side, what in (heard or {}).items()},
    )


def _judge_by_audio(
    text: str,
    spec: CallSpec,
    start: float,
    logs: Path,
    caller_exit: str,
    heard: dict[str, audio.Heard],
) -> CallResult:
    """A build that logs below LOGGED_LEVEL: the call passed when each side decoded the
    other's tones, in order (which needs the call set up, media both ways and the codec's
    encoder and decoder working). Both ends offered only spec.codec and, with srtp, required
    SRTP, so no other codec and no plain RTP could carry that audio."""
    reason = ""
    for side in ("callee", "caller"):
        what = heard.get(side)
        if what is None:
            reason = f"the {side}'s recording was not checked"
            break
        if not what.ok:
            reason = (
                f"the {side} did not decode what the other side played: {what.reason} "
                f"(the build logs at level {spec.log_level}, under {LOGGED_LEVEL}: the call is "
                "judged by its audio alone)"
            )
            break
    reason = _with_crash(reason, caller_exit, text)
    return CallResult(
        "failed" if reason else "passed",
        reason,
        spec.codec_name if not reason else "",
        spec.srtp and not reason,
        round(time.monotonic() - start, 3),
        str(logs),
        caller_exit=caller_exit,
        requested=spec.codec,
        audio={side: what.to_json() for side, what in heard.items()},
        judged_by="audio",
    )
