"""Dependencies (TLS libraries, libsrtp, Opus) as data: recipes in ``recipes/deps/*.toml``.

Each dependency comes from a *provider*:
  system  the host's package (native targets) or Debian's multiarch package for the target
          architecture (``libssl-dev:armhf``), found by the target's compiler on its own paths;
  source  built by pjbuild from a pinned archive with the target's toolchain into a
          per-target prefix in the dependency cache (see ``depbuild``).
  prefix  installed already in a folder the user names (``--dep-prefix openssl=C:\\OpenSSL``):
          include/ and lib/ of that folder; the only way for targets pjbuild does not build
          dependencies for (MSVC).
The target file says which provider each dependency defaults to (``[deps.providers]``);
``--deps-from`` overrides it for every dependency of a build, ``--dep-prefix`` for one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pjbuild import __version__
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, unknown
from pjbuild.core.tomlload import Table, load_toml
from pjbuild.inputs import registry, repro
from pjbuild.inputs.sources import SourceVersion
from pjbuild.inputs.targets import Target

PROVIDERS = ("system", "source", "prefix")
OVERRIDES = ("system", "source")  # what --deps-from may say
BUILD_KINDS = ("cmake", "openssl", "autotools")


@dataclass(frozen=True)
class DepRecipe:
    name: str
    version: str
    description: str
    provides: str  # "tls:<backend>" or "feature:<name>"
    source: SourceVersion | None  # None: system only
    build_kind: str
    build_args: tuple[str, ...]
    make_targets: tuple[str, ...]
    libs: tuple[str, ...]  # its own libraries in link order, when configure's order is wrong
    link: tuple[tuple[str, tuple[str, ...]], ...]  # target os -> system libraries it needs
    configure_args: tuple[str, ...]  # {prefix}: the dependency's prefix
    configure_flags: bool  # also pass -I/-L of the prefix in CFLAGS/LDFLAGS
    replaces: tuple[str, ...]  # base configure args this dependency replaces
    system_header: str
    system_packages: tuple[tuple[str, str], ...]  # target os -> Debian package
    tools: tuple[tuple[str, str], ...]  # program the source build needs -> Debian package
    path: Path
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False, default_factory=dict)

    def link_libs(self, os_name: str) -> tuple[str, ...]:
        """What goes into LIBS for a static link: its libraries, then their system ones."""
        return (*self.libs, *dict(self.link).get(os_name, ()))

    def system_package(self, os_name: str) -> str:
        return dict(self.system_packages).get(os_name, "")


@dataclass(frozen=True)
class DepChoice:
    """One dependency of one build: where it comes from and how configure is told."""

    recipe: DepRecipe
    provider: str  # system | source | prefix
    prefix: str  # what configure gets ({prefix}); "" when the compiler finds it by itself
    digest: str  # source: the dependency's inputs digest (names its cache folder); prefix:
    # prefix_digest of the folder's include/ and lib/
    package: str  # system: the Debian package (with :<arch> for multiarch)
    # source: optimisation flags replacing the builders' -O2 (a preset's [deps] cflags)
    cflags: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.recipe.name

    def configure_args(self) -> list[str]:
        prefix = self.prefix or "/usr"
        return [a.format(prefix=prefix) for a in self.recipe.configure_args]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.recipe.version if self.provider == "source" else self.provider,
            "provider": self.provider,
            "digest": self.digest,
            "package": self.package,
            "prefix": self.prefix,
        }
        if self.cflags:
            out["cflags"] = list(self.cflags)
        return out


def prefix_digest(folder: Path) -> str:
    """What a --dep-prefix folder holds, as one sha256: every file and link under include/ and
    lib/ (path, then content or link target). In the inputs digest, so an updated library in
    the folder is a new build, not a cache hit on the old one. "" for a folder that is not on
    this machine (a target that builds elsewhere)."""
    if not folder.is_dir():
        return ""
    h = hashlib.sha256()
    for sub in ("include", "lib"):
        top = folder / sub
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                h.update(f"L {rel} -> {path.readlink()}\n".encode())
            elif path.is_file():
                content = hashlib.sha256()
                with path.open("rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        content.update(block)
                h.update(f"F {rel} {content.hexdigest()}\n".encode())
    return h.hexdigest()


def deps_dir() -> Path:
    return paths.data_root() / "recipes" / "deps"


def parse_recipe(path: Path) -> DepRecipe:
    top = Table(load_toml(path), path)
    name = top.text("name", "")
    if name != path.stem:
        raise ConfigError(f"{path}: dependency name '{name}' does not match the file name")
    version = top.text("version", "")
    source = None
    if top.has("source"):
        src = top.sub("source")
        source = SourceVersion(
            version=f"{name}-{top.text('version')}",
            upstream=version,
            filename=src.text("filename"),
            sha256=src.text("sha256").lower(),
            urls=src.strings("urls"),
            description=top.text("description", name),
            patches=(),
        )
    build = top.sub("build", {})
    kind = build.text("kind", "")
    if source and kind not in BUILD_KINDS:
        raise ConfigError(f"{path}: build.kind must be one of {', '.join(BUILD_KINDS)}")
    configure = top.sub("configure", {})
    system = top.sub("system", {})
    link = top.sub("link", {})
    return DepRecipe(
        name=name,
        version=version,
        description=top.text("description", ""),
        provides=top.text("provides", ""),
        source=source,
        build_kind=kind,
        build_args=build.strings("args"),
        make_targets=build.strings("make_targets"),
        libs=link.strings("libs"),
        link=tuple(sorted((k, link.strings(k)) for k in link.data if k != "libs")),
        configure_args=configure.strings("args"),
        configure_flags=configure.flag("flags", False),
        replaces=configure.strings("replaces"),
        system_header=system.text("header", ""),
        system_packages=system.pairs("packages"),
        tools=build.pairs("tools"),
        path=path,
        raw=top.data,
    )


def load_recipes(folder: Path | None = None) -> dict[str, DepRecipe]:
    folder = folder or deps_dir()
    return {p.stem: parse_recipe(p) for p in sorted(folder.glob("*.toml"))}


def recipe_for(provides: str, recipes: dict[str, DepRecipe]) -> DepRecipe | None:
    for recipe in recipes.values():
        if recipe.provides == provides:
            return recipe
    return None


def providing(choices: tuple[DepChoice, ...], provides: str) -> DepChoice | None:
    """The dependency of a build that provides ``tls:<backend>`` or ``feature:<name>``."""
    return next((c for c in choices if c.recipe.provides == provides), None)


def system_package(target: Target, recipe: DepRecipe) -> str | None:
    """The Debian package providing the dependency for this target, or None if there is none."""
    package = recipe.system_package(target.os)
    if not package:
        return None
    if not target.cross:
        return package
    if not target.multiarch:
        return None
    return f"{package}:{target.multiarch}"


def source_digest(
    target: Target, recipe: DepRecipe, compiler: str, cflags: tuple[str, ...] = ()
) -> str:
    """Inputs digest of a dependency built from source: what changes its bytes."""
    assert recipe.source is not None
    inputs: dict[str, Any] = {
        "pjbuild": __version__,
        "repro": repro.SCHEME,
        "recipe": json.loads(json.dumps(recipe.raw, sort_keys=True, default=str)),
        "target": {
            "name": target.name,
            "triplet": target.triplet,
            "cross": target.cross,
            "compilers": json.loads(json.dumps(target.raw.get("compilers", {}), sort_keys=True)),
            "deps": json.loads(json.dumps(target.raw.get("deps", {}), sort_keys=True)),
            # the compiler scripts (zig cc -target ... -mcpu=...) and what they rewrite
            **{
                key: json.loads(json.dumps(target.raw[key], sort_keys=True))
                for key in ("wrappers", "translate")
                if target.raw.get(key)
            },
        },
        "compiler": compiler,
    }
    if cflags:  # absent for the builders' default (-O2): its digest is as before
        inputs["cflags"] = list(cflags)
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def source_prefix(digest: str) -> Path:
    return paths.home() / "deps" / "artifacts" / digest / "prefix"


def choose(
    target: Target,
    recipe: DepRecipe,
    deps_from: str | None,
    compiler: str,
    prefixes: dict[str, str] | None = None,
    cflags: tuple[str, ...] = (),
) -> DepChoice:
    given = (prefixes or {}).get(recipe.name)
    if given:
        return DepChoice(recipe, "prefix", given, prefix_digest(Path(given)), "")
    provider = (
        deps_from or target.dep_provider(recipe.name) or ("source" if recipe.source else "system")
    )
    if provider not in PROVIDERS:
        raise unknown("dependency provider", provider, PROVIDERS)
    if provider == "prefix":
        raise ConfigError(
            f"{recipe.name} for {target.name} comes from a folder where it is installed, "
            "and none was given",
            hint=f"pass --dep-prefix {recipe.name}=PATH (a folder with include/ and lib/), "
            "or choose another TLS backend",
        )
    if provider == "source":
        if recipe.source is None:
            raise ConfigError(
                f"{recipe.name} cannot be built from source by pjbuild (system package only)",
                hint=f"use --deps-from system, or another {recipe.provides.split(':')[0]} choice",
            )
        digest = source_digest(target, recipe, compiler, cflags)
        return DepChoice(recipe, "source", str(source_prefix(digest)), digest, "", cflags)
    unusable = dict(target.no_system).get(recipe.name)
    if unusable:
        raise ConfigError(
            f"{recipe.name} from the system cannot be used for {target.name}: {unusable}",
            hint="use --deps-from source" if recipe.source else "choose another backend",
        )
    package = system_package(target, recipe)
    if package is None:
        why = (
            f"Debian has no {target.arch} multiarch packages for it"
            if target.cross
            else f"no {target.os} package is known for it"
        )
        raise ConfigError(
            f"{recipe.name} from the system is not available for {target.name}: {why}",
            hint="use --deps-from source" if recipe.source else "choose another backend",
        )
    # the target's compiler finds system (and multiarch) headers and libraries by itself
    return DepChoice(recipe, "system", "", "", package)


def resolve(
    target: Target,
    tls_backend: str,
    features: tuple[str, ...],
    deps_from: str | None,
    compiler: str,
    recipes: dict[str, DepRecipe] | None = None,
    prefixes: dict[str, str] | None = None,
    cflags: tuple[str, ...] = (),
) -> tuple[DepChoice, ...]:
    """The dependencies of a build, in link order (TLS first).

    cflags: optimisation flags for the ones built from source, replacing -O2 (a preset's
    [deps] cflags, e.g. minimal-size's -Os)."""
    recipes = recipes if recipes is not None else load_recipes()
    for name in prefixes or {}:
        if name not in recipes:
            raise unknown("dependency", name, recipes)
    wanted: list[DepRecipe] = []
    tls = recipe_for(f"tls:{tls_backend}", recipes)
    if tls is not None:
        wanted.append(tls)
    for feature in features:
        if feature not in registry.features():
            raise unknown("feature", feature, registry.features())
        recipe = recipe_for(f"feature:{feature}", recipes)
        if recipe is None:
            raise ConfigError(f"no dependency recipe provides feature '{feature}'")
        if recipe not in wanted:
            wanted.append(recipe)
    unused = set(prefixes or {}) - {r.name for r in wanted}
    if unused:
        raise ConfigError(
            f"--dep-prefix {', '.join(sorted(unused))}: this build does not use it",
            hint="drop it, or ask for the TLS backend / --feature that uses it",
        )
    return tuple(choose(target, r, deps_from, compiler, prefixes, cflags) for r in wanted)


def pkg_config_dirs(choices: tuple[DepChoice, ...], target: Target) -> list[str]:
    """pkg-config folders for configure: the source prefixes, then (cross) multiarch ones."""
    dirs = [f"{c.prefix}/lib/pkgconfig" for c in choices if c.provider in ("source", "prefix")]
    if target.cross and any(c.provider == "system" for c in choices):
        dirs += [f"/usr/lib/{target.triplet}/pkgconfig", "/usr/share/pkgconfig"]
    return dirs
