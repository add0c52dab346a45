"""pjbuild.wheel.sdist: what the sdist holds (the recipe, this pjbuild and its data, the
request, a static version and the build requirements), the same bytes from the same inputs,
and the refusal of a cross target. `pip install` of it is in tests/integration/test_wheel.py."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.core.tomlload import tomllib  # tomllib, or tomli on Python 3.10
from pjbuild.plan import Request, make_plan
from pjbuild.wheel.sdist import build_requires, write_sdist

REPO = Path(__file__).resolve().parents[3]


def test_sdist_holds_the_recipe_pjbuild_and_the_request(tmp_path: Path) -> None:
    request = Request(target="linux-x86_64", tls="openssl", sets=("PJ_LOG_MAX_LEVEL=4",))
    plan = make_plan(request)
    path = write_sdist(plan, request, "cp38", tmp_path / "a")
    assert path.name.startswith("pjsua2-2.17+") and path.name.endswith(".tar.gz")  # local tag
    top = path.name[: -len(".tar.gz")]
    with tarfile.open(path) as tar:
        names = set(tar.getnames())
        read = lambda n: tar.extractfile(f"{top}/{n}").read().decode()  # noqa: E731
        project = tomllib.loads(read("pyproject.toml"))
        spec = json.loads(read("pjbuild-sdist.json"))
        pkg_info = read("PKG-INFO")
    for member in ("CMakeLists.txt", "_build/pjsua2_backend.py", "_build/pjbuild/__init__.py",
                   "_build/pjbuild/wheel/stubs.py", "_build/pjbuild/resources/wheel.toml",
                   "_build/pjbuild/_data/toolchains/linux-x86_64.toml",
                   "_build/pjbuild/_data/config_site/options.toml",
                   "_build/pjbuild/_data/ci/ci.toml",
                   "_build/pjbuild/_data/ci/jobs.toml"):  # fmt: skip
        assert f"{top}/{member}" in names, member
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    # the patches pjbuild applies travel with it
    assert any(n.startswith(f"{top}/_build/pjbuild/_data/recipes/pjproject/") for n in names)
    assert project["project"]["version"] == top.split("-", 1)[1]
    assert "dynamic" not in project["project"]
    assert project["build-system"]["requires"] == build_requires()
    assert project["build-system"]["backend-path"] == ["_build"]
    assert "metadata" not in project["tool"]["scikit-build"]  # no version provider: static
    assert f"Version: {project['project']['version']}" in pkg_info
    assert spec["tls"] == "openssl" and spec["sets"] == ["PJ_LOG_MAX_LEVEL=4"]
    assert spec["tests"] == "none"  # pip install runs no test suite


def test_build_requires_cover_pjbuilds_own_dependencies() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {d.split(">")[0].split(";")[0].strip().lower() for d in declared}
    have = {r.split(">")[0].split(";")[0].strip().lower() for r in build_requires()}
    assert wanted <= have
    assert {"scikit-build-core", "swig", "cmake", "ninja"} <= have


def test_the_same_inputs_make_the_same_sdist_bytes(tmp_path: Path) -> None:
    request = Request(target="host")
    plan = make_plan(request)
    one = write_sdist(plan, request, "cp38", tmp_path / "one")
    two = write_sdist(plan, request, "cp38", tmp_path / "two")
    assert one.read_bytes() == two.read_bytes()
    assert not list((tmp_path / "one").glob(".*.tmp"))


def test_a_cross_target_cannot_make_an_sdist(tmp_path: Path) -> None:
    request = Request(target="linux-aarch64")
    with pytest.raises(ConfigError) as exc:
        write_sdist(make_plan(request), request, "cp38", tmp_path)
    assert exc.value.exit_code == 2
    assert "linux-aarch64 is a cross target" in exc.value.summary
    assert "pjbuild wheel --sdist" in exc.value.hint
    assert not tmp_path.exists() or not any(tmp_path.iterdir())  # nothing written
