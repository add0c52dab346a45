"""The target's Python for cross wheels: a minimal Debian root of the target's architecture.

``mmdebstrap --variant=extract`` unpacks the Python packages and their dependencies (nothing
is run, so no emulator is needed to make it). The root gives the wheel build its headers and
the tests an interpreter with its own libc, run through the target's emulator
(``qemu-<arch> -L <root>``). Created once per target under PJBUILD_HOME/pyroots/ (or
PJBUILD_PYROOTS), published with one rename, reused by every later wheel of the target.
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


def target_python(target: Target, data: dict[str, Any] | None = None) -> TargetPython:
    spec = (data or wheel_data())["debian_root"]
    if not target.multiarch:
        raise ConfigError(
            f"{target.name} has no Debian architecture ([deps] multiarch) for a Python root",
            hint="set [deps] multiarch in its toolchain file, or build wheels for another target",
        )
    # the folder names its contents: another package list makes another root
    contents = json.dumps([spec["suite"], spec["mirror"], spec["packages"]]).encode()
    root = paths.pyroots() / f"{target.name}-{spec['suite']}-{_short(contents)}"
    values = {"version": spec["version"], "triplet": target.triplet}
    return TargetPython(
        root=root,
        version=spec["version"],
        include_dirs=tuple(root / d.format(**values) for d in spec["include_dirs"]),
        include_after=tuple(root / d.format(**values) for d in spec.get("include_after", [])),
        interpreter=root / spec["interpreter"].format(**values),
        packages=tuple(spec["packages"]),
        suite=spec["suite"],
    )


def _short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def create_command(target: Target, dest: Path, data: dict[str, Any] | None = None) -> list[str]:
    spec = (data or wheel_data())["debian_root"]
    return [
        spec["tool"],
        "--variant=extract",
        f"--architectures={target.multiarch}",
        f"--include={','.join(spec['packages'])}",
        spec["suite"],
        str(dest),
        spec["mirror"],
    ]


def ensure_target_python(target: Target, say: Any = None) -> TargetPython:
    """The target's Python root, created if missing (needs mmdebstrap and the Debian mirror)."""
    data = wheel_data()
    tp = target_python(target, data)
    if tp.present:
        return tp
    spec = data["debian_root"]
    if not shutil.which(spec["tool"]):
        raise ToolMissingError(
            f"{spec['tool']} not found (makes {target.name}'s Python root for its wheel)",
            hint=f"`pjbuild doctor --target {target.name} --wheel --install` "
            f"(apt-get install {spec['tool_package']})",
        )
    tp.root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(tp.root.parent / f".{tp.root.name}.lock")):
        if tp.present:
            return tp
        tmp = Path(tempfile.mkdtemp(prefix=f".{tp.root.name}.", dir=tp.root.parent))
        try:
            command = create_command(target, tmp / "root", data)
            if say:
                say("creating the target's Python root: " + " ".join(command))
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
                raise BuildError(
                    f"{spec['tool']} could not make {target.name}'s Python root "
                    f"(exit {done.returncode})",
                    hint=f"check access to {spec['mirror']}; the command was: " + " ".join(command),
                    details=tail,
                )
            made = tmp / "root"
            wanted = (tp.interpreter, *tp.include_dirs)
            missing = [p for p in wanted if not (made / p.relative_to(tp.root)).exists()]
            if missing:
                raise BuildError(
                    f"{target.name}'s Python root lacks {', '.join(map(str, missing))}",
                    hint="check [debian_root] in resources/wheel.toml against the suite's packages",
                )
            if tp.root.exists():
                shutil.rmtree(tp.root)
            made.rename(tp.root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return tp


__all__ = ["TargetPython", "create_command", "ensure_target_python", "target_python"]
