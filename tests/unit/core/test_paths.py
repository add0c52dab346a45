"""pjbuild's home when it is not a healthy folder, and what plan may cache there (issue 18)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pjbuild.core.errors import SourceError
from pjbuild.inputs.sources import load_versions
from pjbuild.inputs.tree import scan_archive
from tests.conftest import SHARED_SOURCES

V217 = load_versions()["2.17"]


def _pjbuild(home: Path, *args: str, mirror: Path = SHARED_SOURCES, wrap: tuple[str, ...] = ()):
    env = {**os.environ, "PJBUILD_HOME": str(home), "PJBUILD_MIRROR": str(mirror)}
    return subprocess.run(
        [*wrap, sys.executable, "-m", "pjbuild", *args], capture_output=True, text=True, env=env
    )


def _one_error(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if not x.startswith("[pjbuild]")]
    assert lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert lines[1].startswith("fix: ") and "Traceback" not in proc.stderr


def _read_only(home: Path) -> tuple[str, ...]:
    """A command prefix that runs with ``home`` on a read-only bind mount (a real EROFS)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private read-only mount")
    script = f'mount --bind -o ro "{home}" "{home}" && exec "$@"'
    return ("unshare", "--mount", "sh", "-c", script, "sh")


def test_plan_and_its_digest_work_with_a_read_only_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    digest = _pjbuild(tmp_path / "other", "plan", "--target", "host", "--digest")
    assert digest.returncode == 0, digest.stderr
    ro = _pjbuild(home, "plan", "--target", "host", "--digest", wrap=_read_only(home))
    assert ro.returncode == 0, ro.stderr  # before: a traceback writing the tree scan
    assert ro.stdout.strip() == digest.stdout.strip()


def test_a_build_in_a_read_only_home_is_one_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = _pjbuild(home, "build", "--target", "host", "--tests", "none", wrap=_read_only(home))
    _one_error(proc, 8, "the file system is read-only")
    assert list(home.iterdir()) == []


