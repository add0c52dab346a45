"""pjbuild.plan: the BuildPlan of a Request: TLS and the dependencies in configure, the header
and the environment (link order, libatomic, gc-sections), the digest (the same in two homes;
--no-fetch gives the digest of the build), the MSVC and macOS plans from the pins, the
request's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.engines import required_tools
from pjbuild.inputs.sources import load_versions
from pjbuild.ontarget.probe import probe_source
from pjbuild.plan import Request, make_plan, request_from_json, request_to_json
from tests.unit.conftest import MSVC, _cli, _pjbuild


def test_features_srtp_and_opus(home: Path) -> None:
    plan = make_plan(
        Request(target="linux-armhf", tls="none", features=("srtp", "opus"), tests="none")
    )
    names = [d.name for d in plan.deps]
    assert names == ["libsrtp", "opus"]
    srtp, opus = plan.deps
    assert "#define PJMEDIA_HAS_SRTP 1" in plan.header
    assert "--with-external-srtp" in plan.configure_args
    assert f"-I{srtp.prefix}/include" in dict(plan.env)["CFLAGS"]
    assert f"-L{srtp.prefix}/lib" in dict(plan.env)["LDFLAGS"]
    assert "--disable-opus" not in plan.configure_args
    assert f"--with-opus={opus.prefix}" in plan.configure_args
    assert [d.action for d in plan.tree if d.component == "srtp"] == ["dependency"]
    src = probe_source(plan)
    assert "#include <srtp2/srtp.h>" in src and "srtp_get_version_string()" in src
    assert "PJMEDIA_HAS_OPUS_CODEC" in src
    without = make_plan(Request(target="linux-armhf", tls="none", tests="none"))
    assert "--disable-opus" in without.configure_args and not without.deps


def test_schannel_is_builtin_on_windows(home: Path) -> None:
    plan = make_plan(Request(target="windows-mingw-x86_64", tls="schannel", tests="none"))
    assert plan.tls.provider == "builtin" and not plan.deps
    assert not plan.tls.configure_detects
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_SCHANNEL" in plan.header
    assert "-lsecur32" in dict(plan.env)["LIBS"].split()
    with pytest.raises(
        ConfigError, match="cannot work on linux-armhf: Schannel is part of Windows"
    ):
        make_plan(Request(target="linux-armhf", tls="schannel", tests="none"))


def test_static_link_order_for_windows(home: Path) -> None:
    """configure appends mbedtls' .pc libraries in an order a static Windows link rejects;
    LIBS carries them in link order, then the system libraries they need."""
    plan = make_plan(
        Request(target="windows-mingw-x86_64", tls="mbedtls", features=("opus",), tests="none")
    )
    env = dict(plan.env)
    libs = env["LIBS"].split()
    assert libs[:5] == ["-lmbedtls", "-lmbedx509", "-lmbedcrypto", "-lbcrypt", "-lws2_32"]
    assert "-l:libssp.a" in libs  # opus' fortify helpers, statically (no libssp-0.dll)
    assert env["LDFLAGS"].split()[:2] == ["-static-libgcc", "-static-libstdc++"]
    linux = make_plan(Request(target="linux-armhf", tls="mbedtls", tests="none"))
    assert dict(linux.env)["LIBS"].split() == ["-lmbedtls", "-lmbedx509", "-lmbedcrypto"]


def test_targets_without_8_byte_atomics_link_libatomic_for_openssl(home: Path) -> None:
    mips = make_plan(Request(target="linux-mips", tls="openssl", tests="none"))
    assert "-latomic" in dict(mips.env)["LIBS"].split()
    armhf = make_plan(Request(target="linux-armhf", tls="openssl", tests="none"))
    assert "-latomic" not in dict(armhf.env)["LIBS"].split()
    mbed = make_plan(Request(target="linux-mips", tls="mbedtls", tests="none"))
    assert "-latomic" not in dict(mbed.env)["LIBS"].split()


def test_minimal_size_plan_links_with_gc_sections_and_small_dependencies(home: Path) -> None:
    small = make_plan(Request(target="linux-armhf", preset="minimal-size", tests="none"))
    plain = make_plan(Request(target="linux-armhf", tests="none"))
    assert small.deps[0].cflags == ("-Os", "-ffunction-sections", "-fdata-sections")
    assert small.deps[0].digest != plain.deps[0].digest and plain.deps[0].cflags == ()
    assert "-Wl,--gc-sections" in dict(small.env)["LDFLAGS"].split()
    assert "--gc-sections" not in dict(plain.env).get("LDFLAGS", "")
    # Apple's linker spells it -dead_strip (planned from the pinned digest on any machine)
    mac = make_plan(Request(target="macos-arm64", preset="minimal-size", tests="none", fetch=False))
    assert "-Wl,-dead_strip" in dict(mac.env)["LDFLAGS"].split()
    assert "--gc-sections" not in dict(mac.env)["LDFLAGS"]


def test_a_tls_backend_the_release_lacks_is_refused(home: Path) -> None:
    proc = _cli("plan", "--target", "host", "--tls", "mbedtls", "--version", "2.15.1", home=home)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0] == "error: pjproject 2.15.1 has no mbedtls TLS backend (it came with 2.16)"
    assert lines[1] == "fix: --tls openssl or gnutls or none, or a newer --version"
    assert _cli("plan", "--target", "host", "--tls", "mbedtls", home=home).returncode == 0


@pytest.mark.parametrize("version", sorted(load_versions()))
def test_no_fetch_digest_is_the_digest_of_the_build(tmp_path: Path, version: str) -> None:
    """--no-fetch describes the tree by its pin: the same inputs digest (a CI cache key) as the
    plan of the verified archive, for every pinned version."""
    args = ("plan", "--target", "host", "--version", version, "--digest")
    fetched = _pjbuild(tmp_path / "home", *args)
    pinned = _pjbuild(tmp_path / "home", *args, "--no-fetch")
    assert fetched.returncode == 0 and pinned.returncode == 0, fetched.stderr + pinned.stderr
    assert len(fetched.stdout.strip()) == 32
    assert pinned.stdout.strip() == fetched.stdout.strip()


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


def test_digest_is_the_same_in_two_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import SHARED_SOURCES

    monkeypatch.setenv("PJBUILD_MIRROR", str(SHARED_SOURCES))
    digests = []
    for name in ("a", "b"):
        monkeypatch.setenv("PJBUILD_HOME", str(tmp_path / name))
        digests.append(make_plan(Request(target="linux-armhf", fetch=False)).digest)
    assert digests[0] == digests[1]


def test_request_round_trip() -> None:
    req = Request(
        target="linux-armhf",
        preset="minimal-size",
        tls="mbedtls",
        sets=("PJSUA_MAX_ACC=4",),
        features=("srtp",),
        dep_prefixes=(("openssl", "/opt/ssl"),),
        toolchains_dirs=(Path("/x/tc"),),
    )
    data = json.loads(json.dumps(request_to_json(req)))
    assert request_from_json(data) == req


@pytest.mark.parametrize("name", ["freebsd-x86_64", "freebsd-aarch64"])
def test_a_built_not_run_target_runs_no_tests_and_refuses_a_suite(home: Path, name: str) -> None:
    plan = make_plan(Request(target=name, fetch=False))
    assert plan.tests == "none" and plan.tls.backend == "mbedtls"
    assert make_plan(Request(target=name, tests="none", fetch=False)).digest == plan.digest
    with pytest.raises(ConfigError) as exc:
        make_plan(Request(target=name, tests="quick", fetch=False))
    assert "is built, not run" in exc.value.summary and "--tests quick" in exc.value.summary
    assert exc.value.exit_code == 2 and "--tests none" in exc.value.hint
    # the target that runs still defaults to quick
    assert make_plan(Request(target="linux-armeb", fetch=False)).tests == "quick"


def test_zig_macos_is_unsupported_with_the_measured_reason(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"unsupported here: zig cannot build pjlib.*AppKit"):
        make_plan(Request(target="macos-x86_64-zig", fetch=False))
    # zig cc -target <arch>-macos --version writes a.o into its working directory: not ours
    from pjbuild.inputs.targets import load_targets

    assert load_targets()["macos-arm64-zig"].compiler_version().startswith("zig 0.17.1")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "patch"), [("linux-armhf-musl", "0015"), ("freebsd-x86_64", "0016")]
)
def test_a_component_needing_a_patch_is_off_for_a_version_without_it(
    home: Path, name: str, patch: str
) -> None:
    """[components] needs_patch: WebRTC builds on these targets only with pjbuild's configure
    patch, which 2.14.1 does not take: off there with the reason, bundled on 2.17."""
    old = make_plan(Request(target=name, version="2.14.1", tls="openssl", fetch=False))
    webrtc = old.components_json()["webrtc"]
    assert webrtc["state"] == "disabled" and f"patch {patch}" in webrtc["why"]
    assert "--disable-libwebrtc" in old.configure_args
    new = make_plan(Request(target=name, tls="openssl", fetch=False))
    assert new.components_json()["webrtc"]["state"] == "bundled"
    assert "--disable-libwebrtc" not in new.configure_args


def test_shared_libraries_for_both_engines(home: Path) -> None:
    static = make_plan(Request(target="linux-armhf", tls="none", tests="none"))
    shared = make_plan(Request(target="linux-armhf", tls="none", tests="none", libs="shared"))
    assert static.libs == "static" and not static.shared_libs
    assert "--enable-shared" not in static.configure_args
    assert shared.configure_args[-1] == "--enable-shared" and shared.shared_libs
    assert shared.digest != static.digest
    assert shared.to_json(2)["libs"] == "shared"
    # the in-tree programs find the artifact's libraries through the loader's variable
    assert shared.loader_env(Path("/a/prefix")) == {"LD_LIBRARY_PATH": "/a/prefix/lib"}
    assert static.loader_env(Path("/a/prefix")) == {}
    cmake = make_plan(
        Request(target="linux-armhf", tls="none", tests="none", libs="shared", engine="cmake")
    )
    # the base's BUILD_SHARED_LIBS=OFF is replaced, not repeated
    assert [a for a in cmake.configure_args if a.startswith("BUILD_SHARED_LIBS")] == [
        "BUILD_SHARED_LIBS=ON"
    ]


@pytest.mark.parametrize(
    ("target", "libs", "needle"),
    [
        ("linux-armhf", "dynamic", "unknown library kind 'dynamic'"),
        ("windows-mingw-x86_64", "shared", "cannot have shared libraries: pjbuild builds"),
        (MSVC[0], "shared", "the msbuild engine builds static libraries only"),
        ("macos-arm64", "shared", "Mach-O dylibs"),
    ],
)
def test_shared_libraries_are_refused_where_they_cannot_be_built(
    home: Path, target: str, libs: str, needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        make_plan(Request(target=target, tests="none", libs=libs, fetch=False))


def test_the_library_kind_is_a_cli_choice_with_an_error_and_a_fix(home: Path) -> None:
    done = _cli("plan", "--target", "linux-armhf", "--libs", "dynamic", home=home)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "error: unknown library kind 'dynamic'"
    assert done.stderr.splitlines()[1].startswith("fix: known library kinds: shared, static")
    assert "Traceback" not in done.stderr
