from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_SOURCES = Path(os.environ.get("PJBUILD_TEST_SOURCES", REPO.parent / "shared" / "sources"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private PJBUILD_HOME and the pinned sources as the mirror."""
    h = tmp_path / "home"
    monkeypatch.setenv("PJBUILD_HOME", str(h))
    monkeypatch.setenv("PJBUILD_MIRROR", str(SHARED_SOURCES))
    monkeypatch.delenv("PJBUILD_TOOLCHAINS_PATH", raising=False)
    monkeypatch.delenv("PJBUILD_PRESETS_PATH", raising=False)
    # a zig target's build puts its wrappers (under this home) first on PATH: undone after
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))
    return h


@pytest.fixture
def fixtures() -> Path:
    return Path(__file__).resolve().parent / "unit" / "fixtures"
