"""pjsua2's type stubs, generated from the SWIG module at wheel build time.

SWIG (``-features python:annotations=c``) writes the C++ types of every parameter, return value
and member variable into pjsua2.py as string annotations (``"pj::string const &"``,
``"pj::AccountConfig"``, ``"pj_status_t"``). This turns that module into a stub: bodies become
``...``, SWIG's machinery (``_swig_*``, ``thisown``, ``__swig_destroy__``) goes, constants
become ``NAME: int``, and each C++ type becomes the Python type SWIG converts it to (the rules
are data: wheel.toml [stubs]); a type with no rule is ``Any``, so that a stub never rejects a
call that works.

    python -m pjbuild.wheel.stubs pjsua2.py __init__.pyi
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

from pjbuild.wheel.pyroot import wheel_data

DROP = re.compile(r"^_swig|^__swig|^thisown$|^__repr__$")


class Types:
    """C++ type spelling -> Python annotation, by the rules of wheel.toml [stubs]."""

    def __init__(self, classes: set[str], rules: dict[str, Any]) -> None:
        self.classes = classes
        self.exact: dict[str, str] = dict(rules["exact"])
        self.patterns = [(re.compile(p), t) for p, t in rules["patterns"].items()]
        self.namespaces: list[str] = list(rules["namespaces"])

    def python(self, spelling: str, *, returned: bool = False) -> str:
        text = re.sub(r"\bconst\b", "", spelling).replace("&", "").strip()
        pointer = text.endswith("*")
        text = text.rstrip("*").strip()
        for ns in self.namespaces:
            text = text.replace(ns, "")
        text = re.sub(r"\s+", " ", text)
        if text in self.exact:
            found = self.exact[text]
        elif text in self.classes:
            found = text
        else:
            found = "Any"
            for pattern, kind in self.patterns:
                m = pattern.fullmatch(text)
                if m:
                    # "=1": the type that the pattern's first group spells
                    found = self.python(m.group(int(kind[1:]))) if kind.startswith("=") else kind
                    break
        if pointer and found not in ("Any", "None") and (returned or found in self.classes):
            return f"{found} | None" if returned else found
        if pointer and found == "None":
            return "Any"  # void *
        return found


def _annotation(node: ast.expr | None, types: Types, *, returned: bool = False) -> ast.expr | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ast.parse(types.python(node.value, returned=returned), mode="eval").body
    return node


def _function(fn: ast.FunctionDef, types: Types, *, method: bool = False) -> ast.FunctionDef:
    """A stub of ``fn``: SWIG leaves overloads (``*args``) and constructors unannotated;
    they take Any (and __init__ returns None), so that strict mypy users can call them."""
    args = fn.args
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    positional = [*args.posonlyargs, *args.args]
    bound = positional[:1] if method and not static else []
    for a in [*positional, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is None or a in bound:
            continue
        a.annotation = _annotation(a.annotation, types) or ast.Name("Any")
    args.defaults = [ast.Constant(...) for _ in args.defaults]
    args.kw_defaults = [None if d is None else ast.Constant(...) for d in args.kw_defaults]
    if fn.returns is None:
        fn.returns = ast.Constant(None) if fn.name == "__init__" else ast.Name("Any")
    else:
        fn.returns = _annotation(fn.returns, types, returned=True)
    fn.body = [ast.Expr(ast.Constant(...))]
    fn.decorator_list = [d for d in fn.decorator_list if isinstance(d, ast.Name)]
    return fn


def _class(cls: ast.ClassDef, types: Types) -> ast.ClassDef:
    body: list[ast.stmt] = []
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and not DROP.match(node.name):
            body.append(_function(node, types, method=True))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            kind = _annotation(node.annotation, types) or ast.Name("Any")
            body.append(ast.AnnAssign(node.target, kind, None, simple=1))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and not DROP.match(target.id):
                    body.append(ast.AnnAssign(ast.Name(target.id), ast.Name("Any"), None, 1))
    cls.bases = [b for b in cls.bases if not (isinstance(b, ast.Name) and b.id == "object")]
    cls.keywords = []
    cls.decorator_list = []
    cls.body = body or [ast.Expr(ast.Constant(...))]
    return cls


def stub(source: str, rules: dict[str, Any] | None = None) -> str:
    """The .pyi text of a SWIG-generated Python module."""
    tree = ast.parse(source)
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    types = Types(classes, rules or wheel_data()["stubs"])
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            body.append(_class(node, types))
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            body.append(_function(node, types))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if not node.target.id.startswith("_"):  # a constant SWIG annotated
                kind = _annotation(node.annotation, types) or ast.Name("Any")
                body.append(ast.AnnAssign(node.target, kind, None, simple=1))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                value = node.value
                constant = isinstance(value, ast.Attribute) and target.id.isupper()
                name = "int" if constant else "Any"
                body.append(ast.AnnAssign(ast.Name(target.id), ast.Name(name), None, 1))
    head = "# generated by pjbuild.wheel.stubs from SWIG's pjsua2.py: do not edit\n"
    head += "from typing import Any\n\n"
    return head + ast.unparse(ast.Module(body=body, type_ignores=[])) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m pjbuild.wheel.stubs <pjsua2.py> <out.pyi>", file=sys.stderr)
        return 2
    source, out = Path(argv[0]), Path(argv[1])
    text = stub(source.read_text())
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
