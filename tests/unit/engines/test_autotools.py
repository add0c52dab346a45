"""pjbuild.engines.autotools: the compile environment maps the work tree out of the bytes
(after the home's map), even when ccache serves the object."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.core.ccache import OFF, ccache_for
from pjbuild.inputs import repro
from pjbuild.plan import Request, make_plan


def _compile_with_ccache(home: Path, digest: str, ccache_dir: Path) -> tuple[bytes, str]:
    """pjproject's way of compiling (relative source path, -g, under home/work/<digest>/src)
    through the engine's environment; the object's bytes and ccache's verdict."""
    from pjbuild.core.steplog import StepLog
    from pjbuild.engines.autotools import AutotoolsEngine

    src = home / "work" / digest / "src"
    (src / "build").mkdir(parents=True)
    (src / "x.c").write_text("const char *where(void) { return __FILE__; }\n")
    plan = make_plan(Request(target="host", tls="none", tests="none", fetch=False))
    engine = AutotoolsEngine(StepLog(home / "log.txt"), ccache=ccache_for(True), epoch=1)
    env = {**os.environ, **engine._env(plan, src), "CCACHE_DIR": str(ccache_dir)}
    cc, cflags = env["CC"].split(), env["CFLAGS"].split()
    subprocess.run(
        [*cc, *cflags, "-c", "../x.c", "-o", "x.o"], cwd=src / "build", env=env, check=True
    )
    stats = subprocess.run(
        ["ccache", "--print-stats"], env=env, capture_output=True, text=True
    ).stdout
    return (src / "build" / "x.o").read_bytes(), stats


@pytest.mark.skipif(not shutil.which("ccache"), reason="ccache not installed")
def test_objects_do_not_name_the_work_folder_even_from_ccache(home: Path, tmp_path: Path) -> None:
    """Two configurations (two work folders) compiling the same file: ccache serves the second
    from the first (it does not hash the folder), so the bytes must not name it."""
    first, _ = _compile_with_ccache(home, "a" * 32, tmp_path / "ccache")
    second, stats = _compile_with_ccache(home, "b" * 32, tmp_path / "ccache")
    assert re.search(r"direct_cache_hit\s+1|preprocessed_cache_hit\s+1", stats), stats
    assert first == second
    assert b"/pjbuild/src" in first and b"aaaa" not in first and str(home).encode() not in first


def test_the_tree_map_comes_after_the_home_map(home: Path) -> None:
    from pjbuild.core.steplog import StepLog
    from pjbuild.engines.autotools import AutotoolsEngine

    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False))
    tree = home / "work" / plan.digest / "src"
    env = AutotoolsEngine(StepLog(home / "log.txt"), ccache=OFF)._env(plan, tree)
    for var in ("CFLAGS", "CXXFLAGS"):
        flags = env[var].split()
        home_map = flags.index(f"-ffile-prefix-map={home.resolve()}=/pjbuild")
        assert flags.index(f"-ffile-prefix-map={tree}=/pjbuild/src") > home_map  # last wins
    assert plan.inputs()["repro"] == repro.SCHEME
    assert str(tree) not in json.dumps(plan.inputs())  # the digest does not name the folder
