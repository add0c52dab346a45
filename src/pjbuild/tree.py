"""Tree features: which bundled third-party folders a pjproject archive has, and what to do
about the missing ones (use the system library, or turn the component off)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pjbuild import paths
from pjbuild.errors import ConfigError
from pjbuild.options import Schema, Value
from pjbuild.sources import SourceVersion
from pjbuild.targets import Target
from pjbuild.tomlload import load_toml


@dataclass(frozen=True)
class Component:
    name: str
    folder: str
    option: str = ""
    value: str = ""  # option value that needs the folder (enum); "" = any "on" value
    off: Value | None = None
    external: tuple[str, ...] = ()
    header: str = ""
    package: str = ""
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class TreeDecision:
    component: str
    action: str  # bundled | external | disabled | absent
    detail: str


def load_components() -> list[Component]:
    data = load_toml(paths.resources() / "components.toml")
    return [
        Component(
            name=name,
            folder=body["folder"],
            option=body.get("option", ""),
            value=body.get("value", ""),
            off=body.get("off"),
            external=tuple(body.get("external", [])),
            header=body.get("header", ""),
            package=body.get("package", ""),
            missing=tuple(body.get("missing", [])),
        )
        for name, body in data.items()
    ]


def scan_archive(archive: Path, sha256: str) -> frozenset[str]:
    """Folders/files of interest present in the archive (top folder stripped); cached by digest."""
    cache = paths.home() / "tree-features" / f"{sha256}.json"
    if cache.is_file():
        return frozenset(json.loads(cache.read_text()))
    found: set[str] = set()
    with tarfile.open(archive) as tar:
        for name in tar.getnames():
            parts = PurePosixPath(name).parts[1:]
            if len(parts) >= 2 and parts[0] == "third_party":
                found.add("/".join(parts[:2]))
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(sorted(found), fh)
    os.replace(tmp, cache)
    return frozenset(found)


def unscanned_tree(
    components: list[Component], version: SourceVersion, needs: tuple[str, ...] = ()
) -> frozenset[str]:
    """What a pinned archive that was not fetched holds, from its pin: every component folder
    (and every folder the build needs) but those the versions table says it lacks."""
    folders = {c.folder for c in components} | set(needs)
    return frozenset(f for f in folders if f not in version.removed)


def scan_dir(tree: Path) -> frozenset[str]:
    third = tree / "third_party"
    return (
        frozenset(f"third_party/{p.name}" for p in third.iterdir())
        if third.is_dir()
        else frozenset()
    )


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
) -> tuple[dict[str, Value], list[str], list[TreeDecision]]:
    """Adjust option values and configure args to the tree.

    Components named in ``from_deps`` (``--feature srtp``) come from a pjbuild dependency,
    whatever the tree has.

    Returns (changed option values, extra configure args, decisions for the manifest).
    """
    changed: dict[str, Value] = {}
    args: list[str] = []
    decisions: list[TreeDecision] = []
    for comp in components:
        if comp.name in from_deps:
            decisions.append(TreeDecision(comp.name, "dependency", "pjbuild dependency"))
            continue
        if comp.folder in present:
            if comp.option and _is_on(comp, values.get(comp.option)):
                decisions.append(TreeDecision(comp.name, "bundled", comp.folder))
            continue
        args += [a for a in comp.missing if a not in args]
        if not comp.option:
            decisions.append(TreeDecision(comp.name, "absent", f"{comp.folder} not in tree"))
            continue
        value = values.get(comp.option, schema.get(comp.option).default)
        if not _is_on(comp, value):
            continue
        if comp.external and comp.header and header_available(target, comp.header):
            args += [a for a in comp.external if a not in args]
            decisions.append(
                TreeDecision(
                    comp.name, "external", f"{comp.folder} not in tree; system {comp.header}"
                )
            )
            continue
        why = f"{comp.folder} is not in this tree"
        if comp.external:
            why += f" and the system library is missing (install {comp.package})"
        if origins.get(comp.option) == "set":
            raise ConfigError(
                f"{comp.option}={_show(value)} cannot be built: {why}",
                hint=f"install {comp.package}"
                if comp.package
                else f"--set {comp.option}={_show(comp.off)}",
            )
        assert comp.off is not None
        changed[comp.option] = comp.off
        decisions.append(TreeDecision(comp.name, "disabled", why))
    return changed, args, decisions


def _show(value: Any) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)
