"""Target files that extend a base: ``extends = "debian-cross"`` merges the file over
``toolchains/base/debian-cross.toml``.

A base is a partial target file in the ``base/`` folder of a toolchains folder, never a target
itself; it may extend other bases. ``extends = ["zig", "build-only"]`` takes several, the
earlier winning; the order is Python's for classes (C3): a base shared by two comes after both.
Tables merge recursively, the extending file winning per key; arrays and other values replace
the base's. A base's strings, values and table keys, may hold placeholders naming a string key
of the merged data (``{triplet}``, ``{qemu}``, ``{deps.multiarch}``), filled in when the target
is loaded; the run-time ones
(``RUNTIME_PLACEHOLDERS``: ``{sysroot}`` of the runner command, ``{home}`` of its environment,
the probe command's) are left for later. A target's own strings are taken as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pjbuild.core.errors import ConfigError, unknown
from pjbuild.core.tomlload import Table, load_toml, value_kind

BASE_FOLDER = "base"
# filled in after loading: {sysroot} by Target.runner_command, {home} in the runner's
# environment, {zig} (a pinned tool, resources/tools.toml) in [wrappers] when the scripts are
# written, the rest by the verification probe's compile command
RUNTIME_PLACEHOLDERS = frozenset(
    {"sysroot", "home", "zig", "cxx", "cflags", "src", "exe", "ldflags", "libs"}
)
Layer = tuple[Path, dict[str, Any]]  # a file and its data (``extends`` removed)
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
PLACEHOLDER = re.compile(rf"\{{({_NAME}(?:\.{_NAME})*)\}}")


@dataclass(frozen=True)
class Extended:
    data: dict[str, Any]  # the merged data, placeholders filled in, without `extends`
    bases: tuple[Path, ...]  # the base files, nearest first
    origins: dict[str, Path]  # dotted key -> the file its value comes from


def base_files(folders: Iterable[Path]) -> dict[str, Path]:
    """Every base by name: ``<folder>/base/<name>.toml``; later folders win, as for targets."""
    found: dict[str, Path] = {}
    for folder in folders:
        sub = folder / BASE_FOLDER
        if sub.is_dir():
            found.update({p.stem: p for p in sorted(sub.glob("*.toml"))})
    return found


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: tables merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        below = out.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            out[key] = merge(below, value)
        else:
            out[key] = value
    return out


def extend(path: Path, data: dict[str, Any], folders: Iterable[Path]) -> Extended:
    """A data file merged over the chain of bases it extends (looked up in ``folders``)."""
    layers = _chain(path, data, base_files(folders))
    filler = _Filler(layers)
    filled = [layers[0][1], *(filler.tree(i) for i in range(1, len(layers)))]
    merged: dict[str, Any] = {}
    origins: dict[str, Path] = {}
    for (file, _), layer in zip(reversed(layers), reversed(filled), strict=True):
        merged = merge(merged, layer)
        _record(layer, file, "", origins)
    return Extended(data=merged, bases=tuple(file for file, _ in layers[1:]), origins=origins)


def _extends(file: Path, data: dict[str, Any]) -> tuple[str, ...]:
    """The bases a file names: ``extends = "NAME"`` or ``extends = ["NAME", ...]``."""
    value = data.get("extends", ())
    if isinstance(value, str):
        return (value,) if value else ()
    return Table(data, file).strings("extends")


def _chain(
    path: Path,
    data: dict[str, Any],
    bases: dict[str, Path],
    names: tuple[str, ...] = (),
) -> list[Layer]:
    """The file, then each base it extends, nearest first (``extends`` removed). With a list
    of bases the order is Python's for classes (C3): every file comes before its own bases,
    the listed bases in their order, and a base shared by two comes after both."""
    names = (*names, path.stem)
    chains: list[list[Layer]] = []
    for name in _extends(path, data):
        if name in names[1:]:
            raise ConfigError(
                f'{path}: extends = "{name}" makes a cycle: {" -> ".join([*names, name])}',
                hint="a base cannot extend itself, directly or through others: "
                "remove one `extends` of that chain",
            )
        if name not in bases:
            err = unknown("base", name, bases)
            raise ConfigError(
                f"{path}: extends: {err.summary}",
                hint=f"a base is base/{name}.toml in a toolchains folder; "
                + (err.hint if bases else "none is installed"),
            )
        chains.append(_chain(bases[name], load_toml(bases[name]), bases, names))
    own = (path, {k: v for k, v in data.items() if k != "extends"})
    return [own, *_c3(path, [*chains, [chain[0] for chain in chains]])]


def _c3(path: Path, chains: list[list[Layer]]) -> list[Layer]:
    """C3's merge: take the first head that is in no other chain's tail, until all are taken."""
    out: list[Layer] = []
    chains = [list(c) for c in chains if c]
    while chains:
        tails = {layer[0] for c in chains for layer in c[1:]}
        head = next((c[0] for c in chains if c[0][0] not in tails), None)
        if head is None:
            raise ConfigError(
                f"{path}: extends: no order of the bases keeps each before its own bases "
                "and the listed ones in their order",
                hint="list the bases in the order their own `extends` give them",
            )
        out.append(head)
        chains = [c[1:] if c[0][0] == head[0] else c for c in chains]
        chains = [c for c in chains if c]
    return out


def _record(value: Any, file: Path, where: str, origins: dict[str, Path]) -> None:
    if where:
        origins[where] = file
    if isinstance(value, dict):
        for key, sub in value.items():
            _record(sub, file, f"{where}.{key}" if where else str(key), origins)


_MISSING = object()  # no such key
_HIDDEN = object()  # a part of the dotted key is not a table here: deeper layers do not count


def _at(data: dict[str, Any], name: str) -> Any:
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, dict):
            return _HIDDEN
        if part not in value:
            return _MISSING
        value = value[part]
    return value


class _Filler:
    """Fills in a base's placeholders from the merged (not yet filled) data of the chain."""

    def __init__(self, layers: list[tuple[Path, dict[str, Any]]]) -> None:
        self.layers = layers

    def _lookup(self, name: str) -> tuple[Any, int]:
        """The merged value of a dotted key and the layer it comes from (0: the target)."""
        for index, (_, data) in enumerate(self.layers):
            value = _at(data, name)
            if value is _HIDDEN:
                break
            if value is not _MISSING:
                return value, index
        return _MISSING, -1

    def text(self, text: str, index: int, where: str, resolving: tuple[str, ...] = ()) -> str:
        file = self.layers[index][0]

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in RUNTIME_PLACEHOLDERS:
                return match.group(0)
            value, origin = self._lookup(name)
            if value is _MISSING:
                raise ConfigError(
                    f"{file}: {where}: unknown placeholder {{{name}}}",
                    hint=f"set {name} in the target file (or a base), or remove {{{name}}}; "
                    "a placeholder names a string key of the target or its bases, e.g. "
                    "{triplet} or {deps.multiarch}; filled in at run time: "
                    + " ".join(f"{{{p}}}" for p in sorted(RUNTIME_PLACEHOLDERS)),
                )
            if not isinstance(value, str):
                raise ConfigError(
                    f"{file}: {where}: placeholder {{{name}}} names {value_kind(value)}, "
                    "not a string",
                    hint=f"a placeholder names a string key; make {name} a string or drop "
                    f"{{{name}}}",
                )
            if origin == 0:
                return value  # the target's own strings are taken as written
            if name in resolving:
                raise ConfigError(
                    f"{file}: {where}: placeholders form a cycle: "
                    + " -> ".join(f"{{{n}}}" for n in (*resolving, name)),
                    hint="give one of them a value without placeholders (in the target file)",
                )
            return self.text(value, origin, name, (*resolving, name))

        return PLACEHOLDER.sub(one, text)

    def tree(self, index: int) -> dict[str, Any]:
        out = self._value(self.layers[index][1], index, "")
        assert isinstance(out, dict)
        return out

    def _value(self, value: Any, index: int, where: str) -> Any:
        if isinstance(value, str):
            return self.text(value, index, where)
        if isinstance(value, list):
            return [self._value(v, index, where) for v in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, sub in value.items():
            at = f"{where}.{key}" if where else key
            filled = self.text(key, index, at)
            if filled in out:
                raise ConfigError(
                    f"{self.layers[index][0]}: {where or 'the file'}: two keys become "
                    f"'{filled}' once placeholders are filled in",
                    hint="give each key its own name",
                )
            out[filled] = self._value(sub, index, f"{where}.{filled}" if where else filled)
        return out
