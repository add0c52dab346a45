"""Child processes of a build: each in its own process group, recorded, never left behind.

Every command pjbuild starts for a build (configure, make, test programs, emulators) runs in a
new session, so one signal reaches it and everything it started. The live groups are written
to ``PJBUILD_HOME/locks/groups/<pjbuild pid>``:
  SIGTERM/SIGINT  pjbuild kills its live groups, then exits (the CLI installs the handler);
  SIGKILL         nothing runs in pjbuild any more, so the next pjbuild run (any build, and
                  `pjbuild gc`) kills the groups recorded by pjbuild processes that no longer
                  exist, before it touches a work folder they may still be writing to.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pjbuild import paths

_live: set[int] = set()
_lock = threading.Lock()


def _registry() -> Path:
    return paths.home() / "locks" / "groups"


def _record() -> None:
    folder = _registry()
    folder.mkdir(parents=True, exist_ok=True)
    mine = folder / str(os.getpid())
    if not _live:
        mine.unlink(missing_ok=True)
        return
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".groups.")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(str(g) for g in sorted(_live)) + "\n")
    os.replace(tmp, mine)


def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Popen in a new session (its own process group), recorded until ``release``."""
    kwargs.setdefault("start_new_session", True)
    with _lock:
        proc: subprocess.Popen[bytes] = subprocess.Popen(argv, **kwargs)
        _live.add(proc.pid)
        _record()
    return proc


def release(proc: subprocess.Popen[bytes]) -> None:
    with _lock:
        _live.discard(proc.pid)
        _record()


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    """Does a process of the group still run? Zombies do not count: in a container whose
    init does not reap, killed orphans stay zombies, which signal 0 still finds."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").is_file():  # not Linux: signal 0 is all there is
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def kill_live() -> int:
    """Kill every group this process started (signal handler); how many there were."""
    groups = list(_live)
    for pgid in groups:
        kill_group(pgid)
    return len(groups)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(wait_s: float = 10.0) -> list[int]:
    """Kill the process groups left by pjbuild processes that died (SIGKILL, OOM, power...)
    and wait until they are gone; returns the groups killed."""
    folder = _registry()
    if not folder.is_dir():
        return []
    killed: list[int] = []
    for record in folder.iterdir():
        if not record.name.isdigit():
            continue
        owner = int(record.name)
        if owner == os.getpid() or _alive(owner):
            continue
        try:
            groups = [int(x) for x in record.read_text().split() if x.isdigit()]
        except OSError:
            continue
        for pgid in groups:
            kill_group(pgid)
            killed.append(pgid)
        record.unlink(missing_ok=True)
    deadline = time.monotonic() + wait_s
    while killed and time.monotonic() < deadline and any(group_alive(g) for g in killed):
        time.sleep(0.05)
    return killed


def install_signal_handlers() -> None:
    """SIGTERM/SIGINT: kill the running steps' groups, then leave (exit 128 + signal)."""

    def handler(signum: int, _frame: Any) -> None:
        count = kill_live()
        raise Interrupted(signum, count)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


class Interrupted(BaseException):
    """pjbuild received SIGTERM/SIGINT (a BaseException: no `except Exception` swallows it)."""

    def __init__(self, signum: int, killed: int) -> None:
        super().__init__(signum, killed)
        self.signum = signum
        self.killed = killed


__all__ = [
    "Interrupted",
    "group_alive",
    "install_signal_handlers",
    "kill_live",
    "reap_orphans",
    "release",
    "spawn",
]
