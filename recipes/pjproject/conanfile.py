"""Conan 2 recipe for pjproject, built by pjbuild.

ONE build path: build() calls pjbuild's make_plan + run_build, exactly what `pjbuild build` runs
(fetch + verify the pinned source from conandata.yml, generate config_site.h, configure with the
target's toolchain, build, run pjproject's tests on the target). The Conan options that change
the binary (target, preset, tls, srtp, opus, overrides) go into the package_id; the test suite
that runs is a conf (it does not change the binary).

Use `pjbuild conan profile --target T` for the host profile and `pjbuild conan create` to run
`conan create` offline; by hand:
    conan create recipes/pjproject --version 2.17-dfsg -pr:h linux-armhf.profile -nr
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.files import copy

# The TLS backends and features are pjbuild's registries (pjbuild.inputs.registry): an entry
# added there is an option value here too.
from pjbuild.inputs import registry

# Link order of pjproject's libraries (as libpjproject.pc lists them) and what each needs.
COMPONENTS = {
    "pjsua2": ["pjsua"],
    "pjsua": [
        "pjsip-ua",
        "pjsip-simple",
        "pjsip",
        "pjmedia-codec",
        "pjmedia-videodev",
        "pjmedia-audiodev",
        "pjmedia",
    ],
    "pjsip-ua": ["pjsip-simple", "pjsip", "pjmedia"],
    "pjsip-simple": ["pjsip"],
    "pjsip": ["pjnath", "pjlib-util", "pj"],
    "pjmedia-codec": ["pjmedia"],
    "pjmedia-videodev": ["pjmedia"],
    "pjmedia-audiodev": ["pjmedia"],
    "pjmedia": ["pjnath", "pjlib-util", "pj"],
    "pjnath": ["pjlib-util", "pj"],
    "pjlib-util": ["pj"],
    "pj": [],
}

# Components a configuration may leave out: no library, no component (a consumer that asks for
# pjproject::pjsua2 then gets Conan's "component not found" error, naming it).
OPTIONAL = {"pjsua2"}


class PjprojectConan(ConanFile):
    name = "pjproject"
    description = "PJSIP: SIP, media and NAT traversal stack, built and tested by pjbuild"
    license = "GPL-2.0-or-later"
    url = "https://github.com/pjsip/pjproject"
    homepage = "https://www.pjsip.org"
    topics = ("sip", "voip", "rtp", "ice", "pjsip")
    package_type = "library"  # static, or shared with shared=True (pjbuild --libs shared)
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "target": ["ANY"],  # the pjbuild target (from `pjbuild conan profile`)
        "preset": ["ANY"],
        "tls": [*registry.tls_backends(), "default"],
        **{feature: [True, False] for feature in registry.features()},
        "overrides": ["ANY"],  # config_site.h overrides: "NAME=VALUE;..." sorted (canonical)
        # dependencies from the system ("openssl,opus"): required here, satisfied by the
        # profile's [platform_requires] (written by `pjbuild conan profile`)
        "system_deps": ["ANY"],
        # where dependencies come from (pjbuild --deps-from): default = the target's providers
        "deps_from": ["default", "system", "source"],
        # the build engine (pjbuild --engine): default = the target's; cmake: upstream's
        # CMake build (2.16 and newer)
        "engine": ["default", *registry.engines()],
        # pjbuild --libs: static, position-independent libraries (False), or shared ones with
        # versioned SONAMEs and $ORIGIN run paths (True; ELF targets)
        "shared": [False, True],
        "fPIC": [True],
    }
    default_options = {
        "target": "host",
        "preset": "default",
        "tls": "default",
        **{feature: False for feature in registry.features()},
        "overrides": "",
        "system_deps": "",
        "deps_from": "default",
        "engine": "default",
        "shared": False,
        "fPIC": True,
    }
    exports = "patches/*"

    def validate(self) -> None:
        overrides = str(self.options.overrides)
        items = [i for i in overrides.split(";") if i]
        if any("=" not in i for i in items) or items != sorted(items):
            raise ConanInvalidConfiguration(
                f"overrides='{overrides}' is not canonical: NAME=VALUE items, sorted, ';'-joined "
                "(`pjbuild conan create --set` writes it)"
            )

    def requirements(self) -> None:
        for name in (n for n in str(self.options.system_deps).split(",") if n):
            self.requires(f"{name}/[*]")

    def _request(self):  # type: ignore[no-untyped-def]
        from pjbuild.plan import Request

        tls = str(self.options.tls)
        features = tuple(f for f in registry.features() if bool(self.options.get_safe(f)))
        overrides = tuple(i for i in str(self.options.overrides).split(";") if i)
        return Request(
            target=str(self.options.target),
            preset=str(self.options.preset),
            tls=None if tls == "default" else tls,
            sets=overrides,
            version=str(self.version),
            # unset: the target's default (quick; none for a target built, not run)
            tests=str(self.conf.get("user.pjbuild:tests", default="")) or None,
            features=features,
            deps_from=None if str(self.options.deps_from) == "default" else str(self.options.deps_from),
            engine=None if str(self.options.engine) == "default" else str(self.options.engine),
            libs="shared" if bool(self.options.shared) else "static",
        )

    def build(self) -> None:
        from pjbuild.build.run import BuildOptions, run_build
        from pjbuild.conan.recipe import system_deps
        from pjbuild.core.ccache import ENV_REMOTE, parse_remote
        from pjbuild.plan import make_plan

        plan = make_plan(self._request())
        system = system_deps(plan)
        if system != str(self.options.system_deps):
            raise ConanInvalidConfiguration(
                f"the build takes {system or 'nothing'} from the system but system_deps="
                f"'{self.options.system_deps}': use the profile of `pjbuild conan profile` "
                "with the same --tls/--deps-from/--feature"
            )
        self.output.info(
            f"pjbuild: target {plan.target.name}, preset {plan.preset.name}, "
            f"TLS {plan.tls.backend}, inputs digest {plan.digest}"
        )
        # the remote compiler cache of `pjbuild build` (PJBUILD_CCACHE_REMOTE), if set
        remote = os.environ.get(ENV_REMOTE, "").strip()
        outcome = run_build(
            plan,
            BuildOptions(jobs=os.cpu_count() or 1, ccache_remote=parse_remote(remote) if remote else None),
            lambda text: self.output.info(f"pjbuild: {text}"),
        )
        Path(self.build_folder, "pjbuild-artifact.json").write_text(
            json.dumps(outcome.summary(), sort_keys=True)
        )

    def package(self) -> None:
        summary = json.loads(Path(self.build_folder, "pjbuild-artifact.json").read_text())
        artifact = Path(summary["artifact"])
        prefix = artifact / "prefix"
        copy(self, "*", src=str(prefix / "include"), dst=str(Path(self.package_folder, "include")))
        # the libraries of the package's kind (a shared autotools build installs both)
        kinds = ("*.so", "*.so.*") if bool(self.options.shared) else ("*.a",)
        for pattern in kinds:
            copy(self, pattern, src=str(prefix / "lib"), dst=str(Path(self.package_folder, "lib")))
        copy(self, "*.pc", src=str(prefix / "lib" / "pkgconfig"),
             dst=str(Path(self.package_folder, "lib", "pkgconfig")))  # fmt: skip
        copy(self, "*", src=str(prefix / "share"), dst=str(Path(self.package_folder, "share")))
        copy(self, "manifest.json", src=str(artifact), dst=str(Path(self.package_folder, "share", "pjbuild")))
        copy(self, "config_site.h", src=str(artifact), dst=str(Path(self.package_folder, "share", "pjbuild")))

    def package_info(self) -> None:
        from pjbuild.engines.cmake_package import autotools_triplet, pc_fields
        from pjbuild.inputs import cmake

        lib = Path(self.package_folder, "lib")
        pc = pc_fields(lib / "pkgconfig" / "libpjproject.pc")
        self.cpp_info.set_property("pkg_config_name", "libpjproject")
        self.cpp_info.set_property("cmake_file_name", "pjproject")
        self.cpp_info.set_property("cmake_target_name", "pjproject::pjproject")
        defines = re.findall(r"-D(\S+)", pc.get("Cflags", ""))
        files, system = _libraries(Path(self.package_folder), pc.get("Libs", "") + " " + pc.get("Libs.private", ""))
        # a component's library: the autotools engine's lib<name>-<suffix>.a, or the cmake
        # engine's lib<upstream's name>.a (pjbuild's resources/cmake.toml [exported])
        upstream = dict(cmake.load().exported)
        suffix = autotools_triplet(lib)
        # (shared libraries of the autotools engine carry no suffix: libpj.so)
        names = {name: {f"{name}-{suffix}", upstream.get(name, name), name} for name in COMPONENTS}
        own = {n for wanted in names.values() for n in wanted}
        others = [(folder, n) for folder, n in files if n not in own]
        # pjproject's bundled libraries (third_party: SRTP, the codecs, resample, speex, WebRTC):
        # the autotools build's carry its suffix, the cmake build's lie in their own folder;
        # pjmedia and its codecs use them, and they may use pjlib (upstream's CMake links them
        # with it), so they come between
        bundled = [(f, n) for f, n in others if f != "lib" or (suffix and n.endswith(suffix))]
        # dependencies pjbuild built from source into the prefix (TLS, Opus): after pjlib
        thirdparty = [item for item in others if item not in bundled]
        for comp_name, items, requires in (
            ("bundled", bundled, ["pj"]),
            ("thirdparty", thirdparty, []),
        ):
            if items:
                comp = self.cpp_info.components[comp_name]
                comp.libs = [n for _, n in items]
                comp.libdirs = list(dict.fromkeys(folder for folder, _ in items))
                comp.requires = list(requires)
                comp.system_libs = system
        present = {n for _, n in files} | {p.name[3:-2] for p in lib.glob("lib*.a")}
        present |= {p.name[3:-3] for p in lib.glob("lib*.so")}
        for name, requires in COMPONENTS.items():
            found = sorted(names[name] & present)
            if not found:
                if name in OPTIONAL:
                    continue  # left out by the configuration (PJ_EXCLUDE_PJSUA2, e.g. minimal-size)
                raise ConanInvalidConfiguration(f"no library of {name} in {lib}")
            comp = self.cpp_info.components[name]
            comp.libs = found[:1]
            comp.requires = list(requires)
            if bundled and name in ("pjmedia", "pjmedia-codec"):
                comp.requires.append("bundled")
            comp.defines = defines
            comp.set_property("pkg_config_name", f"pjproject-{name}")
            comp.set_property("cmake_target_name", f"pjproject::{name}")
            if name == "pj":
                comp.system_libs = system
                if thirdparty:
                    comp.requires = ["thirdparty"]
            if name == "pjsua2":
                comp.system_libs = ["stdc++"] if self.settings.os != "Windows" else []


def _libraries(package: Path, flags: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The .pc's libraries in its order, each once (configure repeats the TLS libraries):
    (folder relative to the package, link name) for the package's files (-lNAME with
    lib/libNAME.a, or a path ${pcfiledir}/../../DIR/libNAME.a), and the others' names (the
    system's libraries)."""
    files: list[tuple[str, str]] = []
    system: list[str] = []
    for flag in flags.split():
        path = re.fullmatch(r"\$\{pcfiledir\}/\.\./\.\./(\S+)/lib(\S+)\.(?:a|so)", flag)
        if path:
            item = (path.group(1), path.group(2))
        elif flag.startswith("-l") and any(
            (package / "lib" / f"lib{flag[2:]}.{ext}").is_file() for ext in ("a", "so")
        ):
            item = ("lib", flag[2:])
        elif flag.startswith("-l"):
            if flag[2:] not in system:
                system.append(flag[2:])
            continue
        else:
            continue
        if item not in files:
            files.append(item)
    return files, system
