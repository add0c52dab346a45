"""config_site.h holds exactly the macros of the config: no value, preset name or note can end a
line or the header's comment early (issue 18). The property test preprocesses what is accepted
with the host's C compiler (`cc -dM -E`) and compares the macros it defines."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pjbuild.core.errors import ConfigError
from pjbuild.inputs.options import (
    header_text_problem,
    load_presets,
    load_schema,
    parse_raw,
    parse_sets,
    render_header,
    resolve,
)

SCHEMA = load_schema()
PRESETS = load_presets(SCHEMA)
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
