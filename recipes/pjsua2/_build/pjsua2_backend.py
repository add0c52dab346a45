"""PEP 517 backend of the pjsua2 wheel: scikit-build-core, plus the artifact's version.

The wheel's version comes from the pjbuild artifact it wraps (manifest.json), which is named
by the config setting ``cmake.define.PJBUILD_ARTIFACT`` (or the PJBUILD_ARTIFACT environment
variable). scikit-build-core's metadata providers do not see config settings, so the hooks
below export the artifact to the environment before delegating; ``dynamic_metadata`` (the
version provider named in pyproject.toml) reads it from there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from scikit_build_core import build as _skbuild
from scikit_build_core.build import (  # noqa: F401  (re-exported hooks)
    build_sdist,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
)

KEY = "cmake.define.PJBUILD_ARTIFACT"


def _export(config_settings: Optional[Mapping[str, Any]]) -> None:
    value = (config_settings or {}).get(KEY)
    if value:
        os.environ["PJBUILD_ARTIFACT"] = str(value)


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    _export(config_settings)
    return _skbuild.build_wheel(wheel_directory, config_settings, metadata_directory)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Optional[Mapping[str, Any]] = None
) -> str:
    _export(config_settings)
    return _skbuild.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def artifact() -> Path:
    value = os.environ.get("PJBUILD_ARTIFACT", "")
    if not value:
        raise RuntimeError(
            "no pjbuild artifact given: pass -Ccmake.define.PJBUILD_ARTIFACT=<folder with "
            "prefix/ and manifest.json> (printed by `pjbuild build`), or use `pjbuild wheel`"
        )
    path = Path(value).expanduser().resolve()
    if not (path / "manifest.json").is_file() or not (path / "prefix").is_dir():
        raise RuntimeError(
            f"{path} is not a pjbuild artifact (no manifest.json and prefix/): pass the folder "
            "that `pjbuild build` printed as its artifact"
        )
    return path


def dynamic_metadata(field: str, settings: Optional[Mapping[str, Any]] = None) -> str:
    if field != "version":
        raise RuntimeError(f"pjsua2_backend only provides the version, not {field}")
    manifest = json.loads((artifact() / "manifest.json").read_text())
    version = manifest.get("package_version") or manifest["source"]["upstream_version"]
    return str(version)
