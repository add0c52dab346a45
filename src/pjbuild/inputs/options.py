"""The config_site.h option schema, presets, --set validation and deterministic rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, unknown
from pjbuild.core.tomlload import Table, load_toml
from pjbuild.inputs import registry
from pjbuild.inputs.sources import release_at_least

Value = bool | int | str

TYPES = ("bool", "int", "enum", "set")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# A single-line constant expression: numbers, identifiers, arithmetic, parentheses, quoted string
_RAW_VALUE = re.compile(r'^(?:[A-Za-z0-9_ ()+\-*/%<>|&~^.,]+|"[^"\\\n]*")$')
# What no text on a config_site.h line may hold: comment delimiters (a value would end the
# header's comment, or hide the rest of its line), a backslash (escapes and line splices) and
# "??" (trigraphs: "??/" is a backslash in ISO C modes). Besides, only printable ASCII: a lone
# carriage return is a line end to the preprocessor, so it could start a new directive.
_UNSAFE_IN_HEADER = ("/*", "*/", "//", "\\", "??")


def header_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be written on one line of config_site.h, or None when it can."""
    bad = next((c for c in text if not " " <= c <= "~"), None)
    if bad is not None:
        return f"{bad!r} is not printable ASCII (a line break or control character)"
    unsafe = next((u for u in _UNSAFE_IN_HEADER if u in text), None)
    if unsafe is not None:
        return f"{unsafe!r} would change how the preprocessor reads the line"
    return None


@dataclass(frozen=True)
class Option:
    name: str
    type: str
    description: str
    default: Value | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_select: int | None = None
    values: tuple[tuple[str, str], ...] = ()  # enum: user value -> C expression
    implies: tuple[tuple[str, tuple[str, ...]], ...] = ()  # value key -> configure args
    render: bool = True
    managed_by: str = ""
    conflicts: tuple[str, ...] = ()
    sets: tuple[tuple[str, Value], ...] = ()  # set: what the set defines
    upstream: str = ""
    since: str = ""  # the first pjproject release that has the macro ("" = every pinned one)

    def exists_in(self, release: str) -> bool:
        """Does pjproject ``release`` (a PEP 440 version, e.g. 2.15.1) have this macro?"""
        return not self.since or release_at_least(release, self.since)

    def parse(self, text: str) -> Value:
        """Parse a command-line value, with a one-line error naming the allowed values."""
        raw = text.strip()
        if self.type in ("bool", "set"):
            low = raw.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ConfigError(
                f"{self.name}={text!r}: not a boolean", hint="use 0/1, true/false, on/off"
            )
        if self.type == "int":
            try:
                number = int(raw, 0)
            except ValueError:
                raise ConfigError(
                    f"{self.name}={text!r}: not an integer", hint=self.range_text()
                ) from None
            return self.check(number)
        names = [k for k, _ in self.values]
        if raw not in names:
            raise unknown(f"value for {self.name}", raw, names)
        return raw

    def check(self, value: Value) -> Value:
        """Type- and range-check a value from a preset or the command line."""
        if self.type in ("bool", "set"):
            if not isinstance(value, bool):
                raise ConfigError(f"{self.name}: expected true/false, got {value!r}")
        elif self.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{self.name}: expected an integer, got {value!r}")
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ConfigError(f"{self.name}={value} is out of range", hint=self.range_text())
        elif self.type == "enum":
            names = [k for k, _ in self.values]
            if value not in names:
                raise unknown(f"value for {self.name}", str(value), names)
        return value

    def managed_hint(self) -> str:
        if self.managed_by == "pjbuild":
            return f"pjbuild sets {self.name} itself"
        return f"use --{self.managed_by} (see `pjbuild build --help`)"

    def range_text(self) -> str:
        return f"{self.name} takes an integer from {self.minimum} to {self.maximum}"

    def c_value(self, value: Value) -> str:
        if self.type in ("bool", "set"):
            return "1" if value else "0"
        if self.type == "int":
            return str(value)
        return dict(self.values)[str(value)]

    def configure_args(self, value: Value) -> tuple[str, ...]:
        key = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return dict(self.implies).get(key, ())

    def allowed_text(self) -> str:
        if self.type == "int":
            return f"{self.minimum}..{self.maximum}"
        if self.type == "enum":
            return "|".join(k for k, _ in self.values)
        return "0|1"


