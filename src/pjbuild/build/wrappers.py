"""A target's `[wrappers]` as programs: scripts under PJBUILD_HOME/wrappers/<digest>/ that run
a pinned tool (zig cc -target ...), with that folder put first on PATH for every step of the
build (configure, make, dependency builds, the probe, the wheel), so that the target's
compiler names resolve like any installed cross compiler's."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from pjbuild.core import paths
from pjbuild.inputs import tools
from pjbuild.inputs.targets import Target


def install(target: Target) -> Path | None:
    """Write the target's wrappers (once per content) and put their folder first on PATH.
    None when the target has none. A missing or wrongly versioned tool: exit 4, naming the
    `pip install` that fixes it."""
    if not target.wrappers:
        return None
    home = paths.home()
    used, found = tools.resolve(target.wrappers)
    tool_cache = paths.tool_cache()
    env = {
        k: v.replace("{home}", str(home)).replace("{tools}", str(tool_cache))
        for t in used
        for k, v in t.env
    }
    scripts = {
        name: tools.wrapper_script(tools.wrapper_argv(argv, found), env, target.translate)
        for name, argv in target.wrappers
    }
    digest = hashlib.sha256(repr(sorted(scripts.items())).encode()).hexdigest()[:16]
    folder = home / "wrappers" / digest
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        for name, text in scripts.items():
            script = staging / name
            script.write_text(text)
            script.chmod(0o755)
        try:
            staging.rename(folder)
        except OSError:  # another build wrote the same folder first
            shutil.rmtree(staging, ignore_errors=True)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if str(folder) not in parts:
        os.environ["PATH"] = os.pathsep.join([str(folder), *parts])
    return folder
