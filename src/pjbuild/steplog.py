"""Running build commands with their output appended to one build log."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from pjbuild import procs
from pjbuild.errors import BuildError, ToolMissingError


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
