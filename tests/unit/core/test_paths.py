"""pjbuild.core.paths: the data folders are found, and a PJBUILD_HOME that is a file or a link
loop is one error (issue 18)."""

from __future__ import annotations

from pathlib import Path

from pjbuild.core import paths
from tests.unit.conftest import _one_error, _pjbuild


def test_a_home_that_is_a_file_or_a_link_loop_is_one_error(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("not a folder")
    _one_error(_pjbuild(afile, "build", "--target", "host", "--tests", "none"), 8, "not a folder")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    _one_error(_pjbuild(tmp_path / "a", "plan", "--target", "host"), 8, "symbolic link loop")


def test_data_folders_are_found() -> None:
    root = paths.data_root()
    assert (root / "toolchains").is_dir()
    assert (root / "config_site" / "options.toml").is_file()
    assert paths.conandata_file().is_file()
