"""pjbuild.build.patches: each version's patches apply in order to its real archive with the
real `patch`; a patch that does not apply names itself, the version and the hunk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pjbuild.build.extract import extract
from pjbuild.build.patches import apply_patches
from pjbuild.core.errors import SourceError
from pjbuild.core.steplog import StepLog
from pjbuild.inputs.sources import load_versions
from tests.conftest import SHARED_SOURCES

VERSIONS = load_versions()


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_each_versions_patches_apply_in_order_to_its_archive(name: str, tmp_path: Path) -> None:
    """The real archive, the real `patch`: what a build does before configure."""
    v = VERSIONS[name]
    src = extract(SHARED_SOURCES / v.filename, tmp_path / "src")
    log = StepLog(tmp_path / "build.log")
    apply_patches(v, src, log, lambda _text: None)
    assert not list(src.rglob("*.rej")) and not list(src.rglob("*.orig"))
    if v.patches:  # at an offset is fine, a guess is not
        assert "with fuzz" not in log.path.read_text()
    shutil.rmtree(src)


def test_a_patch_that_does_not_apply_names_itself_the_version_and_the_hunk(
    tmp_path: Path,
) -> None:
    v = VERSIONS["2.14.1"]
    src = extract(SHARED_SOURCES / v.filename, tmp_path / "src")
    p0011 = next(p for p in VERSIONS["2.17"].patches if p.file.name.startswith("0011-"))
    wrong = type(v)(**{**v.__dict__, "patches": (*v.patches, p0011)})
    with pytest.raises(SourceError) as exc:
        apply_patches(wrong, src, StepLog(tmp_path / "build.log"), lambda _text: None)
    assert exc.value.exit_code == 3
    assert exc.value.summary == f"patch {p0011.file.name} does not apply to pjproject 2.14.1"
    assert "skipped" in exc.value.hint
    assert "--- rejected in pjmedia/src/pjmedia/transport_udp.c:" in exc.value.details
    assert "@@ " in exc.value.details  # the hunk itself
