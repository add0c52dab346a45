"""SIP throughput on the target (pjsip-perf), for `pjbuild matrix --perf` and benchmarks/;
instruction counts under callgrind. Footprint is benchmarks/sizes.py.

Throughput: pjproject's ``pjsip-perf`` sample (shipped in the artifact's ``bin/``) runs as a
server and as a client on 127.0.0.1, through the target's runner (natively, under QEMU, Wine).
Three rates, as the client reports them: stateless OPTIONS/s (``sip:0@``, the server answers
without a transaction), stateful OPTIONS/s (``sip:1@``, a UAS transaction per request) and
INVITE calls/s (``sip:2@``: INVITE, 200 with SDP, ACK, BYE, 200 per call); and each one per
second of the server's CPU time while the client ran (/proc; less sensitive to other load).
Server and client run on one CPU (`settle`): across two CPUs pjsip-perf measures wake-up latency.

pjsip-perf has no option for its address: its UDP transport binds 0.0.0.0 and writes the
address of the default route into Via and Contact (``pj_gethostip``), so the ACK and BYE of a
call would go to the machine's LAN address. Both programs therefore run inside a private
network namespace (``unshare --net``, with a user namespace when not root) whose only interface
is loopback: nothing can use another address than 127.0.0.1, and the check is made before each
measuring (a UDP connect to a non-loopback address must fail). The measuring code itself runs
inside the namespace (``python -m pjbuild.ontarget.perf --inner SPEC``) so that server and
client share it.

pjsip-perf's quirks (2.17): the server quits at EOF on its standard input (it is kept open
until the client is done); the count flag is ``-c`` (the help text says ``-n``); a server
keeps each stateful request's UAS transaction for Timer J (32 s over UDP) in a hash table of
``PJSIP_MAX_TSX_COUNT`` buckets, so a fresh server serves every run (the previous run's
transactions would weigh on the next) and every preset gets the same request counts.

Footprint: file sizes of ``bin/pjsua`` after ``strip --strip-all`` and of pjproject's static
libraries after ``strip --strip-debug`` (what a static library can lose and still link), with
the target's own ``strip``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pjbuild.core.errors import PjbuildError, ToolMissingError
from pjbuild.core.files import write_atomic
from pjbuild.core.net import free_udp_ports
from pjbuild.ontarget import netns
from pjbuild.ontarget.runners import PrefixRunner, stop

PROGRAM = "pjsip-perf"
SERVER_READY = "Press <ENTER> to quit"
# stateful requests per run: pjsip-perf's own default is min(10000, PJSIP_MAX_TSX_COUNT / 2)
# (a count above PJSIP_MAX_TSX_COUNT only warns); the same count for every preset
MAX_STATEFUL = 8000


class PerfError(PjbuildError):
    """A measurement could not be made (program missing, no private network, bad output)."""

    exit_code = 5


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str  # what the rate counts
    user: str  # the server's URI user part: 0 stateless, 1 stateful, 2 call
    args: tuple[str, ...]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("stateless", "stateless OPTIONS/s", "0", ("-s",)),
        Scenario("stateful", "stateful OPTIONS/s", "1", ()),
        Scenario("invite", "INVITE calls/s", "2", ("-m", "INVITE")),
    )
}

# requests per run (natively); emulated runs divide by EMULATED_DIVISOR (qemu-arm runs
# pjsip-perf about 4x slower here: the runs then last about as long)
FULL_COUNTS = {"stateless": 30000, "stateful": MAX_STATEFUL, "invite": 3000}
SHORT_COUNTS = {"stateless": 5000, "invite": 1000}  # the matrix's --perf
EMULATED_DIVISOR = 4


def counts_for(runner: PrefixRunner, counts: dict[str, int]) -> dict[str, int]:
    """Fewer requests under an emulator (a quarter: EMULATED_DIVISOR)."""
    div = 1 if runner.kind == "native" else EMULATED_DIVISOR
    return {name: max(100, n // div) for name, n in counts.items()}


# --- command lines ---------------------------------------------------------------------------


def server_argv(exe: Path | str, port: int) -> list[str]:
    return [str(exe), "-p", str(port)]


def client_argv(
    exe: Path | str,
    scenario: Scenario,
    *,
    server_port: int,
    client_port: int,
    count: int,
    timeout_s: int,
    window: int | None = None,
) -> list[str]:
    """The client: ``-c`` is the count (pjsip-perf's help says -n, its code reads -c);
    ``-w`` the most requests outstanding (default: pjsip-perf's own)."""
    return [
        str(exe),
        "-p",
        str(client_port),
        "-c",
        str(count),
        "-t",
        str(min(600, timeout_s)),  # pjsip-perf refuses more than 600 s
        *(["-w", str(window)] if window else []),
        *scenario.args,
        f"sip:{scenario.user}@127.0.0.1:{server_port}",
    ]


def namespace_argv(inner: list[str]) -> list[str]:
    """Run ``inner`` in a new network namespace (a user namespace too when not root)."""
    try:
        return netns.unshare_argv(inner)
    except netns.NamespaceError:
        raise ToolMissingError(
            "pjsip-perf measurements need `unshare` (util-linux) for a loopback-only network",
            hint="apt-get install util-linux",
        ) from None


# --- pjsip-perf's output ---------------------------------------------------------------------

_SENDING = re.compile(r"Sending (\d+) (.+?) to '([^']*)'")
_SENT = re.compile(r"Total (\d+) (.+?) sent in (\d+) ms at rate of (\d+)/sec")
_RECEIVED = re.compile(r"Total (\d+) responses received in (\d+) ms at rate of (\d+)/sec")
_CODE = re.compile(r"^ - (\d{3}) responses:\s+(\d+)", re.M)


@dataclass(frozen=True)
class ClientReport:
    """What one pjsip-perf client run printed."""

    kind: str  # "stateless OPTIONS requests", "INVITE calls", ...
    requested: int
    sent: int
    sent_ms: int
    responses: int
    responses_ms: int
    codes: dict[int, int]
    timed_out: bool

    @property
    def rate(self) -> float:
        """Completed requests (or calls) per second, as pjsip-perf computes it, unrounded."""
        return self.responses * 1000.0 / max(1, self.responses_ms)

    @property
    def ok(self) -> int:
        return self.codes.get(200, 0)

    def problem(self) -> str:
        """Why this run cannot be used as a measurement ('' when it can)."""
        if self.timed_out:
            return f"timed out after {self.sent} of {self.requested} requests"
        if self.ok != self.requested:
            other = ", ".join(f"{c}: {n}" for c, n in sorted(self.codes.items()) if c != 200)
            return f"{self.ok} of {self.requested} answered 200" + (f" ({other})" if other else "")
        return ""


def parse_client(text: str) -> ClientReport:
    """pjsip-perf's client report (the progress lines use \\r; they are ignored)."""
    text = text.replace("\r", "\n")
    sending, sent, received = _SENDING.search(text), _SENT.search(text), _RECEIVED.search(text)
    if not (sending and sent and received):
        found = (("Sending", sending), ("Total ... sent", sent), ("Total ... received", received))
        missing = ", ".join(name for name, match in found if not match)
        raise PerfError(
            f"pjsip-perf's client printed no report (no {missing} line)", details=text[-2000:]
        )
    return ClientReport(
        kind=sending.group(2),
        requested=int(sending.group(1)),
        sent=int(sent.group(1)),
        sent_ms=int(sent.group(3)),
        responses=int(received.group(1)),
        responses_ms=int(received.group(2)),
        codes={int(c): int(n) for c, n in _CODE.findall(text)},
        timed_out="timed-out!" in text,
    )


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Rate:
    """Repeated runs of one scenario with one program: the best and the median rate."""

    scenario: str
    label: str
    count: int
    runs: list[float] = field(default_factory=list)  # pjsip-perf's rate (wall clock)
    cpu_runs: list[float] = field(default_factory=list)  # per second of the server's CPU

    @property
    def best(self) -> float:
        return max(self.runs) if self.runs else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else 0.0

    @property
    def best_cpu(self) -> float:
        return max(self.cpu_runs) if self.cpu_runs else 0.0

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu_runs) if self.cpu_runs else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "label": self.label,
            "count": self.count,
            "runs": [round(r, 1) for r in self.runs],
            "best": round(self.best, 1),
            "median": round(self.median, 1),
            "cpu_runs": [round(r, 1) for r in self.cpu_runs],
            "best_cpu": round(self.best_cpu, 1),
            "median_cpu": round(self.median_cpu, 1),
        }


