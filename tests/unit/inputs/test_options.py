from __future__ import annotations

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.inputs.options import (
    configure_args,
    load_presets,
    load_schema,
    parse_raw,
    parse_sets,
    render_header,
    resolve,
)

SCHEMA = load_schema()
PRESETS = load_presets(SCHEMA)


def test_issue_required_options_are_managed() -> None:
    for name in (
        "PJ_HAS_SSL_SOCK",
        "PJ_SSL_SOCK_IMP",
        "PJ_HAS_IPV6",
        "PJ_LOG_MAX_LEVEL",
        "PJ_DEBUG",
        "PJ_IOQUEUE_MAX_HANDLES",
        "PJSIP_MAX_TSX_COUNT",
        "PJSIP_MAX_DIALOG_COUNT",
        "PJSUA_MAX_CALLS",
        "PJSUA_MAX_ACC",
        "PJSIP_MAX_PKT_LEN",
        "PJMEDIA_HAS_VIDEO",
        "PJMEDIA_HAS_SRTP",
        "PJ_CONFIG_MINIMAL_SIZE",
        "PJ_CONFIG_MAXIMUM_SPEED",
    ):
        assert name in SCHEMA.options


def test_presets_exist_and_are_documented() -> None:
    assert {"default", "minimal-size", "max-speed", "asterisk"} <= set(PRESETS)
    for preset in PRESETS.values():
        assert preset.description


@pytest.mark.parametrize("text,value", [("1", True), ("on", True), ("FALSE", False), ("0", False)])
def test_bool_values(text: str, value: bool) -> None:
    assert parse_sets(SCHEMA, [f"PJ_HAS_IPV6={text}"]) == {"PJ_HAS_IPV6": value}


def test_int_value_and_hex() -> None:
    assert parse_sets(SCHEMA, ["PJSUA_MAX_CALLS=0x40"]) == {"PJSUA_MAX_CALLS": 64}


def test_int_out_of_range_names_range() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_sets(SCHEMA, ["PJ_LOG_MAX_LEVEL=9"])
    assert "out of range" in exc.value.summary
    assert "0 to 6" in exc.value.hint


def test_not_an_integer() -> None:
    with pytest.raises(ConfigError, match="not an integer"):
        parse_sets(SCHEMA, ["PJSUA_MAX_CALLS=4;\n#include <x>"])


def test_misspelt_option_names_nearest() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_sets(SCHEMA, ["PJSUA_MAX_CALL=4"])
    assert "did you mean 'PJSUA_MAX_CALLS'" in exc.value.summary


def test_enum_rejects_unknown_value() -> None:
    with pytest.raises(ConfigError, match="unknown value for PJ_IOQUEUE_IMP"):
        parse_sets(SCHEMA, ["PJ_IOQUEUE_IMP=kqueu"])


def test_managed_option_refused_with_switch() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_sets(SCHEMA, ["PJ_HAS_SSL_SOCK=1"])
    assert "--tls" in exc.value.hint


def test_missing_equals() -> None:
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_sets(SCHEMA, ["PJ_HAS_IPV6"])


