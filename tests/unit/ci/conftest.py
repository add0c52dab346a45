"""A user's target in a --toolchains-dir folder, for the CI generators' tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[3] / "toolchains"

MyBoard = Callable[..., None]


@pytest.fixture
def my_board() -> MyBoard:
    def write(folder: Path, name: str, extra: str = "") -> None:
        """linux-mips under another name, with ``extra`` TOML appended."""
        text = (SHIPPED / "linux-mips.toml").read_text().replace('"linux-mips"', f'"{name}"', 1)
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.toml").write_text(text + extra)

    return write