@dataclass(frozen=True)
class Spec:
    """One measurement session (serialised for the process inside the namespace)."""

    programs: dict[str, str]  # label -> pjsip-perf path
    runner: dict[str, Any]  # PrefixRunner fields
    scenarios: tuple[str, ...]
    counts: dict[str, int]
    repeats: int
    work: str
    instructions: bool = False  # count the server's instructions (callgrind), not its rate


def runner_fields(runner: PrefixRunner) -> dict[str, Any]:
    return {
        "kind": runner.kind,
        "prefix": list(runner.prefix),
        "env": [list(p) for p in runner.env],
        "timeout_factor": runner.timeout_factor,
    }


def runner_from(fields: dict[str, Any]) -> PrefixRunner:
    return PrefixRunner(
        kind=fields["kind"],
        prefix=tuple(fields["prefix"]),
        env=tuple((k, v) for k, v in fields["env"]),
        timeout_factor=float(fields["timeout_factor"]),
    )


@dataclass(frozen=True)
class Measurement:
    rates: dict[str, dict[str, Rate]]  # label -> scenario -> Rate
    conditions: dict[str, Any]  # how the programs ran: {"cpu": n or None, "nice": n}

    def describe(self) -> str:
        cpu = self.conditions.get("cpu")
        where = f"server and client on CPU {cpu}" if cpu is not None else "not pinned"
        return f"{where}, nice {self.conditions.get('nice', 0)}"


