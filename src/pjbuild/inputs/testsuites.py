"""pjproject's test catalog (resources/testsuites.toml): programs, suites, harnesses, known
failures and retries. Pure: the plan checks a suite name and the digest covers it; running the
suites is pjbuild.ontarget.testsuites."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, unknown
from pjbuild.core.tomlload import Table, load_toml


@dataclass(frozen=True)
class Program:
    name: str  # e.g. pjlib-test
    module: str  # e.g. pjlib: runs from <module>/build
    group_args: tuple[tuple[str, tuple[str, ...]], ...]
    data: tuple[str, ...]
    essential: tuple[str, ...] = ()  # group names when --list is silent

    def args_for_group(self, group: str) -> tuple[str, ...]:
        return dict(self.group_args).get(group, ())


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    all: bool
    tests: tuple[tuple[str, tuple[str, ...]], ...]  # program -> tests
    calls: bool = False  # a loopback call per codec the build has (program CALL_PROGRAM)


# the "program" of a suite's loopback calls (test: the codec id, e.g. call:GSM/8000)
CALL_PROGRAM = "call"


@dataclass(frozen=True)
class Harness:
    """How a tree's test programs run one test (conandata.yml `test_harness` per version)."""

    name: str
    env: str = ""  # "": test names as arguments (unittest); else the variable naming it
    args: tuple[tuple[str, tuple[str, ...]], ...] = ()  # program -> arguments it accepts
    description: str = ""
    # "program:test" of the suites -> the name the older program gives that test
    names: tuple[tuple[str, str], ...] = ()

    def args_for(self, program: str) -> tuple[str, ...]:
        return dict(self.args).get(program, ())

    def name_for(self, program: str, test: str) -> str:
        return dict(self.names).get(f"{program}:{test}", test)


UNITTEST = Harness("unittest", description="pjlib's unit-test framework")


# the networks a test's namespace can have (pjbuild.ontarget.netns makes them)
LOOPBACK, WITH_ADDRESS, BLACKHOLE = "loopback", "address", "blackhole"
NETWORKS = (LOOPBACK, WITH_ADDRESS, BLACKHOLE)


@dataclass(frozen=True)
class Parallel:
    """How a suite's tests run at once ([parallel]): per runner kind, test processes per core
    (``per_core``) or one at a time and why (``sequential``); tests that run alone under a
    runner kind and why (``exclusive``: kind -> "program:test" -> why); tests whose namespace
    also needs an address other than loopback and why (``needs_address``), or a network where
    other addresses are routed and silent (``needs_blackhole``); seconds a test takes natively
    where no earlier run recorded it (``estimates``, "program:test" or "program:*"; else
    ``default_estimate``)."""

    per_core: dict[str, float] = field(default_factory=dict)
    sequential: dict[str, str] = field(default_factory=dict)
    exclusive: dict[str, dict[str, str]] = field(default_factory=dict)
    needs_address: dict[str, str] = field(default_factory=dict)
    needs_blackhole: dict[str, str] = field(default_factory=dict)
    estimates: dict[str, float] = field(default_factory=dict)
    default_estimate: float = 1.0

    def network(self, key: str) -> str:
        """The network of the namespace of a test ("program:test"), one of NETWORKS."""
        if key in self.needs_blackhole:
            return BLACKHOLE
        return WITH_ADDRESS if key in self.needs_address else LOOPBACK

    def exclusive_for(self, kind: str) -> dict[str, str]:
        """The tests that run alone under a runner of this kind, and why."""
        return self.exclusive.get(kind, {})

    def estimate(self, program: str, test: str) -> float:
        found = self.estimates.get(f"{program}:{test}", self.estimates.get(f"{program}:*"))
        return self.default_estimate if found is None else found


@dataclass(frozen=True)
class TestCatalog:
    programs: dict[str, Program]
    suites: dict[str, Suite]
    timeouts: dict[str, float]
    known_failures: dict[str, str]
    retries: int = 1
    harnesses: dict[str, Harness] = field(default_factory=lambda: {"unittest": UNITTEST})
    parallel: Parallel = field(default_factory=lambda: Parallel())
    __test__ = False

    def timeout(self, program: str, test: str) -> float:
        return self.timeouts.get(f"{program}:{test}", self.timeouts.get("default", 120.0))


def load_catalog(path: Path | None = None) -> TestCatalog:
    path = path or paths.resources() / "testsuites.toml"
    top = Table(load_toml(path), path)
    program_tables = top.sub("programs")
    programs = {}
    for name in program_tables.data:
        body = program_tables.sub(name)
        programs[name] = Program(
            name=name,
            module=body.text("module"),
            group_args=body.lists("group_args"),
            data=body.strings("data"),
            essential=body.strings("essential"),
        )
    suites = {}
    suite_tables = top.sub("suites")
    for name in suite_tables.data:
        body = suite_tables.sub(name)
        tests = body.sub("tests", {})
        for prog in tests.data:
            if prog not in programs:
                raise ConfigError(f"suite {name}: unknown test program {prog}")
        suites[name] = Suite(
            name=name,
            description=body.text("description", ""),
            all=body.flag("all", False),
            tests=tuple((p, tests.strings(p)) for p in tests.data),
            calls=body.flag("calls", False),
        )
    harnesses = {"unittest": UNITTEST}
    harness_tables = top.sub("harness", {})
    for name in harness_tables.data:
        body = harness_tables.sub(name)
        harnesses[name] = Harness(
            name=name,
            env=body.text("env", ""),
            args=body.lists("args"),
            description=body.text("description", ""),
            names=body.pairs("names"),
        )
    timeouts = top.sub("timeouts", {})
    par = top.sub("parallel", {})
    from pjbuild.inputs.targets import RUNNER_KINDS  # targets' registry loads this module

    exclusive = par.sub("exclusive", {})
    for kind in exclusive.data:
        if kind not in RUNNER_KINDS:
            raise ConfigError(
                f"{exclusive.origin(kind)}: parallel.exclusive.{kind}: not a runner kind",
                hint=f"runner kinds: {', '.join(RUNNER_KINDS)}",
            )
    per_core = par.sub("per_core", {})
    estimates = par.sub("estimates", {})
    parallel = Parallel(
        per_core={k: per_core.number(k, 1.0) for k in per_core.data},
        sequential=dict(par.pairs("sequential")),
        exclusive={kind: dict(exclusive.pairs(kind)) for kind in exclusive.data},
        needs_address=dict(par.pairs("needs_address")),
        needs_blackhole=dict(par.pairs("needs_blackhole")),
        estimates={k: estimates.number(k, 1.0) for k in estimates.data},
        default_estimate=par.number("default_estimate", 1.0),
    )
    return TestCatalog(
        programs=programs,
        suites=suites,
        timeouts={k: timeouts.number(k, 0.0) for k in timeouts.data},
        known_failures=dict(top.pairs("known_failures")),
        retries=int(top.number("retries", 1)),
        harnesses=harnesses,
        parallel=parallel,
    )


def check_suite(name: str, catalog: TestCatalog) -> None:
    if name != "none" and name not in catalog.suites:
        raise unknown("test suite", name, [*catalog.suites, "none"])
