"""The one build path: plan -> cache -> steps -> verify -> tests -> atomic publish.

The CLI, the Conan recipe and the wheel build all call ``run_build``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild import __version__
from pjbuild.build import wrappers
from pjbuild.build.binfmt import check_binaries
from pjbuild.build.cache import Cache
from pjbuild.build.configured import OS_AUTO, configured_macros
from pjbuild.build.deps import ensure_all
from pjbuild.build.extract import extract
from pjbuild.build.glibc import check_glibc
from pjbuild.build.manifest import file_digests, make_manifest
from pjbuild.build.objects import count_objects, watching
from pjbuild.build.patches import apply_patches
from pjbuild.build.sbom import make_sbom
from pjbuild.build.sharedlibs import check_relocatable
from pjbuild.core import procs
from pjbuild.core.ccache import Ccache, Remote, Stats, ccache_for, check_remote, read_stats
from pjbuild.core.errors import HomeError, TestFailureError, ToolMissingError
from pjbuild.core.files import write_json_atomic
from pjbuild.core.procs import find_tool
from pjbuild.core.progress import Progress, Testing, silent
from pjbuild.core.say import Say, quiet
from pjbuild.core.steplog import StepLog
from pjbuild.engines import checks_configure, engine_for, required_tools
from pjbuild.inputs.cmake import load as cmake_data
from pjbuild.inputs.deps import providing
from pjbuild.inputs.options import effective
from pjbuild.inputs.registry import load_configure_data
from pjbuild.inputs.repro import source_date_epoch
from pjbuild.inputs.targets import BUILT_NOT_RUN, Target
from pjbuild.inputs.testsuites import CALL_PROGRAM, TestCatalog
from pjbuild.ontarget.calltest import (
    UPSTREAM_LOG_LEVEL,
    CallResult,
    CallSpec,
    feature_call,
    run_call,
)
from pjbuild.ontarget.ctest import CTestResult, run_ctest
from pjbuild.ontarget.parallel import Concurrency, choose, recorded_durations
from pjbuild.ontarget.probe import (
    Verified,
    check,
    check_components,
    check_configured,
    check_configured_features,
    pjlib_config,
    probe,
    probe_not_run,
)
from pjbuild.ontarget.runners import PrefixRunner, Runner, emulator_too_old, runner_for
from pjbuild.ontarget.testsuites import (
    ExtraTest,
    SuiteResult,
    TestResult,
    TestTree,
    collect_test_tree,
    known_failure,
    run_suite,
)
from pjbuild.plan import BuildPlan, request_to_json

SBOM_FILE = "sbom.cdx.json"
CCACHE_STATS = "ccache-stats.log"  # in the work folder: this build's compiles (pjbuild.core.ccache)


@dataclass
class BuildOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    force: bool = False
    ccache: bool = True
    # ccache's remote storage behind the local cache (None: local only); not an input
    ccache_remote: Remote | None = None
    test_jobs: int | None = None  # test processes at once (None: the runner's default)
    test_cores: int | None = None  # the cores the default test_jobs is made for (None: jobs)
    progress: Progress = silent  # how far make and the tests are, for a display
    # held while dependencies, configure, make and install run (the matrix's CPU budget)
    compile_gate: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
    # upstream's CTest in the cmake engine's build tree after the suite (--ctest; recorded)
    ctest: bool = False
    ctest_timeout_s: float = 600.0


@dataclass
class BuildOutcome:
    plan: BuildPlan
    artifact: Path
    cache_hit: bool
    manifest: dict[str, Any]
    suite: SuiteResult | None
    duration_s: float

    def summary(self) -> dict[str, Any]:
        tests = (
            self.suite.summary()
            if self.suite
            else {
                "suite": "none",
                "runner": "",
                "passed": 0,
                "failed": 0,
                "skipped": 0,
                "known": 0,
                "flaky": 0,
            }
        )
        return {
            "artifact": str(self.artifact),
            "cache_hit": self.cache_hit,
            "target": self.plan.target.name,
            "inputs_digest": self.plan.digest,
            "version": self.plan.source.version.version,
            "preset": self.plan.preset.name,
            "engine": self.plan.engine,
            "libs": self.plan.libs,
            "tls": self.manifest["tls"],
            "features": self.manifest.get("features", {}),
            "deps": self.manifest.get("deps", []),
            "endianness": self.manifest["endianness"],
            "tests": tests,
            "duration_s": round(self.duration_s, 3),
            # what this build's compiles got from ccache (null on a cache hit: none ran)
            "ccache": None if self.cache_hit else self.manifest.get("ccache"),
            # "built, not run": nothing ran it; its binaries' format and CPU were checked
            **({"run": self.manifest["run"]} if "run" in self.manifest else {}),
            **({"binaries": self.manifest["binaries"]} if "binaries" in self.manifest else {}),
        }


def run_build(plan: BuildPlan, opts: BuildOptions, say: Say = quiet) -> BuildOutcome:
    start = time.monotonic()
    cache = Cache.default()
    procs.reap_orphans()  # steps left running by a pjbuild that was killed
    with cache.lock(plan.digest, on_wait=lambda: say("waiting for another build of these inputs")):
        manifest = None if opts.force else cache.lookup(plan.digest)
        if manifest is not None:
            suite = _suite_for_hit(plan, cache, manifest, say, opts)
            return _finish(plan, cache.artifact(plan.digest), True, manifest, suite, start)
        try:
            manifest, suite = _build(plan, opts, cache, say)
        except HomeError:  # a full disk: give back the space of the tree, keep the log
            shutil.rmtree(cache.work(plan.digest) / "src", ignore_errors=True)
            (cache.work(plan.digest) / CCACHE_STATS).unlink(missing_ok=True)
            raise
        say("publishing")
        artifact = cache.publish(cache.work(plan.digest) / "stage", plan.digest)
        shutil.rmtree(cache.work(plan.digest), ignore_errors=True)
        return _finish(plan, artifact, False, manifest, suite, start)


def _finish(
    plan: BuildPlan,
    artifact: Path,
    hit: bool,
    manifest: dict[str, Any],
    suite: SuiteResult | None,
    start: float,
) -> BuildOutcome:
    return BuildOutcome(plan, artifact, hit, manifest, suite, time.monotonic() - start)


def check_tools(plan: BuildPlan) -> None:
    target = plan.target
    if not target.builds_here():
        raise ToolMissingError(
            f"{target.name} builds on {' or '.join(target.build_on)} only, and this machine "
            f"runs {platform.system()}",
            hint=f"build it on such a machine (the `pjbuild ci github` workflow has a job for "
            f"it); `pjbuild plan --target {target.name} --no-fetch` shows what it runs",
        )
    wrappers.install(target)  # zig cc & co: pinned tool (else exit 4), then on PATH
    tools = dict(plan.target.tool_packages)
    for exe in required_tools(plan.target, plan.engine):
        if not find_tool(exe):
            package = tools.get(exe, "")
            raise ToolMissingError(
                f"{exe} not found (needed for target {plan.target.name})",
                hint=(f"install {package}: " if package else "")
                + f"`pjbuild doctor --target {plan.target.name} --install`",
            )
    if plan.target.runner.command and not shutil.which(plan.target.runner.command[0]):
        raise ToolMissingError(
            f"{plan.target.runner.command[0]} not found (runs the tests on {plan.target.name})",
            hint=f"`pjbuild doctor --target {plan.target.name} --install`",
        )
    too_old = emulator_too_old(plan.target)
    if too_old:
        raise ToolMissingError(
            too_old,
            hint=f"install qemu-user {plan.target.runner.min_version} or newer (Debian 12: from "
            "bookworm-backports, as `./dev setup` does); `pjbuild doctor` shows the version",
        )


def _build(
    plan: BuildPlan, opts: BuildOptions, cache: Cache, say: Say
) -> tuple[dict[str, Any], SuiteResult | None]:
    check_tools(plan)
    # the compile phase (dependencies, configure, make, install): one at a time where the
    # caller shares the CPUs (the matrix), while other builds run their tests
    with opts.compile_gate():
        work = cache.fresh_work(plan.digest)
        compiler_cache, remote = _compiler_cache(opts, work, say)
        ensure_all(plan.deps, plan.target, opts.jobs, compiler_cache, say)
        stage = work / "stage"
        stage.mkdir()
        log = StepLog(stage / "logs" / "build.log")
        log.note(f"pjbuild {__version__} build of {plan.target.name}, inputs digest {plan.digest}")
        say(f"extracting {plan.source.path.name}")
        t0 = time.monotonic()
        src = extract(plan.source.path, work / "src", plan.source.sha256)
        log.durations["extract"] = round(time.monotonic() - t0, 3)
        epoch = source_date_epoch(src)  # before patching: the archive's own times
        apply_patches(plan.source.version, src, log, say)
        (src / "pjlib" / "include" / "pj" / "config_site.h").write_text(plan.header)
        (stage / "config_site.h").write_text(plan.header)
        engine = engine_for(plan, log, compiler_cache, epoch)
        checked = checks_configure(plan.engine)
        if checked:
            say("configure: " + " ".join(plan.configure_args))
        engine.configure(plan, src)
        macros = configured_macros(src) if checked else {}
        if checked:
            check_configured(plan, macros.get(OS_AUTO, {}))
            check_configured_features(plan, src)
        say(f"build ({engine.name}, {opts.jobs} jobs)")
        expected = _expected_objects(cache, plan)
        with watching(src, plan.target.name, expected, opts.progress):
            engine.build(plan, src, opts.jobs)
        objects = count_objects(src)
        say("install")
        engine.install(plan, src, stage / "prefix")
        libraries = check_relocatable(stage / "prefix") if plan.shared_libs else None
        collect_test_tree(src, stage / "tests", plan.catalog)
        compiled = _ccache_report(compiler_cache, remote, say)
    abi = check_glibc(stage, plan.target.glibc) if plan.target.glibc else None

    verified, binaries = _verify(plan, stage, work, say)
    tls = {
        "requested": plan.tls.backend,
        "verified": verified.tls_backend == plan.tls.backend,
        "compiled": verified.tls_backend,
        "on_target_test": "not-run",
    }
    endianness: dict[str, Any] = {
        "expected": plan.target.endianness,
        "verified": verified.ran and verified.endianness == plan.target.endianness,
    }
    if not verified.ran:
        endianness["compiled"] = verified.endianness  # pjlib's; nothing ran it
    check(plan, verified)
    found = check_components(plan, verified) if verified.ran else None

    suite, calls = run_tests(plan, stage, work / "testrun", say, opts)
    ctest = _ctest(plan, work, stage, say, opts) if opts.ctest else None
    if suite is not None:
        tls["on_target_test"] = _tls_test_state(suite)
    features = _features(plan, verified.config)
    call = _feature_call(plan, calls, features, stage, work / "call", say)
    config = dict(verified.config)
    if plan.target.runs:
        runner = artifact_runner(plan, stage)
        config = {**pjlib_config(TestTree(stage / "tests"), plan, runner), **config}
    manifest = make_manifest(
        plan, tls=tls, endianness=endianness, durations=log.durations, config=config
    )
    # ccache's base_dir turns paths under the home into relative ones (debug info, __FILE__):
    # the bytes depend on it, so the manifest says, and `pjbuild verify` replays it
    manifest["toolchain"]["ccache"] = compiler_cache.enabled
    manifest["ccache"] = compiled  # what this build's compiles got from ccache
    manifest["components"] = plan.components_json(found)
    if macros:  # what configure decided (its generated headers' macros; None: left undefined)
        manifest["configure"] = macros
    manifest["tests"] = {suite.suite: suite.to_json()} if suite else {}
    manifest["objects"] = objects  # what make compiled: the next build's progress bar
    manifest["deps"] = [d.summary() for d in plan.deps]
    if libraries is not None:
        manifest["libraries"] = libraries  # the shared objects: SONAME, run path, sha256
    if abi is not None:
        manifest["glibc"] = abi
    if binaries is not None:
        manifest["binaries"] = binaries
        manifest["run"] = {"status": BUILT_NOT_RUN, "reason": plan.target.reason}
    manifest["features"] = features
    if ctest is not None:
        manifest["ctest"] = ctest.to_json()
    if call is not None:
        manifest["call_test"] = call.to_json()
    manifest["files"] = file_digests(stage)
    manifest["source_date_epoch"] = epoch
    manifest["request"] = request_to_json(plan.request)
    (stage / SBOM_FILE).write_text(make_sbom(plan, manifest["package_version"], epoch, libraries))
    write_json_atomic(stage / "manifest.json", manifest)
    if suite is not None:
        _raise_on_failures(suite, stage / "logs" / "tests", kept=stage)
    if call is not None and not calls and call.status != "passed":
        error = TestFailureError(
            f"the loopback call ({', '.join(plan.features)}) failed: {call.reason}",
            hint=f"logs in {stage / 'logs' / 'call'}; the artifact was not published",
        )
        error.kept = str(stage)
        raise error
    return manifest, suite


def _compiler_cache(opts: BuildOptions, work: Path, say: Say) -> tuple[Ccache, dict[str, str]]:
    """ccache for this build's compiles, with the remote if it answers (checked once: a remote
    that is down or times out is left out, so no compile waits on it); and what became of the
    remote: its URL redacted, and "used", "unreachable: <why>" or "none"."""
    remote = opts.ccache_remote
    stats = work / CCACHE_STATS
    if remote is None or not opts.ccache or not shutil.which("ccache"):
        return ccache_for(opts.ccache, None, stats), {"remote": "", "remote_state": "none"}
    why = check_remote(remote)
    if why:
        say(f"warning: ccache remote {remote.shown}: {why}; building with the local cache only")
        state = f"unreachable: {why}"
        return ccache_for(True, None, stats), {"remote": remote.shown, "remote_state": state}
    say(f"ccache remote storage: {remote.shown}")
    return ccache_for(True, remote, stats), {"remote": remote.shown, "remote_state": "used"}


def _ccache_report(used: Ccache, remote: dict[str, str], say: Say) -> dict[str, Any]:
    """The build's ccache figures (its statistics log), for the manifest and the build JSON;
    one warning when compiles could not reach a remote that answered at first."""
    stats = read_stats(used.stats_log) if used.stats_log else Stats()
    if used.remote is not None and stats.remote_errors:
        say(
            f"warning: ccache remote {used.remote.shown}: {stats.remote_errors} compiles could "
            "not reach it (ccache compiled them with the local cache)"
        )
    return {"enabled": used.enabled, **stats.to_json(), **remote}


def _ctest(
    plan: BuildPlan, work: Path, stage: Path, say: Say, opts: BuildOptions
) -> CTestResult | None:
    """Upstream's CTest in the cmake build tree, through the target's runner (a cross-check:
    recorded, never a reason to fail the build)."""
    if not plan.target.runs:
        return None
    build = work / "src" / cmake_data().build_dir
    say(f"running upstream's CTest in the CMake build ({opts.ctest_timeout_s:.0f} s per test)")
    result = run_ctest(
        build, artifact_runner(plan, stage), stage / "logs" / "ctest.log", opts.ctest_timeout_s
    )
    counts = {
        s: sum(1 for c in result.cases if c.status == s) for s in ("passed", "failed", "timeout")
    }
    shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    say(f"ctest: {result.status} ({shown}) {result.reason}".rstrip())
    return result


def _verify(
    plan: BuildPlan, stage: Path, work: Path, say: Say
) -> tuple[Verified, dict[str, object] | None]:
    """The probe, run on the target; for a target nothing here runs, linked and read instead,
    and every binary of the artifact checked for the target's format and CPU."""
    if not plan.target.runs:
        say(f"checking the binaries ({BUILT_NOT_RUN}: {plan.target.reason})")
        found = check_binaries(stage, plan.target.binaries, plan.target.name)
        return probe_not_run(plan, stage / "prefix", work / "probe"), found
    runner = artifact_runner(plan, stage)
    if runner.setup:
        say("preparing the runner: " + " ".join(runner.setup))
        runner.prepare(stage)
    say(f"verifying on the target ({runner.describe()})")
    return probe(plan, stage / "prefix", work / "probe", runner), None


