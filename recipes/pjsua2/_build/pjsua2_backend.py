"""PEP 517 backend of the pjsua2 wheel: scikit-build-core, plus the artifact's version.

The wheel's version comes from the pjbuild artifact it wraps (manifest.json), which is named
by the config setting ``cmake.define.PJBUILD_ARTIFACT`` (or the PJBUILD_ARTIFACT environment
variable). scikit-build-core's metadata providers do not see config settings, so the hooks
below export the artifact to the environment before delegating; ``dynamic_metadata`` (the
version provider named in pyproject.toml) reads it from there.

From an sdist (`pjbuild wheel --sdist`: pjbuild-sdist.json beside pyproject.toml, pjbuild
vendored in _build/) no artifact is given: ``build_wheel`` builds one first with the vendored
pjbuild's build path (the request the sdist recorded, for this machine), then the module and
its type stubs. The sdist's version is static, so the metadata hook needs no artifact.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

from scikit_build_core import build as _skbuild
from scikit_build_core.build import (  # noqa: F401  (re-exported hooks)
    build_sdist,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
)

KEY = "cmake.define.PJBUILD_ARTIFACT"
STUBGEN = "cmake.define.PJSUA2_STUBGEN"
HERE = Path(__file__).resolve().parent
SDIST_REQUEST = HERE.parent / "pjbuild-sdist.json"


def _from_source() -> str:
    """Build the artifact on this machine with the vendored pjbuild (an sdist install)."""
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.core.errors import PjbuildError
    from pjbuild.plan import Request, make_plan

    spec = json.loads(SDIST_REQUEST.read_text())
    request = Request(
        target="host",
        preset=spec["preset"],
        tls=spec["tls"],
        sets=tuple(spec["sets"]),
        set_raw=tuple(spec["set_raw"]),
        version=spec["version"],
        tests=spec["tests"],
        deps_from=spec["deps_from"],
        features=tuple(spec["features"]),
    )

    def say(message: str) -> None:
        print(f"[pjbuild] {message}", file=sys.stderr, flush=True)

    try:
        plan = make_plan(request)
        say(f"building pjproject {plan.source.version.upstream} for {plan.target.name} "
            f"(TLS {plan.tls.backend}, preset {plan.preset.name}) from source")
        outcome = run_build(plan, BuildOptions(), say)
    except PjbuildError as error:  # one error: and fix: line, as the pjbuild command prints
        print(f"error: {error.summary}", file=sys.stderr)
        if error.hint:
            print(f"fix: {error.hint}", file=sys.stderr)
        if error.details:
            print(error.details, file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    return str(outcome.artifact)


def _sdist_settings(config_settings: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    settings = dict(config_settings or {})
    if SDIST_REQUEST.is_file() and not settings.get(KEY) and not os.environ.get("PJBUILD_ARTIFACT"):
        settings[KEY] = _from_source()
        # the stubs: the vendored pjbuild, run by CMake in a process of its own
        settings.setdefault(STUBGEN, f"{sys.executable};-m;pjbuild.wheel.stubs")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    return settings


def _export(config_settings: Optional[Mapping[str, Any]]) -> None:
    value = (config_settings or {}).get(KEY)
    if value:
        os.environ["PJBUILD_ARTIFACT"] = str(value)


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    config_settings = _sdist_settings(config_settings)
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
