"""The binaries of a target nothing here can run (FreeBSD, macOS built by zig): after the build,
every program, library and archive member of the artifact must be of the target's format and
CPU ([binaries] of its file), and every ELF program must carry the OS's ABI note and program
interpreter, else exit 6 naming the file. ELF is read with pyelftools; Mach-O by its header
(magic and CPU type); static libraries member by member (ar, GNU or BSD names)."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment, NoteSegment

from pjbuild.core.errors import VerificationError
from pjbuild.inputs.targets import Binaries

AR_MAGIC = b"!<arch>\n"
ELF_MAGIC = b"\x7fELF"
# Mach-O 64-bit, either byte order, and the CPU types of <mach/machine.h>
MACHO_MAGICS = {b"\xcf\xfa\xed\xfe": "<", b"\xfe\xed\xfa\xcf": ">"}
MACHO_CPUS = {0x01000007: "CPU_TYPE_X86_64", 0x0100000C: "CPU_TYPE_ARM64", 7: "CPU_TYPE_I386"}
MACHO_PROGRAM = 2  # MH_EXECUTE
PE_MAGIC = b"MZ"


@dataclass(frozen=True)
class Binary:
    name: str  # the file, or "lib/libpj.a(os_core.o)" for an archive member
    format: str  # elf | macho | pe
    machine: str
    program: bool  # an executable (not an object or a library)
    notes: tuple[str, ...] = ()  # ELF: owners of the program's notes
    interpreter: str = ""  # ELF: PT_INTERP


def read_binary(name: str, data: bytes) -> Binary | None:
    """What one file's bytes are; None when they are no binary pjbuild knows."""
    if data.startswith(ELF_MAGIC):
        return _elf(name, data)
    order = MACHO_MAGICS.get(data[:4])
    if order:
        cpu, _, filetype = struct.unpack(order + "iII", data[4:16])
        return Binary(name, "macho", MACHO_CPUS.get(cpu, hex(cpu)), filetype == MACHO_PROGRAM)
    if data.startswith(PE_MAGIC) and len(data) > 64:
        return Binary(name, "pe", "", True)
    return None


def _elf(name: str, data: bytes) -> Binary | None:
    try:
        elf = ELFFile(io.BytesIO(data))
        notes: list[str] = []
        interpreter = ""
        for segment in elf.iter_segments():
            if isinstance(segment, InterpSegment):
                interpreter = segment.get_interp_name()
            elif isinstance(segment, NoteSegment):
                notes += [str(n["n_name"]) for n in segment.iter_notes()]
        program = elf["e_type"] == "ET_EXEC" or (elf["e_type"] == "ET_DYN" and bool(interpreter))
        return Binary(name, "elf", str(elf["e_machine"]), program, tuple(notes), interpreter)
    except (ELFError, ValueError, struct.error):
        return None


def ar_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The members of a static library: GNU names ("name/", "/123" into the "//" table) and
    BSD ones ("#1/<length>": the name starts the data); symbol tables skipped."""
    pos, longnames = len(AR_MAGIC), b""
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        raw, size = header[:16].decode(errors="replace").rstrip(), int(header[48:58])
        body = data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)
        if raw == "//":
            longnames = body
            continue
        if raw in ("/", "/SYM64/") or raw.startswith("__.SYMDEF"):
            continue
        if raw.startswith("#1/"):
            length = int(raw[3:])
            name, body = body[:length].rstrip(b"\0").decode(errors="replace"), body[length:]
            if name.startswith("__.SYMDEF"):
                continue
        elif raw.startswith("/") and raw[1:].isdigit():
            start = int(raw[1:])
            name = longnames[start:].split(b"/\n", 1)[0].decode(errors="replace")
        else:
            name = raw.rstrip("/")
        yield name, body


def binaries(folder: Path) -> Iterator[Binary]:
    """Every binary under ``folder``: files, and each member of a static library."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        rel = str(path.relative_to(folder))
        if data.startswith(AR_MAGIC):
            for member, body in ar_members(data):
                found = read_binary(f"{rel}({member})", body)
                if found:
                    yield found
            continue
        found = read_binary(rel, data)
        if found:
            yield found


def mismatch(found: Binary, want: Binaries) -> str:
    """Why a binary is not the target's, or ""."""
    if found.format != want.format:
        return f"is {found.format}, not {want.format}"
    if want.machine and found.machine != want.machine:
        return f"is built for {found.machine}, not {want.machine}"
    if found.program and want.note and want.note not in found.notes:
        return f"has no {want.note} ABI note (notes: {', '.join(found.notes) or 'none'})"
    if found.program and want.interpreter and found.interpreter != want.interpreter:
        return f"asks for the loader {found.interpreter or '(none)'}, not {want.interpreter}"
    return ""


def check_binaries(folder: Path, want: Binaries, target: str) -> dict[str, object]:
    """Every binary under ``folder`` is the target's (else exit 6); counts for the manifest."""
    programs = objects = 0
    for found in binaries(folder):
        why = mismatch(found, want)
        if why:
            raise VerificationError(
                f"{found.name} {why}: not a {target} binary",
                hint=f"check the compilers of {target} (its zig target) and the flags that "
                "reach the build; `file` on it shows what was built",
            )
        programs += found.program
        objects += not found.program
    if not programs:
        raise VerificationError(
            f"no {want.format} program for {target} under {folder}",
            hint="the build installed no programs: see the build log",
        )
    return {
        "format": want.format,
        "machine": want.machine,
        "note": want.note,
        "interpreter": want.interpreter,
        "programs": programs,
        "objects": objects,
    }