def artifact_runner(plan: BuildPlan, stage: Path) -> PrefixRunner:
    """The target's runner for the artifact in ``stage``: with shared libraries, its loader
    searches the artifact's prefix/lib (the in-tree test programs and the probe have no run
    path into it; the installed programs have $ORIGIN/../lib)."""
    return runner_for(plan.target).with_env(plan.loader_env(stage / "prefix"))


def _pjsua(prefix: Path) -> Path:
    for name in ("pjsua", "pjsua.exe"):
        if (prefix / "bin" / name).is_file():
            return prefix / "bin" / name
    raise ToolMissingError(f"no pjsua in {prefix / 'bin'} (needed for the loopback call)")


def _features(plan: BuildPlan, config: dict[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in plan.features:
        dep = providing(plan.deps, f"feature:{name}")
        key = f"FEATURE_{name.upper()}"
        out[name] = {
            "dependency": dep.name if dep else "",
            "provider": dep.provider if dep else "",
            "verified": config.get(key) == "1",
            "runtime_version": config.get(f"{key}_VERSION", ""),
            "on_target_test": "not-run",
        }
    return out


def _expected_objects(cache: Cache, plan: BuildPlan) -> int | None:
    """The objects an earlier build compiled: of the same inputs (a --force rebuild), else the
    newest of the target with the same preset (None: no such build). Other configurations of
    a target compile other counts (found in CI: the DFSG repack's build, newest, gave the
    default build's bar a total it passed)."""
    same = cache.manifest(plan.digest)
    if same and same.get("objects"):
        return int(same["objects"])
    counts = [
        m["objects"]
        for m in cache.recent_manifests(plan.target.name)
        if m.get("objects") and m.get("preset") == plan.preset.name
    ]
    return int(counts[-1]) if counts else None


class _Watch:
    """A suite's state as a display wants it (pjbuild.core.progress.Testing)."""

    def __init__(self, target: str, progress: Progress) -> None:
        self.target = target
        self.progress = progress
        self.total = 0
        self.done = 0
        self.running: list[str] = []
        self.failed: list[str] = []
        self.start = time.monotonic()
        self.lock = threading.Lock()

    def _send(self) -> None:
        self.progress(
            Testing(
                self.target,
                self.done,
                self.total,
                tuple(self.running),
                tuple(self.failed),
                time.monotonic() - self.start,
            )
        )

    def planned(self, total: int) -> None:
        with self.lock:
            self.total = total
            self._send()

    def started(self, name: str) -> None:
        with self.lock:
            self.running.append(name)
            self._send()

    def ended(self, item: TestResult) -> None:
        name = f"{item.program}:{item.test}"
        with self.lock:
            self.done += 1
            if name in self.running:
                self.running.remove(name)
            if item.status == "failed":
                self.failed.append(f"{name}: {item.reason}")
            self._send()


def run_tests(
    plan: BuildPlan, stage: Path, run_dir: Path, say: Say, opts: BuildOptions
) -> tuple[SuiteResult | None, list[CallResult]]:
    """Run the suite on a scratch copy of the artifact's test tree (tests write files) and,
    when the suite makes calls, a loopback call per codec the build has, at once as the
    runner allows: ``opts.test_jobs`` (--test-jobs), else the build's share of the cores
    (``opts.jobs``) times the runner's. The calls are results of the suite too (program
    "call", test = the codec id)."""
    if plan.tests == "none":
        return None, []
    if run_dir.exists():
        shutil.rmtree(run_dir)
    shutil.copytree(stage / "tests", run_dir, symlinks=True)
    runner = artifact_runner(plan, stage)
    conc = choose(
        runner, plan.catalog.parallel, opts.test_jobs, ncores=opts.test_cores or opts.jobs
    )
    how = (
        f"{conc.jobs} at once, each in its own network namespace"
        if conc.jobs > 1
        else "one at a time"
    )
    say(f"running the {plan.tests} test suite ({runner.describe()}; {how})")
    if conc.why:
        say(f"note: {conc.why}")

    def show(item: TestResult) -> None:
        say(f"  {item.status:7} {item.program} {item.test} {item.duration_s:.1f}s {item.reason}")

    known = {
        **dict(plan.preset.known_failures),
        **plan.target.known_failures_for_tls(plan.tls.backend),
    }
    catalog = replace(plan.catalog, known_failures={**plan.catalog.known_failures, **known})
    calls: dict[str, CallResult] = {}

    def call_test(spec: CallSpec) -> ExtraTest:
        def run(inside: Runner) -> TestResult:
            assert isinstance(inside, PrefixRunner)
            call = run_call(
                _pjsua(stage / "prefix"),
                inside,
                spec,
                run_dir / "calls",
                stage / "logs" / "call",
                retries=plan.catalog.retries,
            )
            calls[spec.codec] = call
            return call_result(call, plan.target, catalog)

        return ExtraTest(CALL_PROGRAM, spec.codec, run)

    specs = codec_calls(plan) if plan.catalog.suites[plan.tests].calls else []
    try:
        suite = run_suite(
            plan.tests,
            TestTree(run_dir),
            runner,
            plan.target,
            plan.catalog,
            stage / "logs" / "tests",
            show,
            known=known,
            harness=plan.source.version.test_harness,
            concurrency=conc,
            durations=recorded_durations(Cache.default().recent_manifests(plan.target.name)),
            more=[call_test(spec) for spec in specs],
            watch=_Watch(plan.target.name, opts.progress),
        )
        # a call whose namespace could not be made never ran: its suite result says why
        return suite, [calls[spec.codec] for spec in specs if spec.codec in calls]
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def codec_calls(plan: BuildPlan) -> list[CallSpec]:
    """A call per codec the build has: each built component's `call`, then each feature's
    (opus), all with the features' call options (SRTP)."""
    by_name = {c.name: c for c in plan.components}
    codecs = [
        by_name[d.component].call
        for d in plan.tree
        if d.built and d.component in by_name and by_name[d.component].call
    ]
    specs = load_configure_data().get("features", {})
    codecs += [specs.get(f, {}).get("call", "") for f in plan.features]
    level = log_level(plan)
    return [CallSpec(c, plan.features, level) for c in dict.fromkeys(c for c in codecs if c)]


def log_level(plan: BuildPlan) -> int:
    """The build's compile-time PJ_LOG_MAX_LEVEL: explicit, from a PJ_CONFIG_* set, or
    pjproject's default."""
    value = effective(plan.schema, plan.config).get("PJ_LOG_MAX_LEVEL", UPSTREAM_LOG_LEVEL)
    return int(value)


def call_result(call: CallResult, target: Target, catalog: TestCatalog) -> TestResult:
    """A call as a result of the suite; a failed call listed as known is "known"."""
    item = TestResult(
        CALL_PROGRAM,
        call.requested,
        call.status,
        call.duration_s,
        reason=call.reason,
        cases=[call.to_json()],
        flaky=call.flaky,
    )
    known = known_failure(target, catalog, CALL_PROGRAM, call.requested)
    if known and item.status == "failed":
        item.status = "known"
        item.reason = f"{call.reason} [known: {known}]"
    elif known:
        item.reason = f"listed as known failure but passed ({known})"
    return item


def _feature_call(
    plan: BuildPlan,
    calls: list[CallResult],
    features: dict[str, dict[str, Any]],
    stage: Path,
    work: Path,
    say: Say,
) -> CallResult | None:
    """The call that verifies the features (manifest "call_test"): the suite's call of the
    feature's codec (opus) or its first call; a call of its own when the suite made none."""
    if not plan.features or plan.tests == "none":
        return None
    spec = feature_call(plan.features, log_level(plan))
    if calls:
        call = next((c for c in calls if c.requested == spec.codec), calls[0])
    else:
        runner = artifact_runner(plan, stage)
        say(f"loopback call on the target: {', '.join(plan.features)} ({runner.describe()})")
        call = run_call(
            _pjsua(stage / "prefix"),
            runner,
            spec,
            work,
            stage / "logs" / "call",
            retries=plan.catalog.retries,
        )
        say(f"  {call.status:7} call {call.codec} srtp={call.srtp} {call.duration_s:.1f}s")
        if call.reason:
            say(f"          {call.reason}")
    every = all(c.status == "passed" and c.srtp == spec.srtp for c in calls or [call])
    for entry in features.values():
        entry["on_target_test"] = "passed" if every and call.status == "passed" else "failed"
    return call


def _tls_test_state(suite: SuiteResult) -> str:
    for r in suite.results:
        if r.test == "ssl_sock_test" and r.status in ("passed", "failed", "known"):
            return "passed" if r.status == "passed" else "failed"
    return "not-run"


def _raise_on_failures(suite: SuiteResult, logs: Path, kept: Path) -> None:
    failed = [r for r in suite.results if r.status == "failed"]
    if failed:
        names = ", ".join(f"{r.program}:{r.test}" for r in failed)
        error = TestFailureError(
            f"{len(failed)} test(s) failed: {names}",
            hint=f"logs in {logs}; the artifact was not published (kept in {kept}). "
            "A failure that is the target's, not the build's, goes into the target file's "
            "[tests.known_failures] with its reason",
            details="\n".join(f"{r.program}:{r.test}: {r.reason}" for r in failed),
        )
        error.kept = str(kept)
        raise error


def _suite_for_hit(
    plan: BuildPlan, cache: Cache, manifest: dict[str, Any], say: Say, opts: BuildOptions
) -> SuiteResult | None:
    """A cache hit reuses passing results of the same suite, else runs it on the artifact."""
    if plan.tests == "none":
        return None
    recorded = manifest.get("tests", {}).get(plan.tests)
    if recorded and recorded.get("failed") == 0:
        suite = SuiteResult(
            plan.tests,
            recorded["runner"],
            notes=recorded.get("notes", []),
            concurrency=Concurrency(**recorded.get("concurrency", {})),
            wall_s=recorded.get("wall_s", 0.0),
        )
        suite.results = [TestResult(**r) for r in recorded["results"]]
        return suite
    artifact = cache.artifact(plan.digest)
    work = cache.fresh_work(plan.digest)
    try:
        ran, _ = run_tests(plan, artifact, work / "testrun", say, opts)
        assert ran is not None
        suite = ran
        manifest.setdefault("tests", {})[plan.tests] = suite.to_json()
        if manifest["tls"].get("on_target_test") != "passed":
            manifest["tls"]["on_target_test"] = _tls_test_state(suite)
        write_json_atomic(artifact / "manifest.json", manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _raise_on_failures(suite, artifact / "logs" / "tests", kept=artifact)
    return suite


__all__ = ["BuildOptions", "BuildOutcome", "run_build", "run_tests"]
