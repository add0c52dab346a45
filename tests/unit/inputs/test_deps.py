"""Dependencies: recipes as data, providers per target, plans, and the source-build cache."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from pjbuild.build import deps as depbuild
from pjbuild.core.errors import BuildError, ConfigError, SourceError
from pjbuild.doctor import multiarch_setup
from pjbuild.inputs.deps import DepRecipe, load_recipes, parse_recipe, source_digest
from pjbuild.inputs.sources import SourceVersion, sha256_file
from pjbuild.inputs.targets import load_targets
from pjbuild.ontarget.calltest import CallSpec
from pjbuild.ontarget.probe import probe_source
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


def test_multiarch_setup_commands() -> None:
    assert multiarch_setup(["cmake", "libssl-dev"], []) == []
    assert multiarch_setup(["libssl-dev:armhf", "libopus-dev:armhf", "x"], ["arm64"]) == [
        ["dpkg", "--add-architecture", "armhf"],
        ["apt-get", "update"],
    ]
    assert multiarch_setup(["libssl-dev:arm64"], ["arm64"]) == []


# --- the source-build cache, with a tiny real autotools-style project --------------------

CONFIGURE = """#!/bin/sh
for a in "$@"; do case "$a" in --prefix=*) prefix="${a#--prefix=}";; esac; done
[ -n "$FAIL" ] && { echo "configure: error: asked to fail"; exit 1; }
printf 'PREFIX=%s\\n' "$prefix" > config.mk
"""
MAKEFILE = """include config.mk
all: libtiny.a
libtiny.a: tiny.c
\t$(CC) $(CFLAGS) -c tiny.c -o tiny.o && $(AR) rcs libtiny.a tiny.o
install: all
\tmkdir -p $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/tiny
\tcp libtiny.a $(DESTDIR)$(PREFIX)/lib/ && cp tiny.h $(DESTDIR)$(PREFIX)/include/tiny/
"""


def _tiny_archive(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny-1.0.tar.gz"
    files = {
        "tiny-1.0/configure": (CONFIGURE, 0o755),
        "tiny-1.0/Makefile": (MAKEFILE, 0o644),
        "tiny-1.0/tiny.c": ("int tiny(void) { return 42; }\n", 0o644),
        "tiny-1.0/tiny.h": ("int tiny(void);\n", 0o644),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, (text, mode) in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return path


def _tiny_recipe(archive: Path, tmp_path: Path, sha: str | None = None) -> DepRecipe:
    folder = tmp_path / "recipes"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.toml").write_text(
        f"""name = "tiny"
version = "1.0"
provides = "feature:tiny"
[source]
filename = "{archive.name}"
sha256 = "{sha or sha256_file(archive)}"
[build]
kind = "autotools"
tools = {{ make = "make" }}
[system]
header = "tiny/tiny.h"
"""
    )
    return parse_recipe(folder / "tiny.toml")


def _choice(recipe: DepRecipe, cflags: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from pjbuild.inputs.deps import choose

    return choose(TARGETS["linux-x86_64"], recipe, "source", "gcc", cflags=cflags)


def _tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DepRecipe:
    """The tiny project's recipe, its archive in a mirror that pjbuild fetches from."""
    archive = _tiny_archive(tmp_path / "mirror")
    monkeypatch.setenv("PJBUILD_MIRROR", str(archive.parent))
    return _tiny_recipe(archive, tmp_path)


def test_source_build_is_cached_and_published_atomically(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = _tiny(tmp_path, monkeypatch)
    choice = _choice(recipe)
    said: list[str] = []
    prefix = depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=False, say=said.append)
    assert (prefix / "lib" / "libtiny.a").is_file() and (prefix / "include/tiny/tiny.h").is_file()
    manifest = json.loads((prefix.parent / "manifest.json").read_text())
    assert manifest["inputs_digest"] == choice.digest
    assert recipe.source is not None
    archive = tmp_path / "mirror" / recipe.source.filename
    assert manifest["source"]["sha256"] == sha256_file(archive)
    assert any("building tiny" in s for s in said)
    assert not (home / "deps" / "work" / choice.digest).exists()
    said.clear()
    depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=False, say=said.append)
    assert not said, "second use is a cache hit"


def test_failed_source_build_publishes_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "1")
    choice = _choice(_tiny(tmp_path, monkeypatch))
    with pytest.raises(BuildError, match="configure failed"):
        depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=False)
    assert not (home / "deps" / "artifacts" / choice.digest).exists()


