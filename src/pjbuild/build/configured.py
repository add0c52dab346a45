"""What pjproject's configure decided for a target: the macros of its generated headers
(os_auto.h, m_auto.h, config_auto.h, sip_autoconf.h) and the answers config.log records (the
``ac_cv_*`` cache and pjproject's ``ac_*`` substitutions, e.g. the WebRTC instruction set). The
manifest keeps the headers' macros, and scripts/configure_survey.py sets targets side by side
to find checks a cross toolchain (zig) answers differently from the target's own system."""

from __future__ import annotations

import re
from pathlib import Path

OS_AUTO = "pjlib/include/pj/compat/os_auto.h"  # pjlib's: OS, sockets, TLS backend
# configure's AC_CONFIG_HEADERS (aconfigure.ac), relative to the source tree
AUTO_HEADERS = (
    OS_AUTO,
    "pjlib/include/pj/compat/m_auto.h",
    "pjmedia/include/pjmedia/config_auto.h",
    "pjmedia/include/pjmedia-codec/config_auto.h",
    "pjsip/include/pjsip/sip_autoconf.h",
)

_DEFINE = re.compile(r"^#\s*define\s+(\w+)(?:\s+(.*?))?\s*$")
_UNDEF = re.compile(r"^/\*\s*#\s*undef\s+(\w+)\s*\*/\s*$")
_ASSIGN = re.compile(r"^(\w+)='?(.*?)'?$")

# config.log names that say which machine and programs were used, not what the target has
_NOT_ANSWERS = re.compile(r"^ac_cv_(env_|prog_|path_|host|build|target|objext|exeext)")


def header_macros(text: str) -> dict[str, str | None]:
    """Macros of one generated header: name -> value ("" when defined empty), None for the
    ones configure left undefined (``/* #undef NAME */``). Include guards are left out."""
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        if m := _DEFINE.match(line):
            name, value = m.group(1), m.group(2) or ""
            if not (name.startswith("__") and name.endswith("__") and value == ""):
                out[name] = value
        elif m := _UNDEF.match(line):
            out[m.group(1)] = None
    return out


def configured_macros(src: Path) -> dict[str, dict[str, str | None]]:
    """Every generated header of a configured tree, by its path; the ones missing (configure
    did not run, or a version without them) are left out."""
    out: dict[str, dict[str, str | None]] = {}
    for rel in AUTO_HEADERS:
        path = src / rel
        if path.is_file():
            out[rel] = header_macros(path.read_text(errors="replace"))
    return out


def log_answers(text: str) -> dict[str, str]:
    """config.log's cache variables (``ac_cv_*``: headers, functions, types found) and
    pjproject's own substitutions (``ac_*``), without the ones that name the build machine's
    programs or the triplets."""
    out: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## ") and line.endswith(" ##"):
            title = line.strip("# ").rstrip(".").lower()
            section = section if title.strip("-") == "" else title  # the rule under a title
            continue
        if section not in ("cache variables", "output variables"):
            continue
        m = _ASSIGN.match(line)
        if not m or not m.group(1).startswith("ac_") or _NOT_ANSWERS.match(m.group(1)):
            continue
        out[m.group(1)] = m.group(2)
    return out


def differences(results: dict[str, dict[str, str | None]]) -> dict[str, dict[str, str | None]]:
    """Of several targets' results (target -> name -> value), the names whose value is not the
    same for all: name -> target -> value (None: undefined or absent)."""
    names = sorted({n for r in results.values() for n in r})
    out: dict[str, dict[str, str | None]] = {}
    for name in names:
        row = {target: r.get(name) for target, r in results.items()}
        if len(set(row.values())) > 1:
            out[name] = row
    return out
