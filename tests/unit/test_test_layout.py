"""The unit tests follow the code (docs/development.md, "Where the tests are"):
pjbuild.<pkg>.<module> is tested in tests/unit/<pkg>/test_<module>.py, a top-level module
pjbuild.<module> in tests/unit/test_<module>.py, a package's own __init__.py (when it defines
something) in tests/unit/<pkg>/test_<pkg>.py, and benchmarks/<module>.py in
tests/unit/benchmarks/. A module without its test module is listed in EXEMPT with the test that
covers it; a test module that names no module (a module renamed or removed without its tests)
fails. Not one module: this file."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "pjbuild"
UNIT = REPO / "tests" / "unit"

# modules without a test module of their own, and what tests them (keep it short and true)
EXEMPT = {
    "core/errors.py": "the error classes: their exit codes and error:/fix: lines are checked "
    "through the CLI (cli/test_cli.py, test_bad_input_one_line_error)",
    "core/steplog.py": "the build log every step writes through: core/test_procs.py "
    "(test_sigterm_stops_the_running_step) and build/test_patches.py run steps with it",
    "core/progress.py": "the progress events (data only): sent by build/objects.py "
    "(build/test_objects.py) and drawn by cli/live.py (cli/test_live.py)",
    "core/tomlload.py": "Table and load_toml are exercised by core/test_schema.py (a wrong value "
    "is one ConfigError) and inputs/test_targets.py (broken TOML, wrong types)",
    "engines/__init__.py": "the Engine Protocol and engine_for; required_tools is checked in "
    "test_plan.py (test_plan_without_fetching)",
    "inputs/versions.py": "the rows of `pjbuild versions`, checked through `pjbuild versions "
    "--json` in cli/test_versions.py",
    "conan/create.py": "runs Conan: tests/integration/test_conan.py",
    "cli/conan.py": "runs pjbuild.conan.create: tests/integration/test_conan.py",
    "cli/matrix.py": "runs pjbuild.matrix (test_matrix.py); its --parallel check is in "
    "cli/test_args.py (test_counts_and_doctor_tls_are_checked)",
    "cli/options.py": "its JSON is checked with the presets' in cli/test_presets.py "
    "(test_presets_and_options_json)",
    "cli/verify.py": "rebuilds through pjbuild.build.repro (build/test_repro.py); the real "
    "rebuilds are tests/integration/test_repro.py",
}

# tests/unit/test_*.py that are about no single module
TOP_LEVEL = {
    "test_docs.py": "the docs site and the README against the code and the data",
    "test_layers.py": "the import direction between pjbuild's packages",
    "test_packaging.py": "the wheel of pjbuild and its data folders",
    "test_test_layout.py": "this layout",
    "test_toolchains.py": "the shipped target files (toolchains/): every cross target plans, "
    "runs under its emulator and reports in the matrix without code of its own",
}


def has_code(init: Path) -> bool:
    """An __init__.py that defines something (not only a docstring or a constant)."""
    body = ast.parse(init.read_text()).body
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in body)


def library_modules() -> list[str]:
    """The modules of src/pjbuild that need a test module, relative to src/pjbuild."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "__main__.py" or (path.name == "__init__.py" and not has_code(path)):
            continue
        found.append(path.relative_to(SRC).as_posix())
    return found


def mirror_of(module: str) -> str:
    """tests/unit's path (relative) for a module path relative to src/pjbuild."""
    parts = module.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts[-1] = parts[-2]
    return "/".join([*parts[:-1], f"test_{parts[-1]}.py"])


def test_every_module_has_its_test_module() -> None:
    missing = [
        f"{m}: no tests/unit/{mirror_of(m)}"
        for m in library_modules()
        if m not in EXEMPT and not (UNIT / mirror_of(m)).is_file()
    ]
    assert missing == [], "move its tests there, or add it to EXEMPT with the test that covers it"
    mapped = [mirror_of(m) for m in library_modules()]
    assert len(set(mapped)) == len(mapped), "two modules map to one test module"


def test_every_test_module_names_a_module() -> None:
    """A module renamed or removed without its tests (or a test file named after no module)
    fails here; the exemptions name real modules that still have no test module."""
    modules = {mirror_of(m): m for m in library_modules()}
    benchmarks = {f"benchmarks/test_{p.name}" for p in (REPO / "benchmarks").glob("*.py")}
    stray = []
    for path in sorted(UNIT.rglob("test_*.py")):
        rel = path.relative_to(UNIT).as_posix()
        if rel in TOP_LEVEL or rel in modules or rel in benchmarks:
            continue
        stray.append(rel)
    assert stray == [], "name the test module after the module it tests (see EXEMPT, TOP_LEVEL)"
    assert [m for m in EXEMPT if m not in library_modules()] == []  # a stale exemption
    assert [m for m in EXEMPT if (UNIT / mirror_of(m)).is_file()] == []  # has its tests now


def test_every_test_folder_is_a_package() -> None:
    """tests/unit/cli/test_plan.py and tests/unit/test_plan.py are two modules only in
    packages (pytest names them by their package), and the relative layout relies on it."""
    folders = {p.parent for p in UNIT.rglob("test_*.py")}
    assert sorted(str(f) for f in folders if not (f / "__init__.py").is_file()) == []