def program_in(artifact: Path) -> Path:
    """The artifact's pjsip-perf (bin/pjsip-perf or bin/pjsip-perf.exe)."""
    for name in (PROGRAM, f"{PROGRAM}.exe"):
        exe = artifact / "prefix" / "bin" / name
        if exe.is_file():
            return exe
    raise PerfError(
        f"{artifact} has no bin/{PROGRAM}",
        hint="the artifact was built by a pjbuild that did not ship pjsip-perf: "
        "rebuild it with --force",
    )


def measure(
    programs: dict[str, Path],
    runner: PrefixRunner,
    *,
    scenarios: Iterable[str] = tuple(SCENARIOS),
    counts: dict[str, int] | None = None,
    repeats: int = 3,
    work: Path,
) -> Measurement:
    """Rates of each program (label -> pjsip-perf): ``.rates[label][scenario]``.

    Runs interleave the programs (run 1 of every program, then run 2...) so that a change of
    machine load touches them alike. Everything runs in a loopback-only network namespace, on
    one CPU (see `settle`).
    """
    chosen = tuple(scenarios)
    spec = Spec(
        programs={k: str(v) for k, v in programs.items()},
        runner=runner_fields(runner),
        scenarios=chosen,
        counts=counts or counts_for(runner, {s: FULL_COUNTS[s] for s in chosen}),
        repeats=repeats,
        work=str(work),
    )
    data = _run_inner(spec, work)
    rates = {
        label: {
            name: Rate(r["scenario"], r["label"], r["count"], list(r["runs"]), list(r["cpu_runs"]))
            for name, r in rates.items()
        }
        for label, rates in data["rates"].items()
    }
    return Measurement(rates, data.get("conditions", {}))


