"""A real call on the target: two pjsua processes on 127.0.0.1, SRTP mandatory, a chosen codec.

pjproject's test programs have no SRTP or Opus test, so ``--feature srtp|opus`` is verified by
this loopback call run under the target's runner: the callee auto-answers, the caller hangs up
after a few seconds; the call must reach CONFIRMED, the SDP must carry RTP/SAVP with a=crypto
(SRTP), and the audio stream must use the expected codec (Opus).

A failed call is made again like a failed test program (``retries`` in testsuites.toml): a
call that passes then is reported as passed *and* flaky, with the first failure's reason and
logs kept (``call-*.attempt1.log``); a call that fails every time fails the build.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pjbuild.plan import load_configure_data
from pjbuild.runners import PrefixRunner, signal_name, stop
from pjbuild.testsuites import flaky_reason

# seconds the caller keeps running (scaled by the runner's timeout factor): call set-up, the
# 3 s call, hang-up
CALL_WINDOW_S = 8
_STREAM = re.compile(r"updated, stream #0: (?P<codec>[^ ]+) \((?P<dir>\w+)\)")


@dataclass
class CallResult:
    status: str  # passed | failed
    reason: str
    codec: str
    srtp: bool
    duration_s: float
    log: str
    caller_exit: str = ""  # how each program ended: "exit 0", "killed by SIGSEGV", ...
    callee_exit: str = ""
    flaky: bool = False  # failed, then passed when made again

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pjsua_args(port: int, features: tuple[str, ...]) -> list[str]:
    specs = load_configure_data().get("features", {})
    extra = [a for f in features for a in specs.get(f, {}).get("call_args", [])]
    # no --no-stderr: it sends stderr to /dev/null, and with it pjsua's crash handler's
    # "Error: signal N" and backtrace (pjsua logs to stdout; stderr carries nothing else)
    args = [
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
    ]
    if not any(a.startswith("--clock-rate=") for a in extra):
        args.append("--clock-rate=8000")
    return args + extra


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
    features: tuple[str, ...],
    work: Path,
    logs: Path,
    retries: int = 1,
) -> CallResult:
    """The loopback call, made up to ``retries`` more times if it fails (see the module doc)."""
    first: CallResult | None = None
    attempts = max(1, retries + 1)
    for attempt in range(1, attempts + 1):
        result = _call_once(pjsua, runner, features, work, logs)
        if result.status == "passed":
            if first is None:
                return result
            return replace(result, flaky=True, reason=flaky_reason(first.reason, attempt - 1))
        if first is None:
            first = result
        if attempt < attempts:  # keep this attempt's logs beside the next one's
            for role in ("caller", "callee"):
                log = logs / f"call-{role}.log"
                if log.is_file():
                    log.rename(logs / f"call-{role}.attempt{attempt}.log")
    assert first is not None
    if result is first:
        return result
    return replace(result, reason=f"{result.reason} (first attempt: {first.reason})")


def _call_once(
    pjsua: Path, runner: PrefixRunner, features: tuple[str, ...], work: Path, logs: Path
) -> CallResult:
    """One loopback call between two pjsua instances on the target.

    pjsua's output is block-buffered when it is not a terminal (under QEMU and Wine alike), so
    nothing is read while it runs: the caller gets a console script (wait, then quit), calls at
    start-up, hangs up after 3 s (--duration); SIP over UDP retransmits the INVITE, so the callee
    needs no readiness check. Both logs are read once the programs have exited.
    """
    work.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    factor = runner.timeout_factor
    callee_port = free_udp_port()
    caller_port = free_udp_port()
    while abs(caller_port - callee_port) < 4:
        caller_port = free_udp_port()
    wait_ms = int(CALL_WINDOW_S * factor * 1000)
    start = time.monotonic()
    callee_out, caller_out = logs / "call-callee.log", logs / "call-caller.log"
    callee = runner.start(
        [str(pjsua), *pjsua_args(callee_port, features), "--auto-answer=200"], work, callee_out
    )
    caller = runner.start(
        [
            str(pjsua),
            *pjsua_args(caller_port, features),
            "--duration=3",
            f"sip:pjbuild@127.0.0.1:{callee_port}",
        ],
        work,
        caller_out,
    )
    try:
        assert caller.stdin is not None
        caller.stdin.write(f"sleep {wait_ms}\nq\n".encode())
        caller.stdin.flush()
        with contextlib.suppress(subprocess.TimeoutExpired):
            caller.wait(timeout=wait_ms / 1000 + 30 * factor)
    finally:
        caller_killed = stop(caller, quit_input=b"q\n")
        callee_killed = stop(callee, quit_input=b"q\n")
    result = judge(
        caller_out.read_text(errors="replace"),
        features,
        start,
        logs,
        caller_exit=exit_text(caller.returncode, caller_killed),
    )
    result.callee_exit = exit_text(callee.returncode, callee_killed)
    return result


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


def judge(
    text: str, features: tuple[str, ...], start: float, logs: Path, caller_exit: str = ""
) -> CallResult:
    """The verdict from the caller's log (and how the caller ended, when known)."""
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
    elif "srtp" in features and not srtp:
        reason = "the SDP has no RTP/SAVP + a=crypto"
    elif "opus" in features and not codec.lower().startswith("opus"):
        reason = f"the audio stream used {codec or 'no codec'}, not opus"
    if reason and caller_exit and caller_exit != "exit 0":
        # a caller that died mid-call: say how, and its crash line (or its last line)
        reason += f"; the caller ended with {caller_exit}: {_crash_line(text)}"
    status = "failed" if reason else "passed"
    return CallResult(
        status,
        reason,
        codec,
        srtp,
        round(time.monotonic() - start, 3),
        str(logs),
        caller_exit=caller_exit,
    )
