from __future__ import annotations

from pathlib import Path

from pjbuild.cli.targets import TABLE_BEGIN, TABLE_END, targets_markdown
from pjbuild.inputs.targets import load_targets

REPO = Path(__file__).resolve().parents[2]


def test_readme_target_table_matches_toolchains() -> None:
    text = (REPO / "README.md").read_text()
    section = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip()
    assert section == targets_markdown(load_targets().values()), (
        "README target table drifted from toolchains/: run python scripts/update_readme.py"
    )


def test_readme_versions_table_matches_the_versions_table(home: Path) -> None:
    from pjbuild.inputs import versions

    text = (REPO / "README.md").read_text()
    section = text.split(versions.TABLE_BEGIN, 1)[1].split(versions.TABLE_END, 1)[0].strip()
    assert section == versions.markdown(versions.rows()), (
        "README versions table drifted from conandata.yml: run python scripts/update_readme.py"
    )


def test_readme_starts_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert block[0].startswith("./dev main") and block[1].startswith("./dev test")


def test_readme_documents_every_command() -> None:
    from pjbuild.cli import _HANDLERS

    text = (REPO / "README.md").read_text()
    for name in _HANDLERS:
        assert f"pjbuild {name}" in text


def test_readme_patch_table_lists_every_patch_once() -> None:
    """One row per patch file the versions table applies, in one unbroken table."""
    import re

    from pjbuild.inputs.sources import load_versions

    text = (REPO / "README.md").read_text()
    rows = re.findall(r"^\| `(\d{4}-[^`]+\.patch)` \|", text, flags=re.M)
    files = {p.file.name for v in load_versions().values() for p in v.patches}
    assert sorted(rows) == sorted(files)
    # a blank line inside the table would end it: the rows are consecutive lines
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if re.match(r"\| `\d{4}-", line)]
    assert at == list(range(at[0], at[0] + len(at)))