@dataclass(frozen=True)
class Schema:
    options: dict[str, Option]

    def get(self, name: str) -> Option:
        if name not in self.options:
            raise unknown("option", name, self.options, list_cmd="pjbuild options")
        return self.options[name]


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    options: tuple[tuple[str, Value], ...]
    cflags: tuple[str, ...]
    notes: str
    path: Path
    ldflags: tuple[str, ...] = ()  # link flags for pjproject's programs (LDFLAGS)
    dep_cflags: tuple[str, ...] = ()  # [deps] cflags: replace -O2 for dependencies from source
    known_failures: tuple[tuple[str, str], ...] = ()  # "program:test" -> reason


@dataclass(frozen=True)
class ResolvedConfig:
    """The options a build uses, with where each value came from."""

    preset: str
    values: tuple[tuple[str, Value], ...]  # explicit values, sorted by name
    origins: tuple[tuple[str, str], ...]  # name -> default | preset | set | tls | tree
    raw: tuple[tuple[str, str], ...] = ()  # --set-raw macros
    cflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()  # the --set/--set-raw text, canonical
    notes: tuple[str, ...] = field(default=())

    def value(self, name: str) -> Value | None:
        return dict(self.values).get(name)


_OPTION_KEYS = (
    "type", "description", "default", "min", "max", "max_select", "values", "implies",
    "render", "managed_by", "conflicts", "sets", "upstream", "since", "values_from",
)  # fmt: skip


def _option_from(name: str, data: Any, path: Path) -> Option:
    where = f"{path}: [{name}]"
    body = Table(data, path, name)
    body.known(*_OPTION_KEYS)
    typ = body.text("type", "")
    if typ not in TYPES:
        raise ConfigError(f"{where}: type must be one of {', '.join(TYPES)}")
    if not _IDENT.match(name):
        raise ConfigError(f"{where}: not a C identifier")
    sets = body.sub("sets", {})
    option = Option(
        name=name,
        type=typ,
        description=body.text("description", ""),
        default=body.scalar("default"),
        minimum=body.optional_int("min"),
        maximum=body.optional_int("max"),
        max_select=body.optional_int("max_select"),
        values=_values(body),
        implies=body.lists("implies"),
        render=body.flag("render", True),
        managed_by=body.text("managed_by", ""),
        conflicts=body.strings("conflicts"),
        sets=tuple(sorted((key, sets.scalar(key)) for key in sets.data)),
        upstream=body.text("upstream", ""),
        since=body.text("since", ""),
    )
    if typ == "int" and (option.minimum is None or option.maximum is None):
        raise ConfigError(f"{where}: int options need min and max")
    if typ == "enum" and not option.values:
        raise ConfigError(f"{where}: enum options need values")
    if option.default is not None:
        option.check(option.default)
    return option


def _values(body: Table) -> tuple[tuple[str, str], ...]:
    """An enum's values: its own, or a registry's (``values_from = "tls"``: every TLS backend,
    with the C expression of its ``config_site`` key)."""
    source = body.text("values_from", "")
    if not source:
        return body.pairs("values")
    if source != "tls":
        raise ConfigError(
            f"{body.path}: values_from = '{source}' is not a registry",
            hint='values_from = "tls" (the TLS backends of resources/configure.toml)',
        )
    data = registry.load_configure_data()["tls"]
    return tuple((str(data[name]["imp"]), str(data[name]["config_site"])) for name in data)


def load_schema(path: Path | None = None) -> Schema:
    path = path or paths.option_schema_file()
    data = load_toml(path)
    options = {name: _option_from(name, body, path) for name, body in sorted(data.items())}
    schema = Schema(options)
    for option in options.values():
        for other, value in option.sets:
            schema.get(other).check(value)
    return schema