def test_dependency_checksum_mismatch_shows_both_digests(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _tiny_archive(tmp_path / "mirror")
    monkeypatch.setenv("PJBUILD_MIRROR", str(archive.parent))
    choice = _choice(_tiny_recipe(archive, tmp_path, sha="0" * 64))
    with pytest.raises(SourceError) as e:
        depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=False)
    assert "0" * 64 in e.value.summary and sha256_file(archive) in e.value.summary
    assert not (home / "deps" / "artifacts" / choice.digest).exists()


def test_source_version_of_recipe_is_a_plain_archive() -> None:
    r = RECIPES["openssl"]
    assert isinstance(r.source, SourceVersion) and r.source.patches == ()
    assert r.link_libs("windows") and r.link_libs("linux")


# --- the loopback call's verdict, from real pjsua logs (qemu-mips) ------------------------

CALLS = Path(__file__).parents[1] / "fixtures" / "calls"


SRTP_OPUS = CallSpec("opus/48000", ("srtp",))
OPUS = CallSpec("opus/48000")
SRTP_PCMU = CallSpec("PCMU/8000", ("srtp",))


def test_call_verdict_passes_on_a_real_srtp_opus_call() -> None:
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."))
    assert (r.status, r.codec, r.srtp) == ("passed", "opus", True), r.reason


def test_call_verdict_fails_when_media_cannot_start() -> None:
    """First run of the feature: Opus at 48 kHz with an 8 kHz bridge and no resampler -> 488."""
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-opus-no-resampler-488-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."))
    assert r.status == "failed"
    assert (
        r.reason
        == "the call did not reach CONFIRMED (ended with 488 (Unable to create media session))"
    )


def test_call_verdict_checks_each_feature() -> None:
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    no_crypto = text.replace("a=crypto:", "a=x-removed:")
    assert judge(no_crypto, SRTP_OPUS, 0.0, Path(".")).reason == (
        "the SDP has no RTP/SAVP + a=crypto"
    )
    assert judge(no_crypto, CallSpec("opus/48000"), 0.0, Path(".")).status == "passed"
    pcmu = text.replace("stream #0: opus (sendrecv)", "stream #0: PCMU (sendrecv)")
    assert judge(pcmu, CallSpec("opus/48000"), 0.0, Path(".")).reason == (
        "the audio stream used PCMU, not opus"
    )
    assert judge(pcmu, SRTP_PCMU, 0.0, Path(".")).status == "passed"
    hung = "\n".join(line for line in text.splitlines() if "is DISCONNECTED" not in line)
    assert "did not end" in judge(hung, SRTP_PCMU, 0.0, Path(".")).reason


def test_call_verdict_needs_both_sides_to_decode_the_others_tones(tmp_path: Path) -> None:
    from pjbuild.ontarget import audio
    from pjbuild.ontarget.calltest import CALLEE_TONES, CALLER_TONES, judge

    text = (CALLS / "mips-srtp-opus-caller.log").read_text()
    good = tmp_path / "good.wav"
    audio.write_tones(good, 48000, CALLER_TONES)
    own = tmp_path / "own.wav"  # the callee's own tones: a side that hears itself
    audio.write_tones(own, 48000, CALLEE_TONES)
    heard = {"callee": audio.hear(good, CALLER_TONES), "caller": audio.hear(own, CALLER_TONES)}
    r = judge(text, SRTP_OPUS, 0.0, Path("."), heard=heard)
    assert r.status == "failed"
    assert r.reason.startswith("the caller did not decode what the other side played: tones ")
    assert r.audio["callee"]["ok"] is True and r.audio["caller"]["ok"] is False
    heard["caller"] = audio.hear(own, CALLEE_TONES)
    assert judge(text, SRTP_OPUS, 0.0, Path("."), heard=heard).status == "passed"


