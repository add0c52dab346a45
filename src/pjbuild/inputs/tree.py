"""Tree features: which bundled third-party folders a pjproject archive has, and what to do
about the missing ones (use the system library, or turn the component off)."""

from __future__ import annotations

import contextlib
import json
import lzma
import os
import shutil
import subprocess
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, SourceError
from pjbuild.core.files import write_atomic
from pjbuild.core.tomlload import Table, load_toml
from pjbuild.inputs.options import Schema, Value, show_value
from pjbuild.inputs.sources import SourceVersion, verify
from pjbuild.inputs.targets import Target


@dataclass(frozen=True)
class Component:
    name: str
    folder: str = ""
    option: str = ""
    value: str = ""  # option value that needs the folder (enum); "" = any "on" value
    off: Value | None = None
    external: tuple[str, ...] = ()
    header: str = ""
    package: str = ""
    missing: tuple[str, ...] = ()
    builtin: bool = False  # pjmedia's own code: in every tree
    label: str = ""
    runtime: str = ""  # what the probe finds on the target: codec:<id> | echo:<algo> | ...
    call: str = ""  # codec id of its loopback call


# what a build does with a component (manifest "components")
STATES = ("builtin", "bundled", "system", "dependency", "disabled", "absent")


@dataclass(frozen=True)
class TreeDecision:
    component: str
    action: str  # one of STATES
    detail: str

    @property
    def built(self) -> bool:
        return self.action in ("builtin", "bundled", "system", "dependency")


def load_components() -> list[Component]:
    path = paths.resources() / "components.toml"
    top = Table(load_toml(path), path)
    out = []
    for name in top.data:
        body = top.sub(name)
        off = body.data.get("off")
        if off is not None and not isinstance(off, (bool, int, str)):
            body.text("off")  # names the key and the expected type
        out.append(
            Component(
                name=name,
                folder=body.text("folder", ""),
                option=body.text("option", ""),
                value=body.text("value", ""),
                off=off,
                external=body.strings("external"),
                header=body.text("header", ""),
                package=body.text("package", ""),
                missing=body.strings("missing"),
                builtin=body.flag("builtin", False),
                label=body.text("label", name),
                runtime=body.text("runtime", ""),
                call=body.text("call", ""),
            )
        )
    return out


# top-level files of interest besides the component folders: upstream's CMake build (2.16+)
TOP_FILES = ("CMakeLists.txt",)
_SCAN_VERSION = 2  # bump when the scan records more: old cached scans are then not reused


def scan_archive(archive: Path, sha256: str) -> frozenset[str]:
    """Folders/files of interest present in the archive (top folder stripped); cached by digest.

    The archive is checked against ``sha256`` before its scan is cached under it (a file with
    the pinned name is not the pinned archive until its bytes say so). The cache is only a
    cache: a home that cannot be written (read-only, full) is scanned again next time."""
    cache = paths.home() / "tree-features" / f"{sha256}.v{_SCAN_VERSION}.json"
    if cache.is_file():
        return frozenset(json.loads(cache.read_text()))
    verify(archive, sha256)
    found: set[str] = set()
    pjlib = False
    try:
        with tarfile.open(archive) as tar:
            for name in tar.getnames():
                parts = PurePosixPath(name).parts[1:]
                pjlib = pjlib or parts[:3] == ("pjlib", "include", "pj")
                if len(parts) >= 2 and parts[0] == "third_party":
                    found.add("/".join(parts[:2]))
                elif len(parts) == 1 and parts[0] in TOP_FILES:
                    found.add(parts[0])
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise SourceError(
            f"{archive.name}: not a readable archive "
            f"({type(exc).__name__}: {' '.join(str(exc).split())})",
            hint="give a pjproject source archive (.tar.gz, .tar.bz2 or .tar.xz)",
        ) from None
    if not pjlib:
        raise SourceError(
            f"{archive.name}: not a pjproject tree (no pjlib/include/pj under its top folder)",
            hint="give a pjproject source archive, e.g. GitHub's pjproject-<version>.tar.gz",
        )
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, json.dumps(sorted(found)))
    return frozenset(found)


