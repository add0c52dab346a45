"""pjbuild.ci.gitlab: the GitLab pipeline comes from the same job description as the GitHub
workflow (ci/jobs.toml) and from toolchains/; the committed .gitlab-ci.yml is its output, and
GitLab's schema (gitlab-ci-local's check) accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pjbuild.ci.gitlab import digest_variable, gitlab_pipeline
from pjbuild.ci.jobs import ci_data
from pjbuild.inputs.targets import load_targets
from tests.unit.ci.conftest import MyBoard
from tests.unit.cli.conftest import pjbuild

REPO = Path(__file__).resolve().parents[3]
PIPELINE = REPO / ".gitlab-ci.yml"
GITLAB_CI_LOCAL = REPO / ".tools" / "node_modules" / ".bin" / "gitlab-ci-local"


def _pipeline() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PIPELINE.read_text())
    return data


def test_committed_pipeline_is_current() -> None:
    assert PIPELINE.read_text() == gitlab_pipeline(load_targets().values()), (
        "the GitLab pipeline drifted from toolchains/ or ci/: run "
        "`pjbuild ci gitlab --out .gitlab-ci.yml`"
    )


def test_a_build_job_per_supported_target_keyed_by_its_digest() -> None:
    targets = load_targets()
    p = _pipeline()
    builds = {k.split(":", 1)[1]: v for k, v in p.items() if k.startswith("build:")}
    assert sorted(builds) == sorted(t.name for t in targets.values() if t.supported)
    assert p["stages"] == ["digest", "build", "report"]
    for name, job in builds.items():
        t = targets[name]
        v = job["variables"]
        assert v["PJBUILD_TARGET"] == name
        assert v["PJBUILD_TESTS"] == ("quick" if t.runs else "none")
        # the cache key is the digest its runner's digest job wrote into a dotenv report
        (needed,) = job["needs"]
        digest = p[needed]
        assert digest["stage"] == "digest"
        assert digest["artifacts"]["reports"]["dotenv"] == "digests.env"
        line = next(s for s in digest["script"] if f'--target "{name}" --digest' in s)
        assert line.startswith(f'echo "{digest_variable(name)}=$(pjbuild plan')
        assert job["cache"]["key"] == f"pjbuild-{name}-${digest_variable(name)}"
        assert job["cache"]["paths"] == [".pjbuild/", ".pjbuild-tools/"]
        # the runner: the build template and the runner template (tags, image) of the target
        template, runner = job["extends"]
        assert template == ".pjbuild:build" and runner == digest["extends"][1]
        assert (v["PJBUILD_INSTALL"] == "yes") == ("image" in p[runner])
    build = p[".pjbuild:build"]
    assert build["artifacts"] == {
        "when": "always",
        "name": "pjbuild-$PJBUILD_TARGET",
        "paths": ["out/", "result.json"],
    }
    script = "\n".join(build["script"])
    assert 'export PJBUILD_HOME="$PWD/.pjbuild"' in script
    assert 'pjbuild build --target "$PJBUILD_TARGET" --tests "$PJBUILD_TESTS" --json' in script
    assert 'pjbuild doctor --target "$PJBUILD_TARGET" --install' in script
    # the remote ccache is the project's masked variable, never a value in the file
    assert "PJBUILD_CCACHE_REMOTE" not in yaml.safe_dump(
        {k: v for k, v in p.items() if isinstance(v, dict)}
    )
    report = p["report"]
    assert report["stage"] == "report" and report["when"] == "always"
    assert report["artifacts"]["expose_as"] and report["artifacts"]["when"] == "always"
    assert report["variables"]["PJBUILD_TARGETS"].split(",") == sorted(builds)
    assert "pjbuild ci summary" in report["script"][0]


def test_msvc_and_macos_go_to_their_runners_tags() -> None:
    p = _pipeline()
    runners = ci_data()["gitlab"]["runners"]

    def tags(target: str) -> list[str]:
        tags: list[str] = p[p[f"build:{target}"]["extends"][1]].get("tags", [])
        return tags

    assert tags("windows-msvc-x64") == runners["windows-x64"]["tags"]
    assert tags("windows-msvc-arm64") == runners["windows-arm64"]["tags"]
    assert tags("macos-arm64") == runners["macos-arm64"]["tags"]
    assert tags("macos-x86_64") == runners["macos-x86_64"]["tags"]
    assert tags("linux-mips") == runners["linux"]["tags"]
    assert p["build:windows-msvc-x86"]["variables"]["PJBUILD_MSVC_ARCH"] == "amd64_x86"
    assert "image" not in p[p["build:macos-arm64"]["extends"][1]]
    assert p[".pjbuild:runner:linux"]["image"] == runners["linux"]["image"]


def test_a_runner_no_gitlab_runner_takes_is_an_error(tmp_path: Path, my_board: MyBoard) -> None:
    """One `error:` and one `fix:` line, exit 2, and nothing written."""
    my_board(tmp_path, "my-board", '\n[ci]\nruns-on = "solaris-11"\n')
    out = tmp_path / "new" / "lab.yml"
    done = pjbuild(
        "ci", "gitlab", "--toolchains-dir", str(tmp_path), "--targets", "my-board,linux-mips",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("error: target 'my-board' runs on 'solaris-11'")
    assert lines[1].startswith("fix: add 'solaris-11' to the runs_on")
    assert not out.exists() and "Traceback" not in done.stderr
    done = pjbuild("ci", "gitlab", "--targets", "linux-ia64")  # known, unsupported
    assert done.returncode == 2 and done.stderr.startswith("error: no supported target")


def test_pipeline_passes_gitlab_ci_local_schema_check(tmp_path: Path) -> None:
    node = shutil.which("node")
    if not node or not GITLAB_CI_LOCAL.is_file():
        pytest.fail("gitlab-ci-local missing: ./dev setup installs it into .tools/")

    def listing(text: str) -> subprocess.CompletedProcess[str]:
        repo = tmp_path / "repo"
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / ".gitlab-ci.yml").write_text(text)
        return subprocess.run(
            [str(GITLAB_CI_LOCAL), "--home", str(tmp_path / "home"), "--list-json"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = listing(PIPELINE.read_text())
    assert done.returncode == 0, done.stderr + done.stdout
    listed = json.loads(done.stdout[done.stdout.index("[") :])
    names = {j["name"] for j in listed}
    assert "report" in names and "build:linux-x86_64" in names and "digest:linux" in names
    # and the check does catch a broken pipeline
    done = listing(PIPELINE.read_text().replace("when: always", "when: sometimes", 1))
    assert done.returncode != 0 and "sometimes" in done.stdout + done.stderr
