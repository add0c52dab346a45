"""What a target needs on this machine, which Debian/Ubuntu package provides it; installing it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from pjbuild.errors import ToolMissingError
from pjbuild.plan import load_configure_data
from pjbuild.targets import Target
from pjbuild.tree import header_available, load_components


@dataclass(frozen=True)
class Requirement:
    what: str
    kind: str  # tool | tls | library | runner
    required: bool
    present: bool
    package: str


def requirements(target: Target, tls: str | None = None) -> list[Requirement]:
    tools = dict(target.tool_packages)
    reqs: list[Requirement] = []
    c = target.compilers
    runner_exe = target.runner.command[0] if target.runner.command else ""
    for exe in dict.fromkeys([c.cc, c.cxx, c.ar, c.ranlib, "make", "patch", *tools]):
        if exe == runner_exe:
            continue
        reqs.append(
            Requirement(exe, "tool", True, shutil.which(exe) is not None, tools.get(exe, ""))
        )
    if target.runner.command:
        exe = target.runner.command[0]
        reqs.append(
            Requirement(exe, "runner", True, shutil.which(exe) is not None, tools.get(exe, ""))
        )
    tls_data = load_configure_data()["tls"]
    wanted = tls or target.tls_default
    for backend in target.tls_backends:
        header = tls_data[backend].get("header", "")
        if not header:
            continue
        packages = target.packages_for_tls(backend)
        reqs.append(
            Requirement(
                f"{backend} ({header})",
                "tls",
                backend == wanted,
                header_available(target, header),
                ", ".join(packages),
            )
        )
    for comp in load_components():
        if comp.header:
            reqs.append(
                Requirement(
                    f"{comp.name} ({comp.header}, used when the tree lacks {comp.folder})",
                    "library",
                    False,
                    header_available(target, comp.header),
                    comp.package,
                )
            )
    return reqs


def missing_packages(reqs: list[Requirement], include_optional: bool = False) -> list[str]:
    pkgs: list[str] = []
    for r in reqs:
        if not r.present and (r.required or include_optional) and r.package:
            pkgs += [p.strip() for p in r.package.split(",") if p.strip() not in pkgs]
    return pkgs


def install(packages: list[str]) -> None:
    if not packages:
        return
    if os.geteuid() != 0:
        raise ToolMissingError(
            "pjbuild doctor --install needs root to run apt-get",
            hint="sudo apt-get install -y " + " ".join(packages),
        )
    if not shutil.which("apt-get"):
        raise ToolMissingError(
            "apt-get not found: install these packages with your package "
            "manager: " + " ".join(packages)
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *packages], check=True, env=env
    )
