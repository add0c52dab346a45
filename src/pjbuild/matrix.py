"""Many targets at once: concurrent builds within one CPU budget, a report per target."""

from __future__ import annotations

import json
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild.build.run import BuildOptions, run_build
from pjbuild.core import paths
from pjbuild.core.ccache import Remote
from pjbuild.core.errors import PjbuildError
from pjbuild.core.progress import Progress, silent
from pjbuild.core.say import Say
from pjbuild.inputs.targets import BUILT_NOT_RUN, Target
from pjbuild.inputs.testsuites import CALL_PROGRAM
from pjbuild.ontarget.parallel import cores
from pjbuild.ontarget.testsuites import TestResult
from pjbuild.plan import Request, make_plan

TEST_KEYS = ("passed", "failed", "skipped", "known", "flaky")


@dataclass
class MatrixEntry:
    target: str
    # passed | failed | unsupported | elsewhere (builds on another OS only) | built, not run
    status: str
    artifact: str | None = None
    tests: dict[str, int] = field(
        default_factory=lambda: {"passed": 0, "failed": 0, "skipped": 0, "known": 0, "flaky": 0}
    )
    known_failures: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    endianness: dict[str, Any] = field(default_factory=dict)
    tls: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    lib_size_bytes: int | None = None
    # --perf: pjsip-perf on the target (ontarget.perf): {"runner", "stateless_options_per_s",
    # "invite_calls_per_s", "counts", "error"}; empty when not asked
    perf: dict[str, Any] = field(default_factory=dict)
    # what the build did with each media component: {name: {"state", "why", "on_target"}}
    components: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # the pjproject version built
    duration_s: float = 0.0
    cache_hit: bool = False
    error: str = ""


def lib_size(prefix: Path) -> int:
    """Bytes of the static libraries in the artifact (what a firmware image links from)."""
    return sum(p.stat().st_size for p in (prefix / "lib").iterdir() if p.suffix in (".a", ".lib"))


def measure_perf(target: Target, artifact: Path, say: Say) -> dict[str, Any]:
    """The matrix's short pjsip-perf measurement through the target's runner (one run each)."""
    from pjbuild.ontarget import perf
    from pjbuild.ontarget.runners import runner_for

    runner = runner_for(target)
    work = paths.home() / "perf" / f"{target.name}-{artifact.name}"
    out: dict[str, Any] = {"runner": runner.describe(), "error": ""}
    try:
        rates = perf.measure_artifact(artifact, runner, work=work)
    except PjbuildError as exc:
        out["error"] = exc.summary + (f" ({exc.details.splitlines()[-1]})" if exc.details else "")
        say(f"{target.name}: pjsip-perf failed: {out['error']}")
        return out
    out["stateless_options_per_s"] = round(rates["stateless"].best)
    out["invite_calls_per_s"] = round(rates["invite"].best)
    out["counts"] = {name: r.count for name, r in rates.items()}
    say(
        f"{target.name}: pjsip-perf {out['stateless_options_per_s']} stateless OPTIONS/s, "
        f"{out['invite_calls_per_s']} INVITE calls/s"
    )
    return out


def flaky_items(results: list[TestResult], manifest: dict[str, Any]) -> list[str]:
    """What failed once and passed when run again: test programs and the suite's calls, then
    the features' loopback call when it was not one of those."""
    items = [f"{r.program}:{r.test}: {r.reason}" for r in results if r.flaky]
    call = manifest.get("call_test") or {}
    if call.get("flaky") and not any(r.program == CALL_PROGRAM for r in results):
        items.append(f"loopback call: {call['reason']}")
    return items


