"""Regenerate the docs' generated tables: the targets table in docs/targets.md from toolchains/,
the versions table in docs/sources.md from the versions table and the archives in the mirror,
the cmake engine's option mapping in docs/engines.md from resources/cmake.toml
(tests/unit/test_docs.py checks them), and the module map in docs/development.md from the
package's docstrings (checked against the tree)."""

from __future__ import annotations

import ast
from pathlib import Path

from pjbuild.cli.targets import TABLE_BEGIN, TABLE_END, targets_markdown
from pjbuild.inputs import cmake, versions
from pjbuild.inputs.targets import load_targets

DOCS = Path(__file__).resolve().parent.parent / "docs"
TARGETS_PAGE = DOCS / "targets.md"
SOURCES_PAGE = DOCS / "sources.md"
DEVELOPMENT_PAGE = DOCS / "development.md"
ENGINES_PAGE = DOCS / "engines.md"
PACKAGE = Path(__file__).resolve().parent.parent / "src" / "pjbuild"
MAP_BEGIN = "<!-- module-map:begin -->"
MAP_END = "<!-- module-map:end -->"


def replace_section(text: str, table: str, begin: str, end: str) -> str:
    """``text`` with what lies between the ``begin`` and ``end`` markers replaced by ``table``."""
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def module_map_markdown(package: Path = PACKAGE) -> str:
    """One row per module of src/pjbuild (a package's row: its __init__'s docstring), lowest
    layer first as tests/unit/test_layers.py orders them."""
    rows = ["| module | what it does |", "| --- | --- |"]
    for path in sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).parts):
        rel = path.relative_to(package)
        if rel.name == "__main__.py":
            continue
        name = ".".join(("pjbuild", *rel.with_suffix("").parts)).removesuffix(".__init__")
        shown = f"**`{name}`**" if rel.name == "__init__.py" else f"`{name}`"
        rows.append(f"| {shown} | {_summary(path)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    TARGETS_PAGE.write_text(
        replace_section(
            TARGETS_PAGE.read_text(),
            targets_markdown(load_targets().values()),
            TABLE_BEGIN,
            TABLE_END,
        )
    )
    print(f"updated {TARGETS_PAGE}")
    ENGINES_PAGE.write_text(
        replace_section(
            ENGINES_PAGE.read_text(), cmake.markdown(), cmake.TABLE_BEGIN, cmake.TABLE_END
        )
    )
    print(f"updated {ENGINES_PAGE}")
    SOURCES_PAGE.write_text(
        replace_section(
            SOURCES_PAGE.read_text(),
            versions.markdown(versions.rows()),
            versions.TABLE_BEGIN,
            versions.TABLE_END,
        )
    )
    print(f"updated {SOURCES_PAGE}")
    DEVELOPMENT_PAGE.write_text(
        replace_section(DEVELOPMENT_PAGE.read_text(), module_map_markdown(), MAP_BEGIN, MAP_END)
    )
    print(f"updated {DEVELOPMENT_PAGE}")