def test_call_verdict_names_the_crash_of_a_caller_that_died() -> None:
    """A real caller log from qemu-arm (the race patch 0011 fixes): pjsua asserted right after
    CONFIRMED; its handler printed on stderr, which now lands in the log, and exited 1."""
    from pjbuild.ontarget.calltest import judge

    text = (CALLS / "armhf-srtp-opus-assert-caller.log").read_text()
    r = judge(text, SRTP_OPUS, 0.0, Path("."), caller_exit="exit 1")
    assert r.status == "failed"
    assert r.reason.startswith("the call did not end by itself (--duration); ")
    assert "the caller ended with exit 1: ../src/pj/sock_common.c:393: " in r.reason
    assert "Assertion `a->addr.sa_family" in r.reason and ">>>" not in r.reason
    # stderr can land in the middle of a buffered log line, even of a word ("(Ma" + "pjsua:"):
    # the message is cut out of it, from the file name on
    mid = text.replace(">>> pjsua: ../src", "11:58:15.522   conference.c  .Port 3 (Mapjsua: ../src")
    r = judge(mid, SRTP_PCMU, 0.0, Path("."), caller_exit="exit 1")
    assert r.reason.endswith(
        "exit 1: ../src/pj/sock_common.c:393: pj_sockaddr_get_len: Assertion `a->addr."
        "sa_family == PJ_AF_INET || a->addr.sa_family == PJ_AF_INET6' failed."
    )
    # no crash line: the last line is named instead; a clean exit adds nothing
    hung = "\n".join(line for line in text.splitlines() if "Assertion" not in line)
    hung = hung.replace("Error: signal 6:", "")
    r = judge(hung, SRTP_PCMU, 0.0, Path("."), caller_exit="killed by SIGKILL")
    assert r.reason.endswith("killed by SIGKILL: " + hung.strip().splitlines()[-1].strip())
    assert judge(hung, SRTP_PCMU, 0.0, Path("."), caller_exit="exit 0").reason == (
        "the call did not end by itself (--duration)"
    )


def test_exit_text_names_signals_and_pjbuilds_own_kill() -> None:
    from pjbuild.ontarget.calltest import exit_text

    assert exit_text(0, False) == "exit 0"
    assert exit_text(1, False) == "exit 1"
    assert exit_text(-11, False) == "killed by SIGSEGV"
    assert exit_text(-6, False) == "killed by SIGABRT"
    assert exit_text(-9, True) == "killed by pjbuild (it did not quit when asked)"


def test_pjsua_keeps_stderr_for_crash_reports() -> None:
    """--no-stderr sent stderr to /dev/null, and with it the assertion that CI hit."""
    from pjbuild.ontarget.calltest import pjsua_args

    args = pjsua_args(5060, SRTP_OPUS, "caller")
    assert "--no-stderr" not in args
    # only the call's codec, at its rate, and the files named relative to the work folder
    assert args[args.index("--dis-codec=*") + 1] == "--add-codec=opus/48000"
    assert "--clock-rate=48000" in args and "--use-srtp=2" in args
    assert "--play-file=call-opus-48000-caller-plays.wav" in args
    assert "--rec-file=call-opus-48000-caller-heard.wav" in args


def _scripted_calls(monkeypatch: pytest.MonkeyPatch, statuses: list[str]) -> list[int]:
    """Replace the real call by a script of outcomes; each attempt writes its own logs."""
    from pjbuild.ontarget import calltest

    made: list[int] = []

    def once(pjsua: Path, runner: object, spec: CallSpec, work: Path, logs: Path):
        made.append(len(made) + 1)
        logs.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        (logs / f"{spec.slug}-caller.log").write_text(f"attempt {len(made)}\n")
        (logs / f"{spec.slug}-callee.log").write_text(f"attempt {len(made)}\n")
        (work / f"{spec.slug}-callee-heard.wav").write_text(f"wav {len(made)}\n")
        status = statuses[len(made) - 1]
        reason = "" if status == "passed" else f"reason {len(made)}"
        return calltest.CallResult(status, reason, "opus", True, 1.0, str(logs), "exit 1")

    monkeypatch.setattr(calltest, "_call_once", once)
    return made


def test_a_failed_call_is_made_again_and_reported_flaky(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert made == [1, 2]
    assert (r.status, r.flaky) == ("passed", True)
    assert r.reason == "flaky: failed once (reason 1), passed on retry 1"
    # the failed attempt's logs are kept beside the passing one's
    logs = tmp_path / "logs"
    assert (logs / "call-opus-48000-caller.attempt1.log").read_text() == "attempt 1\n"
    assert (logs / "call-opus-48000-callee.attempt1.log").read_text() == "attempt 1\n"
    assert (logs / "call-opus-48000-caller.log").read_text() == "attempt 2\n"
    # and what the failed attempt recorded
    assert (logs / "call-opus-48000-callee-heard.attempt1.wav").read_text() == "wav 1\n"


def test_a_call_that_fails_twice_fails_with_both_reasons(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "failed", "passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert len(made) == 2
    assert (r.status, r.flaky) == ("failed", False)
    assert r.reason == "reason 2 (first attempt: reason 1)"


def test_each_failed_attempt_keeps_its_own_logs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "failed", "passed"])
    logs = tmp_path / "logs"
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", logs, retries=2)  # type: ignore[arg-type]
    assert made == [1, 2, 3] and r.flaky
    assert r.reason == "flaky: failed once (reason 1), passed on retry 2"
    assert sorted(p.name for p in logs.iterdir()) == [
        "call-opus-48000-callee-heard.attempt1.wav",
        "call-opus-48000-callee-heard.attempt2.wav",
        "call-opus-48000-callee.attempt1.log",
        "call-opus-48000-callee.attempt2.log",
        "call-opus-48000-callee.log",
        "call-opus-48000-caller.attempt1.log",
        "call-opus-48000-caller.attempt2.log",
        "call-opus-48000-caller.log",
    ]
    assert (logs / "call-opus-48000-caller.attempt2.log").read_text() == "attempt 2\n"