def test_a_home_that_is_a_file_or_a_link_loop_is_one_error(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("not a folder")
    _one_error(_pjbuild(afile, "build", "--target", "host", "--tests", "none"), 8, "not a folder")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    _one_error(_pjbuild(tmp_path / "a", "plan", "--target", "host"), 8, "symbolic link loop")


def _impostor(folder: Path) -> Path:
    """A file with the pinned name of 2.17 that is not the pinned archive: its tree lacks
    every bundled component."""
    folder.mkdir()
    path = folder / V217.filename
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("pjproject-2.17/README.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
    return path


def test_plan_no_fetch_does_not_cache_a_scan_of_an_unverified_file(tmp_path: Path) -> None:
    """Cache poisoning: `plan --no-fetch` scanned a local file with the pinned name without
    verifying it and stored the scan under the pinned sha256; a verified plan in the same home
    then reused it (components 'not in this tree')."""
    home = tmp_path / "home"
    fake = _impostor(tmp_path / "mirror")
    first = _pjbuild(home, "plan", "--target", "host", "--no-fetch", "--json", mirror=fake.parent)
    assert first.returncode == 0, first.stderr
    assert not (home / "tree-features").exists() or not any((home / "tree-features").iterdir())
    real = _pjbuild(home, "plan", "--target", "host", "--json")
    assert real.returncode == 0, real.stderr
    assert '"gsm": {"state": "bundled"' in real.stdout.replace("\n", "").replace("  ", "")


def test_a_scan_is_cached_only_for_the_bytes_it_names(tmp_path: Path, home: Path) -> None:
    fake = _impostor(tmp_path / "mirror")
    with pytest.raises(SourceError, match="checksum mismatch"):
        scan_archive(fake, V217.sha256)
    assert not (home / "tree-features").exists() or not any((home / "tree-features").iterdir())
    found = scan_archive(SHARED_SOURCES / V217.filename, V217.sha256)
    assert "third_party/gsm" in found


def test_bad_sources_are_exit_3_at_plan_time(tmp_path: Path) -> None:
    """Issue 18: a non-tar --source, a tar that is not pjproject and HTTP errors were
    tracebacks. The HTTP server is on 127.0.0.1 and answers 404."""
    import http.server
    import threading

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"<html>not an archive</html>\n")
    other = tmp_path / "other-1.0.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        info = tarfile.TarInfo("other-1.0/configure")
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/pjproject-9.9.tar.gz"
    try:
        for source, needle in (
            (str(junk), "not a readable archive"),
            (str(other), "not a pjproject tree"),
            (url, "the download failed"),
        ):
            proc = _pjbuild(tmp_path / "home", "plan", "--target", "host", "--source", source)
            _one_error(proc, 3, needle)
    finally:
        server.shutdown()


@pytest.mark.parametrize("version", sorted(load_versions()))
def test_no_fetch_digest_is_the_digest_of_the_build(tmp_path: Path, version: str) -> None:
    """--no-fetch describes the tree by its pin: the same inputs digest (a CI cache key) as the
    plan of the verified archive, for every pinned version."""
    args = ("plan", "--target", "host", "--version", version, "--digest")
    fetched = _pjbuild(tmp_path / "home", *args)
    pinned = _pjbuild(tmp_path / "home", *args, "--no-fetch")
    assert fetched.returncode == 0 and pinned.returncode == 0, fetched.stderr + pinned.stderr
    assert len(fetched.stdout.strip()) == 32
    assert pinned.stdout.strip() == fetched.stdout.strip()


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


def _full_disk(home: Path, size: str) -> tuple[str, ...]:
    """A command prefix that runs with ``home`` on a private tmpfs of ``size`` (a real ENOSPC),
    then lists what the command left there (the mount is gone when the namespace ends)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private tmpfs mount")
    script = (
        f'mount -t tmpfs -o size={size} tmpfs "{home}" && "$@"; rc=$?; '
        f'echo "LEFT-BEGIN" >&2; (cd "{home}" && find . -mindepth 1 | sort) >&2; exit $rc'
    )
    return ("unshare", "--mount", "sh", "-c", script, "sh")


def _full_disk_build(tmp_path: Path, size: str) -> tuple[list[str], list[str]]:
    home = tmp_path / "home"
    home.mkdir(parents=True)
    args = ("build", "--target", "host", "--tests", "none", "--jobs", "2")
    proc = _pjbuild(home, *args, wrap=_full_disk(home, size))
    before, _, left = proc.stderr.partition("LEFT-BEGIN\n")
    _one_error(subprocess.CompletedProcess(proc.args, proc.returncode, "", before), 8, "")
    return before.splitlines(), left.split()


def _nothing_half_written(entries: list[str]) -> None:
    assert not [e for e in entries if e.startswith("./artifacts/") and not e.endswith(".lock")]
    assert not [e for e in entries if "/src/" in e or e.endswith("/src")], entries[:20]
    work = [e for e in entries if e.startswith("./work/")]
    assert all("/stage" in e for e in work if e.count("/") > 2), work  # only the log is kept


def test_a_full_disk_while_extracting_is_one_error(tmp_path: Path) -> None:
    """A 2 MiB home: the archive's extraction runs out of space. One error, exit 8, no
    partial tree and nothing published afterwards."""
    lines, entries = _full_disk_build(tmp_path, "2m")
    assert "No space left on device" in next(x for x in lines if x.startswith("error: "))
    _nothing_half_written(entries)


@pytest.mark.integration
def test_a_full_disk_while_compiling_is_home_not_build_error(tmp_path: Path) -> None:
    """A 100 MiB home: the tree (68 MiB) fits, the objects do not. Before, this was `make
    failed` (exit 5) and the tree stayed, keeping the disk full; now exit 8 naming the disk,
    and the tree is removed (the build log is kept). The compiler's own message is not always
    in the log (the log is on the full disk too): the free space decides then. Run three times:
    which of the two it is varies."""
    for attempt in range(3):
        lines, entries = _full_disk_build(tmp_path / str(attempt), "100m")
        error = next(x for x in lines if x.startswith("error: "))
        assert "the disk is full" in error, lines[-15:]
        _nothing_half_written(entries)
        assert any(e.endswith("/stage/logs/build.log") for e in entries)