@pytest.mark.parametrize(
    "text",
    [
        "FOO=1\n#include <evil.h>",
        "FOO=1 /* x */",
        "FOO=(1",
        "FOO=a;b",
        "FOO=",
        "1FOO=1",
        "FOO BAR=1",
        'FOO="a\\"b"',
        "PJ_HAS_IPV6=1",
    ],
)
def test_set_raw_refuses_non_constants(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_raw(SCHEMA, [text])


def test_set_raw_accepts_constant_expressions() -> None:
    assert parse_raw(SCHEMA, ["MY_SIZE=(640*1024)-1", 'MY_NAME="box"']) == {
        "MY_SIZE": "(640*1024)-1",
        "MY_NAME": '"box"',
    }


def test_conflicting_sets_refused() -> None:
    sets = parse_sets(SCHEMA, ["PJ_CONFIG_MINIMAL_SIZE=1", "PJ_CONFIG_MAXIMUM_SPEED=1"])
    with pytest.raises(ConfigError, match="cannot both be on"):
        resolve(SCHEMA, PRESETS["default"], sets)


def test_handles_above_fd_setsize_need_epoll() -> None:
    sets = parse_sets(SCHEMA, ["PJ_IOQUEUE_MAX_HANDLES=4096"])
    with pytest.raises(ConfigError) as exc:
        resolve(SCHEMA, PRESETS["default"], sets)
    assert "PJ_IOQUEUE_IMP=epoll" in exc.value.hint
    ok = parse_sets(SCHEMA, ["PJ_IOQUEUE_MAX_HANDLES=4096", "PJ_IOQUEUE_IMP=epoll"])
    assert resolve(SCHEMA, PRESETS["default"], ok).value("PJ_IOQUEUE_MAX_HANDLES") == 4096


def test_set_values_count_for_validation() -> None:
    # PJ_CONFIG_MAXIMUM_SPEED defines 5000 handles: with select() that breaks the ioqueue
    sets = parse_sets(SCHEMA, ["PJ_CONFIG_MAXIMUM_SPEED=1"])
    with pytest.raises(ConfigError, match="FD_SETSIZE"):
        resolve(SCHEMA, PRESETS["default"], sets)
    resolve(SCHEMA, PRESETS["max-speed"], {})  # the preset picks epoll


def test_header_is_sorted_deterministic_and_names_overrides() -> None:
    sets = parse_sets(SCHEMA, ["PJSUA_MAX_CALLS=64", "PJ_LOG_MAX_LEVEL=3"])
    config = resolve(SCHEMA, PRESETS["default"], sets)
    one = render_header(SCHEMA, config, generator="t")
    two = render_header(
        SCHEMA, resolve(SCHEMA, PRESETS["default"], dict(reversed(sets.items()))), generator="t"
    )
    assert one == two
    assert " * preset: default" in one
    assert "overrides: PJSUA_MAX_CALLS=64 PJ_LOG_MAX_LEVEL=3" in one
    defines = [line.split()[1] for line in one.splitlines() if line.startswith("#define PJ")]
    assert defines == sorted(defines)
    assert "#define PJSUA_MAX_CALLS 64" in one


def test_set_includes_sample_and_explicit_values_win() -> None:
    config = resolve(SCHEMA, PRESETS["minimal-size"], {})
    text = render_header(SCHEMA, config, generator="t")
    assert "#define PJ_CONFIG_MINIMAL_SIZE 1\n#include <pj/config_site_sample.h>" in text
    # the explicit value comes after the include, with an #undef first
    assert text.index("#include <pj/config_site_sample.h>") < text.index(
        "#undef PJ_LOG_MAX_LEVEL\n#define PJ_LOG_MAX_LEVEL 1"
    )


def test_configure_only_option_not_rendered_but_implies_flag() -> None:
    config = resolve(SCHEMA, PRESETS["default"], parse_sets(SCHEMA, ["PJ_IOQUEUE_IMP=epoll"]))
    assert "#define PJ_IOQUEUE_IMP" not in render_header(SCHEMA, config, generator="t")
    assert "--enable-epoll" in configure_args(SCHEMA, config)
    off = resolve(SCHEMA, PRESETS["default"], parse_sets(SCHEMA, ["PJMEDIA_HAS_VIDEO=0"]))
    assert "--disable-video" in configure_args(SCHEMA, off)


def test_raw_macros_rendered_after_managed() -> None:
    config = resolve(SCHEMA, PRESETS["default"], {}, parse_raw(SCHEMA, ["MY_X=(1<<4)"]))
    text = render_header(SCHEMA, config, generator="t")
    assert "#define MY_X (1<<4)" in text
    assert "raw:MY_X=(1<<4)" in text


def test_preset_known_failures_have_reasons() -> None:
    for preset in PRESETS.values():
        for key, reason in preset.known_failures:
            program, _, test = key.partition(":")
            assert program.endswith("-test") and test, key
            assert len(reason) > 40, f"{preset.name}: {key} needs a real reason"
    assert dict(PRESETS["minimal-size"].known_failures)["pjlib-test:errno_test"]