def build_one(
    target: Target, template: Request, opts: BuildOptions, say: Say, perf: bool = False
) -> MatrixEntry:
    if not target.supported:
        return MatrixEntry(
            target.name,
            "unsupported",
            error=target.reason,
            endianness={"expected": target.endianness, "verified": False},
        )
    if not target.builds_here():
        return MatrixEntry(
            target.name,
            "elsewhere",
            error=f"builds on {' or '.join(target.build_on)} only (its CI job runs there)",
            endianness={"expected": target.endianness, "verified": False},
        )
    start = time.monotonic()
    entry = MatrixEntry(
        target.name,
        "failed",
        endianness={"expected": target.endianness, "verified": False},
        tls={
            "requested": template.tls or target.tls_default,
            "provider": "",
            "verified": False,
            "on_target_test": "not-run",
        },
    )
    try:
        # a target nothing here runs is built and its binaries checked, whatever the suite
        tests = template.tests if target.runs else None
        plan = make_plan(replace(template, target=target.name, tests=tests))
        outcome = run_build(plan, opts, lambda text: say(f"{target.name}: {text}"))
    except PjbuildError as exc:
        entry.error = exc.summary + (f" ({exc.details.splitlines()[-1]})" if exc.details else "")
        entry.duration_s = round(time.monotonic() - start, 1)
        _fill_from_kept(entry, exc)
        return entry
    summary = outcome.summary()
    entry.status = "passed" if target.runs else BUILT_NOT_RUN
    entry.artifact = summary["artifact"]
    entry.tests = {k: summary["tests"][k] for k in TEST_KEYS}
    results = outcome.suite.results if outcome.suite else []
    entry.known_failures = [
        f"{r.program}:{r.test}: {r.reason}" for r in results if r.status == "known"
    ]
    entry.flaky = flaky_items(results, outcome.manifest)
    entry.endianness = summary["endianness"]
    entry.tls = _tls(summary["tls"], summary.get("deps", []))
    entry.features = summary.get("features", {})
    entry.components = outcome.manifest.get("components", {})
    entry.version = summary["version"]
    entry.lib_size_bytes = lib_size(outcome.artifact / "prefix")
    entry.cache_hit = outcome.cache_hit
    if perf:
        entry.perf = measure_perf(target, outcome.artifact, say)
        if entry.perf["error"]:
            entry.status = "failed"
            entry.error = f"pjsip-perf: {entry.perf['error']}"
    entry.duration_s = round(time.monotonic() - start, 1)
    return entry


def _fill_from_kept(entry: MatrixEntry, exc: PjbuildError) -> None:
    """A test failure keeps the unpublished stage: report its counts too."""
    kept = getattr(exc, "kept", "")
    if not kept:
        return
    manifest = Path(kept) / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        for suite in data.get("tests", {}).values():
            entry.tests = {k: suite.get(k, 0) for k in TEST_KEYS}
        entry.endianness = data.get("endianness", entry.endianness)
        entry.tls = _tls(data["tls"], data.get("deps", []))
        entry.features = data.get("features", {})
        entry.components = data.get("components", {})
        entry.version = data.get("source", {}).get("version", "")
        entry.lib_size_bytes = lib_size(Path(kept) / "prefix")


def _tls(tls: dict[str, Any], deps: list[dict[str, Any]]) -> dict[str, Any]:
    """requested / provider / verified (compiled in) / on_target_test (ssl_sock_test)."""
    backend = tls.get("requested", "")
    dep = next((d for d in deps if d.get("name") == backend), None)
    return {
        "requested": backend,
        "provider": dep["provider"] if dep else ("none" if backend == "none" else "builtin"),
        "verified": tls.get("verified", False),
        "on_target_test": tls.get("on_target_test", "not-run"),
    }


