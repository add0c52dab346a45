"""Running build commands with their output appended to one build log."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from pjbuild.core import procs
from pjbuild.core.errors import BuildError, HomeError, ToolMissingError

# what a compiler, make or tar prints when the disk it writes to is full
DISK_FULL = ("No space left on device", "Disk quota exceeded")
# below this, a failed step is put down to the disk: its own message may be lost, as the
# log it would be written to is on the same disk (seen: `make[2]: write error: stdout`)
LOW_SPACE = 16 * 1024 * 1024


def _free_bytes(path: Path) -> int:
    try:
        st = os.statvfs(path)
    except OSError:
        return LOW_SPACE  # cannot tell: do not guess "full"
    return st.f_bavail * st.f_frsize


def disk_full(output: str, *places: Path) -> str | None:
    """Why a failed step looks like a full disk: the message in its output, or under
    LOW_SPACE free where it wrote. None when it does not."""
    found = next((m for m in DISK_FULL if m in output), None)
    if found:
        return f"'{found}' in its output"
    for place in places:
        free = _free_bytes(place)
        if free < LOW_SPACE:
            return f"{free // 1024} KiB free in {place}"
    return None


class StepLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.durations: dict[str, float] = {}

    def note(self, text: str) -> None:
        with self.path.open("a") as fh:
            fh.write(text.rstrip("\n") + "\n")

    def run(self, step: str, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        """Run a command, appending its output to the log; BuildError with the tail on failure."""
        start = time.monotonic()
        self.note(f"\n### {step}: {' '.join(argv)}  (cwd {cwd})")
        begin = self.path.stat().st_size
        with self.path.open("ab") as fh:
            try:
                proc = procs.spawn(
                    argv,
                    cwd=cwd,
                    env={**os.environ, **env},
                    stdin=subprocess.DEVNULL,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                )
            except FileNotFoundError as exc:
                raise ToolMissingError(
                    f"{step}: cannot run {argv[0]}",
                    hint="run `pjbuild doctor` to see what to install",
                ) from exc
            try:
                proc.wait()
            finally:
                procs.kill_group(proc.pid)  # nothing the step started outlives it
                procs.release(proc)
        self.durations[step] = self.durations.get(step, 0.0) + round(time.monotonic() - start, 3)
        if proc.returncode != 0:
            with self.path.open("rb") as fh:
                fh.seek(begin)
                output = fh.read().decode(errors="replace")
            full = disk_full(output, self.path.parent, cwd)
            if full:  # not a build problem: where the build writes is full (exit 8)
                raise HomeError(
                    f"{step} failed: the disk is full ({full}); log: {self.path}",
                    hint="free space where PJBUILD_HOME is, or set PJBUILD_HOME to a folder on "
                    "a disk with space (`df` shows it), then build again",
                    details=relevant_tail(output),
                )
            raise BuildError(
                f"{step} failed (exit code {proc.returncode}); log: {self.path}",
                hint="read the lines below; `pjbuild doctor --target ...` checks the toolchain",
                details=relevant_tail(self.path.read_text(errors="replace")),
            )


def relevant_tail(log: str, lines: int = 25) -> str:
    """The last error-looking lines of a log (or its tail)."""
    all_lines = log.rstrip().splitlines()
    marks = ("error", "Error", "No rule", "not found", "cannot", "undefined reference")
    hits = [i for i, line in enumerate(all_lines) if any(m in line for m in marks)]
    if hits:
        last = hits[-1]
        return "\n".join(all_lines[max(0, last - lines + 5) : last + 5])
    return "\n".join(all_lines[-lines:])
