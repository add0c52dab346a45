"""Where pjbuild finds its data and keeps its cache.

Data folders (``toolchains/``, ``config_site/``, ``recipes/pjproject/``) live at the top of the
repository; an installed wheel carries them under ``pjbuild/_data``. Users add their own targets
and presets with ``--toolchains-dir`` / ``--presets-dir`` or ``PJBUILD_TOOLCHAINS_PATH`` /
``PJBUILD_PRESETS_PATH`` (os.pathsep-separated); their files win over the shipped ones.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

_PKG = Path(__file__).resolve().parent.parent  # src/pjbuild (this file is core/paths.py)


def data_root() -> Path:
    """The folder holding toolchains/, config_site/ and recipes/ (wheel or source checkout)."""
    shipped = _PKG / "_data"
    if (shipped / "toolchains").is_dir():
        return shipped
    checkout = _PKG.parent.parent  # src/pjbuild -> repository root
    if (checkout / "toolchains").is_dir():
        return checkout
    raise RuntimeError(f"pjbuild data folders not found under {shipped} or {checkout}")


def resources() -> Path:
    return _PKG / "resources"


def ci_data_file() -> Path:
    """ci/ci.toml: the CI generator's data (the top-level ci/ folder; shipped as _data/ci)."""
    return data_root() / "ci" / "ci.toml"


def ci_jobs_file() -> Path:
    """ci/jobs.toml: the build job every CI generator renders (shipped as _data/ci)."""
    return data_root() / "ci" / "jobs.toml"


def _env_dirs(var: str) -> list[Path]:
    value = os.environ.get(var, "")
    return [Path(p) for p in value.split(os.pathsep) if p]


def toolchain_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Search order, later folders override earlier ones: shipped, env, command line."""
    return [
        data_root() / "toolchains",
        *_env_dirs("PJBUILD_TOOLCHAINS_PATH"),
        *(extra or []),
    ]


def preset_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [
        data_root() / "config_site" / "presets",
        *_env_dirs("PJBUILD_PRESETS_PATH"),
        *(extra or []),
    ]


def toml_files(folders: list[Path], extra: list[Path] | None, kind: str) -> list[Path]:
    """The *.toml files of data folders, in search order (later ones override earlier).

    A folder the user named (`extra`) must exist; shipped or env folders may be absent.
    """
    files: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            if folder in (extra or []):
                from pjbuild.core.errors import ConfigError

                raise ConfigError(f"{kind} folder {folder} does not exist")
            continue
        files += sorted(folder.glob("*.toml"))
    return files


def option_schema_file() -> Path:
    return data_root() / "config_site" / "options.toml"


def conandata_file() -> Path:
    return data_root() / "recipes" / "pjproject" / "conandata.yml"


def recipes_root() -> Path:
    return data_root() / "recipes"


def patches_root() -> Path:
    return data_root() / "recipes" / "pjproject"


def home() -> Path:
    """PJBUILD_HOME: cache and work root."""
    env = os.environ.get("PJBUILD_HOME")
    if env:
        try:
            return Path(env).expanduser().resolve()
        except (RuntimeError, OSError):  # a symbolic link loop (RuntimeError before 3.13)
            from pjbuild.core.errors import HomeError

            raise HomeError(
                f"PJBUILD_HOME={env}: a symbolic link loop",
                hint="point PJBUILD_HOME at a folder (or a link to one)",
            ) from None
    return Path(platformdirs.user_cache_dir("pjbuild"))


def tool_cache() -> Path:
    """PJBUILD_TOOL_CACHE: the caches of pinned tools (zig's builds of a target's libc),
    shared by every PJBUILD_HOME; default: the user's cache folder, pjbuild/tools (where the
    default home is). Not under the home: what it holds depends on the tool only, and its path
    reaches the debug info of every program zig links (measured), so two homes would give
    different bytes."""
    env = os.environ.get("PJBUILD_TOOL_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir("pjbuild")) / "tools"


def pyroots() -> Path:
    """PJBUILD_PYROOTS: where target Python roots live (default PJBUILD_HOME/pyroots); shared
    by several PJBUILD_HOMEs, e.g. the test suite's, which must not download them."""
    env = os.environ.get("PJBUILD_PYROOTS")
    if env:
        return Path(env).expanduser().resolve()
    return home() / "pyroots"


def mirrors() -> list[Path]:
    """PJBUILD_MIRROR: folders of archives consulted by file name before any URL."""
    return [p.expanduser().resolve() for p in _env_dirs("PJBUILD_MIRROR")]
