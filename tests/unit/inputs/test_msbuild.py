"""The MSVC targets, checked against pjproject's own Visual Studio files.

MSVC cannot run here: these tests check what pjbuild would run (the MSBuild command line, its
environment, config_site.h) and how it collects the artifact, against the names the pinned
source's pjproject-vs14.sln, *.vcxproj and build/vs/*.props define. Output file names are
derived from the .vcxproj/.props patterns by expanding their MSBuild macros, not written here.
Nothing pretends that a build happened.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path, PurePosixPath

import pytest

from pjbuild.ci.workflow import matrix_entries
from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.core.steplog import StepLog
from pjbuild.engines import required_tools
from pjbuild.engines.msbuild import MSBuildEngine, run_env
from pjbuild.inputs import msbuild
from pjbuild.inputs.sources import load_versions
from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.testsuites import load_catalog
from pjbuild.inputs.tree import scan_archive
from pjbuild.ontarget.probe import probe_argv
from pjbuild.ontarget.testsuites import collect_test_tree
from pjbuild.plan import Request, make_plan
from tests.conftest import SHARED_SOURCES

MSVC = ("windows-msvc-x64", "windows-msvc-x86", "windows-msvc-arm64")
# which build/vs props file sets $(TargetCPU) for a solution platform
PLATFORM_PROPS = {
    "x64": "pjproject-vs14-win64-common-defaults.props",
    "Win32": "pjproject-vs14-win32-common-defaults.props",
    "ARM64": "pjproject-vs14-arm64-common-defaults.props",
}
DFSG = SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz"


@pytest.fixture(scope="module")
def vs_files() -> dict[str, str]:
    """The solution, project and property files of the pinned source (top folder stripped)."""
    out = {}
    with tarfile.open(DFSG) as tar:
        for member in tar:
            rel = "/".join(PurePosixPath(member.name).parts[1:])
            if member.isfile() and rel.endswith((".sln", ".vcxproj", ".props")):
                fh = tar.extractfile(member)
                assert fh is not None
                out[rel] = fh.read().decode("utf-8-sig", errors="replace")
    return out


def _spec(name: str) -> msbuild.MSBuildSpec:
    target = load_targets()[name]
    return msbuild.parse_spec(target.raw, target.path)


def _prop(text: str, name: str) -> str:
    m = re.search(rf"<{name}>([^<]*)</{name}>", text)
    assert m, name
    return m.group(1)


def _expand(pattern: str, spec: msbuild.MSBuildSpec, project: str) -> str:
    """An MSBuild output path pattern with the solution's macros filled in."""
    values = {
        "TargetCPU": spec.target_cpu,
        "Platform": spec.platform,
        "VSVer": spec.vs_ver,
        "Configuration": spec.configuration,
        "ProjectName": project,
    }
    return re.sub(r"\$\((\w+)\)", lambda m: values[m.group(1)], pattern).replace("\\", "/")


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