def _run_inner(spec: Spec, work: Path) -> dict[str, Any]:
    """Run a Spec in a loopback-only network namespace
    (``python -m pjbuild.ontarget.perf --inner``)."""
    work.mkdir(parents=True, exist_ok=True)
    spec_file = work / "spec.json"
    result_file = work / "result.json"
    spec_file.write_text(json.dumps(asdict(spec), indent=2))
    result_file.unlink(missing_ok=True)
    package_root = str(Path(__file__).resolve().parents[2])  # src/, holding pjbuild/
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *_pythonpath()])}
    argv = namespace_argv(
        [sys.executable, "-m", "pjbuild.ontarget.perf", "--inner", str(spec_file)]
    )
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not result_file.is_file():
        tail = (proc.stdout + proc.stderr)[-3000:]
        if "unshare" in tail and ("Operation not permitted" in tail or "failed" in tail):
            raise PerfError(
                "cannot create a loopback-only network namespace for pjsip-perf",
                hint=netns.ALLOW_HINT,
                details=tail,
            )
        raise PerfError(f"the pjsip-perf measurement failed (exit {proc.returncode})", details=tail)
    data: dict[str, Any] = json.loads(result_file.read_text())
    if data.get("error"):
        raise PerfError(data["error"], details=data.get("details", ""))
    return data


def _pythonpath() -> list[str]:
    current = os.environ.get("PYTHONPATH", "")
    return [p for p in current.split(os.pathsep) if p]


def measure_artifact(
    artifact: Path,
    runner: PrefixRunner,
    *,
    scenarios: Iterable[str] = ("stateless", "invite"),
    counts: dict[str, int] | None = None,
    repeats: int = 1,
    work: Path,
) -> dict[str, Rate]:
    """One artifact's rates (the matrix's short measurement by default)."""
    chosen = tuple(scenarios)
    counts = counts or counts_for(runner, {s: SHORT_COUNTS.get(s, 1000) for s in chosen})
    exe = program_in(artifact)
    done = measure(
        {"artifact": exe}, runner, scenarios=chosen, counts=counts, repeats=repeats, work=work
    )
    return done.rates["artifact"]


# --- inside the namespace --------------------------------------------------------------------


def settle() -> dict[str, Any]:
    """Server and client on one CPU (the last one allowed), at the highest priority allowed.

    pjsip-perf's client sends a request, then polls for the answer: across two CPUs the rate is
    bound by cross-CPU wake-up latency, which varies widely in a VM and with the load of the
    other CPU (measured here, linux-x86_64 default preset, 5 runs: 4.7k to 21.8k stateless
    OPTIONS/s). On one CPU the two processes take turns and the rate is bound by their CPU time
    per request: what a build changes. The priority (nice -20, when permitted: root outside a
    user namespace) keeps other work on that CPU from taking turns too.
    """
    cpu: int | None = None
    if hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    with contextlib.suppress(OSError):
        os.nice(-20)
    return {"cpu": cpu, "nice": os.nice(0)}


@dataclass(frozen=True)
class Run:
    report: ClientReport
    server_cpu_s: float | None  # the server's CPU time while the client ran (None: unknown)


def process_cpu_s(pid: int) -> float | None:
    """CPU time of a process so far, all its threads: the sum of /proc/PID/task/*/schedstat
    (nanoseconds on CPU), else utime + stime of /proc/PID/stat (clock ticks). None when the
    system has neither (not Linux)."""
    tasks = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError, ValueError, IndexError):
        total = 0
        for task in tasks.iterdir():
            total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


WRAPPED_SLOWDOWN = 20  # timeouts of a server under valgrind (it runs up to 50x slower)


