"""Using a pjsua2 wheel for real: install it, then SIP calls on 127.0.0.1 with it.

The calls are recipes/pjsua2/test_wheel/call_test.py (a consumer program, as Conan's
test_package is), run by a native Python or by the target's Python under its emulator. Its
modes: ``loopback`` (two accounts, UDP), ``tls`` (the same over TLS) and ``sipp`` (a call to
``sipp -sn uas``). Used by `pjbuild wheel` (smoke call) and by the test suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ToolMissingError
from pjbuild.core.net import free_udp_port
from pjbuild.core.say import Say, quiet
from pjbuild.inputs.targets import Target
from pjbuild.ontarget.runners import PrefixRunner
from pjbuild.wheel.pyroot import TargetPython


def call_script() -> Path:
    return paths.recipes_root() / "pjsua2" / "test_wheel" / "call_test.py"


def wheel_tags(wheel: Path) -> tuple[str, str, list[str]]:
    """(python tag, abi tag, platform tags) from a wheel's file name."""
    parts = wheel.name[: -len(".whl")].split("-")
    return parts[-3], parts[-2], parts[-1].split(".")


def install_command(wheel: Path, site: Path, target_python: TargetPython | None) -> list[str]:
    """pip installs the wheel into ``site`` (for a foreign target: with its tags given)."""
    argv = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--no-cache-dir",
        "--upgrade",
        "--target",
        str(site),
    ]
    if target_python is not None:
        _, abi, plats = wheel_tags(wheel)
        argv += [f"--platform={p}" for p in plats]
        argv += [
            f"--python-version={target_python.version}",
            "--implementation=cp",
            f"--abi={abi}",
            "--only-binary=:all:",
        ]
    return [*argv, str(wheel)]


def install_wheel(wheel: Path, site: Path, target_python: TargetPython | None = None) -> None:
    done = subprocess.run(
        install_command(wheel, site, target_python), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BuildError(
            f"pip could not install {wheel.name}",
            details="\n".join((done.stdout + done.stderr).splitlines()[-15:]),
        )


def call_test(
    mode: str,
    site: Path | None,
    target: Target,
    target_python: TargetPython | None,
    workdir: Path,
    *,
    timeout: float = 15.0,
    python: str | None = None,
    extra: list[str] | None = None,
    say: Say = quiet,
    prefix: list[str] | None = None,
    script: Path | None = None,
    seen: Callable[[Path], str] = str,
    factor: float | None = None,
) -> dict[str, Any]:
    """Run one call_test.py mode; its JSON result plus ``status``/``reason``.

    ``prefix``: argv that runs the interpreter (else the target Python's, or ``python``);
    ``script``/``seen``: the script's copy, and how the interpreter sees a path (a chroot sees
    the root as /); ``extra`` is passed as given."""
    workdir.mkdir(parents=True, exist_ok=True)
    if factor is None:
        factor = target.runner.timeout_factor if target_python is not None else 1.0
    if prefix is not None:
        argv = list(prefix)
    elif target_python is not None:
        argv = target_python.command(target)
    else:
        argv = [python or sys.executable]
    argv += [
        seen(script or call_script()),
        mode,
        "--timeout",
        str(timeout * factor),
        "--log",
        seen(workdir / f"{mode}.pjsua2.log"),
        *(extra or []),
    ]
    env = (("PYTHONPATH", seen(site)),) if site else ()
    runner = PrefixRunner(kind="wheel", prefix=(), env=env, timeout_factor=factor)
    done = runner.run(argv, workdir, timeout * 4)
    (workdir / f"{mode}.out").write_text(done.output)
    result: dict[str, Any] = {}
    for line in reversed(done.output.splitlines()):
        if line.startswith("{"):
            try:
                result = json.loads(line)
                break
            except ValueError:
                continue
    ok = bool(result.get("ok")) and done.returncode == 0
    if ok:
        reason = ""
    elif done.timed_out:
        reason = f"timed out after {timeout * 4 * factor:.0f}s"
    elif not result:
        tail = done.output.strip().splitlines()[-3:]
        reason = f"exit {done.returncode}, no result: " + " | ".join(tail)
    else:
        reason = f"states {result.get('states')}, callee {result.get('callee_states')}"
    result.update(status="passed" if ok else "failed", reason=reason, duration_s=done.duration_s)
    say(f"  {result['status']:7} {mode} call {done.duration_s:.1f}s {reason}")
    return result


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1 (openssl command line)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.is_file() and key.is_file()):
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return cert, key


@dataclass
class Sipp:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def wait(self, timeout: float = 30.0) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


@contextmanager
def sipp_uas(workdir: Path) -> Iterator[Sipp]:
    """`sipp -sn uas` on 127.0.0.1 answering one call (exit code 0 once it completed)."""
    import shutil

    if not shutil.which("sipp"):
        raise ToolMissingError("sipp not found", hint="apt-get install sip-tester")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_udp_port()
    log = workdir / "sipp.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                "sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-m", "1",
                "-nostdin", "-trace_err", "-error_file", str(workdir / "sipp_errors.log"),
            ],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    time.sleep(0.5)
    try:
        yield Sipp(port, proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


__all__ = [
    "call_script",
    "call_test",
    "install_command",
    "install_wheel",
    "make_cert",
    "sipp_uas",
    "wheel_tags",
]
