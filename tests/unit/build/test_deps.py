"""pjbuild.build.deps: a dependency built from source with a tiny real autotools project,
cached and published atomically; a preset's [deps] cflags; the CMake builder's flags."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from pjbuild.build import deps as depbuild
from pjbuild.core.ccache import OFF
from pjbuild.core.errors import BuildError, SourceError
from pjbuild.inputs.deps import DepRecipe, load_recipes, parse_recipe, source_digest
from pjbuild.inputs.sources import sha256_file
from pjbuild.inputs.targets import load_targets

TARGETS = load_targets()
RECIPES = load_recipes()


# --- the source-build cache, with a tiny real autotools-style project --------------------

CONFIGURE = """#!/bin/sh
for a in "$@"; do case "$a" in --prefix=*) prefix="${a#--prefix=}";; esac; done
[ -n "$FAIL" ] && { echo "configure: error: asked to fail"; exit 1; }
printf 'PREFIX=%s\\n' "$prefix" > config.mk
"""
MAKEFILE = """include config.mk
all: libtiny.a
libtiny.a: tiny.c
\t$(CC) $(CFLAGS) -c tiny.c -o tiny.o && $(AR) rcs libtiny.a tiny.o
install: all
\tmkdir -p $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/tiny
\tcp libtiny.a $(DESTDIR)$(PREFIX)/lib/ && cp tiny.h $(DESTDIR)$(PREFIX)/include/tiny/
"""


def _tiny_archive(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny-1.0.tar.gz"
    files = {
        "tiny-1.0/configure": (CONFIGURE, 0o755),
        "tiny-1.0/Makefile": (MAKEFILE, 0o644),
        "tiny-1.0/tiny.c": ("int tiny(void) { return 42; }\n", 0o644),
        "tiny-1.0/tiny.h": ("int tiny(void);\n", 0o644),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, (text, mode) in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return path


def _tiny_recipe(archive: Path, tmp_path: Path, sha: str | None = None) -> DepRecipe:
    folder = tmp_path / "recipes"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.toml").write_text(
        f"""name = "tiny"
version = "1.0"
provides = "feature:tiny"
[source]
filename = "{archive.name}"
sha256 = "{sha or sha256_file(archive)}"
[build]
kind = "autotools"
tools = {{ make = "make" }}
[system]
header = "tiny/tiny.h"
"""
    )
    return parse_recipe(folder / "tiny.toml")


def _choice(recipe: DepRecipe, cflags: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from pjbuild.inputs.deps import choose

    return choose(TARGETS["linux-x86_64"], recipe, "source", "gcc", cflags=cflags)


def _tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DepRecipe:
    """The tiny project's recipe, its archive in a mirror that pjbuild fetches from."""
    archive = _tiny_archive(tmp_path / "mirror")
    monkeypatch.setenv("PJBUILD_MIRROR", str(archive.parent))
    return _tiny_recipe(archive, tmp_path)


def test_source_build_is_cached_and_published_atomically(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = _tiny(tmp_path, monkeypatch)
    choice = _choice(recipe)
    said: list[str] = []
    prefix = depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=OFF, say=said.append)
    assert (prefix / "lib" / "libtiny.a").is_file() and (prefix / "include/tiny/tiny.h").is_file()
    manifest = json.loads((prefix.parent / "manifest.json").read_text())
    assert manifest["inputs_digest"] == choice.digest
    assert recipe.source is not None
    archive = tmp_path / "mirror" / recipe.source.filename
    assert manifest["source"]["sha256"] == sha256_file(archive)
    assert any("building tiny" in s for s in said)
    assert not (home / "deps" / "work" / choice.digest).exists()
    said.clear()
    depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=OFF, say=said.append)
    assert not said, "second use is a cache hit"


def test_failed_source_build_publishes_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "1")
    choice = _choice(_tiny(tmp_path, monkeypatch))
    with pytest.raises(BuildError, match="configure failed"):
        depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=OFF)
    assert not (home / "deps" / "artifacts" / choice.digest).exists()


