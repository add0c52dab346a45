"""pjbuild.build.binfmt: the binaries of a built, not run target, read from real files built
here with the host's gcc and ar (ELF x86_64, GNU archives with a long-name table); Mach-O by
its header bytes (zig-built Mach-O and FreeBSD files are checked by tests/integration/test_zig)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from pjbuild.build.binfmt import ar_members, binaries, check_binaries, read_binary
from pjbuild.core.errors import VerificationError
from pjbuild.inputs.targets import Binaries

HOST = Binaries("elf", "EM_X86_64", "GNU", "/lib64/ld-linux-x86-64.so.2")


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    """bin/hello and lib/libhello.a (two members, one with a name over 15 characters)."""
    src = tmp_path / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
    root = tmp_path / "prefix"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    subprocess.run(["gcc", str(src), "-o", str(root / "bin" / "hello")], check=True)
    objs = [tmp_path / "a.o", tmp_path / "a_member_with_a_long_name.o"]
    for obj in objs:
        subprocess.run(["gcc", "-c", str(src), "-o", str(obj)], check=True)
    subprocess.run(["ar", "rcs", str(root / "lib" / "libhello.a"), *map(str, objs)], check=True)
    (root / "lib" / "README").write_text("not a binary\n")
    return root


def test_every_program_library_and_member_is_read(prefix: Path) -> None:
    found = {b.name: b for b in binaries(prefix)}
    assert set(found) == {
        "bin/hello",
        "lib/libhello.a(a.o)",
        "lib/libhello.a(a_member_with_a_long_name.o)",
    }
    hello = found["bin/hello"]
    assert hello.format == "elf" and hello.machine == "EM_X86_64" and hello.program
    assert "GNU" in hello.notes and hello.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert not found["lib/libhello.a(a.o)"].program


def test_the_host_binaries_pass_as_the_host_and_counts_are_kept(prefix: Path) -> None:
    assert check_binaries(prefix, HOST, "host") == {
        "format": "elf",
        "machine": "EM_X86_64",
        "note": "GNU",
        "interpreter": "/lib64/ld-linux-x86-64.so.2",
        "programs": 1,
        "objects": 2,
    }


@pytest.mark.parametrize(
    ("want", "message"),
    [
        (Binaries("elf", "EM_AARCH64"), "is built for EM_X86_64, not EM_AARCH64"),
        (Binaries("macho", "CPU_TYPE_ARM64"), "is elf, not macho"),
        (Binaries("elf", "EM_X86_64", "FreeBSD"), "has no FreeBSD ABI note"),
        (
            Binaries("elf", "EM_X86_64", "", "/libexec/ld-elf.so.1"),
            "asks for the loader /lib64/ld-linux-x86-64.so.2, not /libexec/ld-elf.so.1",
        ),
    ],
)
def test_a_binary_of_another_target_is_exit_6_naming_the_file(
    prefix: Path, want: Binaries, message: str
) -> None:
    with pytest.raises(VerificationError) as exc:
        check_binaries(prefix, want, "freebsd-x86_64")
    assert exc.value.exit_code == 6
    assert message in exc.value.summary and "not a freebsd-x86_64 binary" in exc.value.summary
    assert exc.value.summary.startswith(("bin/hello", "lib/libhello.a("))


def test_no_program_at_all_is_an_error(prefix: Path) -> None:
    (prefix / "bin" / "hello").unlink()
    with pytest.raises(VerificationError, match="no elf program"):
        check_binaries(prefix, HOST, "host")


def _macho(cpu: int, filetype: int) -> bytes:
    # mach_header_64: magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags, reserved
    return struct.pack("<IiIIIIII", 0xFEEDFACF, cpu, 3, filetype, 0, 0, 0, 0)


def test_mach_o_headers_give_the_cpu_and_whether_it_is_a_program() -> None:
    program = read_binary("pjsua", _macho(0x0100000C, 2))
    obj = read_binary("x.o", _macho(0x01000007, 1))
    assert program is not None and program.format == "macho"
    assert program.machine == "CPU_TYPE_ARM64" and program.program
    assert obj is not None and obj.machine == "CPU_TYPE_X86_64" and not obj.program
    assert read_binary("notes", b"hello world\n" * 10) is None


def test_bsd_archive_names_are_read() -> None:
    """BSD ar (Apple's, llvm-ar --format=darwin): "#1/<n>" puts the name before the data;
    the __.SYMDEF symbol table is no member."""

    def member(name: str, body: bytes) -> bytes:
        data = name.encode().ljust(len(name) + (-len(name)) % 8, b"\0") + body
        head = f"#1/{len(data) - len(body)}".ljust(16) + "0".ljust(12) + "0".ljust(6) * 2
        head += "644".ljust(8) + str(len(data)).ljust(10) + "`\n"
        return head.encode() + data + (b"\n" if len(data) % 2 else b"")

    blob = (
        b"!<arch>\n"
        + member("__.SYMDEF SORTED", b"\0" * 8)
        + member("pj_a_long_object_name.o", _macho(0x0100000C, 1))
    )
    assert [(n, len(b)) for n, b in ar_members(blob)] == [("pj_a_long_object_name.o", 32)]
