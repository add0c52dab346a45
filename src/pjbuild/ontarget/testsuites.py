"""pjproject's own test programs: suites, selection, per-test runs and result parsing."""

from __future__ import annotations

import functools
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from pjbuild.inputs.targets import Target
from pjbuild.inputs.testsuites import Harness, Program, Suite, TestCatalog
from pjbuild.ontarget import netns
from pjbuild.ontarget.parallel import Concurrency
from pjbuild.ontarget.runners import Completed, Runner
from pjbuild.ontarget.schedule import Job, run_jobs

# "[ 3/10] pool_test                        [OK] [0.001s]", "... (arg: loop-dgram)  [Err: -1] [...]"
_RESULT = re.compile(
    r"^\[\s*\d+/\d+\]\s+(?P<name>\S+)(?:\s+\(arg:\s*(?P<arg>[^)]*)\))?\s+"
    r"\[(?:(?P<ok>OK)|Err:\s*(?P<err>-?\d+))\]",
    re.M,
)
# 2.15.1 and older (DO_TEST): "Running pool_test()...", "Running tsx_basic_test(udp)...", then
# "..success(0)" or "..ERROR(-50)"
_DO_TEST_START = re.compile(r"Running (?P<name>\w+)(?:\((?P<arg>[^)]*)\))?\.\.\.")
_DO_TEST_END = re.compile(r"\.\.(?P<res>success|ERROR)\((?P<rc>-?\d+)\)")
# "10 essential tests: errno_test ..." / "8 pjlib-util tests: xml_test ..."
_LIST = re.compile(r"(?P<count>\d+) (?P<group>[\w-]+) tests: (?P<names>.*)$", re.M)
# "PJ_SSL_SOCK_IMP           : 1" from --config
_CONFIG = re.compile(
    r"^\S*\s+(?P<key>PJ_[A-Z0-9_/()]+|ioqueue type)\s*:?\s*:\s*(?P<val>.*?)\s*$", re.M
)


@dataclass
class TestResult:
    program: str
    test: str
    status: str  # passed | failed | known | skipped
    duration_s: float = 0.0
    reason: str = ""
    cases: list[dict[str, Any]] = field(default_factory=list)
    flaky: bool = False  # failed, then passed when run again
    __test__ = False


@dataclass
class SuiteResult:
    suite: str
    runner: str
    results: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    concurrency: Concurrency = field(default_factory=Concurrency)
    wall_s: float = 0.0  # the suite's tests, start to end
    __test__ = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "runner": self.runner,
            "passed": self.count("passed"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "known": self.count("known"),
            "flaky": sum(1 for r in self.results if r.flaky),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "concurrency": self.concurrency.to_json(),
            "wall_s": self.wall_s,
            "notes": self.notes,
            "results": [asdict(r) for r in self.results],
        }


def parse_results(output: str) -> list[dict[str, Any]]:
    cases = []
    for m in _RESULT.finditer(output):
        cases.append(
            {
                "name": m["name"],
                "arg": m["arg"],
                "ok": m["ok"] is not None,
                "rc": 0 if m["ok"] else int(m["err"]),
            }
        )
    return cases


def parse_do_test(output: str) -> list[dict[str, Any]]:
    """Results of the DO_TEST harness (2.15.1 and older): a case per "Running" line, closed by
    its "..success(N)" / "..ERROR(N)" line (none: the program died in that test)."""
    cases: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in output.splitlines():
        start = _DO_TEST_START.search(line)
        if start:
            current = {"name": start["name"], "arg": start["arg"] or None, "ok": False, "rc": None}
            cases.append(current)
            continue
        end = _DO_TEST_END.search(line)
        if end and current is not None and current["rc"] is None:
            current["rc"] = int(end["rc"])
            current["ok"] = end["res"] == "success" and current["rc"] == 0
    return cases


def parse_list(output: str) -> dict[str, list[str]]:
    """Test groups from ``--list``: {"essential": [...], "features": [...]} or {"pjsip": [...]}."""
    groups: dict[str, list[str]] = {}
    for m in _LIST.finditer(output):
        names = list(dict.fromkeys(m["names"].split()))
        groups.setdefault(m["group"], []).extend(n for n in names if n not in groups[m["group"]])
    return groups


