"""`pjbuild presets` and `pjbuild options` as JSON (pjbuild.cli.presets, pjbuild.cli.options),
and a user presets folder (--presets-dir), run as a process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import pjbuild


def test_presets_and_options_json(home: Path) -> None:
    rows = {p["name"]: p for p in json.loads(pjbuild("presets", "--json", check=True).stdout)}
    assert {"default", "minimal-size", "max-speed", "asterisk"} <= set(rows)
    small = rows["minimal-size"]
    assert "-Wl,--gc-sections" in small["ldflags"] and "-Os" in small["dep_cflags"]
    assert rows["default"]["ldflags"] == [] and rows["default"]["dep_cflags"] == []
    options = json.loads(pjbuild("options", "--json", check=True).stdout)
    ipv6 = next(o for o in options if o["name"] == "PJ_HAS_IPV6")
    assert ipv6["type"] == "bool" and ipv6["description"]


def test_user_presets_folder(home: Path, tmp_path: Path) -> None:
    (tmp_path / "board.toml").write_text(
        'description = "my board"\n[options]\nPJSUA_MAX_CALLS = 2\n'
    )
    proc = pjbuild(
        "plan",
        "--target",
        "host",
        "--preset",
        "board",
        "--presets-dir",
        str(tmp_path),
        env_home=home,
        check=True,
    )
    assert "#define PJSUA_MAX_CALLS 2" in proc.stdout
    (tmp_path / "bad.toml").write_text('[options]\nPJSUA_MAX_CALLS = "two"\n')
    proc = pjbuild("presets", "--presets-dir", str(tmp_path), env_home=home)
    assert proc.returncode == 2 and "bad.toml" in proc.stderr
