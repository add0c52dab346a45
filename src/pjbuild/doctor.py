"""What a target needs on this machine, which Debian/Ubuntu package provides it; installing it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pjbuild.build import wrappers
from pjbuild.core.errors import PjbuildError, ToolMissingError
from pjbuild.engines import required_tools
from pjbuild.inputs.deps import resolve as resolve_deps
from pjbuild.inputs.registry import load_configure_data
from pjbuild.inputs.targets import Target
from pjbuild.inputs.testsuites import load_catalog
from pjbuild.inputs.tools import binary, used_tools
from pjbuild.inputs.tree import header_available, load_components
from pjbuild.ontarget import netns
from pjbuild.ontarget.runners import emulator_too_old
from pjbuild.plan import tls_backend

if TYPE_CHECKING:
    from pjbuild.wheel.distros import Distro


@dataclass(frozen=True)
class Requirement:
    what: str
    kind: str  # tool | tls | library | runner | python (a pinned tool's PyPI package)
    required: bool
    present: bool
    package: str


def requirements(
    target: Target,
    tls: str | None = None,
    deps_from: str | None = None,
    features: tuple[str, ...] = (),
) -> list[Requirement]:
    tools = dict(target.tool_packages)
    reqs: list[Requirement] = []
    pinned = used_tools(target.wrappers)  # pinned tools (zig), then their wrappers
    for tool in pinned:
        try:
            binary(tool)
            present = True
        except PjbuildError:
            present = False
        spec = f"{tool.package}=={tool.version}"
        reqs.append(Requirement(f"{tool.name} {tool.version} (PyPI {spec})", "python", True,
                                present, spec))  # fmt: skip
    if pinned and all(r.present for r in reqs):  # the wrappers are what the tools check finds
        wrappers.install(target)
    runner_exe = target.runner.command[0] if target.runner.command else ""
    for exe in dict.fromkeys([*required_tools(target), *tools]):
        if exe == runner_exe:
            continue
        reqs.append(
            Requirement(exe, "tool", True, shutil.which(exe) is not None, tools.get(exe, ""))
        )
    if target.runner.command:
        exe = target.runner.command[0]
        need = target.runner.min_version
        reqs.append(
            Requirement(
                f"{exe} >= {need} (Debian 12: qemu-user from bookworm-backports)" if need else exe,
                "runner",
                True,
                shutil.which(exe) is not None and not emulator_too_old(target),
                tools.get(exe, ""),
            )
        )
    kind = target.runner.kind  # tests at once need namespaces: not for "none" or sequential
    if kind != "none" and kind not in load_catalog().parallel.sequential:
        for exe, (package, why) in netns.TOOLS.items():
            present = shutil.which(exe) is not None
            reqs.append(Requirement(f"{exe} ({why})", "tool", False, present, package))
    wanted = tls_backend(target, tls, load_configure_data())  # an unknown --tls: exit 2
    chosen = resolve_deps(target, wanted, features, deps_from, "doctor")
    for dep in chosen:
        recipe = dep.recipe
        if dep.provider == "system":
            reqs.append(
                Requirement(
                    f"{recipe.name} ({recipe.system_header}, system)",
                    "tls" if recipe.provides.startswith("tls:") else "library",
                    True,
                    header_available(target, recipe.system_header),
                    dep.package,
                )
            )
            continue
        for exe, package in recipe.tools:
            reqs.append(
                Requirement(
                    f"{exe} (builds {recipe.name} from source)",
                    "tool",
                    True,
                    shutil.which(exe) is not None,
                    package,
                )
            )
    # the target's other TLS backends that come from the system: optional
    tls_data = load_configure_data()["tls"]
    for backend in target.tls_backends:
        header = tls_data[backend].get("header", "")
        if backend == wanted or not header:
            continue
        try:
            other = resolve_deps(target, backend, (), None, "doctor")
        except PjbuildError:
            continue
        for dep in other:
            if dep.provider == "system":
                reqs.append(
                    Requirement(
                        f"{backend} ({header})",
                        "tls",
                        False,
                        header_available(target, header),
                        dep.package,
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
    """The Debian/Ubuntu packages of what is missing."""
    pkgs: list[str] = []
    for r in reqs:
        if r.kind == "python":
            continue
        if not r.present and (r.required or include_optional) and r.package:
            pkgs += [p.strip() for p in r.package.split(",") if p.strip() not in pkgs]
    return pkgs


def missing_python(reqs: list[Requirement]) -> list[str]:
    """The PyPI requirements (name==version) of the pinned tools that are missing."""
    return [r.package for r in reqs if r.kind == "python" and not r.present]


def install_python(specs: list[str]) -> None:
    """pip install the pinned tools into the Python that runs pjbuild."""
    if specs:
        subprocess.run([sys.executable, "-m", "pip", "install", *specs], check=True)


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
    for command in multiarch_setup(packages, foreign_architectures()):
        subprocess.run(command, check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *packages], check=True, env=env
    )


def foreign_architectures() -> list[str]:
    if not shutil.which("dpkg"):
        return []
    out = subprocess.run(
        ["dpkg", "--print-foreign-architectures"], capture_output=True, text=True, check=False
    ).stdout
    return out.split()


def multiarch_setup(packages: list[str], enabled: list[str]) -> list[list[str]]:
    """Commands that enable the Debian architectures named by ``pkg:arch`` packages."""
    arches = sorted({p.split(":", 1)[1] for p in packages if ":" in p} - set(enabled))
    if not arches:
        return []
    return [*(["dpkg", "--add-architecture", a] for a in arches), ["apt-get", "update"]]


def wheel_requirements(target: Target, proving: Sequence[Distro] = ()) -> list[Requirement]:
    """What `pjbuild wheel` needs: its Python tools, sipp (tests), the target's Python root,
    and the roots of the distributions it is tested on (--test-on)."""
    from pjbuild.core.procs import find_tool
    from pjbuild.wheel.build import repair_spec
    from pjbuild.wheel.distros import present
    from pjbuild.wheel.pyroot import target_python, wheel_data

    data = wheel_data()
    tools = [*data["tools"], *repair_spec(target.os, data).get("tools", {})]
    reqs = [
        Requirement(name, "wheel tool", True, find_tool(name) is not None, "")
        for name in tools
        if name != "pkg-config"
    ]
    reqs.append(
        Requirement(
            "pkg-config", "tool", True, shutil.which("pkg-config") is not None, "pkg-config"
        )
    )
    reqs.append(
        Requirement(
            "sipp (call tests of the wheel)", "tool", False, shutil.which("sipp") is not None,
            "sip-tester",
        )
    )  # fmt: skip
    if target.wheel_python == "debian-root":
        spec = data["debian_root"]
        tool = spec["tool"]
        reqs.append(
            Requirement(tool, "tool", True, shutil.which(tool) is not None, spec["tool_package"])
        )
        tp = target_python(target, data)
        reqs.append(
            Requirement(
                f"target Python {tp.version} root ({tp.root}; made by --install)",
                "runner",
                True,
                tp.present,
                "",
            )
        )
    for d in proving:
        reqs.append(
            Requirement(
                f"{d.name} root ({d.root(target)}; made by --install)",
                "runner",
                True,
                present(d, target),
                "",
            )
        )
    return reqs