def run_once(
    exe: str,
    scenario: Scenario,
    count: int,
    runner: PrefixRunner,
    work: Path,
    tag: str,
    *,
    server_wrap: tuple[str, ...] = (),
    window: int | None = None,
) -> Run:
    """A fresh server, one client run, the server stopped; and the server's CPU time in
    between (its start-up and shut-down left out). ``server_wrap`` runs the server under
    another program (valgrind)."""
    factor = runner.timeout_factor * (WRAPPED_SLOWDOWN if server_wrap else 1)
    server_port, client_port = free_udp_ports(2)
    log = work / f"{tag}.server.log"
    server = runner.start([*server_wrap, *server_argv(exe, server_port)], work, log)
    try:
        deadline = time.monotonic() + 30 * factor
        while SERVER_READY not in log.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise PerfError(
                    f"pjsip-perf's server did not start (exit {server.poll()})",
                    details=log.read_text(errors="replace")[-2000:],
                )
            time.sleep(0.05)
        cpu_before = process_cpu_s(server.pid)
        timeout_s = int(60 * factor)
        argv = client_argv(
            exe,
            scenario,
            server_port=server_port,
            client_port=client_port,
            count=count,
            timeout_s=timeout_s,
            window=window,
        )
        done = runner.run(argv, work, timeout=timeout_s + 30)
        cpu_after = process_cpu_s(server.pid)
    finally:
        stop(server, grace=10 * factor)
    cpu_s = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    (work / f"{tag}.client.log").write_text(done.output)
    if done.timed_out or done.returncode != 0:
        raise PerfError(
            f"pjsip-perf's client failed ({'timed out' if done.timed_out else done.returncode})",
            details=done.output[-2000:],
        )
    report = parse_client(done.output)
    problem = report.problem()
    if problem:
        raise PerfError(f"pjsip-perf {scenario.name}: {problem}", details=done.output[-2000:])
    return Run(report, cpu_s)


def run_spec(spec: Spec, say: Callable[[str], None] = lambda _t: None) -> dict[str, Any]:
    runner = runner_from(spec.runner)
    work = Path(spec.work)
    if spec.instructions:
        return {"instructions": count_spec(spec, runner, work, say)}
    rates = {
        label: {
            name: Rate(name, SCENARIOS[name].label, spec.counts[name]) for name in spec.scenarios
        }
        for label in spec.programs
    }
    for rep in range(spec.repeats):
        for name in spec.scenarios:
            for label, exe in spec.programs.items():
                tag = f"{_safe(label)}.{name}.{rep + 1}"
                run = run_once(exe, SCENARIOS[name], spec.counts[name], runner, work, tag)
                rate = rates[label][name]
                rate.runs.append(run.report.rate)
                line = f"{label} {name} run {rep + 1}: {run.report.rate:.0f}/s"
                if run.server_cpu_s is not None:
                    rate.cpu_runs.append(cpu_rate(run.report.responses, run.server_cpu_s))
                    line += f", {rate.cpu_runs[-1]:.0f} per server CPU-second"
                say(line)
    return {"rates": {k: {n: r.to_json() for n, r in v.items()} for k, v in rates.items()}}


# --- instructions per request (callgrind) -------------------------------------------------------
#
# Wall-clock rates in a shared VM vary run to run by 15% or more (docs/benchmarks.md); a
# preset's gain can be smaller. Valgrind's callgrind counts the instructions the server runs
# (its own code and libc's; not the kernel's), which repeat exactly. Each scenario runs twice,
# with N and 3N requests, one outstanding at a time (-w 1: a server slowed down 50x by valgrind
# sees no retransmissions); the difference divided by 2N is the cost of one request, without
# start-up. Shut-down (pjsip_endpt_destroy) is subtracted: it grows with the transactions
# still held, and no rate counts it.

INSTRUCTION_COUNTS = {"stateless": 1000, "stateful": 300, "invite": 100}
SHUTDOWN_FUNCTION = "pjsip_endpt_destroy"
_TOTALS = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?PROGRAM TOTALS", re.M)


def callgrind_argv(out_file: Path) -> tuple[str, ...]:
    valgrind = shutil.which("valgrind")
    if not valgrind:
        raise ToolMissingError(
            "counting instructions needs valgrind", hint="apt-get install valgrind"
        )
    return (valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}")