def parse_config(output: str) -> dict[str, str]:
    """Macros from ``pjlib-test --config``: {"PJ_SSL_SOCK_IMP": "1", ...}."""
    return {m["key"].strip(): m["val"].strip() for m in _CONFIG.finditer(output)}


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass(frozen=True)
class TestTree:
    """Test programs as in the source tree: <root>/<module>/bin/<prog>, run in <module>/build."""

    root: Path
    __test__ = False

    def program_path(self, program: Program) -> Path | None:
        found = sorted((self.root / program.module / "bin").glob(f"{program.name}-*"))
        return found[0] if found else None

    def cwd(self, program: Program) -> Path:
        return self.root / program.module / "build"


def collect_test_tree(src: Path, dest: Path, catalog: TestCatalog) -> list[str]:
    """Copy the built test programs and the data files they read from the build tree."""
    copied = []
    for program in catalog.programs.values():
        bins = sorted((src / program.module / "bin").glob(f"{program.name}-*"))
        if not bins:
            continue
        (dest / program.module / "build").mkdir(parents=True, exist_ok=True)
        (dest / program.module / "bin").mkdir(parents=True, exist_ok=True)
        for exe in bins:
            shutil.copy2(exe, dest / program.module / "bin" / exe.name)
            copied.append(f"{program.module}/bin/{exe.name}")
        for pattern in program.data:
            for file in sorted(src.glob(pattern)):
                rel = file.relative_to(src)
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, dest / rel)
    return copied


ProgressFn = Callable[[TestResult], None]


class SuiteWatch(Protocol):
    """What a display is told while a suite runs."""

    def planned(self, total: int) -> None: ...

    def started(self, name: str) -> None: ...

    def ended(self, item: TestResult) -> None: ...


@dataclass(frozen=True)
class ExtraTest:
    """A result of the suite that is not a test program's (a loopback call): run with the
    runner it is given (isolated like the others when tests run at once)."""

    program: str
    test: str
    run: Callable[[Runner], TestResult]


@dataclass(frozen=True)
class _Pending:
    program: str
    test: str
    run: Callable[[Runner], TestResult]


_Planned = TestResult | _Pending


class _Plan:
    """A suite's results in its order: those known at once (skipped: reported now) and the
    test processes to run (later, by the scheduler)."""

    def __init__(
        self, target: Target, catalog: TestCatalog, log_dir: Path, progress: ProgressFn | None
    ) -> None:
        self.items: list[_Planned] = []
        self._target, self._catalog, self._log_dir = target, catalog, log_dir
        self._progress = progress

    def now(self, item: TestResult) -> None:
        self.items.append(item)
        if self._progress:
            self._progress(item)

    def later(
        self, program: Program, test: str, argv: list[str], tree: TestTree, **how: Any
    ) -> None:
        run = functools.partial(
            _run_one,
            program,
            test,
            argv,
            tree,
            target=self._target,
            catalog=self._catalog,
            log_dir=self._log_dir,
            **how,
        )
        self.items.append(_Pending(program.name, test, run))


def run_suite(
    suite_name: str,
    tree: TestTree,
    runner: Runner,
    target: Target,
    catalog: TestCatalog,
    log_dir: Path,
    progress: ProgressFn | None = None,
    known: dict[str, str] | None = None,
    harness: str = "unittest",
    *,
    concurrency: Concurrency | None = None,
    durations: Mapping[str, float] | None = None,
    more: Sequence[ExtraTest] = (),
    watch: SuiteWatch | None = None,
) -> SuiteResult:
    """Run a suite; `known` adds known failures (e.g. the preset's) to the target's and data's;
    `harness` is how the tree's test programs select a test (conandata `test_harness`);
    `more`: results of the suite made otherwise (the calls), run with the tests.

    The test processes run as ``concurrency`` says (default: one at a time), longest first by
    ``durations`` ("program:test" -> seconds, from earlier runs) or the data's estimates;
    `watch` is told the count of results to come, each "program:test" as it starts and each
    result as it ends (a display's), `progress` each result as it ends (the log's). The
    results are in the suite's order, whatever order the tests ended in."""
    if known:
        catalog = replace(catalog, known_failures={**catalog.known_failures, **known})
    conc = concurrency or Concurrency()
    result = SuiteResult(suite=suite_name, runner=runner.describe(), concurrency=conc)
    if suite_name == "none":
        return result
    suite = catalog.suites[suite_name]
    log_dir.mkdir(parents=True, exist_ok=True)
    planned: list[_Planned]
    if catalog.harnesses[harness].env:
        result.notes.append(f"test harness: {harness} ({catalog.harnesses[harness].description})")
        planned = _plan_by_env(
            suite, catalog.harnesses[harness], tree, target, catalog, log_dir, result, progress
        )
    else:
        planned = _plan_listed(suite, tree, runner, target, catalog, log_dir, result, progress)
    planned += [_Pending(x.program, x.test, x.run) for x in more]
    if conc.why:
        result.notes.append(conc.why)
    if watch:
        watch.planned(len(planned))
        for item in planned:
            if isinstance(item, TestResult):
                watch.ended(item)
    _run_planned(planned, runner, catalog, conc, durations or {}, result, progress, watch)
    return result


