"""A stand-in for the target's Python (`_fake_python`), for the wheel's build and install
commands."""

from __future__ import annotations

from pathlib import Path

from pjbuild.wheel.pyroot import TargetPython


def _fake_python(root: Path) -> TargetPython:
    return TargetPython(
        root=root,
        version="3.11",
        include_dirs=(root / "inc1", root / "inc2"),
        interpreter=root / "usr/bin/python3.11",
        packages=("python3.11",),
        suite="bookworm",
    )
