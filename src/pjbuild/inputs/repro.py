"""Reproducible bytes: what makes two builds of the same inputs bit-identical.

Two builds with the same inputs digest, in different PJBUILD_HOME folders and at different
times, must produce the same libraries and programs. What would differ, and what pjbuild does:
  paths    every compiled path under PJBUILD_HOME (dependency prefixes) is mapped to /pjbuild,
           and the source tree being compiled (PJBUILD_HOME/work/<digest>/src) to /pjbuild/src
           (-ffile-prefix-map; GCC applies the last matching one: __FILE__, debug info,
           DW_AT_comp_dir). The tree's own map keeps the digest out of the bytes: ccache does
           not hash the working folder (CCACHE_NOHASHDIR, base_dir PJBUILD_HOME), so without it
           an object cached by a build of another configuration carried that build's folder
           name into this one's debug info (found in a max-speed artifact whose pjsip-perf
           named two work folders), and a warm cache gave other bytes than a cold one
  times    SOURCE_DATE_EPOCH = the newest file time of the extracted source archive (GCC's
           __DATE__/__TIME__; pjproject itself uses neither); archives by deterministic `ar`
           (Debian's binutils default `D`); MinGW's linker gets --no-insert-timestamp (target
           ldflags: PE headers carry a link time otherwise)
  locale   LC_ALL=C, TZ=UTC for every step
What the artifact records about a run (manifest.json, logs/) is not part of the comparison;
`manifest.json` lists the sha256 of every other file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAPPED_TO = "/pjbuild"


# changes when what the mapping makes of paths changes (part of every inputs digest: an
# artifact made under another scheme has other bytes)
SCHEME = 2


def prefix_map_flags(home: Path) -> list[str]:
    return [f"-ffile-prefix-map={home}={MAPPED_TO}"]


def tree_map_flags(tree: Path) -> list[str]:
    """The source tree being compiled as /pjbuild/src; after prefix_map_flags (last wins)."""
    return [f"-ffile-prefix-map={tree}={MAPPED_TO}/src"]


def source_date_epoch(tree: Path) -> int:
    """The newest modification time of the files of an extracted archive (tar keeps them)."""
    newest = 0
    for dirpath, _dirs, files in os.walk(tree):
        for name in files:
            try:
                newest = max(newest, int(os.lstat(os.path.join(dirpath, name)).st_mtime))
            except OSError:
                continue
    return newest


def step_env(epoch: int, home: Path) -> dict[str, str]:
    """Environment of every compile step of a tree extracted under PJBUILD_HOME, whose archive's
    newest file time is ``epoch`` (taken before patching: patched files get the current time)."""
    return {
        "SOURCE_DATE_EPOCH": str(epoch),
        "LC_ALL": "C",
        "TZ": "UTC",
        "CCACHE_BASEDIR": str(home),
        "CCACHE_NOHASHDIR": "1",
    }


def compile_env(env: dict[str, str], epoch: int, home: Path, tree: Path) -> dict[str, str]:
    """A build step's environment: ``env`` (the plan's) made reproducible (``step_env``) and
    with the tree's path mapping added to CFLAGS and CXXFLAGS (paths only: not in the digest).
    Every engine compiles with it."""
    out = {**env, **step_env(epoch, home)}
    tree_map = " ".join(tree_map_flags(tree))
    for var in ("CFLAGS", "CXXFLAGS"):
        if var in out:
            out[var] = f"{out[var]} {tree_map}"
    return out


_MAP_FLAG = re.compile(r"\s*-f(?:file|debug|macro)-prefix-map=\S+")


def drop_prefix_maps(text: str) -> str:
    """Installed files (pkg-config's Cflags) must not carry the build's own path mapping."""
    return _MAP_FLAG.sub("", text)


__all__ = [
    "MAPPED_TO",
    "SCHEME",
    "compile_env",
    "drop_prefix_maps",
    "prefix_map_flags",
    "source_date_epoch",
    "step_env",
    "tree_map_flags",
]
