"""Tools run from a pinned Python package (resources/tools.toml: zig from PyPI's `ziglang`):
where the binary is, checked against the pinned version, and the wrapper scripts a target's
`[wrappers]` asks for (`"NAME" = ["{zig}", "cc", "-target", "..."]`): their text, pure."""

from __future__ import annotations

import functools
import importlib.util
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, ToolMissingError
from pjbuild.core.schema import TOOLS, load_checked


@dataclass(frozen=True)
class Tool:
    name: str
    package: str
    version: str
    binary: str
    version_args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]

    @property
    def install(self) -> str:
        return f"pip install {self.package}=={self.version}"


def load_tools() -> dict[str, Tool]:
    data: dict[str, Any] = load_checked(paths.resources() / "tools.toml", TOOLS)["tools"]
    return {
        name: Tool(
            name=name,
            package=t["package"],
            version=t["version"],
            binary=t["binary"],
            version_args=tuple(t["version_args"]),
            env=tuple(sorted(t.get("env", {}).items())),
        )
        for name, t in data.items()
    }


@functools.cache
def binary(tool: Tool) -> Path:
    """The tool's program in its installed package, at the pinned version (else exit 4).
    Checked once per process when found (a failure is not remembered: `doctor --install` checks
    again after installing)."""
    spec = importlib.util.find_spec(tool.package)
    where = Path(spec.origin).parent / tool.binary if spec and spec.origin else None
    if where is None or not where.is_file():
        raise ToolMissingError(
            f"{tool.name} not found: the Python package {tool.package} is not installed",
            hint=f"{tool.install} (into the Python that runs pjbuild)",
        )
    proc = subprocess.run(
        [str(where), *tool.version_args], capture_output=True, text=True, check=False
    )
    found = proc.stdout.strip()
    if found != tool.version:
        raise ToolMissingError(
            f"{tool.name} {found or '(no version)'} is installed; targets are pinned to "
            f"{tool.version}",
            hint=tool.install,
        )
    return where


def _tool_name(arg: str) -> str:
    """NAME of a wrapper argument that is `{NAME}` as a whole, else ""."""
    return arg[1:-1] if arg.startswith("{") and arg.endswith("}") else ""


def used_tools(wrappers: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Tool]:
    """The tools the wrappers run (`{NAME}` as a whole argument), each once."""
    tools = load_tools()
    names = [_tool_name(a) for _, argv in wrappers for a in argv if _tool_name(a) in tools]
    return [tools[n] for n in dict.fromkeys(names)]


def resolve(
    wrappers: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[list[Tool], dict[str, Path]]:
    """The tools the wrappers run, and each one's program (exit 4 when one is missing)."""
    used = used_tools(wrappers)
    return used, {t.name: binary(t) for t in used}


def wrapper_argv(argv: tuple[str, ...], found: dict[str, Path]) -> list[str]:
    """A wrapper's command with each `{tool}` replaced by the tool's program."""
    out = []
    for arg in argv:
        name = _tool_name(arg)
        if name and name not in found:
            raise ConfigError(
                f"wrapper argument '{arg}' names no tool",
                hint=f"tools: {', '.join(load_tools())} (resources/tools.toml)",
            )
        out.append(str(found[name]) if name else arg)
    return out


def wrapper_script(
    argv: list[str],
    env: dict[str, str],
    translate: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> str:
    """A POSIX sh script that runs ``argv`` with the caller's arguments after it, each argument
    named in ``translate`` replaced by its arguments (none: dropped)."""
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items()))
    loop = ""
    if translate:
        cases = ""
        for arg, new in translate:
            spelled = "".join(" " + shlex.quote(a) for a in new)
            cases += f'    {shlex.quote(arg)}) set -- "$@"{spelled} ;;\n'
        cases += '    *) set -- "$@" "$arg" ;;\n'
        loop = f"for arg do\n  shift\n  case $arg in\n{cases}  esac\ndone\n"
    return f'#!/bin/sh\n{exports}{loop}exec {shlex.join(argv)} "$@"\n'
