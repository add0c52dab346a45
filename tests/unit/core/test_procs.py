"""pjbuild.core.procs: each step in its own process group, recorded, never left behind: the
orphans of a killed pjbuild, a recorded number that is now another process, a step that cannot
be recorded, SIGTERM (issue 18)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pjbuild.core import procs
from tests.unit.conftest import _python


def test_orphaned_steps_of_a_killed_pjbuild_are_killed(home: Path) -> None:
    """A pjbuild killed with SIGKILL leaves its steps running; the next run kills them."""
    script = (
        "import subprocess, sys, time\n"
        "from pjbuild.core import procs\n"
        "p = procs.spawn(['sleep', '300'])\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    owner = _python(home, script)
    assert owner.stdout is not None
    child = int(owner.stdout.readline())
    record = home / "locks" / "groups" / str(owner.pid)
    assert procs.recorded_groups(record) == [child]
    lines = record.read_text().splitlines()
    assert lines[0].startswith("boot ") and lines[1].startswith("token ")
    assert lines[2] == f"{child} {procs.start_time(child)}"
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    os.kill(child, 0)  # the step outlived its pjbuild
    assert procs.reap_orphans() == [child]
    assert not procs.group_alive(child)
    assert not record.exists()


def _stranger(home: Path, record_text: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A process group that is not pjbuild's, named by the record of a dead pjbuild."""
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    folder = home / "locks" / "groups"
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / str(dead.pid)
    record.write_text(record_text.format(pgid=other.pid, boot=procs._boot_id()))
    return other, record


@pytest.mark.parametrize(
    "text",
    [
        # the number of a step recorded before a PID wrap: now someone else's process
        "boot {boot}\ntoken 0123abcd\n{pgid} 1\n",
        # recorded in another boot
        "boot 00000000-0000-0000-0000-000000000000\ntoken 0123abcd\n{pgid} 1\n",
        # a record of the old format: a bare number
        "{pgid}\n",
    ],
    ids=["pid-reused", "other-boot", "bare-number"],
)
def test_a_recorded_number_that_is_another_process_is_not_killed(home: Path, text: str) -> None:
    """Issue 18: gc SIGKILLed any recorded group whose owner was dead (demonstrated with a
    sleep after a PID wrap); now only a group that is still the recorded step."""
    other, record = _stranger(home, text)
    try:
        assert procs.reap_orphans(wait_s=0.5) == []
        assert other.poll() is None  # still running
        assert not record.exists()  # the stale record is dropped
    finally:
        other.kill()
        other.wait()


def test_a_step_whose_leader_exited_is_found_by_its_token(home: Path) -> None:
    """The leader (a shell) is gone, its child still runs with the step's PJBUILD_STEP."""
    script = (
        "import subprocess, sys, time\n"
        "from pjbuild.core import procs\n"
        "p = procs.spawn(['sh', '-c', 'sleep 300 & echo $!'], stdout=subprocess.PIPE)\n"
        "print(p.pid, p.stdout.readline().decode().strip(), flush=True)\n"
        "p.wait()\n"
        "time.sleep(300)\n"
    )
    owner = _python(home, script)
    assert owner.stdout is not None
    leader, child = (int(x) for x in owner.stdout.readline().split())
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    os.kill(child, 0)
    # the leader exited (it may linger as a zombie, whose start time would still match): with
    # a start time that cannot match, only the token in the child's environment says it is ours
    record = home / "locks" / "groups" / str(owner.pid)
    record.write_text(record.read_text().replace(f"{leader} ", f"{leader} 1 #"))
    assert procs.reap_orphans() == [leader]
    assert not procs.group_alive(leader)


def test_a_step_that_cannot_be_recorded_is_stopped(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: a child started before its record was written kept running when the write
    failed, and the temp record stayed. A full disk is simulated (os.replace raises ENOSPC)."""
    import errno

    from pjbuild.core.errors import HomeError

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(procs.os, "replace", full)
    argv = ["sleep", "299.731"]  # a duration no other test uses: pgrep finds only this step
    with pytest.raises(HomeError, match="the disk is full") as exc:
        procs.spawn(argv)
    assert exc.value.exit_code == 8
    assert not procs._live
    assert not list((home / "locks" / "groups").iterdir())  # no temp record left
    out = subprocess.run(["pgrep", "-f", "^sleep 299.731$"], capture_output=True, text=True)
    assert out.stdout.strip() == ""  # the step is gone (old code: still running)


def test_sigterm_stops_the_running_step(home: Path) -> None:
    """`pjbuild` on SIGTERM kills its steps' process groups and exits 143."""
    script = (
        "import sys\n"
        "from pjbuild.core import procs\n"
        "from pjbuild.core.steplog import StepLog\n"
        "from pathlib import Path\n"
        "procs.install_signal_handlers()\n"
        "log = StepLog(Path(sys.argv[1]))\n"
        "try:\n"
        "    log.run('make', ['sh', '-c', 'sleep 300 & echo started; wait'], Path('.'), {})\n"
        "except procs.Interrupted as exc:\n"
        "    sys.exit(128 + exc.signum)\n"
    )
    log = home / "step.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(log)], env={**os.environ, "PJBUILD_HOME": str(home)}
    )
    deadline = time.monotonic() + 20
    record = home / "locks" / "groups" / str(proc.pid)
    # the step may print before pjbuild has recorded its group (Popen returns, then the record
    # is written): wait for both
    while not (log.is_file() and "started" in log.read_text() and record.is_file()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    groups = procs.recorded_groups(record)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 143
    deadline = time.monotonic() + 5
    while any(procs.group_alive(g) for g in groups):  # the shell and its background sleep
        assert time.monotonic() < deadline, "a step outlived SIGTERM"
        time.sleep(0.05)
