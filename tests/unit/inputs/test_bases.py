"""Target files extend a base (toolchains/base/): merging, placeholders, lookup, errors, and
the inputs digest of the merged data. Real files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.inputs.bases import base_files
from pjbuild.inputs.targets import load_targets, parse_target
from pjbuild.plan import Request, make_plan

SHIPPED = paths.data_root() / "toolchains"

# a complete target apart from what its base gives
OWN = """\
name = "{name}"
extends = "{base}"
arch = "armv7"
triplet = "arm-linux-gnueabihf"
endianness = "little"
qemu = "qemu-arm"
"""

BASE = """\
description = "a board"
os = "linux"
cross = true
sysroot = "/usr/{triplet}"

[compilers]
cc = "{triplet}-gcc"
cxx = "{triplet}-g++"

[runner]
kind = "qemu"
command = ["{qemu}", "-L", "{sysroot}"]
env = { WINEPREFIX = "{home}/x" }

[tls]
default = "mbedtls"
backends = ["mbedtls", "openssl", "none"]

[deps]
providers = { openssl = "source", mbedtls = "source" }

[packages.tools]
"{triplet}-gcc" = "gcc-{triplet}"
"{qemu}" = "qemu-user"
make = "make"

[conan]
os = "Linux"
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def _board(tmp_path: Path, extra: str = "", base: str = BASE, name: str = "board") -> Path:
    _write(tmp_path / "base", "mine", base)
    return _write(tmp_path, name, OWN.format(name=name, base="mine") + extra)


def test_tables_merge_the_target_winning_per_key(tmp_path: Path) -> None:
    extra = '\n[deps]\nopenssl_target = "linux-armv4"\nproviders = { opus = "system" }\n'
    extra += '\n[tls]\nbackends = ["none"]\ndefault = "none"\n'
    t = parse_target(_board(tmp_path, extra))
    assert t.os == "linux" and t.cross and t.description == "a board"  # from the base
    assert t.openssl_target == "linux-armv4"  # [deps] merged: the target's key added ...
    # ... and a table inside a table merges too: providers keeps the base's and adds opus
    assert dict(t.dep_providers) == {"openssl": "source", "mbedtls": "source", "opus": "system"}
    # arrays are replaced, not concatenated
    assert t.tls_backends == ("none",) and t.tls_default == "none"
    assert t.bases == (tmp_path / "base" / "mine.toml",)
    assert "extends" not in t.raw and t.raw["compilers"]["cc"] == "arm-linux-gnueabihf-gcc"


def test_scalars_and_arrays_are_replaced(tmp_path: Path) -> None:
    base = 'cflags = ["-O1", "-g"]\n' + BASE
    t = parse_target(_board(tmp_path, 'description = "mine"\ncflags = ["-Os"]\n', base))
    assert t.description == "mine" and t.cflags == ("-Os",)


def test_placeholders_fill_values_and_keys(tmp_path: Path) -> None:
    t = parse_target(_board(tmp_path))
    assert t.compilers.cc == "arm-linux-gnueabihf-gcc"
    assert t.compilers.cxx == "arm-linux-gnueabihf-g++"
    tools = dict(t.tool_packages)
    assert tools["arm-linux-gnueabihf-gcc"] == "gcc-arm-linux-gnueabihf"  # key and value
    assert tools["qemu-arm"] == "qemu-user" and tools["make"] == "make"
    # a placeholder's value may itself come from the base: sysroot = "/usr/{triplet}"
    assert t.sysroot == "/usr/arm-linux-gnueabihf"
    # the run-time placeholders are left for later, as in a file without a base
    assert t.runner.command == ("qemu-arm", "-L", "{sysroot}")
    assert t.runner_command() == ("qemu-arm", "-L", "/usr/arm-linux-gnueabihf")
    assert dict(t.runner.env) == {"WINEPREFIX": "{home}/x"}


def test_a_placeholder_may_name_a_nested_key_and_a_target_string_is_as_written(
    tmp_path: Path,
) -> None:
    base = BASE + '\n[wheel]\nplatform = "linux-{deps.multiarch}"\n'
    extra = 'reason = "see {triplet}"\n[deps]\nmultiarch = "armhf"\n'
    t = parse_target(_board(tmp_path, extra, base))
    assert t.wheel_platform == "linux-armhf"
    assert t.reason == "see {triplet}"


