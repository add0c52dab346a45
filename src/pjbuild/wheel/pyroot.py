"""The target's Python for cross wheels: a minimal Debian root of the target's architecture.

``mmdebstrap --variant=extract`` unpacks the Python packages and their dependencies (nothing
is run, so no emulator is needed to make it). The root gives the wheel build its headers and
the tests an interpreter with its own libc, run through the target's emulator
(``qemu-<arch> -L <root>``). Created once per Debian architecture under PJBUILD_HOME/pyroots/
(or PJBUILD_PYROOTS), published with one rename, reused by every later wheel of a target of
that architecture.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ConfigError, ToolMissingError
from pjbuild.core.schema import WHEEL, load_checked
from pjbuild.inputs.targets import Target


def wheel_data() -> dict[str, Any]:
    return load_checked(paths.resources() / "wheel.toml", WHEEL)


@dataclass(frozen=True)
class TargetPython:
    root: Path
    version: str
    include_dirs: tuple[Path, ...]
    interpreter: Path
    packages: tuple[str, ...]
    suite: str
    include_after: tuple[Path, ...] = ()

    @property
    def present(self) -> bool:
        return self.interpreter.is_file() and all(d.is_dir() for d in self.include_dirs)

    def command(self, target: Target) -> list[str]:
        """argv prefix that runs this interpreter on the target's runner."""
        template = wheel_data()["debian_root"]["runners"].get(target.runner.kind)
        if template is None or not target.runner.command:
            raise ConfigError(
                f"no way to run {target.name}'s Python root with a {target.runner.kind} runner",
                hint="add the runner kind to [debian_root.runners] in resources/wheel.toml",
            )
        values = {"runner": target.runner.command[0], "root": str(self.root)}
        return [part.format(**values) for part in template] + [str(self.interpreter)]


def debian_arch(target: Target) -> str:
    """The Debian architecture of the target's Python root: [wheel] debian_arch, else
    [deps] multiarch."""
    arch = target.wheel_debian_arch or target.multiarch
    if not arch:
        raise ConfigError(
            f"{target.name} has no Debian architecture for a Python root",
            hint="set [wheel] debian_arch (or [deps] multiarch) in its toolchain file, "
            "or build wheels for another target",
        )
    return arch


def target_python(target: Target, data: dict[str, Any] | None = None) -> TargetPython:
    spec = (data or wheel_data())["debian_root"]
    arch = debian_arch(target)
    # the folder names its contents: another package list makes another root
    contents = json.dumps([spec["suite"], spec["mirror"], spec["packages"]]).encode()
    # one root per Debian architecture: linux-aarch64 and linux-aarch64-glibc217 share theirs
    root = paths.pyroots() / f"{arch}-{spec['suite']}-{short_digest(contents)}"
    values = {"version": spec["version"], "triplet": target.wheel_debian_triplet or target.triplet}
    return TargetPython(
        root=root,
        version=spec["version"],
        include_dirs=tuple(root / d.format(**values) for d in spec["include_dirs"]),
        include_after=tuple(root / d.format(**values) for d in spec.get("include_after", [])),
        interpreter=root / spec["interpreter"].format(**values),
        packages=tuple(spec["packages"]),
        suite=spec["suite"],
    )


def short_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def extract_command(
    target: Target, suite: str, packages: list[str] | tuple[str, ...], dest: str, mirror: str
) -> list[str]:
    """mmdebstrap (wheel.toml [debian_root] tool) unpacking ``packages`` of ``suite`` for the
    target's Debian architecture into ``dest``; nothing is run. Python roots and distribution
    roots (pjbuild.wheel.distros) are both made by it."""
    return [
        wheel_data()["debian_root"]["tool"],
        "--variant=extract",
        f"--architectures={debian_arch(target)}",
        f"--include={','.join(packages)}",
        suite,
        dest,
        mirror,
    ]


def create_command(target: Target, dest: Path, data: dict[str, Any] | None = None) -> list[str]:
    spec = (data or wheel_data())["debian_root"]
    return extract_command(target, spec["suite"], spec["packages"], str(dest), spec["mirror"])


def ensure_target_python(target: Target, say: Any = None) -> TargetPython:
    """The target's Python root, created if missing (needs mmdebstrap and the Debian mirror)."""
    data = wheel_data()
    tp = target_python(target, data)
    if not tp.present:
        spec = data["debian_root"]
        make_root(
            tp.root,
            create_command(target, Path("{dest}"), data),
            (tp.interpreter, *tp.include_dirs),
            what=f"{target.name}'s Python root",
            tool=(spec["tool"], spec["tool_package"]),
            mirror=spec["mirror"],
            fix=f"`pjbuild doctor --target {target.name} --wheel --install`",
            say=say,
        )
    return tp


def make_root(
    root: Path,
    command: list[str],
    wanted: tuple[Path, ...],
    *,
    what: str,
    tool: tuple[str, str],
    mirror: str,
    fix: str,
    say: Any = None,
) -> None:
    """Run ``command`` (``{dest}`` standing for a scratch folder) once, under a lock, and
    publish its result as ``root`` with one rename if every ``wanted`` path (under ``root``)
    is there."""
    name, package = tool
    if not shutil.which(name):
        raise ToolMissingError(
            f"{name} not found (makes {what})",
            hint=f"{fix} (apt-get install {package})",
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root.parent / f".{root.name}.lock")):
        if all(p.exists() for p in wanted):
            return
        tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
        try:
            made = tmp / "root"
            argv = [part.replace("{dest}", str(made)) for part in command]
            if say:
                say(f"creating {what}: " + " ".join(argv))
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
                raise BuildError(
                    f"{name} could not make {what} (exit {done.returncode})",
                    hint=f"check access to {mirror}; the command was: " + " ".join(argv),
                    details=tail,
                )
            missing = [p for p in wanted if not (made / p.relative_to(root)).exists()]
            if missing:
                raise BuildError(
                    f"{what} lacks {', '.join(map(str, missing))}",
                    hint="check its package list in resources/wheel.toml against the suite's",
                )
            if root.exists():
                shutil.rmtree(root)
            made.rename(root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


__all__ = [
    "TargetPython",
    "create_command",
    "debian_arch",
    "ensure_target_python",
    "extract_command",
    "make_root",
    "target_python",
]
