"""What a repaired wheel must keep before it is published; else exit 6, and nothing is written.

- its extension modules export their init function only (wheel.toml ``exports``): a module that
  exports pjproject's, the TLS library's or the C++ runtime's symbols can bind another
  extension's references to them, or take theirs;
- a glibc-pinned target's wheel carries the manylinux tag of that glibc: auditwheel granted no
  newer one, and no file needs a newer glibc symbol version (named, with its file).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from pjbuild.build.glibc import check_glibc
from pjbuild.core.errors import VerificationError

MANYLINUX_RE = re.compile(r"^manylinux_(\d+)_(\d+)_")
LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def exported_symbols(so: Path) -> set[str]:
    """The global and weak symbols a shared object defines in its dynamic symbol table."""
    try:
        with so.open("rb") as f:
            dynsym = ELFFile(f).get_section_by_name(".dynsym")
            if not isinstance(dynsym, SymbolTableSection):
                return set()
            return {
                s.name
                for s in dynsym.iter_symbols()
                if s.name
                and s["st_shndx"] != "SHN_UNDEF"
                and s["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
            }
    except ELFError:
        return set()


def _modules(folder: Path) -> list[Path]:
    """The extension modules of an unpacked wheel (not the libraries auditwheel bundled into
    <package>.libs/)."""
    return sorted(
        p
        for p in folder.rglob("*.so")
        if p.is_file() and not any(part.endswith(".libs") for part in p.relative_to(folder).parts)
    )


def check_exports(folder: Path, allowed: set[str]) -> None:
    """Every extension module under ``folder`` (an unpacked wheel) exports ``allowed`` only."""
    for so in _modules(folder):
        extra = sorted(exported_symbols(so) - allowed)
        if extra:
            shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
            raise VerificationError(
                f"{so.relative_to(folder)} exports {len(extra)} symbol(s) besides "
                f"{', '.join(sorted(allowed))}: {shown}",
                hint="link the module with a version script that keeps everything else local "
                "(recipes/pjsua2/CMakeLists.txt: global: PyInit__pjsua2; local: *)",
            )


def tag_floor(platforms: list[str]) -> tuple[int, int] | None:
    """The oldest glibc a wheel's platform tags promise (None: no manylinux tag)."""
    found = []
    for tag in platforms:
        m = MANYLINUX_RE.match(tag)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
        elif tag.split("_")[0] in LEGACY:
            found.append(LEGACY[tag.split("_")[0]])
    return min(found) if found else None


def _version(text: str) -> tuple[int, int]:
    major, minor = (int(p) for p in text.split(".")[:2])
    return major, minor


def check_tag(
    wheel: Path, platforms: list[str], floor: str, why: str = "", unpacked: Path | None = None
) -> None:
    """A glibc-pinned target's wheel: its files need glibc ``floor`` at most, and its tags
    promise that glibc (auditwheel granted no newer one). ``unpacked``: the wheel already
    extracted there (else it is extracted into a scratch folder)."""
    if unpacked is not None:
        check_glibc(unpacked, floor)  # exit 6 naming the symbol and the file
    else:
        with tempfile.TemporaryDirectory(prefix="pjbuild-wheel-") as tmp:
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(tmp)
            check_glibc(Path(tmp), floor)
    got = tag_floor(platforms)
    want = _version(floor)
    if got is None or got > want:
        granted = ".".join(platforms)
        raise VerificationError(
            f"{wheel.name}: the repair granted {granted}, newer than the target's glibc {floor} "
            f"(manylinux_{want[0]}_{want[1]})",
            hint="`auditwheel show` on the wheel says which library or symbol version "
            "constrains it; the target must link against glibc "
            f"{floor} only",
            details=why,
        )


__all__ = ["check_exports", "check_tag", "exported_symbols", "tag_floor"]
