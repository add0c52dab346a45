"""The glibc floor of a glibc-pinned target (`glibc = "2.17"`: zig's x86_64-linux-gnu.2.17):
after the build, no program or library of the artifact may need a symbol version of glibc newer
than the target says (read from each ELF file's version needs with pyelftools), else exit 6
naming the symbol and the file, like a TLS backend configure dropped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection

from pjbuild.core.errors import VerificationError

PREFIX = "GLIBC_"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


@dataclass(frozen=True)
class Need:
    file: Path
    symbol: str  # "" when the version is needed by no named symbol (a library's own need)
    version: str  # "2.34"


def glibc_needs(path: Path) -> list[Need]:
    """The glibc symbol versions an ELF file needs, with the symbols that need them."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                return []
            fh.seek(0)
            elf = ELFFile(fh)
            names: dict[int, str] = {}  # version index -> GLIBC_x.y
            for section in elf.iter_sections():
                if isinstance(section, GNUVerNeedSection):
                    for _, auxes in section.iter_versions():
                        for aux in auxes:
                            if aux.name.startswith(PREFIX):
                                names[aux["vna_other"]] = aux.name[len(PREFIX) :]
            versym = elf.get_section_by_name(".gnu.version")
            dynsym = elf.get_section_by_name(".dynsym")
            needs = {Need(path, "", v) for v in names.values()}
            if isinstance(versym, GNUVerSymSection) and isinstance(dynsym, SymbolTableSection):
                for i, sym in enumerate(dynsym.iter_symbols()):
                    index = versym.get_symbol(i)["ndx"]
                    if isinstance(index, int) and index in names and sym.name:
                        needs.add(Need(path, sym.name, names[index]))
            return sorted(needs, key=lambda n: (_key(n.version), n.symbol))
    except (ELFError, OSError):
        return []


def check_glibc(folder: Path, floor: str) -> dict[str, object]:
    """Every ELF file under ``folder`` needs glibc ``floor`` at most (else exit 6); what was
    found, for the manifest."""
    newest = ""
    files = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        needs = glibc_needs(path)
        if not needs:
            continue
        files += 1
        top = needs[-1]
        if _key(top.version) > _key(floor):
            what = f"{top.symbol}@" if top.symbol else ""
            raise VerificationError(
                f"{path.relative_to(folder)} needs {what}GLIBC_{top.version}, newer than the "
                f"target's glibc {floor}",
                hint="the compiler did not link against the pinned glibc: check the target's "
                "triplet (zig: <arch>-linux-gnu.<version>) and flags that pull in the build "
                "machine's libraries",
            )
        if not newest or _key(top.version) > _key(newest):
            newest = top.version
    return {"floor": floor, "newest_needed": newest, "elf_files": files}
