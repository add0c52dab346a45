from __future__ import annotations

import platform
from pathlib import Path

import pytest

from pjbuild.errors import ConfigError
from pjbuild.targets import load_targets, parse_target, resolve_target

HOST_FILE = Path(__file__).resolve().parents[2] / "toolchains" / "linux-x86_64.toml"


def test_every_target_file_parses() -> None:
    targets = load_targets()
    assert "linux-x86_64" in targets
    for t in targets.values():
        assert t.triplet and t.endianness in ("little", "big")
        assert t.tls_default in t.tls_backends


@pytest.mark.skipif(platform.machine() != "x86_64", reason="host detection on x86_64")
def test_host_resolves_to_linux_x86_64() -> None:
    assert resolve_target("host", load_targets()).name == "linux-x86_64"


def test_unknown_target_lists_known() -> None:
    with pytest.raises(ConfigError) as exc:
        resolve_target("linux-x86-64", load_targets())
    assert "did you mean 'linux-x86_64'" in exc.value.summary
    assert "linux-x86_64" in exc.value.hint and "pjbuild targets" in exc.value.hint


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_user_folder_adds_and_overrides_targets(tmp_path: Path) -> None:
    text = HOST_FILE.read_text().replace('name = "linux-x86_64"', 'name = "my-board"')
    _write(tmp_path, "my-board", text)
    override = HOST_FILE.read_text().replace('description = "', 'description = "MINE ')
    _write(tmp_path, "linux-x86_64", override)
    targets = load_targets([tmp_path])
    assert "my-board" in targets
    assert targets["linux-x86_64"].description.startswith("MINE")


def test_env_var_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HOST_FILE.read_text().replace('name = "linux-x86_64"', 'name = "env-board"')
    _write(tmp_path, "env-board", text)
    monkeypatch.setenv("PJBUILD_TOOLCHAINS_PATH", str(tmp_path))
    assert "env-board" in load_targets()


def test_name_must_match_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "other", HOST_FILE.read_text())
    with pytest.raises(ConfigError, match="does not match the file name"):
        parse_target(path)


def test_missing_key_is_named(tmp_path: Path) -> None:
    text = "\n".join(
        ln for ln in HOST_FILE.read_text().splitlines() if not ln.startswith("triplet")
    )
    path = _write(tmp_path, "linux-x86_64", text)
    with pytest.raises(ConfigError, match="missing required key 'triplet'"):
        parse_target(path)


def test_unsupported_needs_reason(tmp_path: Path) -> None:
    text = HOST_FILE.read_text().replace('status = "supported"', 'status = "unsupported"')
    path = _write(tmp_path, "linux-x86_64", text)
    with pytest.raises(ConfigError, match="must say why"):
        parse_target(path)


def test_broken_toml_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "linux-x86_64", "name = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_target(path)


def test_missing_user_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_targets([tmp_path / "nope"])
