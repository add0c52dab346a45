"""pjbuild.doctor: what each dependency provider and the wheels need on this machine, and the
multiarch setup."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pjbuild.doctor import multiarch_setup, wheel_requirements
from pjbuild.inputs.targets import load_targets
from tests.unit.conftest import _target

TARGETS = load_targets()


def test_multiarch_setup_commands() -> None:
    assert multiarch_setup(["cmake", "libssl-dev"], []) == []
    assert multiarch_setup(["libssl-dev:armhf", "libopus-dev:armhf", "x"], ["arm64"]) == [
        ["dpkg", "--add-architecture", "armhf"],
        ["apt-get", "update"],
    ]
    assert multiarch_setup(["libssl-dev:arm64"], ["arm64"]) == []


def test_doctor_lists_what_each_provider_needs(home: Path) -> None:
    from pjbuild.doctor import missing_packages, requirements

    system = requirements(TARGETS["linux-aarch64"], "openssl", "system")
    tls = [r for r in system if r.kind == "tls" and r.required]
    assert [r.package for r in tls] == ["libssl-dev:arm64"]
    source = requirements(TARGETS["linux-mips"], "mbedtls", None, ("srtp", "opus"))
    tools = {r.what.split()[0]: r.package for r in source if r.kind == "tool"}
    assert tools["cmake"] == "cmake" and tools["make"] == "make"
    assert not [r for r in source if r.kind == "tls" and r.required]  # nothing from apt
    fake = [r for r in system if r.kind == "tls"]
    assert "libssl-dev:arm64" in missing_packages(
        [type(r)(r.what, r.kind, r.required, False, r.package) for r in fake]
    )


def test_doctor_lists_the_namespace_tools_where_tests_run_at_once(home: Path) -> None:
    from pjbuild.doctor import requirements

    def optional_tools(target: str) -> dict[str, str]:
        reqs = requirements(TARGETS[target])
        return {r.what.split()[0]: r.package for r in reqs if r.kind == "tool" and not r.required}

    wanted = {"unshare": "util-linux", "nsenter": "util-linux", "ip": "iproute2"}
    assert wanted.items() <= optional_tools("linux-x86_64").items()
    assert wanted.items() <= optional_tools("linux-armhf").items()
    assert wanted.items() <= optional_tools("windows-mingw-x86_64").items()
    assert not wanted.keys() & optional_tools("freebsd-x86_64").keys()  # built, not run


def test_doctor_lists_what_wheels_need(home: Path) -> None:
    cross = {r.what: r for r in wheel_requirements(_target("linux-aarch64"))}
    assert "mmdebstrap" in cross and cross["mmdebstrap"].package == "mmdebstrap"
    assert any(w.startswith("target Python 3.11 root") for w in cross)
    native = {r.what for r in wheel_requirements(_target("linux-x86_64"))}
    assert "mmdebstrap" not in native
    assert {"swig", "auditwheel", "abi3audit", "patchelf", "pkg-config"} <= native


def test_a_zig_target_needs_the_pinned_zig_from_pypi(home: Path) -> None:
    from pjbuild.doctor import missing_packages, missing_python, requirements
    from pjbuild.inputs.targets import load_targets

    reqs = requirements(load_targets()["linux-armeb"])
    zig = [r for r in reqs if r.kind == "python"]
    assert [r.package for r in zig] == ["ziglang==0.17.1"] and zig[0].present
    # the wrappers it installed are what the build's tools check finds
    assert {"armeb-linux-musleabi-cc", "zig-ar"} <= {r.what for r in reqs if r.present}
    absent = [replace(r, present=False) for r in reqs]
    assert missing_python(absent) == ["ziglang==0.17.1"]
    assert "ziglang==0.17.1" not in missing_packages(absent)  # not an apt package
