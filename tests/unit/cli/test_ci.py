"""`pjbuild ci` (pjbuild.cli.ci): `ci matrix --json` and `ci github --targets --out`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pjbuild.cli import main
from pjbuild.inputs.targets import load_targets


def test_ci_matrix_json_lists_every_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "matrix", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    targets = load_targets()
    assert sorted(e["target"] for e in entries) == sorted(targets)
    by_name = {e["target"]: e for e in entries}
    assert by_name["linux-mips"]["runs-on"] == "ubuntu-latest"
    assert by_name["linux-mips"]["cross"] is True
    assert by_name["linux-mips"]["build"].startswith("pjbuild build --target linux-mips")
    unsupported = [e for e in entries if e["status"] != "supported"]
    assert unsupported and all(e["reason"] for e in unsupported)
    assert by_name["linux-aarch64"]["wheel"] is True


def test_ci_github_writes_the_chosen_targets(tmp_path: Path) -> None:
    out = tmp_path / "wf.yml"
    assert main(["ci", "github", "--targets", "linux-armhf,linux-mips", "--out", str(out)]) == 0
    wf = yaml.safe_load(out.read_text())
    include = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
    assert [e["target"] for e in include] == ["linux-armhf", "linux-mips"]
    assert main(["ci", "github", "--targets", "linux-mipz"]) == 2  # unknown target: error
