"""pjbuild.inputs.options: the option schema (options.toml; a wrong value names its key),
presets, --set/--set-raw validation and deterministic rendering, and the options each version
has.

config_site.h holds exactly the macros of the config: no value, preset name or note can end a
line or the header's comment early (issue 18). The property test preprocesses what is accepted
with the host's C compiler (`cc -dM -E`) and compares the macros it defines."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.inputs.options import (
    configure_args,
    header_text_problem,
    load_presets,
    load_schema,
    parse_raw,
    parse_sets,
    render_header,
    resolve,
)
from pjbuild.inputs.sources import load_versions
from tests.conftest import SHARED_SOURCES
from tests.unit.conftest import UPSTREAM, _cli

VERSIONS = load_versions()


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


CC = shutil.which("cc") or shutil.which("gcc")


def _macros(header: str, tmp: Path) -> dict[str, str]:
    """The macros `header` defines beyond the compiler's own: name -> body as cpp prints it."""
    assert CC, "a host C compiler is needed (./dev setup installs build-essential)"
    path = tmp / "config_site.h"
    path.write_text(header)

    def defined(*args: str) -> dict[str, str]:
        out = subprocess.run([CC, "-dM", "-E", "-x", "c", *args], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        found = {}
        for line in out.stdout.splitlines():
            _, name, body = [*line.split(" ", 2), ""][:3]
            found[name] = body
        return found

    builtin = defined("/dev/null")
    return {k: v for k, v in defined(str(path)).items() if k not in builtin}


@pytest.mark.parametrize(
    "value",
    [
        # a lone CR is a line end to gcc: the rest became a directive (accepted before)
        '"a\r#define PJ_HAS_SSL_SOCK 0\r"',
        "1\r#undef PJ_HAS_IPV6",
        # '*/' closed the header's own comment (where the overrides are listed)
        '"a*/b"',
        "4*/2",
        # trigraphs and backslashes: a line splice in ISO C modes
        '"a??/"',
        "1\t+ 2",  # control characters at all
    ],
)
def test_values_that_would_leave_their_line_are_refused(value: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_raw(SCHEMA, [f"MY_MACRO={value}"])
    assert exc.value.exit_code == 2
    assert "\r" not in exc.value.summary.replace("\\r", "")


def test_a_preset_or_note_with_a_comment_end_is_refused_at_render() -> None:
    config = resolve(SCHEMA, PRESETS["default"], {})
    for bad in (
        dataclasses.replace(config, preset="x */ #define PJ_HAS_SSL_SOCK 0 /*"),
        dataclasses.replace(config, notes=("left out */ oops",)),
    ):
        with pytest.raises(ConfigError, match=r"config_site\.h: .*would change how"):
            render_header(SCHEMA, bad, generator="test")


def test_every_shipped_preset_renders() -> None:
    for preset in PRESETS.values():
        render_header(SCHEMA, resolve(SCHEMA, preset, {}), generator="test")


def test_header_text_problem_names_the_character() -> None:
    assert header_text_problem("(640*1024)-1") is None
    assert "'\\r'" in (header_text_problem("a\rb") or "")
    assert "'//'" in (header_text_problem("a // b") or "")


# characters that matter to the preprocessor, and a few ordinary ones
ALPHABET = list("aZ_09 ()+-*/%<>|&~^.,\"'#\\?;\r\n\t\x0b\x0c\x00é")
EXPRESSION = list("aZ_09 ()+-*/%<>|&~^.,")
VALUES = st.one_of(
    st.text(alphabet=ALPHABET, max_size=24),
    st.text(alphabet=EXPRESSION, min_size=1, max_size=24),  # mostly accepted
    st.text(alphabet=ALPHABET, max_size=20).map(lambda t: f'"{t}"'),  # strings
)


def _cpp_body(text: str) -> str:
    """A macro body as `cpp -dM` prints it: whitespace between tokens collapsed."""
    return text if text.startswith('"') else " ".join(text.split())


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=VALUES)
def test_whatever_is_accepted_preprocesses_to_exactly_the_intended_macros(
    value: str, tmp_path: Path
) -> None:
    try:
        raw = parse_raw(SCHEMA, [f"PJBUILD_FUZZ={value}"])
    except ConfigError as exc:
        assert exc.exit_code == 2
        event("refused")
        return
    event("accepted")
    config = resolve(SCHEMA, PRESETS["default"], {}, raw)
    header = render_header(SCHEMA, config, generator="test")
    macros = _macros(header, tmp_path)
    rendered = {
        name
        for name, _ in config.values
        if SCHEMA.options[name].render and SCHEMA.options[name].type != "set"
    }
    assert set(macros) == {"PJBUILD_CONFIG_SITE_H", "PJBUILD_FUZZ"} | rendered
    assert macros["PJBUILD_FUZZ"] == _cpp_body(raw["PJBUILD_FUZZ"])
    values = dict(config.values)
    for name in rendered:  # and no value of pjbuild's own changed on the way
        assert macros[name] == _cpp_body(SCHEMA.options[name].c_value(values[name])), name


# one option of each kind the command line can set
SET_OPTIONS = ["PJSUA_MAX_CALLS", "PJ_HAS_IPV6", "PJ_IOQUEUE_IMP", "PJ_LOG_MAX_LEVEL"]


SET_VALUES = st.one_of(
    VALUES,
    st.integers(-10, 70_000).map(str),
    st.integers(0, 70_000).map(hex),
    st.sampled_from(["1", "0", "true", " off ", "yes", "select", "epoll", "1_000", "+5", "5\r"]),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.sampled_from(SET_OPTIONS), value=SET_VALUES)
def test_whatever_set_accepts_is_exactly_the_options_value(
    name: str, value: str, tmp_path: Path
) -> None:
    try:
        sets = parse_sets(SCHEMA, [f"{name}={value}"])
        config = resolve(SCHEMA, PRESETS["default"], sets)
    except ConfigError as exc:
        assert exc.exit_code == 2
        event("refused")
        return
    event("accepted")
    macros = _macros(render_header(SCHEMA, config, generator="test"), tmp_path)
    option = SCHEMA.options[name]
    if option.render and option.type != "set":
        assert macros[name] == _cpp_body(option.c_value(sets[name]))
    rendered = {
        n for n, _ in config.values if SCHEMA.options[n].render and SCHEMA.options[n].type != "set"
    }
    assert set(macros) == {"PJBUILD_CONFIG_SITE_H"} | rendered


def _words_in_tree(archive: Path) -> set[str]:
    """Every identifier in the tree's C sources and headers, and in its configure script."""
    words: set[str] = set()
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith((".h", ".c", ".ac", ".in", ".mak")):
                data = tar.extractfile(member)
                assert data is not None
                words |= set(re.findall(rb"[A-Z][A-Z0-9_]{3,}", data.read()))
    return {w.decode() for w in words}


@pytest.fixture(scope="module")
def tree_words() -> dict[str, set[str]]:
    return {name: _words_in_tree(SHARED_SOURCES / VERSIONS[name].filename) for name in UPSTREAM}


def test_every_option_exists_in_every_version_it_claims(tree_words: dict[str, set[str]]) -> None:
    """`since` is measured: an option is in each release from `since` on, and not before."""
    from pjbuild.inputs.options import load_schema

    schema = load_schema()
    for option in schema.options.values():
        if not option.render or option.managed_by == "pjbuild" or option.type == "set":
            continue
        for name in UPSTREAM:
            release = VERSIONS[name].upstream
            assert (option.name in tree_words[name]) == option.exists_in(release), (
                option.name,
                name,
                option.since,
            )


def test_a_preset_option_a_version_lacks_is_left_out_and_a_set_one_refused(home: Path) -> None:
    old = _cli(
        "plan",
        "--target",
        "host",
        "--preset",
        "asterisk",
        "--version",
        "2.15.1",
        "--json",
        home=home,
    )
    assert old.returncode == 0, old.stderr
    header = json.loads(old.stdout)["config_site_h"]
    assert "#define PJ_ICE_SESS_CHECK_SRC_ADDR" not in header
    assert "PJ_ICE_SESS_CHECK_SRC_ADDR left out: pjproject 2.15.1 does not have it" in header
    new = _cli("plan", "--target", "host", "--preset", "asterisk", "--json", home=home)
    assert "#define PJ_ICE_SESS_CHECK_SRC_ADDR 0" in json.loads(new.stdout)["config_site_h"]
    refused = _cli(
        "plan",
        "--target",
        "host",
        "--version",
        "2.15.1",
        "--set",
        "PJ_ICE_SESS_CHECK_SRC_ADDR=0",
        home=home,
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0] == (
        "error: PJ_ICE_SESS_CHECK_SRC_ADDR does not exist in pjproject 2.15.1 (it came with 2.16)"
    )
    assert refused.stderr.splitlines()[1].startswith("fix: drop --set PJ_ICE_SESS_CHECK_SRC_ADDR")


def _schema_file(tmp_path: Path, edit: tuple[str, str]) -> Path:
    text = (paths.option_schema_file()).read_text()
    old, new = edit
    assert old in text
    out = tmp_path / "options.toml"
    out.write_text(text.replace(old, new, 1))
    return out


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (('upstream = "0 (configure decides)"', "upstream = 0"), "PJ_HAS_SSL_SOCK.upstream"),
        (('managed_by = "tls"', "managed_by = true"), "PJ_HAS_SSL_SOCK.managed_by"),
        (('conflicts = ["PJ_CONFIG_MAXIMUM_SPEED"]', 'conflicts = "PJ_CONFIG_MAXIMUM_SPEED"'),
         "PJ_CONFIG_MINIMAL_SIZE.conflicts"),
        (('type = "bool"', 'type = "bool"\ndefualt = true'),
         "unknown key 'PJ_HAS_SSL_SOCK.defualt'"),
        (("PJSIP_MAX_TSX_COUNT = 15,", "PJSIP_MAX_TSX_COUNT = [15],"),
         "PJ_CONFIG_MINIMAL_SIZE.sets.PJSIP_MAX_TSX_COUNT"),
    ],
)  # fmt: skip
def test_the_option_schema_names_the_key_of_a_wrong_value(
    tmp_path: Path, edit: tuple[str, str], needle: str
) -> None:
    path = _schema_file(tmp_path, edit)
    with pytest.raises(ConfigError) as exc:
        load_schema(path)
    assert str(path) in exc.value.summary and needle in exc.value.summary, exc.value.summary
