"""pjbuild.wheel.build: validation, the pip wheel command (native and cross), the repair tool
per OS, abi3audit's report, the recipe's backend and files (fast, no build; the real wheel
builds and calls are in tests/integration/test_wheel.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.plan import Request, make_plan
from pjbuild.wheel.build import (
    _abi3_summary,
    check_api,
    check_artifact,
    check_plan,
    check_target,
    pip_wheel_command,
    toolchain_file,
)
from tests.unit.conftest import _target
from tests.unit.wheel.conftest import _fake_python

REPO = Path(__file__).resolve().parents[3]


def test_python_api_is_validated() -> None:
    assert check_api("cp38") == "cp38"
    assert check_api("cp311") == "cp311"
    for bad in ("cp37", "py3", "cp3", "38", "abi3"):
        with pytest.raises(ConfigError) as exc:
            check_api(bad)
        assert bad in exc.value.summary
        assert "cp3X" in (exc.value.hint or "")


def test_only_targets_with_a_wheel_table_build_wheels() -> None:
    check_target(_target("linux-x86_64"))
    check_target(_target("linux-aarch64"))
    with pytest.raises(ConfigError) as exc:
        check_target(_target("windows-mingw-x86_64"))
    assert "windows-mingw-x86_64" in exc.value.summary
    assert "[wheel]" in (exc.value.hint or "")


def test_configurations_without_pjsua2_are_refused_before_building(home: Path) -> None:
    check_plan(make_plan(Request(target="linux-aarch64", tests="none")))  # default: pjsua2
    small = make_plan(Request(target="linux-aarch64", preset="minimal-size", tests="none"))
    with pytest.raises(ConfigError) as exc:
        check_plan(small)
    assert "preset 'minimal-size' leaves out" in exc.value.summary
    assert "--set PJ_EXCLUDE_PJSUA2=false" in exc.value.hint
    both = make_plan(
        Request(
            target="linux-aarch64",
            preset="minimal-size",
            sets=("PJ_EXCLUDE_PJSUA2=false",),
            tests="none",
        )
    )
    check_plan(both)  # the preset's choice, overridden
    assert "--disable-pjsua2" not in both.configure_args
    assert "--disable-pjsua2" in small.configure_args
    by_set = make_plan(Request(target="linux-aarch64", sets=("PJ_EXCLUDE_PJSUA2=1",), tests="none"))
    with pytest.raises(ConfigError, match="which --set leaves out"):
        check_plan(by_set)


def test_a_shared_library_wheel_is_refused_before_building(home: Path) -> None:
    shared = make_plan(Request(target="linux-aarch64", libs="shared", tests="none"))
    with pytest.raises(ConfigError, match="links pjproject's static libraries") as exc:
        check_plan(shared)
    assert exc.value.hint == "leave out --libs (or pass --libs static)"


def test_artifact_without_the_pjsua2_library_is_refused(tmp_path: Path) -> None:
    swig = tmp_path / "prefix" / "share" / "pjproject" / "swig"
    swig.mkdir(parents=True)
    (swig / "pjsua2.i").write_text("%module pjsua2\n")
    lib = tmp_path / "prefix" / "lib"
    lib.mkdir()
    (lib / "libpjsua-x86_64-pc-linux-gnu.a").write_bytes(b"!<arch>\n")
    with pytest.raises(BuildError, match="has no pjsua2 library"):
        check_artifact(tmp_path)
    (lib / "libpjsua2-x86_64-pc-linux-gnu.a").write_bytes(b"!<arch>\n")
    check_artifact(tmp_path)


def test_native_wheel_command(tmp_path: Path) -> None:
    cmd = pip_wheel_command(
        recipe=REPO / "recipes" / "pjsua2",
        artifact=tmp_path / "art",
        out=tmp_path / "raw",
        build_dir=tmp_path / "build",
        api="cp38",
        target=_target("linux-x86_64"),
        target_python=None,
        toolchain=None,
        jobs=3,
        ccache=False,
    )
    argv = list(cmd.argv)
    assert argv[:4] == [sys.executable, "-m", "pip", "wheel"]
    assert f"-Ccmake.define.PJBUILD_ARTIFACT={tmp_path / 'art'}" in argv
    assert "-Cwheel.py-api=cp38" in argv
    assert "--no-build-isolation" in argv
    assert not any("TOOLCHAIN" in a or "PYTHON_INCLUDE" in a for a in argv)
    env = dict(cmd.env)
    assert "_PYTHON_HOST_PLATFORM" not in env
    assert env["CMAKE_BUILD_PARALLEL_LEVEL"] == "3"
    assert env["PATH"].startswith(str(Path(sys.executable).parent))


def test_cross_wheel_command_and_toolchain(tmp_path: Path) -> None:
    target = _target("linux-aarch64")
    cmd = pip_wheel_command(
        recipe=REPO / "recipes" / "pjsua2",
        artifact=tmp_path / "art",
        out=tmp_path / "raw",
        build_dir=tmp_path / "build",
        api="cp311",
        target=target,
        target_python=_fake_python(tmp_path),
        toolchain=tmp_path / "tc.cmake",
        jobs=1,
        ccache=False,
    )
    argv = list(cmd.argv)
    assert f"-Ccmake.define.CMAKE_TOOLCHAIN_FILE={tmp_path / 'tc.cmake'}" in argv
    assert (
        f"-Ccmake.define.PJSUA2_PYTHON_INCLUDE_DIRS={tmp_path / 'inc1'};{tmp_path / 'inc2'}" in argv
    )
    assert "-Cwheel.py-api=cp311" in argv
    assert dict(cmd.env)["_PYTHON_HOST_PLATFORM"] == "linux-aarch64"

    text = toolchain_file(target)
    assert "set(CMAKE_SYSTEM_NAME Linux)" in text
    assert "set(CMAKE_SYSTEM_PROCESSOR aarch64)" in text
    assert "set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)" in text
    assert "set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)" in text
    assert re.search(r"set\(CMAKE_STRIP \S*aarch64-linux-gnu-strip\)", text)

    with pytest.raises(ConfigError):
        pip_wheel_command(
            recipe=REPO,
            artifact=tmp_path,
            out=tmp_path,
            build_dir=tmp_path,
            api="cp38",
            target=target,
            target_python=None,
            toolchain=None,
            jobs=1,
            ccache=False,
        )


def test_abi3audit_report_is_summarised() -> None:
    good = {
        "specs": {
            "w.whl": {
                "kind": "wheel",
                "wheel": [
                    {
                        "name": "_pjsua2.abi3.so",
                        "result": {
                            "is_abi3": True,
                            "baseline": "3.8",
                            "computed": "3.8",
                            "non_abi3_symbols": [],
                        },
                    }
                ],
            }
        }
    }
    summary = _abi3_summary(json.dumps(good))
    assert summary["clean"] is True
    assert summary["modules"]["_pjsua2.abi3.so"]["computed"] == "3.8"
    bad = json.loads(json.dumps(good))
    bad["specs"]["w.whl"]["wheel"][0]["result"]["non_abi3_symbols"] = ["PyObject_GetBuffer"]
    assert _abi3_summary(json.dumps(bad))["clean"] is False
    assert _abi3_summary("{}")["clean"] is False  # no module checked: not clean


def _backend() -> ModuleType:
    path = paths.recipes_root() / "pjsua2" / "_build" / "pjsua2_backend.py"
    spec = importlib.util.spec_from_file_location("pjsua2_backend_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recipe_backend_takes_the_version_from_the_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _backend()
    monkeypatch.delenv("PJBUILD_ARTIFACT", raising=False)
    with pytest.raises(RuntimeError, match=r"-Ccmake\.define\.PJBUILD_ARTIFACT"):
        backend.dynamic_metadata("version", {})
    art = tmp_path / "art"
    (art / "prefix").mkdir(parents=True)
    monkeypatch.setenv("PJBUILD_ARTIFACT", str(art))
    with pytest.raises(RuntimeError, match="not a pjbuild artifact"):
        backend.dynamic_metadata("version", {})
    (art / "manifest.json").write_text(
        json.dumps({"package_version": "2.17+openssl.abcd1234", "source": {}})
    )
    assert backend.dynamic_metadata("version", {}) == "2.17+openssl.abcd1234"
    # the -C setting reaches the provider through the backend hooks
    monkeypatch.delenv("PJBUILD_ARTIFACT")
    backend._export({"cmake.define.PJBUILD_ARTIFACT": str(art)})
    assert backend.artifact() == art.resolve()


def test_recipe_files_agree_with_pjbuild() -> None:
    recipe = paths.recipes_root() / "pjsua2"
    pyproject = (recipe / "pyproject.toml").read_text()
    assert 'wheel.py-api = "cp38"' in pyproject
    assert 'requires-python = ">=3.8"' in pyproject
    cmake = (recipe / "CMakeLists.txt").read_text()
    assert "-threads" in cmake  # what patch 0009 is about
    assert "share/pjproject/swig" in cmake
    configure = (paths.resources() / "configure.toml").read_text()
    assert '"share/pjproject/swig"' in configure


def test_wheel_repair_tool_per_os(tmp_path: Path) -> None:
    from pjbuild.wheel.build import repair_command

    wheel, out = tmp_path / "w.whl", tmp_path / "out"
    assert Path(repair_command("linux", wheel, out)[0]).name == "auditwheel"
    assert repair_command("macos", wheel, out)[1:] == ["-w", str(out), str(wheel)]
    assert Path(repair_command("macos", wheel, out)[0]).name == "delocate-wheel"
    assert repair_command("windows", wheel, out)[1:] == ["repair", "-w", str(out), str(wheel)]
    with pytest.raises(ConfigError, match="no wheel repair tool"):
        repair_command("plan9", wheel, out)


def test_the_wheel_of_linux_x86_64_and_aarch64_is_their_portable_twins() -> None:
    from pjbuild.inputs.targets import load_targets, wheel_target

    targets = load_targets([])
    for name in ("linux-x86_64", "linux-aarch64"):
        twin = wheel_target(targets[name], targets)
        assert twin.name == f"{name}-glibc217"
        assert twin.glibc == "2.17" and twin.wheel_python == "debian-root"
        assert twin.wheel_platform == name  # the sysconfig platform: linux-x86_64, linux-aarch64
        assert wheel_target(targets[name], targets, bound=True).name == name
        assert wheel_target(twin, targets).name == twin.name  # a twin has no twin


def test_a_portable_twin_that_is_not_a_target_is_refused(tmp_path: Path) -> None:
    import dataclasses

    from pjbuild.inputs.targets import load_targets, wheel_target

    targets = load_targets([])
    broken = dataclasses.replace(targets["linux-x86_64"], wheel_portable="linux-x86_64-glibc999")
    with pytest.raises(ConfigError) as exc:
        wheel_target(broken, targets)
    assert "'linux-x86_64-glibc999' is not a known target" in exc.value.summary
    assert "--bound" in exc.value.hint