def unscanned_tree(
    components: list[Component], version: SourceVersion, needs: tuple[str, ...] = ()
) -> frozenset[str]:
    """What a pinned archive that was not fetched holds, from its pin: every component folder
    (and every folder the build needs) but those the versions table says it lacks. Whether it
    has a CMake build is not known without the archive."""
    folders = {c.folder for c in components if c.folder} | set(needs)
    return frozenset(f for f in folders if f not in version.removed)


def header_available(target: Target, header: str) -> bool:
    """Does the target's C compiler find this header?"""
    cc = shutil.which(target.compilers.cc)
    if not cc:
        return False
    proc = subprocess.run(
        [cc, "-E", "-x", "c", "-", "-o", os.devnull],
        input=f"#include <{header}>\n",
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0


def _is_on(comp: Component, value: Value | None) -> bool:
    if value is None:
        return True  # no value given: pjproject's default, which builds every component
    if comp.value:
        return value == comp.value
    return value != comp.off


def decide(
    components: list[Component],
    present: frozenset[str],
    values: dict[str, Value],
    origins: dict[str, str],
    schema: Schema,
    target: Target,
    from_deps: tuple[str, ...] = (),
    patches: tuple[str, ...] | None = None,
) -> tuple[dict[str, Value], list[str], list[TreeDecision]]:
    """What the build does with each component, given the tree, the options and the target.

    Components named in ``from_deps`` (``--feature srtp``) come from a pjbuild dependency,
    whatever the tree has. A component the target cannot build (its ``[components]
    unavailable`` data, or ``needs_patch`` when ``patches``, the version's patch files, lack
    it) or the tree lacks is turned off explicitly, with the reason, unless ``--set`` asked
    for it: then the build is refused.

    Returns (changed option values, extra configure args, one decision per component).
    """
    changed: dict[str, Value] = {}
    args: list[str] = []
    decisions: list[TreeDecision] = []

    def add_args(group: tuple[str, ...]) -> None:
        args.extend(a for a in group if a not in args)

    unavailable = dict(target.components_unavailable)
    for name, number in target.components_need_patch:
        if patches is not None and not any(p.startswith(f"{number}-") for p in patches):
            unavailable.setdefault(
                name,
                f"it needs pjbuild's patch {number} on this target, which this version does "
                "not take (recipes/pjproject/conandata.yml `skipped` says why)",
            )
    for comp in components:
        if comp.name in from_deps:
            decisions.append(TreeDecision(comp.name, "dependency", "pjbuild dependency"))
            continue
        value = values.get(comp.option, schema.get(comp.option).default) if comp.option else None
        if not _is_on(comp, value):
            add_args(comp.missing)
            origin = origins.get(comp.option, "default")
            decisions.append(
                TreeDecision(comp.name, "disabled", f"{comp.option}={show_value(value)} ({origin})")
            )
            continue
        if comp.builtin:
            decisions.append(TreeDecision(comp.name, "builtin", "pjmedia's own code"))
            continue
        why_not = unavailable.get(comp.name, "")
        if why_not:
            why_not = f"{target.name} cannot build it: {why_not}"
        elif comp.folder in present:
            decisions.append(TreeDecision(comp.name, "bundled", comp.folder))
            continue
        add_args(comp.missing)
        if not why_not and not comp.option:
            decisions.append(TreeDecision(comp.name, "absent", f"{comp.folder} not in tree"))
            continue
        if not why_not and comp.external and comp.header and header_available(target, comp.header):
            add_args(comp.external)
            decisions.append(
                TreeDecision(
                    comp.name, "system", f"{comp.folder} not in tree; system {comp.header}"
                )
            )
            continue
        if not why_not:
            why_not = f"{comp.folder} is not in this tree"
            if comp.external:
                why_not += f" and the system library is missing (install {comp.package})"
        if origins.get(comp.option) == "set":
            fix = f"--set {comp.option}={show_value(comp.off)}"
            raise ConfigError(
                f"{comp.option}={show_value(value)} cannot be built: {why_not}",
                hint=f"install {comp.package}, or {fix}" if comp.package else fix,
            )
        if comp.option:
            assert comp.off is not None
            changed[comp.option] = comp.off
        decisions.append(TreeDecision(comp.name, "disabled", why_not))
    return changed, args, decisions
