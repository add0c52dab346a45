"""A CMake toolchain file from a plan: the target's compilers and flags, CMake's name of its
system and CPU (cross builds only, which makes CMAKE_CROSSCOMPILING true), the target's sysroot
and the dependencies' prefixes as the only find roots (a cross build never picks the build
machine's OpenSSL), the pkg-config folders, and the target's runner as
CMAKE_CROSSCOMPILING_EMULATOR (CTest and try_run run the target's programs through it)."""

from __future__ import annotations

import shutil

from pjbuild.plan import BuildPlan


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: list[str] | tuple[str, ...]) -> str:
    return _quote(";".join(items))


def toolchain_text(plan: BuildPlan, env: dict[str, str], generator: str) -> str:
    """The toolchain file for ``plan``, with the compile environment ``env`` (the plan's, plus
    the engine's path-mapping flags)."""
    target = plan.target
    c = target.compilers
    lines = [f"# CMake toolchain file for pjbuild target {target.name}, written by {generator}"]
    if target.cross:
        lines += [
            f"set(CMAKE_SYSTEM_NAME {_quote(target.cmake_system_name())})",
            f"set(CMAKE_SYSTEM_PROCESSOR {_quote(target.arch)})",
        ]
    lines += [
        f"set(CMAKE_C_COMPILER {_quote(c.cc)})",
        f"set(CMAKE_CXX_COMPILER {_quote(c.cxx)})",
        # the full path: CMake looks a bare AR/RANLIB name up next to the compiler only
        f'set(CMAKE_AR {_quote(shutil.which(c.ar) or c.ar)} CACHE FILEPATH "")',
        f'set(CMAKE_RANLIB {_quote(shutil.which(c.ranlib) or c.ranlib)} CACHE FILEPATH "")',
        f"set(CMAKE_C_FLAGS_INIT {_quote(env.get('CFLAGS', ''))})",
        f"set(CMAKE_CXX_FLAGS_INIT {_quote(env.get('CXXFLAGS', ''))})",
    ]
    ldflags = env.get("LDFLAGS", "")
    for kind in ("EXE", "SHARED", "MODULE"):
        lines.append(f"set(CMAKE_{kind}_LINKER_FLAGS_INIT {_quote(ldflags)})")
    libs = env.get("LIBS", "")
    if libs:  # configure's LIBS: what static dependencies need at every link
        for lang in ("C", "CXX"):
            lines.append(f'set(CMAKE_{lang}_STANDARD_LIBRARIES {_quote(libs)} CACHE STRING "")')
    prefixes = [d.prefix for d in plan.deps if d.provider in ("source", "prefix") and d.prefix]
    if prefixes:
        lines.append(f"list(APPEND CMAKE_PREFIX_PATH {' '.join(_quote(p) for p in prefixes)})")
    if target.cross:
        # the target's own libraries (libm, libpthread of a Debian cross sysroot) and the
        # dependencies', never the build machine's
        roots = " ".join(
            _quote(p) for p in [*([target.sysroot] if target.sysroot else []), *prefixes]
        )
        lines += [
            # added to: a consumer adds its own roots (-DCMAKE_FIND_ROOT_PATH=<pjproject prefix>);
            # once each, as CMake reads a toolchain file again for every try_compile
            f"foreach(_pj_root IN ITEMS {roots})",
            "  if(NOT _pj_root IN_LIST CMAKE_FIND_ROOT_PATH)",
            '    list(APPEND CMAKE_FIND_ROOT_PATH "${_pj_root}")',
            "  endif()",
            "endforeach()",
            "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)",
            "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)",
            "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)",
            "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)",
        ]
    for var in ("PKG_CONFIG_LIBDIR", "PKG_CONFIG_PATH"):
        if var in env:
            lines.append(f"set(ENV{{{var}}} {_quote(env[var])})")
    if target.cross and target.runs:
        lines.append(f"set(CMAKE_CROSSCOMPILING_EMULATOR {_list(target.runner_command())})")
    return "\n".join(lines) + "\n"
