"""Running programs on the target: natively, under qemu-user, or under Wine.

One Protocol; the target's data decides the command prefix and environment, so adding an
emulator is a data change. A future runner (ssh to a board) implements the same Protocol.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from pjbuild.core import paths, procs
from pjbuild.inputs.targets import Target


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int | None  # None: killed on timeout
    output: str
    duration_s: float
    timed_out: bool

    @property
    def signal_name(self) -> str | None:
        return signal_name(self.returncode)


def signal_name(returncode: int | None) -> str | None:
    """The signal that ended a process (``SIGSEGV``), from its Popen return code; None if it
    exited (or still runs)."""
    if returncode is not None and returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return None


class Runner(Protocol):
    @property
    def kind(self) -> str: ...

    def run(
        self, argv: list[str], cwd: Path, timeout: float, *, env: dict[str, str] | None = None
    ) -> Completed: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class PrefixRunner:
    """Runs ``<prefix...> program args`` (empty prefix: native)."""

    kind: str
    prefix: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    timeout_factor: float = 1.0
    setup: tuple[str, ...] = ()

    def describe(self) -> str:
        return " ".join(self.prefix) if self.prefix else "native"

    def with_env(self, extra: dict[str, str]) -> PrefixRunner:
        """This runner with more search paths for every program it runs (the loader's path of
        a shared-library build). A variable its command sets for the program (qemu's
        ``-E LD_LIBRARY_PATH=<sysroot>/lib``, which wins over the environment) gets the value in
        front of its own; any other is added to the environment."""
        prefix = list(self.prefix)
        env = dict(self.env)
        for var, value in extra.items():
            given = [i for i, part in enumerate(prefix) if part.startswith(f"{var}=")]
            for i in given:
                prefix[i] = f"{var}={value}:{prefix[i].partition('=')[2]}"
            if not given:
                env[var] = f"{value}:{env[var]}" if env.get(var) else value
        return replace(self, prefix=tuple(prefix), env=tuple(env.items()))

    def prepare(self, cwd: Path) -> Completed | None:
        """Run the target's one-time setup command (idempotent, e.g. `wineboot --init`)."""
        if not self.setup:
            return None
        return self.run(list(self.setup), cwd, 600, prefixed=False)

    def run(
        self,
        argv: list[str],
        cwd: Path,
        timeout: float,
        *,
        prefixed: bool = True,
        env: dict[str, str] | None = None,
    ) -> Completed:
        """Run a program on the target; ``env`` adds variables (the emulators pass the
        environment on to the program)."""
        full = [*self.prefix, *argv] if prefixed else list(argv)
        env = {**os.environ, **dict(self.env), **(env or {})}
        start = time.monotonic()
        # A new session so that a timeout kills the whole process group (emulator included).
        proc = procs.spawn(
            full,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=timeout * self.timeout_factor)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        finally:
            procs.release(proc)
        return Completed(
            argv=tuple(full),
            returncode=None if timed_out else proc.returncode,
            output=out.decode("utf-8", "replace"),
            duration_s=round(time.monotonic() - start, 3),
            timed_out=timed_out,
        )

    def start(self, argv: list[str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
        """Start a long-running program on the target (stdin a pipe, output to ``log``)."""
        with log.open("wb") as out:
            return procs.spawn(
                [*self.prefix, *argv],
                cwd=cwd,
                env={**os.environ, **dict(self.env)},
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
            )


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0, quit_input: bytes = b"") -> bool:
    """Ask a started program to quit (``quit_input`` on its stdin, then EOF), then kill its
    process group if it is still there after ``grace`` seconds. True if it had to be killed."""
    killed = False
    try:
        if proc.stdin:
            if quit_input and proc.poll() is None:
                proc.stdin.write(quit_input)
                proc.stdin.flush()
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = True
    finally:
        procs.release(proc)
    return killed


def emulator_version(exe: str) -> str:
    """The release an emulator reports (``qemu-ppc version 10.0.2 (Debian ...)`` -> 10.0.2)."""
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    found = re.search(r"version (\d+(?:\.\d+)*)", proc.stdout + proc.stderr)
    return found.group(1) if found else ""


def emulator_too_old(target: Target) -> str:
    """Why the installed emulator cannot run this target's programs ("" when it can): older
    than the target's ``[runner] min_version``."""
    r = target.runner
    if not r.min_version or not r.command or not shutil.which(r.command[0]):
        return ""
    have = emulator_version(r.command[0])
    if have and _release(have) >= _release(r.min_version):
        return ""
    return (
        f"{r.command[0]} {have or '(unknown version)'} is older than {r.min_version}, which "
        f"{target.name} needs: {r.min_version_why}"
    )


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split(".") if x.isdigit())


def runner_for(target: Target) -> PrefixRunner:
    r = target.runner
    home = paths.home()
    env = tuple((k, v.replace("{home}", str(home))) for k, v in r.env)
    for _, value in env:
        if value.startswith(str(home)):  # e.g. WINEPREFIX: its parent must exist
            Path(value).parent.mkdir(parents=True, exist_ok=True)
    return PrefixRunner(
        kind=r.kind,
        prefix=target.runner_command(),
        env=env,
        timeout_factor=r.timeout_factor,
        setup=r.setup,
    )
