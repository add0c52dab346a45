"""Regenerate the docs' generated tables: the targets table in docs/targets.md from toolchains/,
the versions table in docs/sources.md from the versions table and the archives in the mirror
(tests/unit/test_docs.py checks both)."""

from __future__ import annotations

from pathlib import Path

from pjbuild.cli.targets import replace_section, targets_markdown
from pjbuild.inputs import versions
from pjbuild.inputs.targets import load_targets

DOCS = Path(__file__).resolve().parent.parent / "docs"
TARGETS_PAGE = DOCS / "targets.md"
SOURCES_PAGE = DOCS / "sources.md"

if __name__ == "__main__":
    TARGETS_PAGE.write_text(
        replace_section(TARGETS_PAGE.read_text(), targets_markdown(load_targets().values()))
    )
    print(f"updated {TARGETS_PAGE}")
    SOURCES_PAGE.write_text(
        replace_section(
            SOURCES_PAGE.read_text(),
            versions.markdown(versions.rows()),
            versions.TABLE_BEGIN,
            versions.TABLE_END,
        )
    )
    print(f"updated {SOURCES_PAGE}")
