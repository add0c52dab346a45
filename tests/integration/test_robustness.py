"""Concurrent and interrupted builds, for real (pjbuild run as a program, host target).

- Two builds of the same inputs started together: one builds, the other waits for its lock and
  reports a cache hit. Two builds of different inputs: they run at the same time.
- A build killed with SIGKILL (pjbuild only: its steps run in their own process groups, as they
  would after an OOM kill) during extraction, configure, make, the tests and the publish step:
  the cache holds only complete entries every time, the orphaned make is killed by the next
  pjbuild (here `pjbuild gc`), and the next build succeeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

BASE = ("--target", "host", "--tls", "none")


class Watched:
    """A pjbuild process whose stderr lines are collected with the time they arrived."""

    def __init__(self, pjb: Pjbuild, *args: str) -> None:
        self.proc = pjb.popen(*args)
        self.lines: list[tuple[float, str]] = []
        self.stdout = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, marker: str, timeout: float = 900) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for stamp, line in list(self.lines):
                if marker in line:
                    return stamp
            assert self.proc.poll() is None, f"ended before '{marker}':\n" + self.text()
            time.sleep(0.05)
        raise AssertionError(f"no '{marker}' within {timeout} s:\n" + self.text())

    def finish(self, timeout: float = 1800) -> dict[str, Any]:
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()  # stderr belongs to the reader thread
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        assert self.proc.returncode == 0, self.text()
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result

    def stamp(self, marker: str) -> float:
        return next(stamp for stamp, line in self.lines if marker in line)

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)[-4000:]


def _complete_entries_only(home: Path) -> list[str]:
    """Every folder in artifacts/ is a complete artifact: manifest + every file it lists."""
    arts = home / "artifacts"
    names = sorted(p.name for p in arts.iterdir()) if arts.is_dir() else []
    for name in names:
        folder = arts / name
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["inputs_digest"] == name
        for rel, digest in manifest["files"].items():
            assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, rel
        assert (folder / "sbom.cdx.json").is_file()
    return names


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is inside a folder (a build's orphaned steps)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and cwd.startswith(str(folder)):
            found.append(int(entry.name))
    return found


@pytest.fixture
def home_pjb(tmp_path: Path) -> Pjbuild:
    return Pjbuild(tmp_path / "home")


def test_same_inputs_build_once_and_the_other_waits(home_pjb: Pjbuild) -> None:
    args = ("build", *BASE, "--tests", "none", "--set", "PJSUA_MAX_ACC=6", "--json")
    first, second = Watched(home_pjb, *args), Watched(home_pjb, *args)
    results = [first.finish(), second.finish()]
    assert sorted(r["cache_hit"] for r in results) == [False, True]
    assert results[0]["artifact"] == results[1]["artifact"]
    waited = first if results[0]["cache_hit"] else second
    assert any("waiting for another build of these inputs" in line for _, line in waited.lines)
    assert _complete_entries_only(home_pjb.home) == [results[0]["inputs_digest"]]


def test_different_inputs_build_in_parallel(home_pjb: Pjbuild) -> None:
    a = Watched(home_pjb, "build", *BASE, "--tests", "none", "--set", "PJSUA_MAX_ACC=7", "--json")
    b = Watched(home_pjb, "build", *BASE, "--tests", "none", "--set", "PJSUA_MAX_ACC=9", "--json")
    ra, rb = a.finish(), b.finish()
    assert ra["cache_hit"] is False and rb["cache_hit"] is False
    assert ra["inputs_digest"] != rb["inputs_digest"]
    # both were compiling before either published: they overlapped
    started = max(a.stamp("build (autotools"), b.stamp("build (autotools"))
    assert started < min(a.stamp("publishing"), b.stamp("publishing"))
    assert sorted(_complete_entries_only(home_pjb.home)) == sorted(
        [ra["inputs_digest"], rb["inputs_digest"]]
    )


# (step, the progress line that starts it, seconds to wait before the kill, extra arguments).
# make runs without ccache: with a warm cache (CI's, after the other host builds) the whole make
# step takes about 4.6 s, so a kill 5 s in landed after it, with no make left to orphan.
KILL_POINTS: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("extraction", "extracting ", 0.0, ()),
    ("configure", "configure: ", 1.0, ()),  # configure takes about 3 s
    ("make", "build (autotools", 5.0, ("--no-ccache",)),
    ("tests", "running the tls test suite", 2.0, ()),
    ("publish", "publishing", 0.0, ()),
]


def test_sigkill_at_every_step_leaves_a_consistent_cache(home_pjb: Pjbuild) -> None:
    # OpenSSL: the tls suite then spends about 15 s in ssl_sock_test, where the kill lands
    args = ("build", "--target", "host", "--tls", "openssl", "--tests", "tls", "--set",
            "PJSUA_MAX_ACC=5", "--json")  # fmt: skip
    digest = home_pjb.run("plan", *args[1:-1], "--digest").stdout.strip()
    work = home_pjb.home / "work" / digest
    for step, marker, delay, extra in KILL_POINTS:
        watched = Watched(home_pjb, *args, *extra)
        watched.wait_for(marker)
        time.sleep(delay)
        if step == "make":
            assert watched.proc.poll() is None and not any(
                line.removeprefix("[pjbuild] ") == "install" for _, line in watched.lines
            ), "make ended before the kill:\n" + watched.text()
        watched.proc.send_signal(signal.SIGKILL)  # pjbuild only, not its steps
        watched.proc.wait()
        entries = _complete_entries_only(home_pjb.home)
        assert entries in ([], [digest]), (step, entries)
        if step != "publish":
            assert entries == [], f"killed during {step}, yet an artifact was published"
        if step == "make":
            orphans = _processes_in(work)
            assert orphans, "make should still be running after its pjbuild was killed"
            gc = home_pjb.run("gc", "--json")
            assert gc.returncode == 0, gc.stderr
            report = json.loads(gc.stdout.strip().splitlines()[-1])
            assert report["killed_groups"], report
            assert not _processes_in(work), "gc left the orphaned make running"
            assert not work.exists()  # the killed build's work folder went too
    final = Watched(home_pjb, *args).finish()
    assert final["inputs_digest"] == digest
    assert final["tests"]["failed"] == 0 and final["tests"]["passed"] > 0
    assert _complete_entries_only(home_pjb.home) == [digest]
    leftovers = subprocess.run(["pgrep", "-f", str(home_pjb.home)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
