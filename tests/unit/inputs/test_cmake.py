"""The cmake engine's translation of the plan's configure arguments (resources/cmake.toml): every
argument any plan makes is translated or refused with its name, never dropped; older trees and
unknown engines are refused at plan time (exit 2)."""

from __future__ import annotations

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.inputs import cmake
from pjbuild.inputs.options import load_presets, load_schema
from pjbuild.inputs.targets import load_targets
from pjbuild.plan import Request, make_plan

FEATURES = ("srtp", "opus")


def _entries(args: list[str]) -> dict[str, str]:
    return dict(e.partition("=")[::2] for e in cmake.translate(args))


def test_values_and_order() -> None:
    got = _entries(["--host=arm-linux-gnueabihf", "--with-ssl=/opt/ssl", "--disable-video"])
    assert got["PJLIB_WITH_SSL"] == "openssl" and got["OPENSSL_ROOT_DIR"] == "/opt/ssl"
    assert got["PJMEDIA_WITH_VIDEO"] == "OFF"
    assert got["PJ_SKIP_EXPERIMENTAL_NOTICE"] == "ON"  # the base
    assert not any(k.startswith("--host") for k in got)
    # a later argument for the same entry wins (as on a cmake command line), once
    later = cmake.translate(["--with-ssl=/usr", "--disable-ssl"])
    assert [e for e in later if e.startswith("PJLIB_WITH_SSL=")] == ["PJLIB_WITH_SSL="]
    assert _entries(["--with-opus=/x"])["PJMEDIA_WITH_OPUS_CODEC"] == "ON"


@pytest.mark.parametrize(
    ("arg", "says"),
    [
        ("--disable-pjsua2", "always builds pjsua2"),
        ("ac_cv_func_getifaddrs=no", "configure cache answer"),
        ("--enable-something-new", "no CMake equivalent"),
    ],
)
def test_what_cannot_be_expressed_is_refused_with_its_name(arg: str, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        cmake.translate(["--disable-video", arg])
    assert arg in err.value.summary and says in err.value.summary
    assert "--engine autotools" in err.value.hint


def test_every_argument_a_plan_makes_is_translated_or_refused() -> None:
    """Across the targets, TLS backends, presets and features: each configure argument has an
    entry in [args] or [refused] (a new configure argument without one fails here)."""
    schema = load_schema()
    presets = list(load_presets(schema, []))
    data = cmake.load()
    keys = [k for k, _ in data.args] + [k for k, _ in data.refused]
    seen: set[str] = set()
    for target in load_targets([]).values():
        if not target.supported or target.engine != "autotools":
            continue
        combos = [(tls, "default", f) for tls in target.tls_backends for f in ((), FEATURES)]
        combos += [(None, preset, ()) for preset in presets if preset != "default"]
        for tls, preset, features in combos:
            try:
                plan = make_plan(
                    Request(target=target.name, tls=tls, preset=preset, features=features,
                            fetch=False)
                )  # fmt: skip
            except ConfigError:
                continue  # a combination the target refuses anyway
            seen.update(plan.configure_args)
    assert len(seen) > 40
    unmatched = [a for a in seen if not any(cmake._match(k, a) is not None for k in keys)]
    assert unmatched == []


def test_the_plan_runs_cmake_with_the_translation() -> None:
    auto = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False))
    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False, engine="cmake"))
    assert plan.engine == "cmake" and auto.engine == "autotools"
    assert plan.digest != auto.digest  # the engine is an input
    assert list(plan.configure_args) == cmake.translate(auto.configure_args, tls="mbedtls")
    commands = plan.build_commands(3)
    assert commands[0][:2] == ["cmake", "-S"] and "-DPJLIB_WITH_SSL=mbedtls" in commands[0]
    assert commands[1][-2:] == ["--parallel", "3"]
    assert plan.to_json(3)["engine"] == "cmake"


@pytest.mark.parametrize(("target", "tls"), [("windows-mingw-x86_64", "schannel")])
def test_a_backend_upstreams_cmake_cannot_build_is_refused(target: str, tls: str) -> None:
    """Schannel is --disable-ssl to configure (part of Windows; config_site.h selects it);
    upstream's CMake has a FATAL_ERROR "TODO" where it would build it."""
    with pytest.raises(ConfigError) as err:
        make_plan(Request(target=target, tls=tls, fetch=False, engine="cmake"))
    assert f"cannot build TLS backend {tls}" in err.value.summary and "TODO" in err.value.summary
    assert "--engine autotools" in err.value.hint
    plan = make_plan(Request(target=target, tls="mbedtls", fetch=False, engine="cmake"))
    assert "PJLIB_WITH_SSL=mbedtls" in plan.configure_args


def test_what_upstreams_cmake_never_builds_on_an_os_is_off_with_why() -> None:
    def webrtc(engine: str | None) -> dict[str, str]:
        plan = make_plan(Request(target="windows-mingw-x86_64", fetch=False, engine=engine))
        return dict(plan.components_json()["webrtc"])

    assert webrtc(None)["state"] == "bundled"  # configure builds it for MinGW
    off = webrtc("cmake")
    assert off["state"] == "disabled" and "never builds the bundled WebRTC AEC" in off["why"]
    host = make_plan(Request(target="host", fetch=False, engine="cmake"))
    assert host.components_json()["webrtc"]["state"] == "bundled"


@pytest.mark.parametrize("version", ["2.15.1", "2.14.1"])
def test_trees_without_cmakelists_are_refused(version: str) -> None:
    with pytest.raises(ConfigError) as err:
        make_plan(Request(target="host", version=version, engine="cmake", fetch=False))
    assert f"{version} has no CMakeLists.txt" in err.value.summary
    assert "2.16" in err.value.hint and "2.17" in err.value.hint and "2.15" not in err.value.hint


def test_an_msbuild_target_has_no_other_engine() -> None:
    msvc = next(t for t in load_targets([]).values() if t.engine == "msbuild")
    with pytest.raises(ConfigError) as err:
        make_plan(Request(target=msvc.name, engine="cmake", fetch=False))
    assert "builds with msbuild only" in err.value.summary


def test_version_tuple() -> None:
    assert cmake.version_tuple("3.28.1") == (3, 28, 1)
    assert cmake.version_tuple("4.0.0-rc1") == (4, 0, 0)
    assert cmake.version_tuple("x") == ()
    assert cmake.version_tuple("3.27.9") < cmake.version_tuple(cmake.load().min_cmake)
