"""Atomic file writes: a temporary file in the same folder, then one rename, so a reader (or a
crash) never sees a half-written file and nothing half-written is left behind."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename; the temporary file is removed on failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """``data`` as indented JSON with sorted keys, written atomically."""
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
