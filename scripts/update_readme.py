"""Regenerate the README's target table from toolchains/ (tests/unit/test_readme.py checks it)."""

from __future__ import annotations

from pathlib import Path

from pjbuild.report import replace_section, targets_markdown
from pjbuild.targets import load_targets

README = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    README.write_text(
        replace_section(README.read_text(), targets_markdown(load_targets().values()))
    )
    print(f"updated {README}")