def test_dependency_checksum_mismatch_shows_both_digests(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _tiny_archive(tmp_path / "mirror")
    monkeypatch.setenv("PJBUILD_MIRROR", str(archive.parent))
    choice = _choice(_tiny_recipe(archive, tmp_path, sha="0" * 64))
    with pytest.raises(SourceError) as e:
        depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=OFF)
    assert "0" * 64 in e.value.summary and sha256_file(archive) in e.value.summary
    assert not (home / "deps" / "artifacts" / choice.digest).exists()


# --- a preset's [deps] cflags (minimal-size: -Os, one section per function) ---------------------


def test_preset_dependency_flags_make_a_separate_dependency_build(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = _tiny(tmp_path, monkeypatch)
    plain, small = _choice(recipe), _choice(recipe, ("-Os", "-ffunction-sections"))
    assert plain.digest == source_digest(TARGETS["linux-x86_64"], recipe, "gcc")  # unchanged
    assert small.digest != plain.digest and small.prefix != plain.prefix
    assert small.summary()["cflags"] == ["-Os", "-ffunction-sections"]
    assert "cflags" not in plain.summary()
    logs = {}
    for choice in (plain, small):
        prefix = depbuild.ensure(choice, TARGETS["linux-x86_64"], 1, ccache=OFF)
        logs[choice.digest] = (prefix.parent / "logs" / "build.log").read_text()
        sections = subprocess.run(
            ["readelf", "-SW", str(prefix / "lib" / "libtiny.a")], capture_output=True, text=True
        ).stdout
        assert (".text.tiny" in sections) == (choice is small)  # -ffunction-sections applied
    compile_line = [ln for ln in logs[small.digest].splitlines() if "-c tiny.c" in ln]
    assert compile_line and "-Os" in compile_line[0] and "-O2" not in compile_line[0]
    assert "-O2" in next(ln for ln in logs[plain.digest].splitlines() if "-c tiny.c" in ln)


class _Recorder:
    def __init__(self) -> None:
        self.argv: list[list[str]] = []

    def run(self, _name: str, argv: list[str], *_a: object, **_k: object) -> None:
        self.argv.append(list(argv))


@pytest.mark.parametrize("optimize", [("-O2",), ("-Os", "-ffunction-sections")])
def test_cmake_dependencies_get_the_preset_flags_instead_of_release(
    optimize: tuple[str, ...], tmp_path: Path
) -> None:
    if not shutil.which("cmake"):
        pytest.skip("cmake not installed")
    log = _Recorder()
    ctx = depbuild.BuildContext(
        RECIPES["mbedtls"],
        TARGETS["linux-armhf"],
        tmp_path,
        "/p",
        tmp_path / "d",
        1,
        OFF,
        log,  # type: ignore[arg-type]
        0,
        optimize=optimize,
    )
    depbuild.CMakeBuilder().build(ctx)
    configure = log.argv[0]
    flags = next(a for a in configure if a.startswith("-DCMAKE_C_FLAGS="))
    if optimize == ("-O2",):  # Mbed TLS's own Release flags, as before
        assert "-DCMAKE_BUILD_TYPE=Release" in configure and "-O" not in flags
    else:  # a build type that adds nothing, so -Os is the last word
        assert "-DCMAKE_BUILD_TYPE=None" in configure
        assert flags.startswith("-DCMAKE_C_FLAGS=-Os -ffunction-sections ")


def test_dependencies_compile_through_the_builds_ccache_and_its_remote(tmp_path: Path) -> None:
    """The remote is the build's, for pjproject and its dependencies alike."""
    from pjbuild.core.ccache import Ccache, parse_remote

    target = TARGETS["linux-armhf"]

    def env(used: Ccache) -> dict[str, str]:
        log = None  # env() writes no log
        args = (RECIPES["mbedtls"], target, tmp_path, "/p", tmp_path / "d", 1, used, log, 0)
        return depbuild.BuildContext(*args).env()  # type: ignore[arg-type,no-any-return]

    on = env(Ccache(True, parse_remote("redis://127.0.0.1:6379"), tmp_path / "stats.log"))
    assert on["CC"] == f"ccache {target.compilers.cc}"
    assert on["CCACHE_REMOTE_STORAGE"].startswith("redis://127.0.0.1:6379|connect-timeout=")
    assert on["CCACHE_STATSLOG"] == str(tmp_path / "stats.log")
    off = env(OFF)
    assert off["CC"] == target.compilers.cc and "CCACHE_REMOTE_STORAGE" not in off
