"""Helpers the test modules of several packages share (the fixtures all tests use are in
tests/conftest.py): pjbuild run as a process (`_pjbuild`, `_cli`, `_python`) and its one-line
error (`_one_error`), a read-only home (`_read_only`), a target by name (`_target`), the
upstream versions, and the MSVC targets with their Visual Studio files (`vs_files`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath

import pytest

from pjbuild.inputs.targets import load_targets, resolve_target
from tests.conftest import SHARED_SOURCES


# pjbuild run as a process
def _pjbuild(home: Path, *args: str, mirror: Path = SHARED_SOURCES, wrap: tuple[str, ...] = ()):
    env = {**os.environ, "PJBUILD_HOME": str(home), "PJBUILD_MIRROR": str(mirror)}
    return subprocess.run(
        [*wrap, sys.executable, "-m", "pjbuild", *args], capture_output=True, text=True, env=env
    )


def _one_error(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if not x.startswith("[pjbuild]")]
    assert lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert lines[1].startswith("fix: ") and "Traceback" not in proc.stderr


def _read_only(home: Path) -> tuple[str, ...]:
    """A command prefix that runs with ``home`` on a read-only bind mount (a real EROFS)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private read-only mount")
    script = f'mount --bind -o ro "{home}" "{home}" && exec "$@"'
    return ("unshare", "--mount", "sh", "-c", script, "sh")


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pjbuild", *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PJBUILD_HOME": str(home),
            "PJBUILD_MIRROR": str(SHARED_SOURCES),
            "PATH": "/usr/bin:/bin",
        },
    )


def _python(home: Path, script: str) -> subprocess.Popen[str]:
    """A Python process running ``script`` as a pjbuild would, in ``home``; its output piped."""
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PJBUILD_HOME": str(home)},
    )


# a target by name; the MSVC targets, and the Visual Studio files of the pinned 2.17-dfsg archive
def _target(name: str):  # type: ignore[no-untyped-def]
    return resolve_target(name, load_targets([]))


MSVC = ("windows-msvc-x64", "windows-msvc-x86", "windows-msvc-arm64")
DFSG = SHARED_SOURCES / "pjproject-2.17-dfsg.tar.xz"


@pytest.fixture(scope="module")
def vs_files() -> dict[str, str]:
    """The solution, project and property files of the pinned source (top folder stripped)."""
    out = {}
    with tarfile.open(DFSG) as tar:
        for member in tar:
            rel = "/".join(PurePosixPath(member.name).parts[1:])
            if member.isfile() and rel.endswith((".sln", ".vcxproj", ".props")):
                fh = tar.extractfile(member)
                assert fh is not None
                out[rel] = fh.read().decode("utf-8-sig", errors="replace")
    return out


# the versions whose archive is upstream's own (2.17-dfsg is Debian's repack)
UPSTREAM = ("2.17", "2.16", "2.15.1", "2.14.1", "master-b7317ff")

# --- real shared objects (pjbuild.core.elf, pjbuild.engines.runpath, pjbuild.build.sharedlibs) --

CC = shutil.which("cc")


def _cc(*args: str | Path) -> None:
    assert CC is not None
    subprocess.run([CC, *map(str, args)], check=True, capture_output=True)


def elf_prefix(tmp_path: Path, *, soname: bool = True) -> Path:
    """lib/libbase.so.2 and lib/libtop.so.2 (which needs libbase), with their links, and
    bin/prog (which needs libtop), linked with an absolute run path into the build folder, as
    a build leaves them."""
    if CC is None:
        pytest.skip("no C compiler")
    prefix = tmp_path / "prefix"
    lib, bin_dir, src = prefix / "lib", prefix / "bin", tmp_path / "src"
    for folder in (lib, bin_dir, src):
        folder.mkdir(parents=True)
    (src / "base.c").write_text("int base(void) { return 40; }\n")
    (src / "top.c").write_text("int base(void);\nint top(void) { return base() + 2; }\n")
    (src / "prog.c").write_text("int top(void);\nint main(void) { return top() == 42 ? 0 : 1; }\n")
    for name, needs in (("base", []), ("top", ["-lbase"])):
        flags = [f"-Wl,-soname,lib{name}.so.2"] if soname else []
        _cc("-shared", "-fPIC", *flags, "-o", lib / f"lib{name}.so.2", src / f"{name}.c",
            f"-L{lib}", *needs)  # fmt: skip
        (lib / f"lib{name}.so").symlink_to(f"lib{name}.so.2")
    _cc("-o", bin_dir / "prog", src / "prog.c", f"-L{lib}", "-ltop", "-lbase",
        f"-Wl,-rpath,{lib}")  # fmt: skip
    return prefix
