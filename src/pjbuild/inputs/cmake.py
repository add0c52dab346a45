"""What the cmake engine passes to upstream's CMake build: the plan's configure arguments
translated into cache entries (resources/cmake.toml), and which trees and CMake versions it
takes. An argument the table does not know, or refuses, is a ConfigError naming it (exit 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.core.schema import CMAKE, load_checked

ENGINE = "cmake"
TOOLCHAIN_FILE = "pjbuild-toolchain.cmake"  # written by the engine into the build folder


@dataclass(frozen=True)
class CMakeData:
    since: str
    min_cmake: str
    build_dir: str
    base: tuple[str, ...]
    args: tuple[tuple[str, tuple[str, ...]], ...]
    refused: tuple[tuple[str, str], ...]
    tls_refused: tuple[tuple[str, str], ...] = ()
    unavailable: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    exported: tuple[tuple[str, str], ...] = ()  # autotools library name -> upstream's target

    def unavailable_on(self, os_name: str) -> tuple[tuple[str, str], ...]:
        """The bundled components upstream's CMake does not build for ``os_name``, with why."""
        return dict(self.unavailable).get(os_name, ())


@cache
def load() -> CMakeData:
    data = load_checked(paths.resources() / "cmake.toml", CMAKE)
    return CMakeData(
        since=data["since"],
        min_cmake=data["min_cmake"],
        build_dir=data["build_dir"],
        base=tuple(data["base"]),
        args=tuple((k, tuple(v)) for k, v in data["args"].items()),
        refused=tuple(data["refused"].items()),
        tls_refused=tuple(data.get("tls_refused", {}).items()),
        unavailable=tuple(
            (os_name, tuple((str(k), str(v)) for k, v in table.items()))
            for os_name, table in data.get("unavailable", {}).items()
        ),
        exported=tuple(data["exported"].items()),
    )


def _match(key: str, arg: str) -> str | None:
    """The value ``arg`` gives a table key ("--with-ssl=" matches "--with-ssl=/usr" with
    "/usr"; "--disable-video" only itself, with ""); None when it does not match."""
    if key.endswith("="):
        return arg[len(key) :] if arg.startswith(key) else None
    return "" if arg == key else None


def translate(
    configure_args: tuple[str, ...] | list[str],
    data: CMakeData | None = None,
    tls: str = "",
) -> list[str]:
    """The cache entries (NAME=VALUE, for -D) of a plan's configure arguments: the base, then
    each argument's in order; a later entry for the same name wins, as on a cmake command line.
    A TLS backend upstream's CMake cannot build (``tls``, [tls_refused]) is refused."""
    data = data or load()
    why_not = dict(data.tls_refused).get(tls)
    if why_not:
        raise ConfigError(
            f"the cmake engine cannot build TLS backend {tls}: {why_not}",
            hint=f"--engine autotools for {tls}, or another --tls (openssl, mbedtls)",
        )
    entries = list(data.base)
    for arg in configure_args:
        for key, why in data.refused:
            if _match(key, arg) is not None:
                raise ConfigError(
                    f"the cmake engine cannot express configure's {arg}: {why}",
                    hint="build with --engine autotools, or leave out what asks for it",
                )
        for key, out in data.args:
            value = _match(key, arg)
            if value is not None:
                entries += [e.replace("{value}", value) for e in out]
                break
        else:
            raise ConfigError(
                f"the cmake engine has no CMake equivalent of configure's {arg}",
                hint="add it to src/pjbuild/resources/cmake.toml [args] (or [refused], with why), "
                "or build with --engine autotools",
            )
    merged: dict[str, str] = {}
    for entry in entries:
        name, _, value = entry.partition("=")
        merged.pop(name, None)
        merged[name] = value
    return [f"{name}={value}" for name, value in merged.items()]


def version_tuple(text: str) -> tuple[int, ...]:
    """3.28.1 -> (3, 28, 1); the leading numbers of a version string."""
    found = re.match(r"\d+(\.\d+)*", text.strip())
    return tuple(int(p) for p in found.group(0).split(".")) if found else ()


TABLE_BEGIN = "<!-- cmake-table:begin (generated from resources/cmake.toml) -->"
TABLE_END = "<!-- cmake-table:end -->"


def markdown(data: CMakeData | None = None) -> str:
    """docs/engines.md's option mapping: each configure argument, its CMake cache entries, and
    what the cmake engine refuses (scripts/update_docs.py writes it; test_docs checks it)."""
    data = data or load()

    def shown(key: str) -> str:
        return f"`{key}VALUE`" if key.endswith("=") else f"`{key}`"

    rows = ["| configure (the plan) | CMake cache entries (-D) |", "| --- | --- |"]
    rows.append("| (every build) | " + ", ".join(f"`{e}`" for e in data.base) + " |")
    for key, out in data.args:
        cells = ", ".join(f"`{e.replace('{value}', 'VALUE')}`" for e in out)
        rows.append(f"| {shown(key)} | {cells or 'nothing to set (cmake.toml says why)'} |")
    for backend, why in data.tls_refused:
        rows.append(f"| (`--tls {backend}`) | **refused**: {why} |")
    for key, why in data.refused:
        rows.append(f"| {shown(key)} | **refused**: {why} |")
    for os_name, items in data.unavailable:
        for component, why in items:
            rows.append(f"| (component {component}, {os_name} targets) | **off**: {why} |")
    return "\n".join(rows).replace("|`", "| `")