_PRESET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def load_presets(schema: Schema, extra_dirs: list[Path] | None = None) -> dict[str, Preset]:
    presets: dict[str, Preset] = {}
    for file in paths.toml_files(paths.preset_dirs(extra_dirs), extra_dirs, "presets"):
        if not _PRESET_NAME.match(file.stem):
            raise ConfigError(
                f"preset {file}: the name {file.stem!r} is not letters, digits, '.', '_', '-'",
                hint="rename the file, e.g. my-board.toml",
            )
        top = Table(load_toml(file), file)
        opts = top.sub("options", {}).data
        for name, value in opts.items():
            try:
                option = schema.get(name)
                if option.managed_by:
                    raise ConfigError(f"{name} is not set by presets", hint=option.managed_hint())
                option.check(value)
            except ConfigError as exc:
                raise ConfigError(f"preset {file}: {exc.summary}", hint=exc.hint) from exc
        presets[file.stem] = Preset(
            name=file.stem,
            description=top.text("description", ""),
            options=tuple(sorted(opts.items())),
            cflags=top.strings("cflags"),
            ldflags=top.strings("ldflags"),
            dep_cflags=top.sub("deps", {}).strings("cflags"),
            notes=top.text("notes", ""),
            path=file,
            known_failures=top.sub("tests", {}).pairs("known_failures"),
        )
    return presets


def parse_assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected NAME=VALUE", hint="e.g. --set PJ_HAS_IPV6=1")
    name, _, value = text.partition("=")
    return name.strip(), value


