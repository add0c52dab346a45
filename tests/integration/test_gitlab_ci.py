"""The generated GitLab pipeline, run for real: `pjbuild ci gitlab --targets host` written into
a clone of the repository, its digest, build and report jobs run by gitlab-ci-local (pinned in
./dev setup_tools) in this machine's shell. The jobs run as generated; only documented
variables change them: the runner's Python (PJBUILD_PYTHON), pip offline from the wheelhouse
./dev setup made (PIP_NO_INDEX, PIP_FIND_LINKS), the pinned sources (PJBUILD_MIRROR) and, for
the second run, the suite (PJBUILD_TESTS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pjbuild.ci.gitlab import REPORT
from pjbuild.inputs.targets import load_targets, resolve_target

from ..conftest import REPO, SHARED_SOURCES

pytestmark = pytest.mark.integration

GITLAB_CI_LOCAL = REPO / ".tools" / "node_modules" / ".bin" / "gitlab-ci-local"
WHEELHOUSE = Path(os.environ.get("PJBUILD_WHEELHOUSE", Path.home() / ".cache/pjbuild/wheelhouse"))


def _run(clone: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    values = {
        "PJBUILD_PYTHON": sys.executable,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PJBUILD_MIRROR": str(SHARED_SOURCES),
        **variables,
    }
    # the jobs inherit this environment (shell executor): nothing of the test's pjbuild
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PJBUILD_", "PYTHON"))}
    home = clone.parent / "gitlab-ci-local-home"  # not the user's ~/.gitlab-ci-local
    # --shell-isolation: a checkout per job, so the cache is really saved and restored
    options = ["--home", str(home), "--force-shell-executor", "--shell-isolation", "--no-color"]
    return subprocess.run(
        [
            str(GITLAB_CI_LOCAL),
            *options,
            *(x for k, v in values.items() for x in ("--variable", f"{k}={v}")),
            *args,
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def test_gitlab_pipeline_runs_the_host_job(tmp_path: Path) -> None:
    if not GITLAB_CI_LOCAL.is_file():
        pytest.fail("gitlab-ci-local missing: ./dev setup installs it into .tools/")
    if not WHEELHOUSE.is_dir():
        pytest.fail(f"no wheelhouse at {WHEELHOUSE}: ./dev setup downloads pjbuild's wheels")
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    host = resolve_target("host", load_targets()).name
    subprocess.run(
        [sys.executable, "-m", "pjbuild", "ci", "gitlab", "--targets", "host",
         "--out", str(clone / ".gitlab-ci.yml")],
        env={**os.environ, "PYTHONPATH": str(clone / "src")},
        check=True,
        capture_output=True,
    )  # fmt: skip

    done = _run(clone, "--needs", f"build:{host}")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-6000:]
    assert "PASS  digest:linux" in log and f"PASS  build:{host}" in log, log[-3000:]
    # the artifacts: the prefix, the manifest and result.json per target
    out = clone / "out" / host
    result = json.loads((out / "result.json").read_text())
    assert result["target"] == host and result["cache_hit"] is False
    assert result["tests"]["suite"] == "quick"
    assert result["tests"]["passed"] > 0 and result["tests"]["failed"] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs_digest"] == result["inputs_digest"]
    # the cache key is the inputs digest the digest job handed over (a dotenv report)
    digest = result["inputs_digest"]
    cache = clone / ".gitlab-ci-local" / "cache" / f"pjbuild-{host}-{digest}"
    assert (cache / ".pjbuild" / "artifacts" / digest / "manifest.json").is_file(), log[-3000:]
    assert (clone / "digests.env").read_text().strip().endswith(f"={digest}")

    # the report job renders every build job's result
    done = _run(clone, "report")
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    report = (clone / REPORT).read_text()
    passed = result["tests"]["passed"]
    assert f"| {host} | passed | {passed} | 0 |" in report and digest in report

    # a second pipeline restores that cache: the build is the cached artifact
    done = _run(clone, "--needs", f"build:{host}", PJBUILD_TESTS="none")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-6000:]
    assert f"imported cache 'pjbuild-{host}-{digest}'" in log, log[-3000:]
    again = json.loads((out / "result.json").read_text())
    assert again["cache_hit"] is True and again["inputs_digest"] == digest
