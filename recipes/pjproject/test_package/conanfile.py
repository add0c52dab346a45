"""test_package: a real consumer. Builds test_package.c with CMakeDeps + CMakeToolchain and runs
it natively, or for a cross target under its emulator (conf user.pjbuild:runner, written by
`pjbuild conan profile`)."""

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
            if not runner:
                if not can_run(self):
                    self.output.warning("cross build without an emulator: test_package not run")
                    return
            env = _value(self.conf.get("user.pjbuild:runner_env", default={}))
            prefix = " ".join(f"{k}={v}" for k, v in env.items())
            self.run(f"{'env ' + prefix if prefix else ''} {' '.join(runner)} {exe}".strip())
        else:
            self.run(exe, env="conanrun")


def _value(value):  # type: ignore[no-untyped-def]
    """Conan parses list/dict confs itself; a string one is JSON."""
    return json.loads(value) if isinstance(value, str) else value
