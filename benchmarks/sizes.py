"""Footprint: stripped sizes and code sizes of an artifact's libraries (benchmarks/footprint.py)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import ratio
from pjbuild.core.errors import ToolMissingError
from pjbuild.ontarget.perf import PerfError

# --- footprint -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    pjsua: int  # bin/pjsua after strip --strip-all
    libs: int  # pjproject's static libraries after strip --strip-debug
    libs_unstripped: int
    per_lib: dict[str, int]
    # text + data of the libraries (`size`): the code and data a program can link from them,
    # without the symbol and relocation tables a static library keeps (None: no `size` tool)
    libs_code: int | None = None
    # the libraries pjproject builds from its third_party/ folder (GSM, iLBC, speex, SRTP,
    # WebRTC, ...: upstream trees only) after strip --strip-debug; not in `libs`
    bundled: int = 0
    bundled_per_lib: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def pjproject_libs(prefix: Path) -> list[Path]:
    """pjproject's own static libraries in a prefix (not the TLS/SRTP/Opus ones merged in)."""
    lib = prefix / "lib"
    return sorted(p for p in lib.glob("libpj*") if p.suffix in (".a", ".lib") and p.is_file())


def bundled_libs(prefix: Path) -> list[Path]:
    """The static libraries pjproject built from third_party/ (libgsmcodec-<triplet>.a, ...):
    named with the same -<triplet> suffix as pjproject's own (libpj-<triplet>.a), unlike the
    dependencies merged into the prefix (libmbedtls.a, libsrtp2.a)."""
    own = pjproject_libs(prefix)
    suffixes = {p.name[len("libpj") :] for p in own if p.name.startswith("libpj-")}
    lib = prefix / "lib"
    return sorted(
        p
        for p in lib.glob("lib*")
        if p.is_file() and p not in own and any(p.name.endswith(x) for x in suffixes)
    )


def stripped_size(path: Path, strip: str, args: tuple[str, ...]) -> int:
    """Size of a copy of `path` after `strip ARGS` (the original is left alone)."""
    with tempfile.TemporaryDirectory(prefix="pjbuild-strip-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copy2(path, copy)
        proc = subprocess.run(
            [strip, *args, str(copy)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise PerfError(f"{strip} {' '.join(args)} {path.name} failed", details=proc.stderr)
        return copy.stat().st_size


def size_tool(strip: str) -> str:
    """The binutils `size` beside a `strip` (arm-linux-gnueabihf-strip -> ...-size)."""
    return strip[: -len("strip")] + "size" if strip.endswith("strip") else "size"


def code_size(files: list[Path], size: str) -> int | None:
    """text + data of object files or archives, from `size -t`'s TOTALS line (Berkeley)."""
    if not files or not shutil.which(size):
        return None
    proc = subprocess.run(
        [size, "-t", *map(str, files)], capture_output=True, text=True, check=False
    )
    for line in proc.stdout.splitlines():
        fields = line.split()
        if line.rstrip().endswith("(TOTALS)") and len(fields) >= 2:
            return int(fields[0]) + int(fields[1])
    return None


def footprint(prefix: Path, strip: str) -> Footprint:
    if not shutil.which(strip):
        raise ToolMissingError(f"{strip} not found", hint="pjbuild doctor --target T --install")
    pjsua = next(
        (prefix / "bin" / n for n in ("pjsua", "pjsua.exe") if (prefix / "bin" / n).is_file()), None
    )
    if pjsua is None:
        raise PerfError(f"{prefix} has no bin/pjsua")
    libs = pjproject_libs(prefix)
    if not libs:
        raise PerfError(f"{prefix}/lib has no pjproject library")
    per_lib = {p.name: stripped_size(p, strip, ("--strip-debug",)) for p in libs}
    bundled = {p.name: stripped_size(p, strip, ("--strip-debug",)) for p in bundled_libs(prefix)}
    return Footprint(
        pjsua=stripped_size(pjsua, strip, ("--strip-all",)),
        libs=sum(per_lib.values()),
        libs_unstripped=sum(p.stat().st_size for p in libs),
        per_lib=per_lib,
        libs_code=code_size(libs, size_tool(strip)),
        bundled=sum(bundled.values()),
        bundled_per_lib=bundled,
    )


def common_libs_ratio(fp: Footprint, base: Footprint) -> tuple[float | None, list[str]]:
    """Stripped size of the libraries both footprints have, as a ratio to ``base``'s, and the
    libraries ``base`` has that ``fp`` lacks (a preset that leaves pjsua2 out): the like-for-like
    figure next to the whole-prefix one."""
    both = [name for name in base.per_lib if name in fp.per_lib]
    missing = sorted(name for name in base.per_lib if name not in fp.per_lib)
    value = ratio(sum(fp.per_lib[n] for n in both), sum(base.per_lib[n] for n in both))
    return value, missing