@pytest.mark.parametrize("name", MSVC)
def test_plan_without_fetching(
    name: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PJBUILD_MIRROR", str(tmp_path / "empty-mirror"))  # no archive here
    plan = make_plan(Request(target=name, fetch=False))
    assert plan.source.version.version == "2.17"
    assert plan.source.origin == "pinned"
    assert not (home / "downloads").exists()  # nothing was fetched
    assert plan.configure_args == ()
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_SCHANNEL" in plan.header
    assert "#define PJ_HAS_SSL_SOCK 1" in plan.header
    spec = plan.msbuild_spec()
    assert plan.build_commands(3) == [
        [
            "msbuild",
            "pjproject-vs14.sln",
            "-nologo",
            "-m:3",
            "-t:pjsua;pjlib_test;pjlib_util_test;pjnath_test;pjmedia_test;pjsip_test",
            "-p:Configuration=Release-Static",
            f"-p:Platform={spec.platform}",
            "-p:PlatformToolset=v143",
            "-v:minimal",
        ]
    ]
    assert dict(plan.env) == {}  # Schannel: nothing to add to the Developer Prompt's INCLUDE/LIB
    assert required_tools(plan.target) == ["msbuild", "cl.exe", "patch"]
    assert plan.digest == make_plan(Request(target=name, fetch=False)).digest


def test_msvc_refuses_the_dfsg_archive(home: Path) -> None:
    with pytest.raises(ConfigError, match=r"2\.17-dfsg cannot be built.*third_party/gsm"):
        make_plan(Request(target="windows-msvc-x64", version="2.17-dfsg", fetch=False))


def test_openssl_from_a_prefix(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="comes from a folder where it is installed") as exc:
        make_plan(Request(target="windows-msvc-x64", tls="openssl", fetch=False))
    assert "--dep-prefix openssl=PATH" in exc.value.hint
    plan = make_plan(
        Request(
            target="windows-msvc-x64",
            tls="openssl",
            dep_prefixes=(("openssl", "C:\\OpenSSL-Win64"),),
            fetch=False,
        )
    )
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_OPENSSL" in plan.header
    assert dict(plan.env) == {
        "INCLUDE": "C:\\OpenSSL-Win64\\include",
        "LIB": "C:\\OpenSSL-Win64\\lib",
    }
    # the Developer Prompt's own folders come after the prefix's
    monkeypatch.setenv("INCLUDE", "C:\\VS\\include")
    monkeypatch.delenv("LIB", raising=False)
    env = run_env(plan)
    assert env["INCLUDE"] == "C:\\OpenSSL-Win64\\include;C:\\VS\\include"
    assert env["LIB"] == "C:\\OpenSSL-Win64\\lib"
    with pytest.raises(ConfigError, match="cannot work on windows-msvc-x64"):
        make_plan(Request(target="windows-msvc-x64", tls="mbedtls", fetch=False))


def _fake_build(vs_files: dict[str, str], spec: msbuild.MSBuildSpec, src: Path) -> None:
    """Files where the solution writes them, named by its own OutputFile patterns."""
    defaults = vs_files["build/vs/pjproject-vs14-common-defaults.props"]
    lib_pattern, exe_pattern = re.findall(r"<OutputFile[^>]*>([^<]+)</OutputFile>", defaults)[:2]
    outputs = {
        "pjlib/build": [_expand(lib_pattern, spec, "pjlib")],
        "pjsip/build": [_expand(lib_pattern, spec, "pjsip-core")],
        "pjsip-apps/build": [
            _expand(lib_pattern, spec, "libpjproject"),
            _expand(exe_pattern, spec, "pjsua"),
        ],
    }
    test_vcx = vs_files["pjlib/build/pjlib_test.vcxproj"]
    exe = re.findall(r"<OutputFile>([^<]+\.exe)</OutputFile>", test_vcx)[0]
    outputs["pjlib/build"].append(_expand(exe, spec, "pjlib_test"))
    for build_dir, files in outputs.items():
        for rel in files:
            path = (src / build_dir / rel).resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"MZ")
    for rel in ("symbols.i", "and_string.i", "pjsua2.i"):  # configure.toml [install]
        swig = src / "pjsip-apps" / "src" / "swig" / rel
        swig.parent.mkdir(parents=True, exist_ok=True)
        swig.write_text("/* swig */\n")
    for module in msbuild.MODULES:
        header = src / module / "include" / module.replace("-", "_") / "x.h"
        header.parent.mkdir(parents=True, exist_ok=True)
        header.write_text("/* header */\n")


@pytest.mark.parametrize("name", MSVC)
def test_artifact_collection(
    name: str, vs_files: dict[str, str], tmp_path: Path, home: Path
) -> None:
    plan = make_plan(Request(target=name, fetch=False))
    spec = plan.msbuild_spec()
    src = tmp_path / "src"
    _fake_build(vs_files, spec, src)
    prefix = tmp_path / "prefix"
    MSBuildEngine(StepLog(tmp_path / "build.log")).install(plan, src, prefix)
    suffix = f"{spec.target_cpu}-{spec.platform}-vc14-Release-Static"
    assert (prefix / "bin" / "pjsua.exe").is_file()
    assert (prefix / "lib" / f"libpjproject-{suffix}.lib").is_file()
    assert (prefix / "lib" / f"pjlib-{suffix}.lib").is_file()
    assert (prefix / "include" / "pjlib" / "x.h").is_file()
    assert (prefix / "include" / "pjsip" / "x.h").is_file()
    pc = (prefix / "lib" / "pkgconfig" / "libpjproject.pc").read_text()
    assert f"${{pcfiledir}}/../../lib/libpjproject-{suffix}.lib" in pc
    assert "ws2_32.lib" in pc
    # the test tree finds the solution's test program names like configure's
    copied = collect_test_tree(src, tmp_path / "tests", load_catalog())
    assert copied == [f"pjlib/bin/pjlib-test-{suffix}.exe"]
    # the probe is compiled with cl against that .pc
    argv = probe_argv(
        plan,
        tmp_path / "p.c",
        tmp_path / "p.exe",
        ["-I/x/include", "-DPJ_M_ARM64=1"],
        ["/x/lib/a.lib"],
    )
    assert argv[:4] == ["cl.exe", "/nologo", "/MT", "/EHsc"]
    assert argv[4:8] == [
        "-I/x/include",
        "-DPJ_M_ARM64=1",
        str(tmp_path / "p.c"),
        f"/Fe:{tmp_path / 'p.exe'}",
    ]
    assert argv[8:] == ["/link", "/x/lib/a.lib"]


