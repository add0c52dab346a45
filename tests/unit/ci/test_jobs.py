"""pjbuild.ci.jobs: one job description (ci/jobs.toml) and one list of target jobs that every
CI generator renders; the CI matrix for other CI systems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pjbuild.ci import jobs
from pjbuild.ci.github import github_workflow
from pjbuild.ci.gitlab import gitlab_pipeline
from pjbuild.ci.jobs import build_job, ci_data, matrix_entries, target_jobs
from pjbuild.core import paths
from pjbuild.inputs.targets import load_targets
from tests.unit.ci.conftest import MyBoard
from tests.unit.cli.conftest import pjbuild
from tests.unit.conftest import MSVC


def test_target_jobs_are_the_supported_targets_by_name() -> None:
    targets = load_targets()
    got = target_jobs(targets.values(), ci_data())
    assert [j.target for j in got] == sorted(t.name for t in targets.values() if t.supported)
    by_name = {j.target: j for j in got}
    assert by_name["linux-mips"].install and by_name["linux-mips"].tests == "quick"
    assert by_name["windows-msvc-arm64"].msvc_arch == "arm64"
    assert not by_name["macos-arm64"].install
    assert "linux-ia64" in targets and "linux-ia64" not in by_name  # unsupported


def test_a_new_target_is_a_job_in_both_pipelines(tmp_path: Path, my_board: MyBoard) -> None:
    my_board(tmp_path, "my-board")
    targets = load_targets([tmp_path]).values()
    lab = yaml.safe_load(gitlab_pipeline(targets))
    assert lab["build:my-board"]["variables"]["PJBUILD_TARGET"] == "my-board"
    hub = yaml.safe_load(github_workflow(targets))
    include = hub["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert "my-board" in [e["target"] for e in include]
    # and through the command line
    out = tmp_path / "lab.yml"
    done = pjbuild("ci", "gitlab", "--toolchains-dir", str(tmp_path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "build:my-board" in yaml.safe_load(out.read_text())


def test_both_generators_render_one_job_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command changed in ci/jobs.toml changes both pipelines."""
    changed = tmp_path / "jobs.toml"
    text = paths.ci_jobs_file().read_text()
    changed.write_text(text.replace('--tests "{tests}" --json', '--tests "{tests}" --keep --json'))
    monkeypatch.setattr(jobs.paths, "ci_jobs_file", lambda: changed)
    targets = [load_targets()["linux-mips"]]
    hub = github_workflow(targets)
    lab = gitlab_pipeline(targets)
    assert (
        'pjbuild build --target "${{ matrix.target }}" --tests "${{ matrix.tests }}" --keep' in hub
    )
    assert 'pjbuild build --target "$PJBUILD_TARGET" --tests "$PJBUILD_TESTS" --keep' in lab
    job = build_job()
    assert job.secrets == ("PJBUILD_CCACHE_REMOTE",)
    assert "PJBUILD_CCACHE_REMOTE: ${{ secrets.PJBUILD_CCACHE_REMOTE }}" in hub


def test_an_unknown_placeholder_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "jobs.toml"
    doctor = 'doctor = \'pjbuild doctor --target "{target}"'
    text = paths.ci_jobs_file().read_text()
    assert doctor in text
    changed.write_text(text.replace(doctor, doctor.replace("{target}", "{targte}")))
    monkeypatch.setattr(jobs.paths, "ci_jobs_file", lambda: changed)
    with pytest.raises(jobs.ConfigError, match="unknown placeholder"):
        gitlab_pipeline([load_targets()["linux-mips"]])


def test_ci_puts_msvc_and_macos_on_their_runners() -> None:
    entries = {e["target"]: e for e in matrix_entries(load_targets().values())}
    assert entries["windows-msvc-x64"]["runs-on"].startswith("windows")
    assert entries["windows-msvc-x64"]["msvc-arch"] == "x64"
    assert entries["windows-msvc-x86"]["msvc-arch"] == "amd64_x86"
    assert entries["windows-msvc-arm64"]["runs-on"] == "windows-11-arm"
    assert entries["macos-arm64"]["runs-on"] == "macos-14"
    assert entries["macos-x86_64"]["runs-on"] == "macos-13"
    assert not any(entries[t]["install"] for t in (*MSVC, "macos-arm64", "macos-x86_64"))
    assert entries["linux-armhf"]["msvc-arch"] == ""