@dataclass
class Totals:
    """The matrix as a whole: its wall time, the CPU seconds of everything it ran (builds,
    tests, emulators: the children's rusage) and the cores; ``ratio`` = wall / (CPU / cores),
    1.0 when the cores never idled."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    cores: int = 1
    compiles_at_once: int = 1
    targets_at_once: int = 1

    @property
    def ratio(self) -> float:
        return round(self.wall_s / (self.cpu_s / self.cores), 2) if self.cpu_s else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def run_matrix(
    targets: list[Target],
    template: Request,
    *,
    jobs: int,
    parallel: int,
    test_jobs: int | None = None,
    force: bool = False,
    ccache: bool = True,
    ccache_remote: Remote | None = None,
    perf: bool = False,
    say: Say,
    progress: Progress = silent,
    totals: Totals | None = None,
) -> list[MatrixEntry]:
    """Build every target, ``parallel`` at once, within one CPU budget: one target compiles
    at a time (dependencies, configure, make -j``jobs``, install) while the others run their
    tests, which mostly wait, on ``jobs // parallel`` cores each. With `perf`, each passed
    target's pjsip-perf runs on it right after its build. ``totals`` is filled in."""
    parallel = max(1, min(parallel, len(targets)))
    gate = threading.Semaphore(1)
    opts = BuildOptions(
        jobs=jobs,
        force=force,
        ccache=ccache,
        ccache_remote=ccache_remote,
        test_jobs=test_jobs,
        test_cores=max(1, jobs // parallel),
        progress=progress,
        compile_gate=lambda: gate,
    )
    lock = threading.Lock()

    def locked_say(text: str) -> None:
        with lock:
            say(text)

    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pool = ThreadPoolExecutor(max_workers=parallel)
    try:
        futures = [pool.submit(build_one, t, template, opts, locked_say, perf) for t in targets]
        entries = [f.result() for f in futures]
    except BaseException:
        # SIGTERM/SIGINT (procs.Interrupted): the targets not started are dropped, and the
        # running ones stop at their next step (procs.spawn refuses once a signal arrived;
        # the signal handler killed the steps running then)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    if totals is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        totals.wall_s = round(time.monotonic() - start, 1)
        totals.cpu_s = round(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
        )
        totals.cores = cores()
        totals.targets_at_once = parallel
    return entries


def to_json(entries: list[MatrixEntry], totals: Totals | None = None) -> dict[str, Any]:
    return {
        "targets": [asdict(e) for e in entries],
        **({"totals": totals.to_json()} if totals else {}),
    }


def to_markdown(entries: list[MatrixEntry], title: str) -> str:
    with_perf = any(e.perf for e in entries)  # --perf: two more columns
    perf_head = " stateless OPTIONS/s | INVITE calls/s |" if with_perf else ""
    lines = [
        f"# {title}",
        "",
        "| target | status | tests passed/failed/skipped/known/flaky | TLS (provider): compiled "
        "in, ssl_sock_test | features: compiled in, call | endianness | lib size (KiB) |"
        f"{perf_head} time (s) | cache hit |",
        "| --- " * (11 if with_perf else 9) + "|",
    ]
    for e in entries:
        t = e.tests
        tests = "/".join(str(t.get(k, 0)) for k in TEST_KEYS)
        tls = (
            f"{e.tls['requested']} ({e.tls.get('provider', '')}): "
            f"{'yes' if e.tls.get('verified') else 'NO'}, {e.tls.get('on_target_test', 'not-run')}"
            if e.tls
            else ""
        )
        features = ", ".join(
            f"{name}: {'yes' if f.get('verified') else 'NO'}, {f.get('on_target_test', 'not-run')}"
            for name, f in e.features.items()
        )
        endian = e.endianness.get("expected", "") + (
            " (verified)" if e.endianness.get("verified") else " (not verified)"
        )
        size = f"{e.lib_size_bytes / 1024:.0f}" if e.lib_size_bytes else ""
        status = e.status if not e.error else f"{e.status}: {e.error}"
        perf = _perf_cells(e.perf) if with_perf else ""
        lines.append(
            f"| {e.target} | {status} | {tests} | {tls} | {features} | {endian} | {size} |"
            f"{perf} {e.duration_s:.0f} | {'yes' if e.cache_hit else 'no'} |"
        )
    if with_perf:
        lines += [
            "",
            "pjsip-perf (`--perf`): one short run per target on 127.0.0.1 through the target's "
            "runner (emulated targets: a quarter of the requests), taken while other targets may "
            "be building: indicative only; `benchmarks/pjsip_perf.py` measures.",
        ]
    with_components = [e for e in entries if e.components]
    if with_components:
        lines += [
            "",
            "## Components (built: checked on the target by the probe; off: why)",
            "",
            "| target | version | built | off |",
            "| --- | --- | --- | --- |",
        ]
        for e in with_components:
            names = sorted(e.components)
            built = [n for n in names if e.components[n]["state"] not in ("disabled", "absent")]
            off = [f"{n} ({e.components[n]['why']})" for n in names if n not in built]
            lines.append(f"| {e.target} | {e.version} | {' '.join(built)} | {'; '.join(off)} |")
    known = [(e.target, k) for e in entries for k in e.known_failures]
    if known:
        lines += ["", "## Known failures (listed in data with their reasons)", ""]
        lines += [f"- {target}: {k}" for target, k in known]
    flaky = [(e.target, k) for e in entries for k in e.flaky]
    if flaky:
        lines += ["", "## Flaky tests (failed, then passed when run again)", ""]
        lines += [f"- {target}: {k}" for target, k in flaky]
    return "\n".join(lines) + "\n"


def _perf_cells(perf: dict[str, Any]) -> str:
    if not perf or perf.get("error"):
        return " | |"
    return f" {perf['stateless_options_per_s']} | {perf['invite_calls_per_s']} |"


def write_reports(
    entries: list[MatrixEntry], folder: Path, title: str, totals: Totals | None = None
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "matrix.md"
    js = folder / "matrix.json"
    text = to_markdown(entries, title)
    if totals:
        text += (
            f"\nwall {totals.wall_s:.0f} s; CPU {totals.cpu_s:.0f} s on {totals.cores} cores; "
            f"wall / (CPU / cores) = {totals.ratio:.2f} ({totals.targets_at_once} targets at "
            f"once, {totals.compiles_at_once} compiling)\n"
        )
    md.write_text(text)
    js.write_text(json.dumps(to_json(entries, totals), indent=2, sort_keys=True) + "\n")
    return md, js