def _run_planned(
    planned: list[_Planned],
    runner: Runner,
    catalog: TestCatalog,
    conc: Concurrency,
    durations: Mapping[str, float],
    result: SuiteResult,
    progress: ProgressFn | None,
    watch: SuiteWatch | None,
) -> None:
    factor = float(getattr(runner, "timeout_factor", 1.0))
    pending = [p for p in planned if isinstance(p, _Pending)]

    def job(p: _Pending) -> Job[TestResult]:
        key = f"{p.program}:{p.test}"

        def run() -> TestResult:
            try:
                with conc.enter(runner, catalog.parallel.network(key)) as inside:
                    return p.run(inside)
            except netns.NamespaceError as exc:
                why = f"its network namespace could not be made: {exc}"
                return TestResult(p.program, p.test, "failed", reason=why)

        estimate = durations.get(key) or catalog.parallel.estimate(p.program, p.test) * factor
        return Job(key, run, estimate, key in catalog.parallel.exclusive_for(runner.kind))

    def finished(_: Job[TestResult], item: TestResult) -> None:
        if progress:
            progress(item)
        if watch:
            watch.ended(item)

    begin = time.monotonic()
    done = run_jobs(
        [job(p) for p in pending],
        conc.jobs,
        started=(lambda j: watch.started(j.name)) if watch else None,
        finished=finished,
    )
    result.wall_s = round(time.monotonic() - begin, 3)
    by_pending = iter(done)
    result.results = [next(by_pending) if isinstance(p, _Pending) else p for p in planned]


def _plan_listed(
    suite: Suite,
    tree: TestTree,
    runner: Runner,
    target: Target,
    catalog: TestCatalog,
    log_dir: Path,
    result: SuiteResult,
    progress: ProgressFn | None,
) -> list[_Planned]:
    """The suite's tests of programs that list them (``--list``): one process per test."""
    plan = _Plan(target, catalog, log_dir, progress)
    now = plan.now
    wanted = dict(suite.tests)
    for program, exe in _built_programs(suite, catalog, tree, result, now):
        listing = runner.run([str(exe), "--list"], tree.cwd(program), 60)
        groups = parse_list(listing.output)
        if not groups and listing.returncode == 0 and not suite.all:
            # --list is silent below PJ_LOG_MAX_LEVEL 3: run the suite's names, grouped by data
            result.notes.append(
                f"{program.name}: --list printed nothing (low log level?); "
                "ran the suite's test names"
            )
            names = wanted.get(program.name, ())
            groups = {
                "essential": [t for t in names if t in program.essential],
                "features" if program.essential else "default": [
                    t for t in names if t not in program.essential
                ],
            }
        if not groups:
            (log_dir / f"{program.name}.list.log").write_text(listing.output)
            reason = _failure_reason(listing) + ": no test list (see log)"
            now(TestResult(program.name, "--list", "failed", reason=reason))
            continue
        group_of = {t: g for g, tests in groups.items() for t in tests}
        selected = list(group_of) if suite.all else list(wanted.get(program.name, ()))
        for test in selected:
            if test not in group_of:
                now(
                    TestResult(
                        program.name, test, "skipped", reason="not built in this configuration"
                    )
                )
                continue
            argv = [str(exe), "--ci-mode", *program.args_for_group(group_of[test]), test]
            plan.later(program, test, argv, tree)
    return plan.items


def _built_programs(
    suite: Suite,
    catalog: TestCatalog,
    tree: TestTree,
    result: SuiteResult,
    now: ProgressFn,
) -> Iterator[tuple[Program, Path]]:
    """The suite's programs that the configuration built, with their paths; the tests of one
    it did not build are reported skipped (``now``)."""
    wanted = dict(suite.tests)
    for program in catalog.programs.values():
        if not suite.all and program.name not in wanted:
            continue
        exe = tree.program_path(program)
        if exe is not None:
            yield program, exe
            continue
        result.notes.append(f"{program.name}: not built in this configuration")
        for test in wanted.get(program.name, ()):
            now(TestResult(program.name, test, "skipped", reason="program not built"))


