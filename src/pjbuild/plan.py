"""BuildPlan: everything a build will do, computed without running anything.

``pjbuild plan`` prints it; ``pjbuild build``, the Conan recipe and the wheel build execute it.
The inputs digest covers everything that changes the bytes of the artifact.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild import __version__
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, unknown
from pjbuild.inputs import cmake, msbuild, repro
from pjbuild.inputs.deps import DepChoice, pkg_config_dirs, providing
from pjbuild.inputs.deps import resolve as resolve_deps
from pjbuild.inputs.options import (
    Preset,
    ResolvedConfig,
    Schema,
    Value,
    configure_args,
    for_release,
    load_presets,
    load_schema,
    parse_raw,
    parse_sets,
    render_header,
    resolve,
)
from pjbuild.inputs.registry import engines, load_configure_data, load_engines
from pjbuild.inputs.sources import (
    ResolvedSource,
    fetch,
    from_user,
    load_versions,
    pinned,
    release_at_least,
    select_version,
)
from pjbuild.inputs.targets import BUILT_NOT_RUN, Target, load_targets, resolve_target
from pjbuild.inputs.testsuites import TestCatalog, check_suite, load_catalog
from pjbuild.inputs.tree import (
    Component,
    TreeDecision,
    decide,
    load_components,
    scan_archive,
    unscanned_tree,
)


@dataclass(frozen=True)
class TlsChoice:
    backend: str  # openssl | gnutls | mbedtls | schannel | none
    provider: str  # system | source | builtin (part of the OS, e.g. Schannel) | none
    prefix: str  # passed to configure (--with-ssl=<prefix>)
    configure: tuple[str, ...]
    header: str
    package: str
    dependency: DepChoice | None = None
    configure_detects: bool = True  # configure reports it in os_auto.h (Schannel: not)


@dataclass(frozen=True)
class Request:
    """What the user asked for (CLI flags, Conan options, wheel settings)."""

    target: str = "host"
    preset: str = "default"
    tls: str | None = None  # None: the target's default
    sets: tuple[str, ...] = ()
    set_raw: tuple[str, ...] = ()
    version: str | None = None
    source: str | None = None
    tests: str | None = None  # None: quick, or none for a target built, not run
    deps_from: str | None = None  # system | source: overrides the target's providers
    features: tuple[str, ...] = ()  # srtp, opus: external libraries, verified on the target
    dep_prefixes: tuple[tuple[str, str], ...] = ()  # --dep-prefix NAME=PATH
    fetch: bool = True  # False: plan from the pins without fetching (`pjbuild plan --no-fetch`)
    engine: str | None = None  # None: the target's (pjbuild.engines; --engine)
    libs: str = "static"  # static | shared (configure.toml [libs]; --libs)
    toolchains_dirs: tuple[Path, ...] = ()
    presets_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class BuildPlan:
    target: Target
    source: ResolvedSource
    preset: Preset
    config: ResolvedConfig
    tls: TlsChoice
    header: str
    configure_args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    tree: tuple[TreeDecision, ...]
    tests: str
    compiler: str
    deps: tuple[DepChoice, ...]
    features: tuple[str, ...]
    catalog: TestCatalog = field(repr=False)
    schema: Schema = field(repr=False)
    extra_install: tuple[tuple[str, tuple[str, ...]], ...] = ()
    components: tuple[Component, ...] = field(default=(), repr=False)
    digest: str = ""
    request: Request = field(default_factory=Request, repr=False, compare=False)
    engine: str = "autotools"  # the build engine that runs (pjbuild.engines)
    libs: str = "static"  # the library kind (configure.toml [libs]; in configure_args too)
    # the variable the target's loader searches for the kind's libraries ([libs] loader_path;
    # "" for static ones)
    loader_path: str = ""

    def inputs(self) -> dict[str, Any]:
        """The inputs that change the artifact's bytes (hashed into the digest)."""
        return {
            "pjbuild": __version__,
            "repro": repro.SCHEME,
            "source": {"file": self.source.version.filename, "sha256": self.source.sha256},
            "patches": [
                {"file": p.file.name, "sha256": p.digest()} for p in self.source.version.patches
            ],
            "target": {"name": self.target.name, "data": _canon(self.target.raw)},
            "compiler": self.compiler,
            "engine": self.engine,
            "config_site_h": self.header,
            "configure_args": [_unhome(a) for a in self.configure_args],
            "env": {k: _unhome(v) for k, v in self.env},
            "deps": [{k: _unhome(str(v)) for k, v in d.summary().items()} for d in self.deps],
            "features": list(self.features),
            "extra_install": [[d, list(f)] for d, f in self.extra_install],
            "machine": platform.machine(),
        }

    def components_json(self, found: dict[str, bool] | None = None) -> dict[str, Any]:
        """What the build does with each media component (manifest and plan "components");
        with ``found``, whether the probe run on the target found it."""
        out: dict[str, Any] = {}
        for d in self.tree:
            entry: dict[str, Any] = {"state": d.action, "why": d.detail}
            if found is not None and d.component in found:
                entry["on_target"] = found[d.component]
            out[d.component] = entry
        return out

    def test_plan(self) -> dict[str, list[str]] | str:
        """The tests each program runs: a listing, or a sentence for the whole or no suite."""
        suite = self.catalog.suites.get(self.tests)
        if suite is None:
            return "none"
        if suite.all:
            return "every test each program lists"
        return {p: list(t) for p, t in suite.tests}

    def to_json(self, jobs: int) -> dict[str, Any]:
        """The plan as `pjbuild plan --json` prints it (commands shown with ``jobs``)."""
        return {
            "target": self.target.name,
            "inputs_digest": self.digest,
            "source": {
                "version": self.source.version.version,
                "file": str(self.source.path),
                "sha256": self.source.sha256,
                "origin": self.source.origin,
            },
            "patches": [p.file.name for p in self.source.version.patches],
            "skipped_patches": [
                {"file": s.name, "reason": s.reason} for s in self.source.version.skipped
            ],
            "tls": self.tls.backend,
            "tls_provider": self.tls.provider,
            "deps": [d.summary() for d in self.deps],
            "features": list(self.features),
            "config_site_h": self.header,
            "engine": self.engine,
            "libs": self.libs,
            "configure": self.configure_command() if self.engine != "msbuild" else [],
            "commands": self.build_commands(jobs),
            "env": dict(self.env),
            "components": self.components_json(),
            "tests": {
                "suite": self.tests,
                "runner": self.target.runner.kind,
                "plan": self.test_plan(),
            },
        }

    @property
    def shared_libs(self) -> bool:
        """The libraries are shared objects the loader finds at run time (a kind with a
        loader_path): the install gives them relative run paths (pjbuild.engines.runpath)."""
        return bool(self.loader_path)

    def loader_env(self, prefix: Path) -> dict[str, str]:
        """What the target's dynamic loader needs to run the artifact's in-tree programs (the
        tests, the probe) against the shared libraries installed in ``prefix``: nothing for
        static libraries."""
        return {self.loader_path: str(prefix / "lib")} if self.loader_path else {}

    def configure_command(self) -> list[str]:
        """configure's command line (autotools), or cmake's with the cache entries (cmake:
        run from the tree, the toolchain file written by the engine)."""
        if self.engine == cmake.ENGINE:
            build = cmake.load().build_dir
            return [
                "cmake", "-S", ".", "-B", build, "-G", "Ninja",
                f"--toolchain={build}/{cmake.TOOLCHAIN_FILE}",
                *(f"-D{e}" for e in self.configure_args),
            ]  # fmt: skip
        return ["./configure", *self.configure_args]

    def msbuild_spec(self) -> msbuild.MSBuildSpec:
        return msbuild.parse_spec(self.target.raw, self.target.path)

    def build_commands(self, jobs: int) -> list[list[str]]:
        """The commands the build engine runs in the source tree (shown by `pjbuild plan`)."""
        if self.engine == "msbuild":
            return [msbuild.command(self.msbuild_spec(), jobs)]
        if self.engine == cmake.ENGINE:
            build = cmake.load().build_dir
            return [
                self.configure_command(),
                ["cmake", "--build", build, "--parallel", str(jobs)],
                ["cmake", "--install", build, "--prefix", "<prefix>"],
            ]
        return [self.configure_command(), ["make", f"-j{jobs}"], ["make", "install"]]


