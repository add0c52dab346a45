"""pjbuild.inputs.deps: dependency recipes as data (pinned to the shared archives), the provider
of each dependency per target, and their digests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.inputs.deps import DepRecipe, load_recipes, source_digest
from pjbuild.inputs.sources import SourceVersion
from pjbuild.inputs.targets import load_targets
from pjbuild.plan import Request, make_plan
from tests.conftest import SHARED_SOURCES

TARGETS = load_targets()
RECIPES = load_recipes()
CROSS_LINUX = sorted(n for n, t in TARGETS.items() if t.supported and t.cross and t.os == "linux")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (SHARED_SOURCES / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        pins[name.lstrip("*")] = digest
    return pins


def test_recipes_pin_the_shared_archives() -> None:
    pins = _pins()
    built = [r for r in RECIPES.values() if r.source]
    assert {r.name for r in built} == {"mbedtls", "openssl", "libsrtp", "opus"}
    for r in built:
        assert r.source is not None
        assert pins[r.source.filename] == r.source.sha256, r.name
        assert r.source.urls and all(u.startswith("https://") for u in r.source.urls)
        assert r.tools, f"{r.name}: the programs its build needs are listed for doctor"
    assert RECIPES["gnutls"].source is None  # system only


@pytest.mark.parametrize("name", CROSS_LINUX)
@pytest.mark.parametrize("tls", ["mbedtls", "openssl"])
def test_every_linux_target_gets_tls_from_source(name: str, tls: str, home: Path) -> None:
    plan = make_plan(Request(target=name, tls=tls, tests="none"))
    (dep,) = plan.deps
    assert dep.name == tls and dep.provider == "source"
    assert dep.prefix.startswith(str(home / "deps" / "artifacts"))
    flag = {"mbedtls": "--with-mbedtls=", "openssl": "--with-ssl="}[tls]
    assert f"{flag}{dep.prefix}" in plan.configure_args
    assert "--disable-ssl" not in plan.configure_args
    env = dict(plan.env)
    # cross: configure sees only the dependency's .pc files, never the build machine's
    assert env["PKG_CONFIG_LIBDIR"] == f"{dep.prefix}/lib/pkgconfig"
    assert f"PJ_SSL_SOCK_IMP_{tls.upper()}" in plan.header
    assert TARGETS[name].openssl_target, "OpenSSL's Configure target is named in the data"


def test_host_openssl_comes_from_the_system_unless_asked(home: Path) -> None:
    system = make_plan(Request(target="host", tls="openssl", tests="none"))
    assert system.deps[0].provider == "system" and system.deps[0].package == "libssl-dev"
    assert "--with-ssl=/usr" in system.configure_args
    assert "PKG_CONFIG_LIBDIR" not in dict(system.env)
    source = make_plan(Request(target="host", tls="openssl", tests="none", deps_from="source"))
    assert source.deps[0].provider == "source"
    assert f"--with-ssl={source.deps[0].prefix}" in source.configure_args
    assert dict(source.env)["PKG_CONFIG_PATH"] == f"{source.deps[0].prefix}/lib/pkgconfig"
    assert source.digest != system.digest


def test_dependency_digest_is_shared_across_pjproject_configs(home: Path) -> None:
    a = make_plan(Request(target="linux-mips", tls="mbedtls", tests="none"))
    b = make_plan(
        Request(
            target="linux-mips",
            tls="mbedtls",
            preset="max-speed",
            sets=("PJSUA_MAX_CALLS=8",),
            tests="none",
        )
    )
    assert a.digest != b.digest
    assert a.deps[0].digest == b.deps[0].digest  # one mbedtls build serves both
    # a preset with its own [deps] cflags (minimal-size) has its own dependency builds
    m = make_plan(Request(target="linux-mips", tls="mbedtls", preset="minimal-size", tests="none"))
    assert m.deps[0].digest != a.deps[0].digest
    c = make_plan(Request(target="linux-mipsel", tls="mbedtls", tests="none"))
    assert c.deps[0].digest != a.deps[0].digest


def test_digest_does_not_depend_on_where_the_cache_lives(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_plan(Request(target="linux-mips", tls="mbedtls", tests="none"))
    monkeypatch.setenv("PJBUILD_HOME", str(tmp_path / "elsewhere"))
    b = make_plan(Request(target="linux-mips", tls="mbedtls", tests="none"))
    assert a.deps[0].prefix != b.deps[0].prefix
    assert a.digest == b.digest


def test_recipe_change_changes_both_digests() -> None:
    t = TARGETS["linux-mips"]
    r = RECIPES["mbedtls"]
    changed = DepRecipe(**{**r.__dict__, "raw": {**r.raw, "build": {"args": ["-DX=1"]}}})
    assert source_digest(t, r, "gcc 12") != source_digest(t, changed, "gcc 12")
    assert source_digest(t, r, "gcc 12") != source_digest(t, r, "gcc 13")


def test_a_change_of_the_compiler_scripts_changes_the_dependency_digest() -> None:
    """A target's [wrappers] (zig cc -target ... -mcpu=i686) change what the dependency's
    objects are: found when -mcpu=i686 was added and Mbed TLS came from the cache, built for
    zig's default pentium4."""
    import dataclasses

    t = TARGETS["linux-x86_64-glibc217"]
    r = RECIPES["mbedtls"]
    wrappers = {k: [*v, "-mcpu=x86_64_v3"] for k, v in t.raw["wrappers"].items()}
    other = dataclasses.replace(t, raw={**t.raw, "wrappers": wrappers})
    assert source_digest(t, r, "zig 0.17.1") != source_digest(other, r, "zig 0.17.1")
    translated = dataclasses.replace(t, raw={**t.raw, "translate": {"-O3": ["-O2"]}})
    assert source_digest(t, r, "zig 0.17.1") != source_digest(translated, r, "zig 0.17.1")
    # a target without either keeps the digest it had
    plain = TARGETS["linux-mips"]
    assert "wrappers" not in plain.raw and "translate" not in plain.raw


def test_system_provider_for_cross_needs_a_debian_architecture(home: Path) -> None:
    armhf = make_plan(
        Request(target="linux-armhf", tls="openssl", deps_from="system", tests="none")
    )
    assert armhf.deps[0].package == "libssl-dev:armhf"
    assert "--with-ssl=/usr" in armhf.configure_args
    assert dict(armhf.env)["PKG_CONFIG_LIBDIR"].startswith("/usr/lib/arm-linux-gnueabihf/")
    with pytest.raises(ConfigError, match="no mips multiarch packages") as e:
        make_plan(Request(target="linux-mips", tls="openssl", deps_from="system", tests="none"))
    assert e.value.hint == "use --deps-from source"


def test_system_only_and_unusable_system_dependencies(home: Path) -> None:
    with pytest.raises(ConfigError, match="gnutls cannot be built from source"):
        make_plan(Request(target="host", tls="gnutls", deps_from="source", tests="none"))
    with pytest.raises(ConfigError, match="mbedtls from the system cannot be used"):
        make_plan(Request(target="host", tls="mbedtls", deps_from="system", tests="none"))
    with pytest.raises(ConfigError, match="cannot work on linux-mips: GnuTLS comes only from"):
        make_plan(Request(target="linux-mips", tls="gnutls", tests="none"))


def test_source_version_of_recipe_is_a_plain_archive() -> None:
    r = RECIPES["openssl"]
    assert isinstance(r.source, SourceVersion) and r.source.patches == ()
    assert r.link_libs("windows") and r.link_libs("linux")
