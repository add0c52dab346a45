"""`pjbuild ci summary`: the build jobs' results (result.json per target) as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path


def _result(results_dir: Path, name: str) -> Path | None:
    """A target's result.json: <target>/result.json (GitLab's merged artifacts) or
    <any>/<target>/result.json (GitHub's artifact per job)."""
    own = results_dir / name / "result.json"
    if own.is_file():
        return own
    found = sorted(results_dir.glob(f"*/{name}/result.json"))
    return found[0] if found else None


def summary_markdown(results_dir: Path, targets: list[str]) -> str:
    """The build jobs' results as a Markdown table (a target without one failed)."""
    rows = [
        "## pjbuild matrix",
        "",
        "| target | status | tests passed | failed | known | TLS | on-target TLS test | artifact |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in targets:
        found = _result(results_dir, name)
        if found is None:
            rows.append(f"| {name} | failed (no result: see the job log) | | | | | | |")
            continue
        r = json.loads(found.read_text())
        t = r.get("tests", {})
        tls = r.get("tls", {})
        status = r.get("run", {}).get("status") or (
            "passed" if t.get("failed", 1) == 0 else "failed"
        )
        rows.append(
            f"| {name} | {status} "
            f"| {t.get('passed', 0)} | {t.get('failed', 0)} | {t.get('known', 0)} "
            f"| {tls.get('requested', '')} | {tls.get('on_target_test', '')} "
            f"| {r.get('inputs_digest', '')} |"
        )
    return "\n".join(rows) + "\n"


__all__ = ["summary_markdown"]
