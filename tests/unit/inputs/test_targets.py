"""pjbuild.inputs.targets: the shipped target files parse; a broken one is one error naming
the file and the key; host detection; known failures."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError
from pjbuild.inputs.targets import load_targets, parse_target, resolve_target

HOST_FILE = Path(__file__).resolve().parents[3] / "toolchains" / "linux-x86_64.toml"


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


BUILT_NOT_RUN_FILE = """\
name = "board"
description = "a board"
status = "built, not run"
reason = "no emulator"
os = "freebsd"
arch = "x86_64"
triplet = "x86_64-unknown-freebsd14.0"
endianness = "little"
cross = true
[compilers]
cc = "cc"
cxx = "c++"
[runner]
kind = "none"
[binaries]
format = "elf"
machine = "EM_X86_64"
note = "FreeBSD"
"""


def test_a_built_not_run_target_needs_its_reason_runner_none_and_binaries(
    tmp_path: Path,
) -> None:
    t = parse_target(_write(tmp_path, "board", BUILT_NOT_RUN_FILE))
    assert t.supported and not t.runs and t.binaries.note == "FreeBSD"
    for text, needle in [
        (BUILT_NOT_RUN_FILE.replace('reason = "no emulator"\n', ""), "must say why"),
        (BUILT_NOT_RUN_FILE.replace('kind = "none"', 'kind = "qemu"'), "go together"),
        (
            BUILT_NOT_RUN_FILE.replace('status = "built, not run"', 'status = "supported"'),
            "go together",
        ),
        (BUILT_NOT_RUN_FILE.split("[binaries]")[0], "needs [binaries]"),
        (BUILT_NOT_RUN_FILE.replace('"elf"', '"coff"'), "binaries.format must be one of"),
        (BUILT_NOT_RUN_FILE.replace("note =", "abi ="), "unknown key 'binaries.abi'"),
    ]:
        with pytest.raises(ConfigError) as exc:
            parse_target(_write(tmp_path, "board", text))
        assert needle in exc.value.summary, (needle, exc.value.summary)
        assert exc.value.hint


def test_broken_toml_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "linux-x86_64", "name = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_target(path)


def test_missing_user_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_targets([tmp_path / "nope"])


ARMHF_FILE = HOST_FILE.with_name("linux-armhf.toml")


@pytest.mark.parametrize(
    "file,old,new,needle",
    [
        # issue 18: each of these was a traceback, or a list of characters; the error names the
        # file the value comes from, the target's or one of its bases
        (
            "base/debian-cross.toml",
            "[compilers]\ncc = ",
            'compilers = "gcc"\n[compilers_]\ncc = ',
            "compilers: expected a table",
        ),
        (
            "base/linux-qemu.toml",
            "timeout_factor = 3.0",
            'timeout_factor = "slow"',
            "runner.timeout_factor: expected a number",
        ),
        (
            "base/linux-qemu.toml",
            'backends = ["mbedtls", "openssl", "none"]',
            'backends = "openssl"',
            "tls.backends: expected a list of strings, got a string ('openssl')",
        ),
        (
            "base/debian-cross.toml",
            'cc = "{triplet}-gcc"',
            "cc = 12",
            "compilers.cc: expected a string",
        ),
        (
            "linux-armhf.toml",
            'openssl_target = "linux-armv4"',
            'openssl_target = ["linux-armv4"]',
            "deps.openssl_target: expected a string",
        ),
    ],
)
def test_a_wrong_type_names_the_file_the_key_and_the_type(
    tmp_path: Path, file: str, old: str, new: str, needle: str
) -> None:
    """The broken file is a copy in a user folder: a base there replaces the shipped one."""
    text = (HOST_FILE.parent / file).read_text()
    assert old in text
    broken = tmp_path / file
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text(text.replace(old, new, 1))
    armhf = tmp_path / ARMHF_FILE.name
    if not armhf.exists():
        armhf.write_text(ARMHF_FILE.read_text())
    with pytest.raises(ConfigError) as exc:
        parse_target(armhf)
    assert str(broken) in exc.value.summary and needle in exc.value.summary
    assert exc.value.exit_code == 2 and exc.value.hint


def test_a_wrong_type_in_a_preset_is_named(tmp_path: Path) -> None:
    from pjbuild.inputs.options import load_presets, load_schema

    (tmp_path / "board.toml").write_text('description = "x"\ncflags = "-O2"\n')
    with pytest.raises(ConfigError, match=r"board\.toml: cflags: expected a list of strings"):
        load_presets(load_schema(), [tmp_path])
    (tmp_path / "board.toml").unlink()
    (tmp_path / "x *: y.toml").write_text('description = "x"\n')
    with pytest.raises(ConfigError, match="is not letters, digits"):
        load_presets(load_schema(), [tmp_path])


def test_a_wrong_type_in_a_recipe_or_the_suites_is_named(tmp_path: Path) -> None:
    """The typed loader reads the dependency recipes and testsuites.toml too."""
    from pjbuild.core.paths import resources
    from pjbuild.inputs.deps import deps_dir, parse_recipe
    from pjbuild.inputs.testsuites import load_catalog

    recipe = (deps_dir() / "opus.toml").read_text()
    assert "[source]" in recipe
    bad = tmp_path / "opus.toml"
    bad.write_text(recipe.replace("[source]", 'source = "opus.tar.gz"\n[source_]', 1))
    with pytest.raises(ConfigError, match=r"opus\.toml: source: expected a table"):
        parse_recipe(bad)
    suites = (resources() / "testsuites.toml").read_text()
    assert "\ncalls = true\n" in suites
    bad = tmp_path / "testsuites.toml"
    bad.write_text(suites.replace("\ncalls = true\n", '\ncalls = "yes"\n', 1))
    with pytest.raises(ConfigError, match=r"suites\.quick\.calls: expected true or false"):
        load_catalog(bad)


def test_known_failures_can_hold_for_one_tls_backend_only() -> None:
    mingw = load_targets()["windows-mingw-x86_64"]
    assert "pjlib-test:ssl_sock_test" in mingw.known_failures_for_tls("schannel")
    assert mingw.known_failures_for_tls("mbedtls") == {}
    assert mingw.known_failure("pjlib-test", "ssl_sock_test") is None
