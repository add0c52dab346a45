"""pjbuild.engines.msbuild: collecting the artifact from where pjproject's Visual Studio
solution writes it (files named by its own OutputFile patterns), and the Developer Prompt's
environment with an OpenSSL prefix. MSVC cannot run here: nothing pretends that a build
happened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.core.steplog import StepLog
from pjbuild.engines.msbuild import MSBuildEngine, run_env
from pjbuild.inputs import msbuild
from pjbuild.inputs.testsuites import load_catalog
from pjbuild.ontarget.probe import probe_argv
from pjbuild.ontarget.testsuites import collect_test_tree
from pjbuild.plan import Request, make_plan
from tests.unit.conftest import MSVC


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