def test_missing_outputs_fail_the_install(
    vs_files: dict[str, str], tmp_path: Path, home: Path
) -> None:
    plan = make_plan(Request(target="windows-msvc-x64", fetch=False))
    spec = plan.msbuild_spec()
    src = tmp_path / "src"
    _fake_build(vs_files, spec, src)
    (src / "pjsip-apps" / "bin" / f"pjsua-{spec.suffix}.exe").unlink()
    assert msbuild.missing_outputs(spec, msbuild.artifact_files(spec, src)) == ["bin/pjsua.exe"]
    with pytest.raises(BuildError, match=r"bin/pjsua\.exe is missing"):
        MSBuildEngine(StepLog(tmp_path / "b.log")).install(plan, src, tmp_path / "prefix")


def test_macos_tls_and_configure(home: Path) -> None:
    darwin = make_plan(Request(target="macos-arm64", fetch=False))
    assert darwin.tls.backend == "darwin"
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_DARWIN" in darwin.header
    # configure detects Secure Transport only when --*-darwin-ssl is absent
    assert not [a for a in darwin.configure_args if "darwin-ssl" in a]
    assert "--host" not in " ".join(darwin.configure_args)
    for backend in ("mbedtls", "none"):
        other = make_plan(Request(target="macos-arm64", tls=backend, fetch=False))
        assert "--disable-darwin-ssl" in other.configure_args, backend
    with pytest.raises(ConfigError, match="Schannel is Windows' own"):
        make_plan(Request(target="macos-x86_64", tls="schannel", fetch=False))


def test_ci_puts_msvc_and_macos_on_their_runners() -> None:
    entries = {e["target"]: e for e in matrix_entries(load_targets().values())}
    assert entries["windows-msvc-x64"]["runs-on"].startswith("windows")
    assert entries["windows-msvc-x64"]["msvc-arch"] == "x64"
    assert entries["windows-msvc-x86"]["msvc-arch"] == "amd64_x86"
    assert entries["windows-msvc-arm64"]["runs-on"] == "windows-11-arm"
    assert entries["macos-arm64"]["runs-on"] == "macos-14"
    assert entries["macos-x86_64"]["runs-on"] == "macos-13"
    assert not any(entries[t]["install"] for t in (*MSVC, "macos-arm64", "macos-x86_64"))
    assert entries["linux-armhf"]["msvc-arch"] == ""


def test_wheel_repair_tool_per_os(tmp_path: Path) -> None:
    from pjbuild.wheel.build import repair_command

    wheel, out = tmp_path / "w.whl", tmp_path / "out"
    assert Path(repair_command("linux", wheel, out)[0]).name == "auditwheel"
    assert repair_command("macos", wheel, out)[1:] == ["-w", str(out), str(wheel)]
    assert Path(repair_command("macos", wheel, out)[0]).name == "delocate-wheel"
    assert repair_command("windows", wheel, out)[1:] == ["repair", "-w", str(out), str(wheel)]
    with pytest.raises(ConfigError, match="no wheel repair tool"):
        repair_command("plan9", wheel, out)


def test_conan_profile_of_msvc(home: Path) -> None:
    from pjbuild.conan.recipe import profile_text

    target = load_targets()["windows-msvc-x64"]
    text = profile_text(target, make_plan(Request(target=target.name, fetch=False)))
    settings = text.split("[settings]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert settings == [
        "os=Windows",
        "arch=x86_64",
        "compiler=msvc",
        "compiler.cppstd=14",
        "compiler.runtime=static",
        "compiler.version=194",
        "build_type=Release",
    ]


def test_cli_dep_prefix_and_no_fetch(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pjbuild.cli import main

    assert main(["plan", "--target", "windows-msvc-x64", "--dep-prefix", "openssl"]) == 2
    assert "bad --dep-prefix 'openssl'" in capsys.readouterr().err
    assert main(["plan", "--target", "windows-msvc-arm64", "--no-fetch", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "## build (msbuild)" in out
    assert "-p:Platform=ARM64" in out


def test_build_elsewhere_is_refused_before_anything_runs(home: Path) -> None:
    from pjbuild.build.run import BuildOptions, run_build
    from pjbuild.core.errors import ToolMissingError
    from pjbuild.matrix import build_one

    plan = make_plan(Request(target="macos-arm64", fetch=False))
    assert not plan.target.builds_here()  # this machine is Linux
    with pytest.raises(ToolMissingError, match="macos-arm64 builds on Darwin only"):
        run_build(plan, BuildOptions(jobs=1))
    assert not (home / "artifacts").exists() or not any((home / "artifacts").iterdir())
    entry = build_one(load_targets()["windows-msvc-x64"], Request(), BuildOptions(jobs=1), print)
    assert entry.status == "elsewhere" and "Windows only" in entry.error
