"""test_package: a real consumer. Builds test_package.c with CMakeDeps + CMakeToolchain and runs
it natively, or for a cross target under its emulator (conf user.pjbuild:runner, written by
`pjbuild conan profile`). For a target nothing here runs (built, not run: FreeBSD, macOS by
zig), the linked program is checked to be the target's format and CPU instead
(pjbuild.build.binfmt, the check the build makes of the artifact)."""

from __future__ import annotations

import json
import os

from conan import ConanFile
from conan.tools.build import can_run, cross_building
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class TestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "VirtualRunEnv"

    def requirements(self) -> None:
        self.requires(self.tested_reference_str)

    def layout(self) -> None:
        cmake_layout(self)

    def generate(self) -> None:
        tc = CMakeToolchain(self)
        # no CMakeUserPresets.json in this (source) folder: recipes/ is a shared checkout
        tc.user_presets_path = False
        tc.generate()

    def build(self) -> None:
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self) -> None:
        exe = os.path.join(self.cpp.build.bindir, "test_package")
        if cross_building(self):
            runner = _value(self.conf.get("user.pjbuild:runner", default=[]))
            if not runner and not can_run(self):
                self._check_format(exe)
                return
            env = _value(self.conf.get("user.pjbuild:runner_env", default={}))
            prefix = " ".join(f"{k}={v}" for k, v in env.items())
            self.run(f"{'env ' + prefix if prefix else ''} {' '.join(runner)} {exe}".strip())
        else:
            self.run(exe, env="conanrun")

    def _check_format(self, exe: str) -> None:
        from pathlib import Path

        from pjbuild.build.binfmt import mismatch, read_binary
        from pjbuild.inputs.targets import load_targets

        name = str(self.dependencies["pjproject"].options.target)
        target = load_targets().get(name)
        found = read_binary("test_package", Path(exe).read_bytes())
        if target is None or target.binaries is None or found is None:
            self.output.warning("cross build without an emulator: test_package not run")
            return
        why = mismatch(found, target.binaries)
        if why:
            raise RuntimeError(f"test_package {why}: not a {name} program")
        self.output.info(f"test_package: linked for {name} ({found.machine}), not run")


def _value(value):  # type: ignore[no-untyped-def]
    """Conan parses list/dict confs itself; a string one is JSON."""
    return json.loads(value) if isinstance(value, str) else value
