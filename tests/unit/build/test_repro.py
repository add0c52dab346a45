"""pjbuild.build.repro (`pjbuild verify`'s rebuild and comparison): the fast parts.

The real two-builds comparisons are integration tests (tests/integration/test_repro.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pjbuild.build.repro import compare, load_manifest
from pjbuild.core.errors import ConfigError


def test_compare_lists_what_differs() -> None:
    out = compare({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "x", "d": "4"})
    assert out == {
        "identical": ["a"],
        "differing": ["b"],
        "only_original": ["c"],
        "only_rebuilt": ["d"],
    }


def test_verify_refuses_what_is_not_an_artifact(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a pjbuild artifact"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs_digest": "x"}))
    with pytest.raises(ConfigError, match="does not record its request"):
        load_manifest(tmp_path)
