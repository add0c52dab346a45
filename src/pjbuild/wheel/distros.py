"""Proving a wheel where its users are: an older distribution's root (wheel.toml [distros]), in
which that distribution's own pip installs the wheel and its own Python makes the calls.

The root is made once per distribution and Debian architecture by mmdebstrap (extract variant:
nothing runs, so no emulator is needed to make it) under PJBUILD_PYROOTS, and entered with
chroot: natively when the build machine has the target's CPU, else under the target's emulator
copied into the root (a static binary). Every run works in a fresh folder inside the root.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ConfigError
from pjbuild.core.say import Say, quiet
from pjbuild.inputs.targets import Target
from pjbuild.wheel.pyroot import (
    debian_arch,
    extract_command,
    make_root,
    short_digest,
    wheel_data,
)
from pjbuild.wheel.test import call_script, call_test, make_cert

SCRATCH = "tmp"  # where runs work, inside the root


@dataclass(frozen=True)
class Distro:
    name: str
    suite: str
    mirror: str
    python: str
    glibc: str
    packages: tuple[str, ...]
    interpreter: str  # as the root sees it

    def root(self, target: Target) -> Path:
        contents = repr((self.suite, self.mirror, self.packages)).encode()
        return paths.pyroots() / f"{self.name}-{debian_arch(target)}-{short_digest(contents)}"


def distros(data: dict[str, Any] | None = None) -> dict[str, Distro]:
    spec = (data or wheel_data())["distros"]
    return {
        name: Distro(
            name=name,
            suite=d["suite"],
            mirror=d["mirror"],
            python=d["python"],
            glibc=d["glibc"],
            packages=tuple(d["packages"]),
            interpreter=d["interpreter"].format(python=d["python"]),
        )
        for name, d in spec.items()
    }


def distro(name: str, data: dict[str, Any] | None = None) -> Distro:
    known = distros(data)
    if name not in known:
        raise ConfigError(
            f"unknown distribution '{name}' for --test-on",
            hint=f"choose one of: {', '.join(sorted(known))} (resources/wheel.toml [distros])",
        )
    return known[name]


def create_command(d: Distro, target: Target) -> list[str]:
    return extract_command(target, d.suite, d.packages, "{dest}", d.mirror)


def present(d: Distro, target: Target) -> bool:
    return (d.root(target) / d.interpreter.lstrip("/")).is_file()


def ensure_root(d: Distro, target: Target, say: Say = quiet) -> Path:
    root = d.root(target)
    if not present(d, target):
        spec = wheel_data()["debian_root"]
        make_root(
            root,
            create_command(d, target),
            (root / d.interpreter.lstrip("/"),),
            what=f"a {d.name} root ({debian_arch(target)})",
            tool=(spec["tool"], spec["tool_package"]),
            mirror=d.mirror,
            fix=f"`pjbuild doctor --target {target.name} --wheel --test-on {d.name} --install`",
            say=say,
        )
    return root


def native(target: Target) -> bool:
    """The build machine runs the target's programs on its own CPU."""
    return platform.machine().lower() == target.arch.lower()


def enter_command(d: Distro, target: Target, root: Path) -> list[str]:
    """argv prefix that runs the distribution's Python inside its root."""
    runners = dict(wheel_data()["distro_runners"])
    if native(target):
        template = runners["native"]
        emulator = ""
    else:
        if not target.runner.command:
            raise ConfigError(f"{target.name} has no emulator to enter a {d.name} root with")
        emulator = Path(target.runner.command[0]).name
        found = shutil.which(target.runner.command[0])
        if not found:
            raise ConfigError(f"{target.runner.command[0]} not found (runs the {d.name} root)")
        inside = root / ".pjbuild" / emulator
        inside.parent.mkdir(exist_ok=True)
        if not inside.is_file() or inside.stat().st_size != Path(found).stat().st_size:
            shutil.copy2(found, inside)
        template = runners["emulated"]
    values = {"root": str(root), "emulator": emulator}
    return [part.format(**values) for part in template] + [d.interpreter]


def prove(wheel: Path, d: Distro, target: Target, *, tls: bool, say: Say = quiet) -> dict[str, Any]:
    """Install ``wheel`` with the distribution's pip, then make the calls with its Python."""
    root = ensure_root(d, target, say)
    prefix = enter_command(d, target, root)
    (root / SCRATCH).mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pjbuild-", dir=root / SCRATCH))

    def seen(p: Path) -> str:
        return "/" + str(p.relative_to(root))

    try:
        shutil.copy2(wheel, work / wheel.name)
        script = work / call_script().name
        shutil.copy2(call_script(), script)
        site = work / "site"
        pip = [*prefix, "-m", "pip", "install", "--no-index", "--no-deps", "--target"]
        done = subprocess.run(
            [*pip, seen(site), seen(work / wheel.name)],
            capture_output=True,
            text=True,
            check=False,
            # the distribution's pip as it comes: not this machine's pip settings
            env={k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
        )
        if done.returncode != 0:
            return {
                "status": "failed",
                "reason": f"{d.name}'s pip refused the wheel: "
                + " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:]),
                "installed": False,
            }
        say(f"calls with the wheel in {d.name} ({' '.join(prefix)})")
        factor = 1.0 if native(target) else target.runner.timeout_factor
        common: dict[str, Any] = {
            "prefix": prefix,
            "script": script,
            "seen": seen,
            "factor": factor,
            "say": say,
        }
        calls = {"loopback": call_test("loopback", site, target, None, work / "calls", **common)}
        if tls:
            cert, key = make_cert(work / "cert")
            calls["tls"] = call_test(
                "tls",
                site,
                target,
                None,
                work / "calls",
                extra=["--cert", seen(cert), "--key", seen(key)],
                **common,
            )
        failed = [f"{m}: {r['reason']}" for m, r in calls.items() if r["status"] != "passed"]
        return {
            "status": "failed" if failed else "passed",
            "reason": "; ".join(failed),
            "installed": True,
            "entered": "native chroot" if native(target) else "chroot + emulator",
            "calls": {
                m: {k: r.get(k) for k in ("status", "python", "machine", "states", "duration_s")}
                for m, r in calls.items()
            },
        }
    except OSError as exc:
        raise BuildError(f"could not run in the {d.name} root {root}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


__all__ = [
    "Distro",
    "create_command",
    "distro",
    "distros",
    "ensure_root",
    "enter_command",
    "native",
    "present",
    "prove",
]
