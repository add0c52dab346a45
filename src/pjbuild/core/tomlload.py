"""TOML loading with file-named errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from pjbuild.core.errors import ConfigError, nearest


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc})", hint="fix the syntax of that data file"
        ) from exc


_KIND_NAMES = {str: "a string", bool: "true/false", list: "a list", dict: "a table"}


def value_kind(value: Any) -> str:
    """What a TOML value is, for an error message: "a string", "a number", "a table"..."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return _KIND_NAMES.get(type(value), type(value).__name__)


class Table:
    """A TOML table read with types. Every data file's loader reads through it, so a value of
    the wrong type (``compilers = "gcc"``, ``timeout_factor = "slow"``, a string where a list is
    expected) is one ConfigError naming the file, the key and the expected type (exit 2).
    Data merged from several files (a target and its bases) passes ``origins``, dotted key ->
    file, so an error names the file the value came from."""

    def __init__(
        self, data: Any, path: Path, where: str = "", origins: dict[str, Path] | None = None
    ) -> None:
        self.path = path
        self.where = where
        self.origins = origins or {}
        if not isinstance(data, dict):
            self._fail("", "a table", data)
        self.data: dict[str, Any] = data

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where and key else self.where or key

    def _fail(self, key: str, expected: str, value: Any) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ConfigError(
            f"{self.origin(key)}: {self._key(key) or 'the file'}: expected {expected}, "
            f"got {value_kind(value)} ({shown})",
            hint=f"write {self._key(key) or 'it'} as {expected}",
        )

    def origin(self, key: str) -> Path:
        """The file a key's value comes from."""
        return self.origins.get(self._key(key), self.path)

    def has(self, key: str) -> bool:
        return key in self.data

    def required(self, key: str) -> None:
        if key not in self.data:
            raise ConfigError(
                f"{self.path}: missing required key '{self._key(key)}'",
                hint="see toolchains/linux-x86_64.toml for a complete example",
            )

    def text(self, key: str, default: str | None = None) -> str:
        if default is None:
            self.required(key)
        value = self.data.get(key, default)
        if not isinstance(value, str):
            self._fail(key, "a string", value)
        return str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self._fail(key, "true or false", value)
        return bool(value)

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._fail(key, "a number", value)
        return float(value)

    def scalar(self, key: str) -> Any:
        """A value that is not a table or a list (true/false, a number, a string), or None
        when absent; its consumer checks it further."""
        value = self.data.get(key)
        if isinstance(value, (dict, list)):
            self._fail(key, "a value (true/false, a number or a string)", value)
        return value

    def optional_int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(key, "a whole number", value)
        return int(value)

    def known(self, *keys: str) -> None:
        """Only these keys: a misspelt one (``defualt``) is an error, not a silent default."""
        for key in self.data:
            if key not in keys:
                near = nearest(key, keys)
                raise ConfigError(
                    f"{self.origin(key)}: unknown key '{self._key(key)}'"
                    + (f"; did you mean '{near}'?" if near else ""),
                    hint=f"keys here: {', '.join(sorted(keys))}",
                )

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self._fail(key, "a list of strings", value)
        return tuple(value)

    def sub(self, key: str, default: dict[str, Any] | None = None) -> Table:
        if default is None and key not in self.data:
            self.required(key)
        return Table(self.data.get(key, default or {}), self.path, self._key(key), self.origins)

    def pairs(self, key: str) -> tuple[tuple[str, str], ...]:
        """A table of strings (numbers are written as text), sorted by key."""
        table = self.sub(key, {})
        out = []
        for k, v in table.data.items():
            if isinstance(v, (dict, list)):
                table._fail(k, "a string", v)
            out.append((str(k), str(v)))
        return tuple(sorted(out))

    def lists(self, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """A table of lists of strings, sorted by key."""
        table = self.sub(key, {})
        return tuple(sorted((k, table.strings(k)) for k in table.data))