def test_retries_zero_makes_the_call_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["failed", "passed"])
    logs = tmp_path / "logs"
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", logs, retries=0)  # type: ignore[arg-type]
    assert made == [1] and r.status == "failed" and r.reason == "reason 1"
    assert not list(logs.glob("*.attempt*.log"))


def test_a_call_that_passes_is_made_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pjbuild.ontarget import calltest

    made = _scripted_calls(monkeypatch, ["passed"])
    r = calltest.run_call(Path("pjsua"), None, OPUS, tmp_path / "w", tmp_path / "logs")  # type: ignore[arg-type]
    assert made == [1] and (r.status, r.flaky, r.reason) == ("passed", False, "")
    assert not list((tmp_path / "logs").glob("*.attempt*.log"))


def test_call_arguments_come_from_the_feature_data() -> None:
    from pjbuild.ontarget.calltest import feature_call, pjsua_args

    plain = pjsua_args(5060, CallSpec("GSM/8000"), "callee")
    assert "--clock-rate=8000" in plain and "--use-srtp=2" not in plain
    assert "--add-codec=GSM/8000" in plain
    both = pjsua_args(5060, feature_call(("srtp", "opus")), "caller")
    assert "--use-srtp=2" in both and "--add-codec=opus/48000" in both
    assert "--clock-rate=48000" in both and "--clock-rate=8000" not in both
    assert "--ip-addr=127.0.0.1" in both and "--local-port=5060" in both
    # the call that verifies SRTP alone uses G.711
    assert feature_call(("srtp",)) == CallSpec("PCMU/8000", ("srtp",))


def test_known_failures_can_hold_for_one_tls_backend_only() -> None:
    mingw = TARGETS["windows-mingw-x86_64"]
    assert "pjlib-test:ssl_sock_test" in mingw.known_failures_for_tls("schannel")
    assert mingw.known_failures_for_tls("mbedtls") == {}
    assert mingw.known_failure("pjlib-test", "ssl_sock_test") is None


def test_configure_dropping_a_feature_is_caught(home: Path, tmp_path: Path) -> None:
    from pjbuild.core.errors import VerificationError
    from pjbuild.ontarget.probe import check_configured_features

    plan = make_plan(Request(target="linux-armhf", tls="none", features=("opus",), tests="none"))
    auto = tmp_path / "pjmedia" / "include" / "pjmedia-codec" / "config_auto.h"
    auto.parent.mkdir(parents=True)
    auto.write_text("#define PJMEDIA_HAS_OPUS_CODEC 0\n")  # what configure wrote on MinGW
    with pytest.raises(VerificationError, match="did not enable --feature opus"):
        check_configured_features(plan, tmp_path)
    auto.write_text("#define PJMEDIA_HAS_OPUS_CODEC 1\n")
    check_configured_features(plan, tmp_path)


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


# --- a preset's [deps] cflags (minimal-size: -Os, one section per function) ---------------------


def test_preset_dependency_flags_make_a_separate_dependency_build(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = _tiny(tmp_path, monkeypatch)
    plain, small = _choice(recipe), _choice(recipe, ("-Os", "-ffunction-sections"))
    assert plain.digest == source_digest(TARGETS["linux-x86_64"], recipe, "gcc")  # unchanged
    assert small.digest != plain.digest and small.prefix != plain.prefix
    assert small.summary()["cflags"] == ["-Os", "-ffunction-sections"]
    assert "cflags" not in plain.summary()
    logs = {}
    for choice in (plain, small):
        prefix = depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=False)
        logs[choice.digest] = (prefix.parent / "logs" / "build.log").read_text()
        sections = subprocess.run(
            ["readelf", "-SW", str(prefix / "lib" / "libtiny.a")], capture_output=True, text=True
        ).stdout
        assert (".text.tiny" in sections) == (choice is small)  # -ffunction-sections applied
    compile_line = [ln for ln in logs[small.digest].splitlines() if "-c tiny.c" in ln]
    assert compile_line and "-Os" in compile_line[0] and "-O2" not in compile_line[0]
    assert "-O2" in next(ln for ln in logs[plain.digest].splitlines() if "-c tiny.c" in ln)


