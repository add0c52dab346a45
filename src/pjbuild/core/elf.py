"""An ELF file's dynamic section as the loader reads it (pyelftools): its SONAME, the run paths
it searches (DT_RUNPATH, else DT_RPATH) and the libraries it needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

MAGIC = b"\x7fELF"
# the dynamic tags read, and the attribute that holds each one's string
ATTRIBUTES = {"SONAME": "soname", "RUNPATH": "runpath", "RPATH": "rpath", "NEEDED": "needed"}


@dataclass(frozen=True)
class Dynamic:
    soname: str
    runpath: tuple[str, ...]  # DT_RUNPATH's entries (DT_RPATH's when there is no RUNPATH)
    needed: tuple[str, ...]
    rpath_tag: str  # "RUNPATH", "RPATH" or "" (none)


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == MAGIC
    except OSError:
        return False


def dynamic(path: Path) -> Dynamic | None:
    """The dynamic section of ``path``; None for a file that is not a dynamic ELF file (a
    static library, a statically linked program, a script)."""
    if not is_elf(path):
        return None
    try:
        with path.open("rb") as fh:
            section = ELFFile(fh).get_section_by_name(".dynamic")
            if not isinstance(section, DynamicSection):
                return None
            tags: dict[str, list[str]] = {}
            for tag in section.iter_tags():
                name = str(tag.entry.d_tag).removeprefix("DT_")
                if name in ATTRIBUTES:  # pyelftools names the tag's string by its kind
                    tags.setdefault(name, []).append(getattr(tag, ATTRIBUTES[name]))
    except (ELFError, OSError):
        return None
    kind = "RUNPATH" if "RUNPATH" in tags else "RPATH" if "RPATH" in tags else ""
    paths = ":".join(tags.get(kind, [])) if kind else ""
    return Dynamic(
        soname=(tags.get("SONAME") or [""])[0],
        runpath=tuple(p for p in paths.split(":") if p),
        needed=tuple(tags.get("NEEDED", [])),
        rpath_tag=kind,
    )
