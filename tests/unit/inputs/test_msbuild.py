"""The MSVC targets (pjbuild.inputs.msbuild and their toolchain files), checked against
pjproject's own Visual Studio files.

MSVC cannot run here: these tests check the names pjbuild relies on against those the pinned
source's pjproject-vs14.sln, *.vcxproj and build/vs/*.props define (the solution builds the
projects for the platform, the props match the target, requires_tree is what libpjproject
references). What pjbuild would run is checked in test_plan.py, how it collects the artifact
in engines/test_msbuild.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pjbuild.inputs import msbuild
from pjbuild.inputs.sources import load_versions
from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.tree import scan_archive
from tests.unit.conftest import DFSG, MSVC

# which build/vs props file sets $(TargetCPU) for a solution platform
PLATFORM_PROPS = {
    "x64": "pjproject-vs14-win64-common-defaults.props",
    "Win32": "pjproject-vs14-win32-common-defaults.props",
    "ARM64": "pjproject-vs14-arm64-common-defaults.props",
}


def _spec(name: str) -> msbuild.MSBuildSpec:
    target = load_targets()[name]
    return msbuild.parse_spec(target.raw, target.path)


def _prop(text: str, name: str) -> str:
    m = re.search(rf"<{name}>([^<]*)</{name}>", text)
    assert m, name
    return m.group(1)


@pytest.mark.parametrize("name", MSVC)
def test_solution_builds_the_projects_for_the_platform(name: str, vs_files: dict[str, str]) -> None:
    spec = _spec(name)
    sln = vs_files[spec.solution]
    config = f"{spec.configuration}|{spec.platform}"
    assert f"{config} = {config}" in sln  # a solution configuration
    guids = dict(re.findall(r'Project\("\{[^}]+\}"\) = "([^"]+)", "[^"]+", "\{([^}]+)\}"', sln))
    for project in (*spec.projects, "libpjproject"):
        assert project in guids, f"{project} is not a project of {spec.solution}"
        # the solution configuration builds the project in the same configuration
        assert f"{{{guids[project]}}}.{config}.Build.0 = {config}" in sln, project


@pytest.mark.parametrize("name", MSVC)
def test_props_match_the_target(name: str, vs_files: dict[str, str]) -> None:
    spec = _spec(name)
    common = vs_files["build/vs/pjproject-vs14-common-config.props"]
    assert _prop(common, "BuildToolset") == spec.toolset
    defaults = vs_files["build/vs/pjproject-vs14-common-defaults.props"]
    assert _prop(defaults, "VSVer") == spec.vs_ver
    platform = vs_files[f"build/vs/{PLATFORM_PROPS[spec.platform]}"]
    assert _prop(platform, "TargetCPU") == spec.target_cpu
    m = re.search(
        rf"<PreprocessorDef Condition=\"'\$\(Platform\)'=='{spec.platform}'\">([^<]*)<", common
    )
    assert m, spec.platform
    assert [d for d in m.group(1).split(";") if d] == list(spec.defines)
    static = vs_files["build/vs/pjproject-vs14-release-static-defaults.props"]
    assert _prop(static, "RuntimeLibrary") == "MultiThreaded"  # /MT, as the probe compiles


def _third_party_folders(vs_files: dict[str, str], project_path: str) -> set[str]:
    """third_party folders a project's sources live in, e.g. third_party/gsm."""
    text = vs_files[project_path]
    found = set()
    for inc in re.findall(r'<ClCompile Include="\.\.\\\.\.\\([^\\"]+)\\', text):
        found.add(f"third_party/{inc}")
    return found


def test_requires_tree_is_what_libpjproject_references(vs_files: dict[str, str]) -> None:
    lib = vs_files["pjsip-apps/build/libpjproject.vcxproj"]
    refs = re.findall(r'ProjectReference Include="\.\.\\\.\.\\(third_party\\[^"]+)"', lib)
    assert refs
    needed: set[str] = set()
    for ref in refs:
        needed |= _third_party_folders(vs_files, ref.replace("\\", "/"))
    for name in MSVC:
        assert set(load_targets()[name].requires_tree) == needed


def test_dfsg_archive_lacks_what_conandata_says(vs_files: dict[str, str], home: Path) -> None:
    version = load_versions()["2.17-dfsg"]
    present = scan_archive(DFSG, version.sha256)
    assert version.removed
    assert not set(version.removed) & present
    referenced: set[str] = set()
    for path in vs_files:
        if path.startswith("third_party/build/"):
            referenced |= _third_party_folders(vs_files, path)
    assert set(version.removed) <= referenced  # upstream folders, not typos
    assert not load_versions()["2.17"].removed