def test_the_target_overrides_a_placeholder_filled_key(tmp_path: Path) -> None:
    t = parse_target(_board(tmp_path, '[compilers]\ncc = "clang"\n'))
    assert t.compilers.cc == "clang" and t.compilers.cxx == "arm-linux-gnueabihf-g++"


def test_an_unknown_placeholder_is_named(tmp_path: Path) -> None:
    base = BASE.replace('cc = "{triplet}-gcc"', 'cc = "{tripplet}-gcc"')
    with pytest.raises(ConfigError) as exc:
        parse_target(_board(tmp_path, base=base))
    summary = exc.value.summary
    assert str(tmp_path / "base" / "mine.toml") in summary
    assert "compilers.cc: unknown placeholder {tripplet}" in summary
    assert "{sysroot}" in exc.value.hint and exc.value.exit_code == 2


def test_a_placeholder_naming_a_table_or_a_cycle_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"placeholder \{tls\} names a table, not a string"):
        parse_target(_board(tmp_path, base='cflags = ["{tls}"]\n' + BASE))
    base = BASE.replace('os = "linux"', 'os = "{arch_os}"\narch_os = "{os}"')
    with pytest.raises(ConfigError, match=r"cycle: \{arch_os\} -> \{os\} -> \{arch_os\}"):
        parse_target(_board(tmp_path, base=base))


def test_two_keys_filled_into_one_are_an_error(tmp_path: Path) -> None:
    base = BASE.replace('make = "make"', '"qemu-arm" = "qemu-user-static"')
    with pytest.raises(ConfigError, match="two keys become 'qemu-arm'"):
        parse_target(_board(tmp_path, base=base))


def test_a_base_is_not_a_target(tmp_path: Path) -> None:
    _board(tmp_path)
    targets = load_targets([tmp_path])
    assert "board" in targets and "mine" not in targets
    shipped = base_files([SHIPPED])
    assert shipped, "the shipped toolchains/base/ holds the bases"
    assert not set(shipped) & set(targets)


def test_an_unknown_base_is_one_error_naming_the_nearest(tmp_path: Path) -> None:
    path = _write(tmp_path, "board", OWN.format(name="board", base="debian-crosss"))
    with pytest.raises(ConfigError) as exc:
        parse_target(path)
    assert exc.value.summary == (
        f"{path}: extends: unknown base 'debian-crosss'; did you mean 'debian-cross'?"
    )
    assert "debian-cross" in exc.value.hint and "base/debian-crosss.toml" in exc.value.hint
    assert exc.value.exit_code == 2


def test_a_cycle_of_bases_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "base", "a", 'extends = "b"\n')
    _write(tmp_path / "base", "b", 'extends = "c"\n')
    _write(tmp_path / "base", "c", 'extends = "a"\n')
    path = _write(tmp_path, "board", OWN.format(name="board", base="a"))
    with pytest.raises(ConfigError) as exc:
        parse_target(path)
    assert "makes a cycle: board -> a -> b -> c -> a" in exc.value.summary
    assert str(tmp_path / "base" / "c.toml") in exc.value.summary
    assert exc.value.hint
    _write(tmp_path / "base", "a", 'extends = "a"\n')
    with pytest.raises(ConfigError, match="cycle: board -> a -> a"):
        parse_target(path)


def test_a_base_extends_a_base(tmp_path: Path) -> None:
    _write(tmp_path / "base", "family", 'extends = "mine"\n[runner]\ntimeout_factor = 2.0\n')
    _write(tmp_path / "base", "mine", BASE)
    path = _write(tmp_path, "board", OWN.format(name="board", base="family"))
    t = parse_target(path)
    assert t.runner.timeout_factor == 2.0 and t.runner.kind == "qemu"
    assert t.compilers.cc == "arm-linux-gnueabihf-gcc"
    assert t.bases == (tmp_path / "base" / "family.toml", tmp_path / "base" / "mine.toml")