def _plan_by_env(
    suite: Suite,
    harness: Harness,
    tree: TestTree,
    target: Target,
    catalog: TestCatalog,
    log_dir: Path,
    result: SuiteResult,
    progress: ProgressFn | None,
) -> list[_Planned]:
    """Programs that cannot list tests: each suite test in a process of its own, named by the
    harness's environment variable (a `full` suite runs each program whole)."""
    plan = _Plan(target, catalog, log_dir, progress)
    wanted = dict(suite.tests)
    for program, exe in _built_programs(suite, catalog, tree, result, plan.now):
        argv = [str(exe), *harness.args_for(program.name)]
        for test in ["*"] if suite.all else wanted.get(program.name, ()):
            env = {} if test == "*" else {harness.env: harness.name_for(program.name, test)}
            plan.later(
                program, test, argv, tree, env=env, parse=parse_do_test, absent_is_skip=test != "*"
            )
    return plan.items


def flaky_reason(first_reason: str, retry: int) -> str:
    """The reason given for a test (or call) that failed and then passed on retry ``retry``."""
    return f"flaky: failed once ({first_reason}), passed on retry {retry}"


def _run_one(
    program: Program,
    test: str,
    argv: list[str],
    tree: TestTree,
    runner: Runner,
    *,
    target: Target,
    catalog: TestCatalog,
    log_dir: Path,
    env: dict[str, str] | None = None,
    parse: Callable[[str], list[dict[str, Any]]] = parse_results,
    absent_is_skip: bool = False,
) -> TestResult:
    """Run one test; a failure is run again (catalog.retries times) to tell flaky from broken.

    A test that passes on a retry is reported as passed *and* flaky, with the first failure's
    reason; the logs of every attempt are kept.
    """
    first: TestResult | None = None
    for attempt in range(catalog.retries + 1):
        done = runner.run(argv, tree.cwd(program), catalog.timeout(program.name, test), env=env)
        suffix = "" if attempt == 0 else f".retry{attempt}"
        shown = "".join(f"{k}={v} " for k, v in (env or {}).items())
        (log_dir / f"{program.name}.{test.replace('*', 'all')}{suffix}.log").write_text(
            "$ " + shown + " ".join(done.argv) + "\n" + done.output
        )
        cases = parse(done.output)
        if absent_is_skip and env:
            cases = [c for c in cases if c["name"] in env.values()]
        item = _judge(program.name, test, done, target, catalog, cases, absent_is_skip)
        if item.status != "failed":
            if first is not None and item.status == "passed":
                item.flaky = True
                item.reason = flaky_reason(first.reason, attempt)
            return item
        first = first or item
    assert first is not None
    return first


def _failure_reason(done: Completed) -> str:
    if done.timed_out:
        return f"timed out after {done.duration_s:.0f}s"
    if done.signal_name:
        return f"crashed ({done.signal_name})"
    return f"exit code {done.returncode}"


def known_failure(target: Target, catalog: TestCatalog, program: str, test: str) -> str | None:
    """The reason a test is a known failure here (the target's data, then the catalog's, which
    holds testsuites.toml's and the preset's), or None."""
    return target.known_failure(program, test) or catalog.known_failures.get(f"{program}:{test}")


def _judge(
    program: str,
    test: str,
    done: Completed,
    target: Target,
    catalog: TestCatalog,
    cases: list[dict[str, Any]] | None = None,
    absent_is_skip: bool = False,
) -> TestResult:
    """The verdict of one test run from its result cases (default: the unit-test framework's
    lines in its output). ``absent_is_skip``: a program that ran to its end without a result
    for the test does not have it (the DO_TEST harness: not compiled in)."""
    if cases is None:
        cases = parse_results(done.output)
    if absent_is_skip and not cases and done.returncode == 0 and not done.timed_out:
        return TestResult(
            program, test, "skipped", done.duration_s, reason="not built in this program"
        )
    passed = (
        not done.timed_out and done.returncode == 0 and bool(cases) and all(c["ok"] for c in cases)
    )
    item = TestResult(program, test, "passed", done.duration_s, cases=cases)
    known = known_failure(target, catalog, program, test)
    if passed:
        if known:
            item.reason = f"listed as known failure but passed ({known})"
        return item
    reason = _failure_reason(done)
    if done.returncode == 0 and not done.timed_out and not cases:
        reason = "no test result in the output"
    failed_cases = [c for c in cases if not c["ok"]]
    if failed_cases:
        reason += "; failed: " + ", ".join(
            f"{c['name']}{'(' + c['arg'] + ')' if c['arg'] else ''} rc={c['rc']}"
            for c in failed_cases
        )
    item.status = "known" if known else "failed"
    item.reason = f"{reason} [known: {known}]" if known else reason
    return item