class _Recorder:
    def __init__(self) -> None:
        self.argv: list[list[str]] = []

    def run(self, _name: str, argv: list[str], *_a: object, **_k: object) -> None:
        self.argv.append(list(argv))


@pytest.mark.parametrize("optimize", [("-O2",), ("-Os", "-ffunction-sections")])
def test_cmake_dependencies_get_the_preset_flags_instead_of_release(
    optimize: tuple[str, ...], tmp_path: Path
) -> None:
    if not shutil.which("cmake"):
        pytest.skip("cmake not installed")
    log = _Recorder()
    ctx = depbuild.BuildContext(
        RECIPES["mbedtls"],
        TARGETS["linux-armhf"],
        tmp_path,
        "/p",
        tmp_path / "d",
        1,
        False,
        log,  # type: ignore[arg-type]
        0,
        optimize=optimize,
    )
    depbuild.CMakeBuilder().build(ctx)
    configure = log.argv[0]
    flags = next(a for a in configure if a.startswith("-DCMAKE_C_FLAGS="))
    if optimize == ("-O2",):  # Mbed TLS's own Release flags, as before
        assert "-DCMAKE_BUILD_TYPE=Release" in configure and "-O" not in flags
    else:  # a build type that adds nothing, so -Os is the last word
        assert "-DCMAKE_BUILD_TYPE=None" in configure
        assert flags.startswith("-DCMAKE_C_FLAGS=-Os -ffunction-sections ")


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


def test_a_build_that_logs_below_4_is_judged_by_its_audio(tmp_path: Path) -> None:
    """A real caller log of a minimal-size build (PJ_LOG_MAX_LEVEL 1, host): pjsua printed its
    menu and nothing else, so the log-based verdict said 'did not reach CONFIRMED' of a call
    whose recordings held every tone. Such a build is judged by both recordings."""
    from pjbuild.ontarget import audio
    from pjbuild.ontarget.calltest import CALLEE_TONES, CALLER_TONES, judge

    text = (CALLS / "host-minimal-size-log1-caller.log").read_text()
    assert "CONFIRMED" not in text and "You have 1 active call" in text
    logged, silent = CallSpec("PCMU/8000"), CallSpec("PCMU/8000", log_level=1)
    assert judge(text, logged, 0.0, Path(".")).reason == "the call did not reach CONFIRMED"
    good, own = tmp_path / "good.wav", tmp_path / "own.wav"
    audio.write_tones(good, 8000, CALLER_TONES)
    audio.write_tones(own, 8000, CALLEE_TONES)
    heard = {"callee": audio.hear(good, CALLER_TONES), "caller": audio.hear(own, CALLEE_TONES)}
    r = judge(text, silent, 0.0, Path("."), heard=heard)
    assert (r.status, r.codec, r.judged_by) == ("passed", "PCMU", "audio"), r.reason
    heard["caller"] = audio.hear(own, CALLER_TONES)  # the caller heard itself
    r = judge(text, silent, 0.0, Path("."), heard=heard)
    assert r.status == "failed" and "judged by its audio alone" in r.reason
    assert r.codec == "" and r.srtp is False
    assert judge(text, silent, 0.0, Path(".")).status == "failed"  # no recording checked


@pytest.mark.parametrize(
    ("preset", "sets", "level"),
    [
        ("default", (), 5),  # pjproject's own default (pj/config.h)
        ("max-speed", (), 3),  # PJ_CONFIG_MAXIMUM_SPEED defines 3
        ("minimal-size", (), 1),  # the preset's own value over the set's 0
        ("max-speed", ("PJ_LOG_MAX_LEVEL=5",), 5),
    ],
)
def test_the_calls_know_the_builds_log_level(
    preset: str, sets: tuple[str, ...], level: int
) -> None:
    from pjbuild.build.run import codec_calls, log_level

    plan = make_plan(
        Request(target="linux-x86_64", tls="openssl", preset=preset, sets=sets, fetch=False)
    )
    assert log_level(plan) == level
    assert {c.log_level for c in codec_calls(plan)} == {level}