def parse_sets(schema: Schema, assignments: list[str]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for text in assignments:
        name, raw = parse_assignment(text)
        option = schema.get(name)
        if option.managed_by:
            raise ConfigError(f"{name} is not set with --set", hint=option.managed_hint())
        out[name] = option.parse(raw)
    return out


def parse_raw(schema: Schema, assignments: list[str]) -> dict[str, str]:
    """--set-raw: unmanaged macros; still only a C identifier and a one-line constant."""
    out: dict[str, str] = {}
    for text in assignments:
        name, value = parse_assignment(text)
        if not _IDENT.match(name):
            raise ConfigError(f"--set-raw {name!r}: not a C identifier")
        if name in schema.options:
            raise ConfigError(
                f"--set-raw {name}: pjbuild manages this option", hint=f"use --set {name}=..."
            )
        value = value.strip(" ")
        problem = header_text_problem(value)
        if problem:
            raise ConfigError(
                f"--set-raw {name}={value!r}: {problem}",
                hint="a --set-raw value is one line of printable ASCII without comments, "
                "backslashes or '??'",
            )
        if not value or len(value) > 200 or not _RAW_VALUE.match(value):
            raise ConfigError(
                f"--set-raw {name}={value!r}: not a single-line constant expression",
                hint="allowed: numbers, identifiers, + - * / % << >> | & ~ ^ ( ) or one string",
            )
        if value.count("(") != value.count(")"):
            raise ConfigError(f"--set-raw {name}={value!r}: unbalanced or commented expression")
        out[name] = value
    return out


def show_value(value: object) -> str:
    """An option's value as `--set` takes it and the tables print it (booleans as 1/0)."""
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def canonical_overrides(sets: dict[str, Value], raw: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        [f"{k}={show_value(v)}" for k, v in sorted(sets.items())]
        + [f"raw:{k}={v}" for k, v in sorted(raw.items())]
    )


def for_release(schema: Schema, config: ResolvedConfig, release: str) -> ResolvedConfig:
    """The config for pjproject ``release``: an option the release does not have is left out
    (with a note in the header) when a preset or default set it, refused when --set did."""
    values, origins, notes = [], dict(config.origins), list(config.notes)
    for name, value in config.values:
        option = schema.options[name]
        if option.exists_in(release):
            values.append((name, value))
            continue
        if origins.get(name) == "set":
            raise ConfigError(
                f"{name} does not exist in pjproject {release} (it came with {option.since})",
                hint=f"drop --set {name}, or build pjproject {option.since} or newer",
            )
        origins[name] = f"absent (not in {release}; since {option.since})"
        notes.append(
            f"{name} left out: pjproject {release} does not have it (since {option.since})"
        )
    if len(values) == len(config.values):
        return config
    return replace(
        config, values=tuple(values), origins=tuple(sorted(origins.items())), notes=tuple(notes)
    )


def resolve(
    schema: Schema,
    preset: Preset,
    sets: dict[str, Value],
    raw: dict[str, str] | None = None,
    managed: dict[str, Value] | None = None,
) -> ResolvedConfig:
    """Merge default < preset < --set (< managed switches such as --tls) and validate."""
    values: dict[str, Value] = {}
    origins: dict[str, str] = {}
    for name, option in schema.options.items():
        if option.default is not None:
            values[name], origins[name] = option.default, "default"
    for name, value in preset.options:
        values[name], origins[name] = value, "preset"
    for name, value in sets.items():
        values[name], origins[name] = value, "set"
    for name, value in (managed or {}).items():
        values[name], origins[name] = schema.get(name).check(value), "managed"
    config = ResolvedConfig(
        preset=preset.name,
        values=tuple(sorted(values.items())),
        origins=tuple(sorted(origins.items())),
        raw=tuple(sorted((raw or {}).items())),
        cflags=preset.cflags,
        ldflags=preset.ldflags,
        overrides=canonical_overrides(sets, raw or {}),
    )
    validate(schema, config)
    return config


def effective(schema: Schema, config: ResolvedConfig) -> dict[str, Value]:
    """Values as the compiler will see them: a set's definitions, then explicit values."""
    out: dict[str, Value] = {}
    for name, value in config.values:
        option = schema.options[name]
        if option.type == "set" and value:
            out.update(dict(option.sets))
    out.update(dict(config.values))
    return out


def validate(schema: Schema, config: ResolvedConfig) -> None:
    values = dict(config.values)
    for name, value in values.items():
        option = schema.options[name]
        for other in option.conflicts:
            if value and values.get(other):
                raise ConfigError(
                    f"{name} and {other} cannot both be on", hint="turn one of them off"
                )
    eff = effective(schema, config)
    for name, value in eff.items():
        option = schema.options[name]
        if (
            option.max_select is not None
            and isinstance(value, int)
            and value > option.max_select
            and eff.get("PJ_IOQUEUE_IMP", "select") == "select"
        ):
            raise ConfigError(
                f"{name}={value} exceeds FD_SETSIZE ({option.max_select}) with the select ioqueue",
                hint=f"add --set PJ_IOQUEUE_IMP=epoll (Linux) or --set {name}={option.max_select}",
            )


def _checked_line(where: str, text: str) -> str:
    problem = header_text_problem(text)
    if problem:
        raise ConfigError(
            f"config_site.h: {where} {text!r}: {problem}",
            hint="fix the preset or option data: printable ASCII without comment delimiters, "
            "backslashes or '??'",
        )
    return text


def render_header(schema: Schema, config: ResolvedConfig, *, generator: str) -> str:
    """config_site.h text: deterministic (sorted), with a comment naming preset and overrides.
    Every piece of text is checked to stay on its line (header_text_problem): what reaches the
    header is exactly the macros of the config, whatever a preset file or option says."""
    _checked_line("the preset name", config.preset)
    for note in config.notes:
        _checked_line("a note", note)
    for item in config.overrides:
        _checked_line("an override", item)
    for name, text in config.raw:
        _checked_line(f"--set-raw {name}", text)
    for name, value in config.values:
        option = schema.options[name]
        _checked_line(f"the description of {name}", option.description)
        if option.type != "set" and option.render:
            _checked_line(f"the value of {name}", option.c_value(value))
    values = dict(config.values)
    lines = [
        "/*",
        f" * config_site.h generated by {generator}. Do not edit: regenerate with pjbuild.",
        f" * preset: {config.preset}",
        f" * overrides: {' '.join(config.overrides) if config.overrides else '(none)'}",
        *(f" * {note}" for note in config.notes),
        " */",
        "#ifndef PJBUILD_CONFIG_SITE_H",
        "#define PJBUILD_CONFIG_SITE_H",
        "",
    ]
    sets = [n for n, v in sorted(values.items()) if schema.options[n].type == "set" and v]
    if sets:
        lines += [f"#define {n} 1" for n in sets]
        lines += ["#include <pj/config_site_sample.h>", ""]
    for name, value in sorted(values.items()):
        option = schema.options[name]
        if option.type == "set" or not option.render:
            continue
        lines += [
            f"/* {option.description} */",
            f"#undef {name}",
            f"#define {name} {option.c_value(value)}",
        ]
    if config.raw:
        lines += ["", "/* --set-raw (not managed by pjbuild) */"]
        for name, text in config.raw:
            lines += [f"#undef {name}", f"#define {name} {text}"]
    lines += ["", "#endif /* PJBUILD_CONFIG_SITE_H */", ""]
    return "\n".join(lines)


def configure_args(schema: Schema, config: ResolvedConfig) -> list[str]:
    args: list[str] = []
    for name, value in config.values:
        for arg in schema.options[name].configure_args(value):
            if arg not in args:
                args.append(arg)
    return args
