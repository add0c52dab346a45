"""Upstream's own CTest, run once in the cmake engine's build tree as a cross-check of
pjbuild's suites: ctest runs each test program whole (every test it has, as upstream's CI would
if it ran CTest), a cross target's through CMAKE_CROSSCOMPILING_EMULATOR (the target's runner,
from the generated toolchain file), in one loopback-only network namespace. Its per-test results
come from ctest's JUnit report; the build records them (manifest "ctest") and does not fail on
them: pjbuild's own suites decide whether an artifact is published."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pjbuild.core.procs import find_tool
from pjbuild.ontarget import netns
from pjbuild.ontarget.runners import PrefixRunner

REPORT = "ctest-junit.xml"


@dataclass(frozen=True)
class CTestCase:
    name: str
    status: str  # passed | failed | timeout | not-run
    duration_s: float


@dataclass
class CTestResult:
    status: str  # passed | failed | not-run (the reason says why)
    cases: list[CTestCase] = field(default_factory=list)
    duration_s: float = 0.0
    timeout_s: float = 0.0
    reason: str = ""
    isolation: str = "netns"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "timeout_s": self.timeout_s,
            "duration_s": self.duration_s,
            "isolation": self.isolation,
            "tests": [
                {"name": c.name, "status": c.status, "duration_s": c.duration_s} for c in self.cases
            ],
        }


def read_report(path: Path) -> list[CTestCase]:
    """The test cases of ctest's --output-junit report."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        status = {"run": "passed", "fail": "failed", "notrun": "not-run"}.get(
            case.get("status", ""), case.get("status", "failed")
        )
        failure = case.find("failure")
        if failure is not None and "Timeout" in (failure.get("message") or ""):
            status = "timeout"
        cases.append(CTestCase(case.get("name", "?"), status, float(case.get("time", 0) or 0)))
    return cases


def run_ctest(build: Path, runner: PrefixRunner, log: Path, timeout_s: float) -> CTestResult:
    """ctest in ``build`` (one test at a time: the programs bind fixed ports), each test given
    ``timeout_s`` (times the runner's factor); the runner's environment (e.g. WINEPREFIX)."""
    exe = find_tool("ctest")
    if exe is None:
        return CTestResult("not-run", reason="ctest not found (PyPI cmake has it)")
    per_test = round(timeout_s * runner.timeout_factor)
    argv = [exe, "--test-dir", str(build), "--output-on-failure", "--timeout", str(per_test)]
    argv += ["--output-junit", str(build / REPORT)]
    native = PrefixRunner(kind="native", prefix=(), env=runner.env)
    why = netns.unavailable()
    context = contextlib.nullcontext(native) if why else netns.isolated(native)
    with context as inside:
        done = inside.run(argv, build, per_test * 20 + 60)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(" ".join(done.argv) + "\n" + done.output)
    report = build / REPORT
    cases = read_report(report) if report.is_file() else []
    failed = [c.name for c in cases if c.status != "passed"]
    if not cases:
        status, reason = "failed", f"no report (exit {done.returncode}); see {log}"
    else:
        status = "failed" if failed else "passed"
        reason = f"not passed: {', '.join(failed)}" if failed else ""
    return CTestResult(
        status,
        cases,
        duration_s=done.duration_s,
        timeout_s=per_test,
        reason=reason,
        isolation="none" if why else "netns",
    )
