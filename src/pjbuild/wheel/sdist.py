"""The pjsua2 sdist: recipes/pjsua2 plus this pjbuild, so that `pip install pjsua2-<v>.tar.gz`
builds pjproject on the installing machine by pjbuild's own build path, then the module.

    pjsua2-<v>/
      pyproject.toml         the recipe's, with a static version and the build requirements
      CMakeLists.txt  README.md  test_wheel/
      _build/pjsua2_backend.py    the recipe's backend: with no artifact given, it builds one
      _build/pjbuild/             this pjbuild (its data in _data/), imported by the backend
      pjbuild-sdist.json          what to build: the request `pjbuild wheel --sdist` was given
      PKG-INFO

The sdist builds for the machine that installs it (target ``host``), so a cross target cannot
make one (exit 2). pjproject's tests are not run by `pip install` (``tests: none``); the
archive is fetched and checked against its pinned sha256 (or taken from PJBUILD_MIRROR).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import io
import json
import os
import re
import tarfile
from pathlib import Path
from typing import Any

from pjbuild.build.manifest import package_version
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.plan import BuildPlan, Request
from pjbuild.wheel.pyroot import wheel_data

REQUEST = "pjbuild-sdist.json"
# the data folders pjbuild reads (paths.data_root()), as a wheel of pjbuild ships them
DATA = ("toolchains", "config_site", "recipes/pjproject", "recipes/deps", "recipes/pjsua2")
DATA_FILES = ("ci/ci.toml", "ci/jobs.toml")
SKIP = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.mypy_cache)(/|$)|\.pyc$")


def check_sdist_target(plan: BuildPlan) -> None:
    target = plan.target
    if target.cross:
        raise ConfigError(
            f"an sdist cannot build for {target.name}: it builds pjproject on the machine that "
            f"installs it, and {target.name} is a cross target (its compilers, emulator and "
            "target Python are not there)",
            hint="make the sdist for the host (`pjbuild wheel --sdist`), and wheels for cross "
            f"targets (`pjbuild wheel --target {target.name}`)",
        )


def build_requires() -> list[str]:
    """What pip installs to build the sdist: the recipe's tools (wheel.toml [sdist]) and the
    vendored pjbuild's own dependencies (this pjbuild's metadata, extras left out)."""
    own = [r for r in importlib.metadata.requires("pjbuild") or [] if "extra ==" not in r]
    return [*wheel_data()["sdist"]["requires"], *own]


def sdist_request(request: Request, api: str) -> dict[str, Any]:
    return {
        "preset": request.preset,
        "tls": request.tls,
        "sets": list(request.sets),
        "set_raw": list(request.set_raw),
        "version": request.version,
        "deps_from": request.deps_from,
        "features": list(request.features),
        "tests": "none",
        "python_api": api,
    }


def pyproject(recipe_text: str, version: str, api: str) -> str:
    """The recipe's pyproject.toml for the sdist: static version, build requirements."""
    text = recipe_text
    requires = ", ".join(json.dumps(r) for r in build_requires())
    new, n = re.subn(r"(?m)^requires = \[.*\]$", f"requires = [{requires}]", text)
    new, m = re.subn(r'(?m)^dynamic = \["version"\]$', f'version = "{version}"', new)
    new, k = re.subn(r"(?ms)^\[tool\.scikit-build\.metadata\.version\]\n.*?(?=^\[|\Z)", "", new)
    new, j = re.subn(r'(?m)^wheel\.py-api = ".*"$', f'wheel.py-api = "{api}"', new)
    if (n, m, k, j) != (1, 1, 1, 1):
        raise ConfigError(
            "recipes/pjsua2/pyproject.toml no longer has the lines the sdist rewrites",
            hint="keep build-system requires, dynamic version, wheel.py-api and the version "
            "provider table in recipes/pjsua2/pyproject.toml, or update pjbuild.wheel.sdist",
        )
    return new


def pkg_info(version: str, readme: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        "Name: pjsua2\n"
        f"Version: {version}\n"
        "Summary: Python binding of pjproject's pjsua2 API, built by pjbuild\n"
        "License: GPL-2.0-or-later\n"
        "Requires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n\n" + readme
    )


def _files(root: Path, arcroot: str) -> list[tuple[str, Path]]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not SKIP.search(rel):
            out.append((f"{arcroot}/{rel}", path))
    return out


def write_sdist(plan: BuildPlan, request: Request, api: str, out: Path) -> Path:
    """Write pjsua2-<version>.tar.gz into ``out`` (one rename: never half-written)."""
    check_sdist_target(plan)
    version = package_version(plan)
    top = f"pjsua2-{version}"
    recipe = paths.recipes_root() / wheel_data()["recipe"]
    members: dict[str, bytes | Path] = {}
    for name, path in _files(recipe, top):
        members[name] = path
    members[f"{top}/pyproject.toml"] = pyproject(
        (recipe / "pyproject.toml").read_text(), version, api
    ).encode()
    members[f"{top}/{REQUEST}"] = (
        json.dumps(sdist_request(request, api), indent=2, sort_keys=True) + "\n"
    ).encode()
    members[f"{top}/PKG-INFO"] = pkg_info(version, (recipe / "README.md").read_text()).encode()
    package = Path(paths.__file__).resolve().parent.parent  # this pjbuild, vendored
    for name, path in _files(package, f"{top}/_build/pjbuild"):
        if "/_data/" not in name:
            members[name] = path
    data = paths.data_root()
    for folder in DATA:
        for name, path in _files(data / folder, f"{top}/_build/pjbuild/_data/{folder}"):
            members[name] = path
    for file in DATA_FILES:
        members[f"{top}/_build/pjbuild/_data/{file}"] = data / file
    out.mkdir(parents=True, exist_ok=True)
    final = out / f"{top}.tar.gz"
    tmp = out / f".{final.name}.tmp"
    # gzip's own header carries a time too: 0, as every member's
    with (
        tmp.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted(members):
            blob = members[name]
            payload = blob.read_bytes() if isinstance(blob, Path) else blob
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            info.mtime = 0  # the same inputs make the same bytes
            executable = isinstance(blob, Path) and os.access(blob, os.X_OK)
            info.mode = 0o755 if executable else 0o644
            tar.addfile(info, io.BytesIO(payload))
    os.replace(tmp, final)
    return final


__all__ = [
    "build_requires",
    "check_sdist_target",
    "pkg_info",
    "pyproject",
    "sdist_request",
    "write_sdist",
]
