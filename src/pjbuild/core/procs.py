"""Child processes of a build: each in its own process group, recorded, never left behind.

Every command pjbuild starts for a build (configure, make, test programs, emulators) runs in a
new session, so one signal reaches it and everything it started. The live groups are written
to ``PJBUILD_HOME/locks/groups/<pjbuild pid>``:
  SIGTERM/SIGINT  pjbuild kills its live groups, then exits (the CLI installs the handler);
  SIGKILL         nothing runs in pjbuild any more, so the next pjbuild run (any build, and
                  `pjbuild gc`) kills the groups recorded by pjbuild processes that no longer
                  exist, before it touches a work folder they may still be writing to.

A number alone does not say whose process it is (after a reboot or a PID wrap it is someone
else's), so a record holds the boot it was written in and, per group, its leader's start time
(``/proc/<pid>/stat``), and every step carries ``PJBUILD_STEP=<token>`` in its environment. A
recorded group is killed only if it is still the same: same boot, and its leader has the start
time recorded, or one of its processes carries the record's token (the leader may have exited
and left its children). Without /proc (not Linux) the number is all there is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import HomeError
from pjbuild.core.files import write_atomic

MARKER = "PJBUILD_STEP"
_TOKEN = uuid.uuid4().hex  # this pjbuild process's steps
_live: dict[int, str] = {}  # process group -> its leader's start time
_lock = threading.Lock()
_stopping: list[int] = []  # the signal pjbuild is stopping on: no new step starts
_PROC = Path("/proc")


def _registry() -> Path:
    return paths.home() / "locks" / "groups"


def _boot_id() -> str:
    try:
        return (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


def _stat_fields(pid: int | str) -> list[str] | None:
    """/proc/<pid>/stat from the state on (comm may hold spaces: split after the last ')')."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()


def start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot ("" if unknown): with the boot id,
    what makes a pid mean one process."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else ""


def _write_record() -> None:
    folder = _registry()
    folder.mkdir(parents=True, exist_ok=True)
    mine = folder / str(os.getpid())
    if not _live:
        mine.unlink(missing_ok=True)
        return
    lines = [f"boot {_boot_id()}", f"token {_TOKEN}"]
    lines += [f"{g} {_live[g]}" for g in sorted(_live)]
    write_atomic(mine, "\n".join(lines) + "\n")


def recorded_groups(record: Path) -> list[int]:
    """The process groups a record lists."""
    return [int(line.split()[0]) for line in record.read_text().splitlines() if line[:1].isdigit()]


def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Popen in a new session (its own process group), recorded until ``release``. If the
    record cannot be written (full disk, read-only home), the step is killed at once and
    HomeError raised: a step nobody recorded could outlive a SIGKILLed pjbuild."""
    if _stopping:  # a signal arrived: other threads (a matrix's builds) start nothing more
        raise Interrupted(_stopping[0], 0)
    kwargs.setdefault("start_new_session", True)
    env = kwargs.get("env")
    kwargs["env"] = {**(os.environ if env is None else env), MARKER: _TOKEN}
    with _lock:
        proc: subprocess.Popen[bytes] = subprocess.Popen(argv, **kwargs)
        _live[proc.pid] = start_time(proc.pid)
        try:
            _write_record()
        except OSError as exc:
            _live.pop(proc.pid, None)
            kill_group(proc.pid)
            proc.wait()
            why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
            raise HomeError(
                f"cannot record a running step in {_registry()}: {why}",
                hint="free space in PJBUILD_HOME or point PJBUILD_HOME at a writable folder "
                "(the step was stopped)",
            ) from None
    return proc


def release(proc: subprocess.Popen[bytes]) -> None:
    with _lock:
        _live.pop(proc.pid, None)
        with contextlib.suppress(OSError):  # a stale record names a group that is gone
            _write_record()


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _group_members(pgid: int) -> list[str]:
    """Live (not zombie) processes of a group. Zombies do not count: in a container whose init
    does not reap, killed orphans stay zombies, which signal 0 still finds."""
    members = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            members.append(entry.name)
    return members


def group_alive(pgid: int) -> bool:
    """Does a process of the group still run?"""
    if not (_PROC / "self" / "stat").is_file():  # not Linux: signal 0 is all there is
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return bool(_group_members(pgid))


def _carries(pid: str, token: str) -> bool:
    try:
        environ = (_PROC / pid / "environ").read_bytes()
    except OSError:
        return False
    return f"{MARKER}={token}".encode() in environ.split(b"\0")


def _still_ours(pgid: int, started: str, token: str) -> bool:
    """Is recorded group ``pgid`` still the one pjbuild started (see the module's text)?"""
    if not (_PROC / "self" / "stat").is_file():
        return True
    if started and start_time(pgid) == started:
        return True
    return bool(token) and any(_carries(pid, token) for pid in _group_members(pgid))


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


def _parse_record(text: str) -> tuple[str, str, list[tuple[int, str]]]:
    boot = token = ""
    groups: list[tuple[int, str]] = []
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        if key == "boot":
            boot = rest.strip()
        elif key == "token":
            token = rest.strip()
        elif key.isdigit():
            groups.append((int(key), rest.strip()))
    return boot, token, groups


def reap_orphans(wait_s: float = 10.0) -> list[int]:
    """Kill the process groups left by pjbuild processes that died (SIGKILL, OOM, power...)
    and wait until they are gone; returns the groups killed. A recorded number that is now
    another process (another boot, another start time, no token) is left alone."""
    folder = _registry()
    if not folder.is_dir():
        return []
    killed: list[int] = []
    boot_now = _boot_id()
    for record in folder.iterdir():
        if not record.name.isdigit():
            continue
        owner = int(record.name)
        if owner == os.getpid() or _alive(owner):
            continue
        try:
            boot, token, groups = _parse_record(record.read_text())
        except OSError:
            continue
        if boot == boot_now or not boot_now:
            for pgid, started in groups:
                if _still_ours(pgid, started, token):
                    kill_group(pgid)
                    killed.append(pgid)
        with contextlib.suppress(OSError):
            record.unlink()
    deadline = time.monotonic() + wait_s
    while killed and time.monotonic() < deadline and any(group_alive(g) for g in killed):
        time.sleep(0.05)
    return killed


def install_signal_handlers() -> None:
    """SIGTERM/SIGINT: kill the running steps' groups, then leave (exit 128 + signal)."""

    def handler(signum: int, _frame: Any) -> None:
        with _lock:
            _stopping.append(signum)
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


def find_tool(name: str) -> str | None:
    """A tool beside pjbuild's Python (its venv, even when not activated: PyPI's cmake, ninja,
    auditwheel), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)
