"""Regenerate the README's generated tables: targets from toolchains/, versions from the
versions table and the archives in the mirror (tests/unit/test_readme.py checks both)."""

from __future__ import annotations

from pathlib import Path

from pjbuild.cli.targets import replace_section, targets_markdown
from pjbuild.inputs import versions
from pjbuild.inputs.targets import load_targets

README = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    text = replace_section(README.read_text(), targets_markdown(load_targets().values()))
    text = replace_section(
        text, versions.markdown(versions.rows()), versions.TABLE_BEGIN, versions.TABLE_END
    )
    README.write_text(text)
    print(f"updated {README}")
