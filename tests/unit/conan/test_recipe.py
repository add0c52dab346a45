"""pjbuild.conan.recipe: host profiles (cross, native, MSVC) and the `conan create` command line
(fast; the real `conan create` runs are integration tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pjbuild.conan.recipe import CreateArgs, create_command, overrides_option, profile_text
from pjbuild.core.errors import ConfigError
from pjbuild.inputs.targets import load_targets, resolve_target
from pjbuild.plan import Request, make_plan


def _target(name: str):  # type: ignore[no-untyped-def]
    return resolve_target(name, load_targets([]))


def _section(text: str, name: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"[{name}]") + 1
    out = []
    for line in lines[start:]:
        if line.startswith("["):
            break
        if line.strip():
            out.append(line)
    return out


def test_cross_profile_has_settings_compilers_and_the_emulator(home: Path) -> None:
    text = profile_text(_target("linux-armhf"))
    settings = dict(line.split("=", 1) for line in _section(text, "settings"))
    assert settings["os"] == "Linux" and settings["arch"] == "armv7hf"
    assert settings["compiler"] == "gcc" and settings["compiler.version"].isdigit()
    assert "pjproject/*:target=linux-armhf" in _section(text, "options")
    assert "CC=arm-linux-gnueabihf-gcc" in _section(text, "buildenv")
    conf = dict(line.split("=", 1) for line in _section(text, "conf"))
    assert json.loads(conf["tools.build:compiler_executables"])["c"].endswith(
        "arm-linux-gnueabihf-gcc"
    )
    assert conf["tools.build.cross_building:can_run"] == "True"
    assert json.loads(conf["user.pjbuild:runner"])[0] == "qemu-arm"


def test_native_profile_has_no_runner_and_lists_system_dependencies(home: Path) -> None:
    plan = make_plan(Request(target="linux-x86_64", tls="openssl", tests="none"))
    text = profile_text(plan.target, plan)
    assert "user.pjbuild:runner" not in text
    assert "can_run" not in text
    assert _section(text, "platform_requires") == ["openssl/3.0.20"]
    assert "pjproject/*:system_deps=openssl" in _section(text, "options")
    source = make_plan(Request(target="linux-x86_64", tls="mbedtls", tests="none"))
    assert "[platform_requires]" not in profile_text(source.target, source)


def test_target_without_conan_arch_is_refused(home: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        profile_text(_target("linux-alpha"))
    assert "linux-alpha" in exc.value.summary and "arch" in exc.value.summary


def test_create_command_is_offline_and_carries_binary_options(tmp_path: Path) -> None:
    args = CreateArgs(
        preset="minimal-size",
        tls="mbedtls",
        features=("srtp",),
        overrides=("PJSUA_MAX_CALLS=8", "PJ_LOG_MAX_LEVEL=3"),
        tests="quick",
    )
    argv = create_command(_target("linux-mips"), "2.17-dfsg", tmp_path / "p", args)
    assert argv[:2] == ["conan", "create"]
    assert "-nr" in argv
    assert "--version=2.17-dfsg" in argv
    assert f"-pr:h={tmp_path / 'p'}" in argv
    assert "-o:h=pjproject/*:preset=minimal-size" in argv
    assert "-o:h=pjproject/*:tls=mbedtls" in argv
    assert "-o:h=pjproject/*:srtp=True" in argv
    assert "-o:h=pjproject/*:opus=False" in argv
    assert "-o:h=pjproject/*:deps_from=default" in argv
    assert "-o:h=pjproject/*:engine=default" in argv  # the target's engine
    assert "-o:h=pjproject/*:shared=False" in argv  # static unless --libs shared
    assert "-o:h=pjproject/*:overrides=PJSUA_MAX_CALLS=8;PJ_LOG_MAX_LEVEL=3" in argv
    assert "-c:h=user.pjbuild:tests=quick" in argv  # a conf: not in the package_id
    assert "-c:a=tools.cmake.cmake_layout:test_folder=$TMP" in argv


def test_create_command_of_a_shared_library_build(tmp_path: Path) -> None:
    args = CreateArgs(
        preset="default", tls="default", features=(), overrides=(), tests="quick", shared=True
    )
    argv = create_command(_target("linux-armhf"), "2.17", tmp_path / "p", args)
    assert "-o:h=pjproject/*:shared=True" in argv


def test_overrides_are_canonical() -> None:
    assert overrides_option(("B=2", "A=1")) == "A=1;B=2"
    for bad in (("A",), ("A=1;B=2",)):
        with pytest.raises(ConfigError):
            overrides_option(bad)


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


def test_a_zig_target_profile_is_clang_with_libcxx(home: Path) -> None:
    text = profile_text(resolve_target("linux-aarch64-musl", load_targets()))
    settings = text.split("[settings]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert "compiler=clang" in settings and "compiler.libcxx=libc++" in settings
    assert "compiler.version=22" in settings  # zig 0.17.1's clang
    assert "arch=armv8" in settings


def test_big_endian_arm_has_no_conan_arch(home: Path) -> None:
    with pytest.raises(ConfigError, match="linux-armeb has no Conan arch"):
        profile_text(resolve_target("linux-armeb", load_targets()))
