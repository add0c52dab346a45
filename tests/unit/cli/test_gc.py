"""`pjbuild gc` (pjbuild.cli.gc): a bad --max-size, and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pjbuild.cli import main


def test_gc_cli(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gc", "--max-size", "x"]) == 2
    assert "bad size 'x'" in capsys.readouterr().err
    assert main(["gc", "--keep", "3", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["removed_artifacts"] == []
