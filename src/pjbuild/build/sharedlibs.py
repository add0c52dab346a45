"""The shared libraries of an artifact (``--libs shared``), read back from the installed prefix
and checked: each has a versioned SONAME with a link of that name beside it, and no program or
library of the prefix searches a run path outside it (only ``$ORIGIN``-relative ones: the
prefix can be moved). The manifest's "libraries" and the SBOM list them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pjbuild.core.errors import VerificationError
from pjbuild.engines.runpath import dynamic_files

ORIGIN = "$ORIGIN"


def shared_libraries(prefix: Path) -> list[dict[str, Any]]:
    """Each shared library under prefix/lib (a real file, not a link): its file, sha256, SONAME,
    run path, needed libraries and the links that point to it (libpj.so -> libpj.so.2)."""
    out: list[dict[str, Any]] = []
    for path, info in dynamic_files(prefix / "lib", recursive=True):
        real = path.resolve()
        links = sorted(
            p.name for p in path.parent.iterdir() if p.is_symlink() and p.resolve() == real
        )
        out.append(
            {
                "file": path.relative_to(prefix).as_posix(),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "soname": info.soname,
                "runpath": list(info.runpath),
                "needed": list(info.needed),
                "links": links,
            }
        )
    return out


def check_relocatable(prefix: Path) -> list[dict[str, Any]]:
    """The prefix's shared libraries (shared_libraries), after checking them (else exit 6):
    at least one, each with a versioned SONAME that names the file or a link beside it, and
    every run path of lib/ and bin/ relative to $ORIGIN."""
    libraries = shared_libraries(prefix)
    if not libraries:
        raise VerificationError(
            f"a shared-library build installed no shared library into {prefix / 'lib'}",
            hint="the build made static libraries only: see the configure/cmake step in "
            "logs/build.log (--enable-shared / BUILD_SHARED_LIBS)",
        )
    for entry in libraries:
        soname, name = entry["soname"], Path(entry["file"]).name
        if ".so." not in soname or soname not in (name, *entry["links"]):
            raise VerificationError(
                f"{entry['file']} has SONAME '{soname}': not a versioned name (lib<name>.so.N) "
                "of the file or of a link beside it",
                hint="programs linked with it would not find it, or would take an incompatible "
                "version; see the library's link step in logs/build.log",
            )
    # lib/'s files are the libraries read above; then bin/'s programs
    searched = [(e["file"], e["runpath"]) for e in libraries]
    searched += [
        (path.relative_to(prefix).as_posix(), info.runpath)
        for path, info in dynamic_files(prefix / "bin", recursive=True)
    ]
    for file, runpath in searched:
        outside = [p for p in runpath if not p.startswith(ORIGIN)]
        if outside:
            raise VerificationError(
                f"{file} searches {':'.join(outside)} for libraries: "
                "a run path outside the prefix (it would not load once moved)",
                hint="pjbuild.engines.runpath sets $ORIGIN run paths after the install; "
                "see logs/build.log",
            )
    return libraries
