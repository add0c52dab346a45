"""pjbuild.build.wrappers: a zig target's [wrappers] become scripts under PJBUILD_HOME, first on
PATH, running the pinned zig (the real one, from the ziglang package the dev extra installs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pjbuild.build import wrappers
from pjbuild.core import paths
from pjbuild.inputs.targets import load_targets


def test_zig_wrappers_are_written_once_and_found_on_path(home: Path) -> None:
    target = load_targets()["linux-armeb"]
    assert dict(target.wrappers)["armeb-linux-musleabi-cc"][1:] == (
        "cc",
        "-target",
        "armeb-linux-musleabi",
    )
    assert shutil.which(target.compilers.cc) is None
    folder = wrappers.install(target)
    assert folder is not None and folder.parent == home / "wrappers"
    assert shutil.which(target.compilers.cc) == str(folder / target.compilers.cc)
    script = (folder / target.compilers.cc).read_text()
    # zig's cache is the tool cache, the same for every home (its path reaches debug info)
    assert f"ZIG_GLOBAL_CACHE_DIR={paths.tool_cache()}/zig" in script
    assert str(home) not in script.split("exec")[0]
    version = subprocess.run(
        [target.compilers.cc, "--version"], capture_output=True, text=True, check=True
    )
    assert "clang version" in version.stdout  # zig cc is clang
    assert wrappers.install(target) == folder  # the same content: the same folder, reused
    assert os.environ["PATH"].split(os.pathsep).count(str(folder)) == 1


def test_the_compiler_version_in_the_digest_names_the_zig_pin(home: Path) -> None:
    line = load_targets()["linux-armeb"].compiler_version()
    assert line.startswith("zig 0.17.1: ") and "clang version" in line


def test_a_target_without_wrappers_writes_nothing(home: Path) -> None:
    assert wrappers.install(load_targets()["linux-armhf"]) is None
    assert not (home / "wrappers").exists()