def request_to_json(req: Request) -> dict[str, Any]:
    """The request as the manifest keeps it (`pjbuild verify` replays it)."""
    out: dict[str, Any] = {}
    for key, value in asdict(req).items():
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else str(v) for v in value]
        out[key] = value
    return out


def request_from_json(data: dict[str, Any]) -> Request:
    fields = {f.name: f for f in dataclasses.fields(Request)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            continue
        if key in ("toolchains_dirs", "presets_dirs"):
            value = tuple(Path(v) for v in value)
        elif key == "dep_prefixes":
            value = tuple(tuple(v) for v in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    return Request(**values)


def _unhome(text: str) -> str:
    """Paths into PJBUILD_HOME (dependency prefixes) do not change an artifact's bytes."""
    return text.replace(str(paths.home()), "$PJBUILD_HOME")


def _canon(data: Any) -> Any:
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def compute_digest(inputs: dict[str, Any]) -> str:
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def tls_backend(target: Target, requested: str | None, data: dict[str, Any]) -> str:
    """The TLS backend of a build (the target's default unless requested), validated."""
    backend = requested or target.tls_default
    if backend not in data["tls"]:
        raise unknown("TLS backend", backend, data["tls"])
    why_not = dict(target.tls_unavailable).get(backend)
    if why_not:
        raise ConfigError(
            f"TLS backend '{backend}' cannot work on {target.name}: {why_not}",
            hint=f"choose one of: {', '.join(target.tls_backends)}",
        )
    if backend not in target.tls_backends:
        raise ConfigError(
            f"TLS backend '{backend}' is not available for target {target.name}",
            hint=f"choose one of: {', '.join(target.tls_backends)}",
        )
    return backend


def choose_tls(
    target: Target, backend: str, data: dict[str, Any], deps: tuple[DepChoice, ...] = ()
) -> TlsChoice:
    """How the build gets its TLS backend (validated by ``tls_backend``)."""
    backends = data["tls"]
    spec = backends[backend]
    dep = providing(deps, f"tls:{backend}")
    if dep is not None:
        return TlsChoice(
            backend=backend,
            provider=dep.provider,
            prefix=dep.prefix or "/usr",
            configure=tuple(dep.configure_args()),
            header=spec.get("header", ""),
            package=dep.package or ", ".join(target.packages_for_tls(backend)),
            dependency=dep,
        )
    return TlsChoice(
        backend=backend,
        provider=spec.get("provider", "none"),
        prefix="",
        configure=tuple(spec.get("configure", [])),
        header=spec.get("header", ""),
        package="",
        configure_detects=bool(spec.get("configure_detects", True)),
    )


def tls_options(tls: TlsChoice, data: dict[str, Any]) -> dict[str, Value]:
    if tls.backend == "none":
        return {"PJ_HAS_SSL_SOCK": False, "PJ_SSL_SOCK_IMP": "none"}
    return {"PJ_HAS_SSL_SOCK": True, "PJ_SSL_SOCK_IMP": data["tls"][tls.backend]["imp"]}


def build_env(
    target: Target,
    config: ResolvedConfig,
    deps: tuple[DepChoice, ...] = (),
    tls_spec: dict[str, Any] | None = None,
) -> dict[str, str]:
    c = target.compilers
    built = [d for d in deps if d.provider == "source"]  # static, in pjbuild's dependency cache
    # position-independent like its dependencies: one build serves programs, the pjsua2
    # Python module (a shared object linking the static libraries) and Conan packages
    flags = " ".join(
        [
            *config.cflags,
            *target.pic_cflags,
            *target.cflags,
            *(f"-I{d.prefix}/include" for d in built),
            *repro.prefix_map_flags(paths.home()),  # reproducible bytes (pjbuild.inputs.repro)
        ]
    )
    env = {
        "CC": c.cc,
        "CXX": c.cxx,
        "LD": c.cxx,  # link with the compiler driver, never bare ld
        "AR": c.ar,
        "RANLIB": c.ranlib,
        "CFLAGS": flags,
        "CXXFLAGS": flags,
        "LC_ALL": "C",
    }
    ldflags = [
        *target.spell_ldflags(config.ldflags),
        *target.ldflags,
        *(f"-L{d.prefix}/lib" for d in built),
    ]
    if ldflags:
        env["LDFLAGS"] = " ".join(ldflags)
    # static dependencies need their own system libraries at link time (configure's checks too)
    libs: list[str] = []
    for d in built:
        wanted = [*d.recipe.link_libs(target.os), *target.dep_extra_libs(d.name)]
        libs += [x for x in wanted if x not in libs]
    libs += [x for x in (tls_spec or {}).get("link", {}).get(target.os, []) if x not in libs]
    if libs:
        env["LIBS"] = " ".join(libs)
    pc_dirs = pkg_config_dirs(deps, target)
    if target.cross:
        # never the build machine's .pc files; only the dependencies' (may be empty)
        env["PKG_CONFIG_LIBDIR"] = ":".join(pc_dirs)
    elif pc_dirs:
        env["PKG_CONFIG_PATH"] = ":".join(pc_dirs)
    return env


def _check_dep_prefixes(prefixes: tuple[tuple[str, str], ...]) -> None:
    """A target built on this machine takes its --dep-prefix folders from here: absolute, and
    existing (a relative or missing one would be looked up in the build's work folder)."""
    for name, path in prefixes:
        folder = Path(path)
        if not folder.is_absolute() or not folder.is_dir():
            raise ConfigError(
                f"--dep-prefix {name}={path}: "
                + ("not an absolute path" if not folder.is_absolute() else "no such folder"),
                hint="the absolute path of the folder where the dependency is installed "
                "(with include/ and lib/)",
            )


def suite_for(target: Target, asked: str | None) -> str:
    """The test suite to run: the one asked for (default quick); none for a target nothing here
    runs, which refuses any other (exit 2)."""
    if target.runs:
        return asked or "quick"
    if asked not in (None, "none"):
        raise ConfigError(
            f"target {target.name} is {BUILT_NOT_RUN}: nothing here runs its programs, so no "
            f"--tests {asked} ({target.reason})",
            hint="leave out --tests (or pass --tests none): its binaries are checked for "
            "their format and CPU instead",
        )
    return "none"


def make_plan(req: Request) -> BuildPlan:
    targets = load_targets(list(req.toolchains_dirs))
    target = resolve_target(req.target, targets)
    if not target.supported:
        raise ConfigError(
            f"target {target.name} is unsupported here: {target.reason}",
            hint="pick a supported target (`pjbuild targets`)",
        )
    schema = load_schema()
    presets = load_presets(schema, list(req.presets_dirs))
    if req.preset not in presets:
        raise unknown("preset", req.preset, presets, list_cmd="pjbuild presets")
    preset = presets[req.preset]
    catalog = load_catalog()
    tests = suite_for(target, req.tests)
    check_suite(tests, catalog)
    data = load_configure_data()
    engine = choose_engine(target, req.engine)
    check_libs(target, engine, req.libs, data)
    compiler = target.compiler_version()
    features = tuple(dict.fromkeys(req.features))
    backend = tls_backend(target, req.tls, data)
    if target.builds_here():
        _check_dep_prefixes(req.dep_prefixes)
    dep_choices = resolve_deps(
        target,
        backend,
        features,
        req.deps_from,
        compiler,
        prefixes=dict(req.dep_prefixes),
        cflags=preset.dep_cflags,
    )
    tls = choose_tls(target, backend, data, dep_choices)
    sets = parse_sets(schema, list(req.sets))
    raw = parse_raw(schema, list(req.set_raw))
    managed = tls_options(tls, data)
    managed["PJ_TEST_SSL_HTTPS_CLIENT"] = False
    for feature in features:
        for name, value in data.get("features", {}).get(feature, {}).get("options", {}).items():
            managed[name] = value
    config = resolve(schema, preset, sets, raw, managed)

    versions = load_versions()
    if req.source:
        source = from_user(req.source, versions)
    else:
        version = select_version(versions, req.version, target.requires_tree)
        lacking = version.lacks(target.requires_tree)
        if lacking:
            raise ConfigError(
                f"pjproject {version.version} cannot be built for {target.name}: its archive "
                f"lacks {', '.join(lacking)}, which the {engine} build needs",
                hint="use a complete upstream archive: "
                + ", ".join(v for v, sv in versions.items() if not sv.lacks(target.requires_tree)),
            )
        source = fetch(version) if req.fetch else pinned(version)
    components = load_components()
    scanned = bool((req.fetch or req.source) and source.path.is_file())
    if scanned:  # fetched and verified
        present = scan_archive(source.path, source.sha256)
    else:  # --no-fetch: the archive is described by its pin (conandata `removed`), never by
        # a file that merely has the pinned name
        present = unscanned_tree(components, source.version, target.requires_tree)
    if engine == cmake.ENGINE:
        check_cmake_tree(source, present if scanned else None, engine)
        # what upstream's CMake does not build on this OS, with why
        target = replace(
            target,
            components_unavailable=(
                *target.components_unavailable,
                *cmake.load().unavailable_on(target.os),
            ),
        )
    values = dict(config.values)
    changed, tree_args, decisions = decide(
        components,
        present,
        values,
        dict(config.origins),
        schema,
        target,
        features,
        tuple(p.file.name for p in source.version.patches),
    )
    if changed:
        # re-resolve with the tree's adjustments; they are recorded as origin "tree", not as
        # user overrides
        adjusted = resolve(schema, preset, {**sets, **changed}, raw, managed)
        config = replace(
            adjusted,
            origins=tuple((k, "tree" if k in changed else v) for k, v in adjusted.origins),
            overrides=config.overrides,
        )
    release = source.version.upstream
    since = data["tls"][backend].get("since", "")
    if since and not release_at_least(release, since):
        older = [
            b
            for b in target.tls_backends
            if release_at_least(release, data["tls"][b].get("since", "")) and b != backend
        ]
        raise ConfigError(
            f"pjproject {source.version.version} has no {backend} TLS backend (it came with "
            f"{since})",
            hint=f"--tls {' or '.join(older) or 'none'}, or a newer --version",
        )
    config = for_release(schema, config, release)
    header = render_header(schema, config, generator=f"pjbuild {__version__}")
    if engine == "msbuild":
        # no configure: the solution's own settings, config_site.h, and INCLUDE/LIB for
        # dependencies installed in a prefix
        args: list[str] = []
        env = msbuild.environment(
            [d.prefix for d in dep_choices if d.provider in ("source", "prefix")]
        )
    else:
        args = autotools_args(target, tls, dep_choices, data, schema, config, tree_args)
        args += [a for a in data["libs"][req.libs]["configure"] if a not in args]
        if engine == cmake.ENGINE:  # the same choices, in upstream's CMake cache entries
            args = cmake.translate(args, tls=tls.backend)
        env = build_env(target, config, dep_choices, data["tls"][tls.backend])
    return _with_digest(
        BuildPlan(
            target=target,
            source=source,
            preset=preset,
            config=config,
            tls=tls,
            header=header,
            configure_args=tuple(args),
            env=tuple(sorted(env.items())),
            tree=tuple(decisions),
            tests=tests,
            compiler=compiler,
            deps=dep_choices,
            features=features,
            catalog=catalog,
            schema=schema,
            extra_install=tuple(
                (folder, tuple(files)) for folder, files in sorted(data.get("install", {}).items())
            ),
            components=tuple(components),
            request=req,
            engine=engine,
            libs=req.libs,
            loader_path=data["libs"][req.libs].get("loader_path", ""),
        )
    )


def choose_engine(target: Target, asked: str | None) -> str:
    """The engine of a build: the target's, or the one asked for. A target whose engine is not
    autotools (MSBuild) has no other; autotools targets can build with cmake too."""
    engine = asked or target.engine
    if engine not in engines():
        raise unknown("build engine", engine, engines())
    if engine != target.engine and target.engine != "autotools":
        raise ConfigError(
            f"target {target.name} builds with {target.engine} only, not {engine}",
            hint=f"leave out --engine (or pass --engine {target.engine})",
        )
    return engine


def check_libs(target: Target, engine: str, libs: str, data: dict[str, Any]) -> None:
    """The library kind is one pjbuild knows, the engine builds and the target can have."""
    if libs not in data["libs"]:
        raise unknown("library kind", libs, data["libs"])
    built = load_engines()[engine].get("libs", ["static"])
    if libs not in built:
        raise ConfigError(
            f"the {engine} engine builds {' and '.join(built)} libraries only, not {libs}",
            hint=f"--libs {built[0]}"
            + ("" if engine == target.engine else ", or another --engine"),
        )
    why_not = dict(target.libs_unavailable).get(libs)
    if why_not:
        raise ConfigError(
            f"target {target.name} cannot have {libs} libraries: {why_not}",
            hint=f"leave out --libs (or pass --libs {built[0]})",
        )


def check_cmake_tree(source: ResolvedSource, present: frozenset[str] | None, engine: str) -> None:
    """Upstream's CMake build exists from pjproject 2.16 on: an archive scanned without
    CMakeLists.txt, or (not scanned: --no-fetch) an older release, is refused with the versions
    that have it."""
    since = cmake.load().since
    has = "CMakeLists.txt" in present if present is not None else None
    if has or (has is None and release_at_least(source.version.upstream, since)):
        return
    having = [v for v, sv in load_versions().items() if release_at_least(sv.upstream, since)]
    raise ConfigError(
        f"pjproject {source.version.version} has no CMakeLists.txt: upstream's CMake build came "
        f"with {since}, so --engine {engine} cannot build it",
        hint=f"--version {' or '.join(having)}, or --engine autotools",
    )


def autotools_args(
    target: Target,
    tls: TlsChoice,
    deps: tuple[DepChoice, ...],
    data: dict[str, Any],
    schema: Schema,
    config: ResolvedConfig,
    tree_args: list[str],
) -> list[str]:
    """configure's arguments, each once, in this order: --host, pjbuild's base (minus what a
    dependency replaces), TLS, the target's per-TLS ones, features, options, tree, target."""
    args: list[str] = []
    if target.cross:
        args.append(f"--host={target.triplet}")
    replaced = {a for d in deps for a in d.recipe.replaces}
    feature_args = [a for d in deps if d is not tls.dependency for a in d.configure_args()]
    for group in (
        [a for a in data["base"] if a not in replaced],
        tls.configure,
        target.configure_for_tls(tls.backend),
        feature_args,
        configure_args(schema, config),
        tree_args,
        target.configure_args,
    ):
        args += [a for a in group if a not in args]
    return args


def _with_digest(plan: BuildPlan) -> BuildPlan:
    return replace(plan, digest=compute_digest(plan.inputs()))
