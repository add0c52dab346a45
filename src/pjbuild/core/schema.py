"""The shapes of pjbuild's own resource files (configure.toml, cmake.toml, engines.toml,
tools.toml, ci.toml, ci/jobs.toml, wheel.toml).

Each loader reads its file through ``tomlload.Table`` against the shape here: a value of the
wrong type or a misspelt key is one ConfigError naming the file and the key (exit 2), when the
file is loaded, not a KeyError or a wrong build later. The loaders return the checked data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pjbuild.core.tomlload import Table, load_toml

# a shape: key -> "text" | "flag" | "strings" | "lists" (a table of lists of strings) |
# "pairs" (a table of strings) | "any" (a table of values, checked by its consumer) |
# a nested shape (a table) | ("each", shape) (a table of tables of that shape).
# Keys ending in "?" are optional.
Shape = dict[str, Any]

CONFIGURE: Shape = {
    "base": "strings",
    "install?": "lists",
    "libs": (
        "each",
        {"description": "text", "configure": "strings", "loader_path?": "text"},
    ),
    "tls": (
        "each",
        {
            "imp": "text",
            "number": "text",
            "config_site": "text",
            "header?": "text",
            "since?": "text",
            "provider?": "text",
            "configure?": "strings",
            "configure_detects?": "flag",
            "link?": "lists",
        },
    ),
    "features?": (
        "each",
        {
            "options?": "any",
            "macro": "text",
            "probe_include": "text",
            "probe_version": "text",
            "call_args?": "strings",
            "call?": "text",
            "secures_media?": "flag",
            "configured?": {"file": "text", "define": "text"},
        },
    ),
}

CMAKE: Shape = {
    "since": "text",
    "min_cmake": "text",
    "build_dir": "text",
    "base": "strings",
    "args": "lists",
    "refused": "pairs",
    "tls_refused?": "pairs",
    "unavailable?": "any",
    "exported": "pairs",
}

ENGINES: Shape = {
    "engines": (
        "each",
        {
            "description": "text",
            "tools": "strings",
            "versions?": "strings",
            "checks_configure": "flag",
            "libs?": "strings",
        },
    )
}

TOOLS: Shape = {
    "tools": (
        "each",
        {
            "package": "text",
            "version": "text",
            "binary": "text",
            "version_args": "strings",
            "env?": "pairs",
        },
    )
}

CI: Shape = {
    "runs_on_default": "text",
    "python": "text",
    "tests": "text",
    "lint_current_labels": "strings",
    "actions": "pairs",
    "gitlab": {
        "stages": "strings",
        "apt_lists": "text",
        "runners": (
            "each",
            {"runs_on": "strings", "tags": "strings", "image?": "text", "variables": "pairs"},
        ),
    },
}

CI_JOBS: Shape = {
    "build": {
        "env": "pairs",
        "cache": "strings",
        "secrets": "strings",
        "install": "text",
        "doctor": "text",
        "digest": "text",
        "build": "text",
        "collect": "text",
        "collect_script": "text",
        "results": "text",
    },
    "summary": {"run": "text"},
}

WHEEL: Shape = {
    "recipe": "text",
    "default_api": "text",
    "min_api": "text",
    "exports": "strings",
    "sdist": {"requires": "strings"},
    "tools": "pairs",
    "repair": ("each", {"command": "strings", "tools?": "pairs"}),
    "debian_root": {
        "suite": "text",
        "mirror": "text",
        "version": "text",
        "packages": "strings",
        "include_dirs": "strings",
        "include_after?": "strings",
        "interpreter": "text",
        "tool": "text",
        "tool_package": "text",
        "runners?": "lists",
    },
    "distros": (
        "each",
        {
            "suite": "text",
            "mirror": "text",
            "python": "text",
            "glibc": "text",
            "packages": "strings",
            "interpreter": "text",
        },
    ),
    "distro_runners": "lists",
    "stubs": {"namespaces": "strings", "exact": "pairs", "patterns": "pairs"},
}


def check(table: Table, shape: Shape) -> None:
    """Raise ConfigError at the first key of ``table`` that does not fit ``shape``."""
    table.known(*(k.rstrip("?") for k in shape))
    for spec_key, kind in shape.items():
        key = spec_key.rstrip("?")
        if not spec_key.endswith("?"):
            table.required(key)
        if not table.has(key):
            continue
        if kind == "text":
            table.text(key)
        elif kind == "flag":
            table.flag(key, True)
        elif kind == "strings":
            table.strings(key)
        elif kind == "lists":
            table.lists(key)
        elif kind == "pairs":
            table.pairs(key)
        elif kind == "any":
            table.sub(key)
        elif isinstance(kind, tuple):
            each = table.sub(key)
            for name in each.data:
                check(each.sub(name), kind[1])
        else:
            check(table.sub(key), kind)


def load_checked(path: Path, shape: Shape) -> dict[str, Any]:
    data = load_toml(path)
    check(Table(data, path), shape)
    return data
