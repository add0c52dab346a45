"""The job description every CI generator renders: what a target's build job does (ci/jobs.toml)
and, per target, what its job needs (ci/ci.toml and the target's `[ci]`).

`pjbuild ci github` and `pjbuild ci gitlab` read the same `BuildJob` and the same `TargetJob`
list, so a target added to toolchains/ is a job in both; `pjbuild ci matrix --json` lists the
targets for any other CI system.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.core.schema import CI, CI_JOBS, load_checked
from pjbuild.inputs.targets import Target


def ci_data() -> dict[str, Any]:
    return load_checked(paths.ci_data_file(), CI)


@dataclass(frozen=True)
class BuildJob:
    """A target's build job, commands with {target}, {tests}, {workspace}, {results} left for
    the generator (ci/jobs.toml [build] and [summary])."""

    env: tuple[tuple[str, str], ...]
    cache: tuple[str, ...]
    secrets: tuple[str, ...]
    install: str
    doctor: str
    digest: str
    build: str
    collect: str
    collect_script: str
    results: str
    summary: str


def build_job() -> BuildJob:
    data = load_checked(paths.ci_jobs_file(), CI_JOBS)
    b = data["build"]
    return BuildJob(
        env=tuple(b["env"].items()),
        cache=tuple(b["cache"]),
        secrets=tuple(b["secrets"]),
        install=b["install"],
        doctor=b["doctor"],
        digest=b["digest"],
        build=b["build"],
        collect=b["collect"],
        collect_script=b["collect_script"].lstrip("\n"),
        results=b["results"],
        summary=data["summary"]["run"],
    )


PLACEHOLDERS = ("target", "tests", "workspace", "results")


def fill(command: str, values: dict[str, str]) -> str:
    """A command of the job description with a generator's values for its placeholders."""
    try:
        return command.format_map(values)
    except (KeyError, ValueError) as e:
        raise ConfigError(
            f"{paths.ci_jobs_file()}: a command has an unknown placeholder: {command!r}",
            hint="use only " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + " in its commands",
        ) from e


@dataclass(frozen=True)
class TargetJob:
    """What the build job of one target needs."""

    target: str
    runs_on: str  # the runner label (GitHub's runs-on; GitLab maps it onto runner tags)
    install: bool  # pjbuild doctor installs the system packages (Linux runners)
    msvc_arch: str  # the Developer Command Prompt's architecture ("" but for MSVC targets)
    tests: str  # the suite the job runs


def runs_on(target: Target, data: dict[str, Any] | None = None) -> str:
    own = target.raw.get("ci", {}).get("runs-on")
    return str(own or (data or ci_data())["runs_on_default"])


def installs(target: Target, data: dict[str, Any]) -> bool:
    """Whether the target's job installs its system packages (the Linux runners)."""
    return runs_on(target, data).startswith("ubuntu")


def ci_suite(target: Target, data: dict[str, Any]) -> str:
    """The test suite a target's CI job runs: the CI data's, none for a target nothing can
    run (built, not run: built and its binaries checked)."""
    return str(data["tests"]) if target.runs else "none"


def msvc_arch(target: Target) -> str:
    """The Developer Command Prompt's architecture of an MSVC target ("" for the others)."""
    return str(target.raw.get("ci", {}).get("msvc-arch", ""))


def target_jobs(targets: Iterable[Target], data: dict[str, Any]) -> list[TargetJob]:
    """A build job per supported target, by name."""
    return [
        TargetJob(
            target=t.name,
            runs_on=runs_on(t, data),
            install=installs(t, data),
            msvc_arch=msvc_arch(t),
            tests=ci_suite(t, data),
        )
        for t in sorted(targets, key=lambda t: t.name)
        if t.supported
    ]


def matrix_entries(targets: Iterable[Target]) -> list[dict[str, Any]]:
    """Every target with what a CI job needs to build it (unsupported ones with their reason)."""
    data = ci_data()
    out = []
    for t in sorted(targets, key=lambda t: t.name):
        out.append(
            {
                "target": t.name,
                "os": t.os,
                "arch": t.arch,
                "status": t.status,
                "reason": t.reason if t.status != "supported" else "",
                "runs-on": runs_on(t, data),
                "cross": t.cross,
                "runner": t.runner.kind,
                "install": installs(t, data),
                "engine": t.engine,
                "msvc-arch": msvc_arch(t),
                "tls": t.tls_default,
                "wheel": bool(t.wheel_python),
                "build": f"pjbuild build --target {t.name} --tests {ci_suite(t, data)} --json",
            }
        )
    return out


__all__ = [
    "BuildJob",
    "TargetJob",
    "build_job",
    "ci_data",
    "fill",
    "matrix_entries",
    "target_jobs",
]
