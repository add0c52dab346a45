"""`pjbuild doctor --json` (pjbuild.cli.doctor), run as a process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import pjbuild


def test_doctor_lists_packages(home: Path) -> None:
    proc = pjbuild("doctor", "--target", "host", "--json", env_home=home)
    rows = json.loads(proc.stdout)
    gcc = next(r for r in rows if r["what"] == "gcc")
    assert gcc["package"] == "gcc" and gcc["present"]
    tls = next(r for r in rows if r["kind"] == "tls" and r["what"].startswith("openssl"))
    assert tls["package"] == "libssl-dev" and tls["required"]