def test_a_file_extends_several_bases_the_earlier_winning(tmp_path: Path) -> None:
    """extends = [a, b]: a wins over b, and both over the base they share (Python's order for
    classes, C3); the shared base is one layer; a cycle through a list is still found."""
    _write(tmp_path / "base", "mine", BASE)
    _write(tmp_path / "base", "cc", 'extends = "mine"\n[compilers]\ncc = "zcc"\ncxx = "zc++"\n')
    _write(
        tmp_path / "base",
        "os",
        'extends = "mine"\nos = "freebsd"\n[compilers]\ncc = "lost"\n[runner]\nkind = "native"\n',
    )
    own = OWN.replace('extends = "{base}"', 'extends = ["cc", "os"]')
    path = _write(tmp_path, "board", own.format(name="board"))
    t = parse_target(path)
    assert t.compilers.cc == "zcc"  # cc is earlier than os
    assert t.os == "freebsd" and t.runner.kind == "native"  # os wins over mine
    assert t.tls_default == "mbedtls" and t.runner.command[:2] == ("qemu-arm", "-L")  # mine's
    assert t.bases == tuple(tmp_path / "base" / f"{n}.toml" for n in ("cc", "os", "mine"))
    # mine listed before cc, which extends mine: no order keeps both
    _write(tmp_path, "board", OWN.replace('"{base}"', '["mine", "cc"]').format(name="board"))
    with pytest.raises(ConfigError, match="no order of the bases"):
        parse_target(path)
    _write(tmp_path, "board", own.format(name="board"))
    _write(tmp_path / "base", "os", 'extends = ["mine", "board2"]\n')
    _write(tmp_path / "base", "board2", 'extends = "os"\n')
    with pytest.raises(ConfigError, match="cycle: board -> os -> board2 -> os"):
        parse_target(path)
    _write(tmp_path, "board", OWN.replace('"{base}"', "[1]").format(name="board"))
    with pytest.raises(ConfigError, match=r"extends.*a list of strings"):
        parse_target(path)


def test_a_user_folder_extends_the_shipped_base(tmp_path: Path) -> None:
    """A user's target extends toolchains/base/debian-cross.toml, and a user's base extends
    it too; both found through --toolchains-dir."""
    own = OWN.format(name="my-armhf", base="debian-cross")
    _write(tmp_path, "my-armhf", own + '[deps]\nopenssl_target = "linux-armv4"\n')
    _write(tmp_path / "base", "my-family", 'extends = "debian-cross"\ncflags = ["-O1"]\n')
    _write(tmp_path, "my-other", OWN.format(name="my-other", base="my-family"))
    targets = load_targets([tmp_path])
    shipped = targets["linux-armhf"]
    mine = targets["my-armhf"]
    assert mine.bases[0] == SHIPPED / "base" / "debian-cross.toml"
    for field in ("compilers", "runner", "sysroot", "tool_packages", "tls_backends"):
        assert getattr(mine, field) == getattr(shipped, field), field
    other = targets["my-other"]
    assert other.cflags == ("-O1",) and other.compilers == shipped.compilers


def test_a_wrong_type_in_a_base_names_the_base(tmp_path: Path) -> None:
    base = BASE.replace('default = "mbedtls"', "default = 3")
    with pytest.raises(ConfigError) as exc:
        parse_target(_board(tmp_path, base=base))
    assert exc.value.summary.startswith(f"{tmp_path / 'base' / 'mine.toml'}: tls.default:")
    board = _board(tmp_path, "[tls]\ndefault = 4\n")
    with pytest.raises(ConfigError) as exc:
        parse_target(board)
    assert exc.value.summary.startswith(f"{board}: tls.default:")


def test_the_digest_covers_the_merged_data(tmp_path: Path, home: Path) -> None:
    """Editing a base changes the inputs digest of every target extending it, and of no
    other: a copy of the shipped base in a user folder replaces it by name."""

    def digests(*folders: Path) -> list[str]:
        return [
            make_plan(Request(target=t, fetch=False, toolchains_dirs=folders)).digest
            for t in ("linux-armhf", "linux-x86_64")
        ]

    shipped = SHIPPED / "base" / "debian-cross.toml"
    assert load_targets()["linux-armhf"].bases[0] == shipped
    assert not load_targets()["linux-x86_64"].bases
    copy = _write(tmp_path / "base", "debian-cross", shipped.read_text())
    before = digests()
    assert digests(tmp_path) == before  # the same data: the same digests
    text = copy.read_text()
    assert 'strip = "{triplet}-strip"' in text
    copy.write_text(text.replace('strip = "{triplet}-strip"', 'strip = "{triplet}-strip-all"'))
    after = digests(tmp_path)
    assert after[0] != before[0], "the base's edit must change the armhf digest"
    assert after[1] == before[1], "linux-x86_64 does not extend it"
    assert load_targets([tmp_path])["linux-armhf"].compilers.strip == (
        "arm-linux-gnueabihf-strip-all"
    )