def parse_annotate(text: str, function: str = SHUTDOWN_FUNCTION) -> int:
    """Instructions of a callgrind profile outside ``function`` (and what it calls), from
    ``callgrind_annotate --inclusive=yes`` output (it prints the program's totals too)."""
    found = _TOTALS.search(text)
    if not found:
        raise PerfError("callgrind_annotate printed no PROGRAM TOTALS", details=text[-2000:])
    total = int(found.group(1).replace(",", ""))
    excluded = 0
    pattern = re.compile(rf"^\s*([\d,]+)\s+.*:{re.escape(function)}(?:'\d+)?\s", re.M)
    for match in pattern.finditer(text):
        excluded = max(excluded, int(match.group(1).replace(",", "")))
    return total - excluded


def profile_instructions(out_file: Path) -> int:
    annotate = shutil.which("callgrind_annotate")
    if not annotate:
        raise ToolMissingError("callgrind_annotate not found", hint="apt-get install valgrind")
    argv = [annotate, "--inclusive=yes", str(out_file)]
    return parse_annotate(subprocess.run(argv, capture_output=True, text=True, check=False).stdout)


def per_request(small: int, large: int, n_small: int, n_large: int) -> float:
    """Instructions of one request: the difference of two runs over their request counts."""
    if n_large <= n_small:
        raise ValueError("the second run must have more requests")
    return (large - small) / (n_large - n_small)


def count_spec(
    spec: Spec, runner: PrefixRunner, work: Path, say: Callable[[str], None]
) -> dict[str, dict[str, float]]:
    if runner.kind != "native":
        raise PerfError("instructions are counted only for native runs (valgrind on the host)")
    out: dict[str, dict[str, float]] = {label: {} for label in spec.programs}
    for name in spec.scenarios:
        n = spec.counts[name]
        for label, exe in spec.programs.items():
            counted = []
            for requests in (n, 3 * n):
                tag = f"{_safe(label)}.{name}.{requests}.ir"
                profile = work / f"{tag}.callgrind"
                wrap = callgrind_argv(profile)
                run_once(
                    exe, SCENARIOS[name], requests, runner, work, tag, server_wrap=wrap, window=1
                )
                counted.append(profile_instructions(profile))
            out[label][name] = per_request(counted[0], counted[1], n, 3 * n)
            say(f"{label} {name}: {out[label][name]:.0f} instructions per request")
    return out


def count_instructions(
    programs: dict[str, Path],
    *,
    scenarios: Iterable[str] = tuple(SCENARIOS),
    counts: dict[str, int] | None = None,
    work: Path,
) -> dict[str, dict[str, float]]:
    """Instructions per request of each program's server (label -> scenario -> count)."""
    chosen = tuple(scenarios)
    spec = Spec(
        programs={k: str(v) for k, v in programs.items()},
        runner=runner_fields(PrefixRunner(kind="native", prefix=(), env=())),
        scenarios=chosen,
        counts=counts or {s: INSTRUCTION_COUNTS[s] for s in chosen},
        repeats=1,
        work=str(work),
        instructions=True,
    )
    data = _run_inner(spec, work)
    return {k: {n: float(v) for n, v in rs.items()} for k, rs in data["instructions"].items()}


def cpu_rate(done: int, cpu_s: float) -> float:
    """Requests the server completed per second of its CPU time."""
    return done / max(cpu_s, 1e-6)


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label)


def _inner(spec_file: Path) -> int:
    data = json.loads(spec_file.read_text())
    data["scenarios"] = tuple(data["scenarios"])
    spec = Spec(**data)
    result_file = Path(spec.work) / "result.json"
    try:
        netns.loopback_up()
        why = netns.contained()
        if why:
            raise PerfError(f"refusing to run pjsip-perf: {why}")
        conditions = settle()
        result = run_spec(spec, say=lambda t: print(t, file=sys.stderr, flush=True))
        result["conditions"] = conditions
    except PjbuildError as exc:
        result = {"error": exc.summary, "details": exc.details}
    write_atomic(result_file, json.dumps(result, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--inner":
        return _inner(Path(args[1]))
    print("usage: python -m pjbuild.ontarget.perf --inner SPEC.json (used by pjbuild itself)")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
