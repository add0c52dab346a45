"""The docs site (docs/, mkdocs.yml) and the README landing page: the generated tables match
their data, every command is documented, the links resolve and the site builds strictly."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pjbuild.cli.targets import TABLE_BEGIN, TABLE_END, targets_markdown
from pjbuild.inputs.targets import load_targets

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "pjbuild"
DOCS = REPO / "docs"
README = REPO / "README.md"
README_MAX_BYTES = 12288
REGENERATE = "run python scripts/update_docs.py"


def test_targets_table_matches_toolchains() -> None:
    text = (DOCS / "targets.md").read_text()
    section = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip()
    assert section == targets_markdown(load_targets().values()), (
        f"docs/targets.md target table drifted from toolchains/: {REGENERATE}"
    )


def test_versions_table_matches_the_versions_table(home: Path) -> None:
    from pjbuild.inputs import versions

    text = (DOCS / "sources.md").read_text()
    section = text.split(versions.TABLE_BEGIN, 1)[1].split(versions.TABLE_END, 1)[0].strip()
    assert section == versions.markdown(versions.rows()), (
        f"docs/sources.md versions table drifted from conandata.yml: {REGENERATE}"
    )


def test_cmake_mapping_table_matches_cmake_toml() -> None:
    from pjbuild.inputs import cmake

    text = (DOCS / "engines.md").read_text()
    section = text.split(cmake.TABLE_BEGIN, 1)[1].split(cmake.TABLE_END, 1)[0].strip()
    assert section == cmake.markdown(), f"docs/engines.md drifted from cmake.toml: {REGENERATE}"
    assert "`--disable-pjsua2` | **refused**" in section


def test_readme_starts_with_the_two_commands() -> None:
    lines = README.read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert block[0].startswith("./dev main") and block[1].startswith("./dev test")


def test_readme_is_a_landing_page() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, (
        f"README.md is {size} bytes, more than {README_MAX_BYTES}: move the detail to docs/"
    )


@pytest.mark.parametrize("page", ["docs/commands.md", "README.md"])
def test_every_command_is_documented(page: str) -> None:
    from pjbuild.cli import COMMANDS

    text = (REPO / page).read_text()
    missing = [name for name in COMMANDS if f"pjbuild {name}" not in text]
    assert not missing, f"{page} does not mention {', '.join(f'pjbuild {n}' for n in missing)}"


def test_readme_relative_links_resolve() -> None:
    """Every relative link of the README names a file of the repository (an anchor after # is
    not checked: GitHub and the docs site slug headings differently)."""
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    relative = [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:|#", link)]
    assert relative, "the README links to no docs page"
    broken = [link for link in relative if not (REPO / link.split("#", 1)[0]).exists()]
    assert not broken, f"README.md links to missing files: {broken}"


def test_patch_table_lists_every_patch_once() -> None:
    """One row per patch file the versions table applies, in one unbroken table."""
    from pjbuild.inputs.sources import load_versions

    text = (DOCS / "sources.md").read_text()
    rows = re.findall(r"^\| `(\d{4}-[^`]+\.patch)` \|", text, flags=re.M)
    files = {p.file.name for v in load_versions().values() for p in v.patches}
    assert sorted(rows) == sorted(files)
    # a blank line inside the table would end it: the rows are consecutive lines
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if re.match(r"\| `\d{4}-", line)]
    assert at == list(range(at[0], at[0] + len(at)))


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None,
    reason="mkdocs is not installed (pip install -e '.[dev]' brings mkdocs-material)",
)
def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs --strict fails on a broken link or anchor and on a page missing from the nav
    (mkdocs.yml's validation settings turn those into warnings). Not with -q: it hides the
    warnings from the count --strict fails on, and the build passes."""
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"


def test_the_module_map_lists_every_module_of_the_tree() -> None:
    """docs/development.md's module map is the tree's: a new, moved or removed module (or a
    changed docstring) without `python scripts/update_docs.py` fails."""
    from scripts.update_docs import MAP_BEGIN, MAP_END, module_map_markdown

    text = (REPO / "docs" / "development.md").read_text()
    section = text.split(MAP_BEGIN, 1)[1].split(MAP_END, 1)[0].strip()
    assert section == module_map_markdown(), (
        "docs/development.md's module map drifted from src/pjbuild: "
        "run python scripts/update_docs.py"
    )
    listed = set(re.findall(r"`(pjbuild[.\w]*)`", section))
    on_disk = {
        ".".join(("pjbuild", *p.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        for p in SRC.rglob("*.py")
        if p.name != "__main__.py"
    }
    assert listed == on_disk
