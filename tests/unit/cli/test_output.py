"""pjbuild.cli.output: what an OSError becomes (issue 18): exit 8 naming the disk when it is
pjbuild's home (read-only), exit 2 naming the path when the user gave it."""

from __future__ import annotations

from pathlib import Path

from tests.unit.conftest import _one_error, _pjbuild, _read_only


def test_a_build_in_a_read_only_home_is_one_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = _pjbuild(home, "build", "--target", "host", "--tests", "none", wrap=_read_only(home))
    _one_error(proc, 8, "the file system is read-only")
    assert list(home.iterdir()) == []


def test_an_unusable_output_path_outside_home_is_bad_input_not_home(tmp_path: Path) -> None:
    """A path the user gave that cannot be written is exit 2 naming that path, not exit 8
    blaming PJBUILD_HOME (which is fine here)."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = afile / "workflow.yml"
    proc = _pjbuild(
        tmp_path / "home", "ci", "github", "--targets", "linux-armhf", "--out", str(out)
    )
    _one_error(proc, 2, "a file is in the way of a folder")
    assert str(afile) in proc.stderr and "PJBUILD_HOME" not in proc.stderr


def test_brackets_in_an_error_are_printed_as_written() -> None:
    """An error naming a TOML table ([conan]) keeps it: rich must not take it for markup."""
    from pjbuild.cli.output import err, report
    from pjbuild.core.errors import ConfigError

    with err.capture() as captured:
        code = report(ConfigError("no arch ([conan] arch in its file)", hint="see [tls]"))
    assert "error: no arch ([conan] arch in its file)" in captured.get()
    assert "fix: see [tls]" in captured.get() and code == 2
