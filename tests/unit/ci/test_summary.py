"""pjbuild.ci.summary: the Markdown report of the build jobs' results, from GitHub's layout
(an artifact folder per job) and GitLab's (the jobs' artifacts merged into one folder)."""

from __future__ import annotations

import json
from pathlib import Path

from pjbuild.ci.summary import summary_markdown


def test_summary_renders_results_and_missing_targets(tmp_path: Path) -> None:
    folder = tmp_path / "results" / "pjbuild-linux-mips" / "linux-mips"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(
        json.dumps(
            {
                "inputs_digest": "abc123",
                "tests": {"passed": 39, "failed": 0, "known": 0},
                "tls": {"requested": "mbedtls", "on_target_test": "passed"},
            }
        )
    )
    md = summary_markdown(tmp_path / "results", ["linux-mips", "linux-armhf"])
    assert "| linux-mips | passed | 39 | 0 | 0 | mbedtls | passed | abc123 |" in md
    assert "| linux-armhf | failed (no result" in md


def test_summary_reads_merged_artifacts(tmp_path: Path) -> None:
    """GitLab's report job: every build job's out/<target>/result.json in one folder."""
    folder = tmp_path / "out" / "linux-x86_64"
    folder.mkdir(parents=True)
    result = {"inputs_digest": "d1", "tests": {"passed": 47, "failed": 1, "known": 0}}
    (folder / "result.json").write_text(json.dumps(result))
    md = summary_markdown(tmp_path / "out", ["linux-x86_64", "linux-mips"])
    assert "| linux-x86_64 | failed | 47 | 1 | 0 |  |  | d1 |" in md
    assert "| linux-mips | failed (no result" in md
