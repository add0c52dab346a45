"""pjbuild.ontarget.probe: the verification probe's output, read and checked against the plan,
and a feature configure dropped caught."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pjbuild.core.errors import VerificationError
from pjbuild.ontarget.probe import Verified, check_components, has_runtime, read_probe
from pjbuild.ontarget.runners import Completed
from pjbuild.plan import Request, make_plan

BASICS = "PJ_HAS_SSL_SOCK=1\nPJ_SSL_SOCK_IMP=6\nPJ_IS_BIG_ENDIAN=1\nRUNTIME_BIG_ENDIAN=1\n"


def _done(output: str, returncode: int | None = 0) -> Completed:
    return Completed(("probe",), returncode, output, 0.1, returncode is None)


def _read(output: str, returncode: int | None = 0) -> Verified:
    return read_probe(_done(output, returncode), "linux-ppc", "qemu-ppc", Path("/w"), Path("t"))


def test_probe_output_gives_tls_byte_order_and_media() -> None:
    v = _read(BASICS + "MEDIA_ENDPOINT=1\nMEDIA=codec:GSM/8000/1\nMEDIA=echo:speex\n")
    assert (v.tls_backend, v.endianness) == ("mbedtls", "big")
    assert v.media == frozenset({"codec:GSM/8000/1", "echo:speex"})
    assert "MEDIA" not in v.config and v.config["MEDIA_ENDPOINT"] == "1"


def test_a_probe_that_crashes_midway_is_named_with_its_signal() -> None:
    """qemu-ppc 7.2: the probe printed its first lines, then SIGILL in libm's sin()."""
    with pytest.raises(VerificationError) as exc:
        _read(BASICS + "MEDIA_ENDPOINT=1\nMEDIA=codec:GSM/8000/1\n", returncode=-4)
    assert exc.value.summary == (
        "the verification probe crashed on the target (SIGILL, qemu-ppc) after printing 6 lines"
    )
    assert "emulator too old" in exc.value.hint and "MEDIA=codec:GSM" in exc.value.details
    with pytest.raises(VerificationError, match="did not run on the target"):
        _read("qemu: could not open ld.so\n", returncode=1)


def test_codec_ids_match_as_pjmedia_looks_them_up() -> None:
    media = frozenset({"codec:PCMU/8000/1", "codec:speex/16000/1", "echo:webrtc"})
    assert has_runtime(media, "codec:PCMU/8000") and has_runtime(media, "codec:pcmu/8000")
    assert not has_runtime(media, "codec:speex/8000")  # not a prefix of speex/16000
    assert has_runtime(media, "echo:webrtc") and not has_runtime(media, "echo:speex")


def test_a_component_configure_dropped_or_added_fails_the_build(home: Path) -> None:
    plan = make_plan(Request(target="host", tls="none"))
    built = {d.component for d in plan.tree if d.built}
    assert {"gsm", "webrtc", "g7221"} <= built
    runtimes = {c.name: c.runtime for c in plan.components if c.runtime}
    everything = frozenset(
        r for n, r in runtimes.items() if n in built and not r.startswith("codec:")
    ) | frozenset(r + "/1" for n, r in runtimes.items() if n in built and r.startswith("codec:"))
    ok = Verified("none", "little", {}, everything)
    found = check_components(plan, ok)
    assert found["gsm"] is True and found["webrtc"] is True
    assert "yuv" not in found  # no run-time check for video (off in this preset)
    # configure silently dropped GSM: the build lacks what was asked for
    with pytest.raises(VerificationError) as exc:
        check_components(plan, replace(ok, media=everything - {"codec:GSM/8000/1"}))
    assert exc.value.exit_code == 6
    assert exc.value.summary.startswith("component gsm should be built (bundled: third_party/gsm)")
    # the plan turned G.722.1 off, but the library has it: pjbuild's model is wrong, say so
    off = make_plan(Request(target="host", tls="none", sets=("PJMEDIA_HAS_G7221_CODEC=0",)))
    with pytest.raises(VerificationError, match="component g7221 should be off"):
        check_components(off, ok)


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


def test_the_tls_backend_configure_enabled_is_read_from_os_auto_macros() -> None:
    from pjbuild.build.configured import header_macros
    from pjbuild.ontarget.probe import configured_tls

    mbed = "#define PJ_HAS_SSL_SOCK 1\n#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_MBEDTLS\n"
    assert configured_tls(header_macros(mbed)) == "mbedtls"
    assert configured_tls(header_macros("/* #undef PJ_HAS_SSL_SOCK */\n")) == "none"
    assert configured_tls(header_macros("#define PJ_HAS_SSL_SOCK 1\n")) == "none"
    assert configured_tls({}) == "none"  # no os_auto.h (configure did not write it)
