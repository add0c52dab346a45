"""`pjbuild targets --json` (pjbuild.cli.targets), run as a process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import pjbuild


def test_targets_json(home: Path) -> None:
    rows = json.loads(pjbuild("targets", "--json", check=True).stdout)
    host = next(r for r in rows if r["name"] == "linux-x86_64")
    assert host["runner"] == "native" and host["tls_default"] == "openssl"
