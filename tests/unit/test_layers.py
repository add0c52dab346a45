"""The import direction of pjbuild's subpackages: a lower layer never imports a higher one, and
two packages of one layer do not import each other (docs/development.md, "Module map")."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "pjbuild"

# lowest first; a module may import its own package and any package of a lower layer
LAYERS: list[set[str]] = [
    {"pjbuild", "core"},  # pjbuild/__init__.py: only __version__
    {"inputs"},
    {"plan"},
    {"engines", "ontarget"},
    {"build"},
    {"wheel", "conan", "ci", "matrix"},
    {"doctor"},
    {"cli"},
    {"__main__"},
]
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """The layer unit of a dotted module: its subpackage or top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pjbuild"


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """Every pjbuild module a file imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pjbuild":
                out |= {f"pjbuild.{a.name}" for a in node.names if a.name != "__version__"}
                out.add("pjbuild")
            elif node.module.startswith("pjbuild."):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("pjbuild")}
    return out


def violations(found: dict[str, Path]) -> list[str]:
    bad = []
    for module, path in sorted(found.items()):
        mine = unit_of(module)
        for dep in sorted(imports(path)):
            theirs = unit_of(dep)
            if theirs == mine:
                continue
            if LEVEL[theirs] > LEVEL[mine]:
                bad.append(f"{module} imports {dep}: {theirs} is above {mine}")
            elif LEVEL[theirs] == LEVEL[mine]:
                bad.append(f"{module} imports {dep}: {theirs} and {mine} are one layer")
    return bad


def test_every_package_and_top_module_has_a_layer() -> None:
    units = {unit_of(m) for m in modules()}
    assert units - LEVEL.keys() == set(), "add the new package or module to LAYERS"


def test_no_module_imports_a_higher_layer() -> None:
    assert violations(modules()) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check fails on a lower module importing a higher one, also inside a function."""
    low = tmp_path / "low.py"
    low.write_text("def f():\n    from pjbuild.build.run import run_build\n")
    assert imports(low) == {"pjbuild.build.run"}
    found = {"pjbuild.inputs.low": low}
    assert violations(found) == [
        "pjbuild.inputs.low imports pjbuild.build.run: build is above inputs"
    ]
    same = tmp_path / "same.py"
    same.write_text("from pjbuild.engines import engine_for\n")
    assert violations({"pjbuild.ontarget.same": same}) == [
        "pjbuild.ontarget.same imports pjbuild.engines: engines and ontarget are one layer"
    ]
