"""A shared compiler cache across runners that share nothing else: ccache's remote storage on
a real Redis server (Debian's redis-server on 127.0.0.1, a free port, no persistence, a
password).

In one run, for each target (--targets, default host and linux-armhf), three runners, each an
empty PJBUILD_HOME with an empty local ccache (CCACHE_DIR), build the same request with
`pjbuild build --tests none --ccache-remote redis://PASSWORD@127.0.0.1:PORT`:
  A   the first runner: every compile a miss, its results written to Redis
  B   a second runner: its compiles come from Redis (remote hits)
  C   a third runner with the server stopped: local only, one warning
Prints each build's wall time and ccache figures (from the build JSON), B's remote hit rate
(goal >= 90%) and B/A (goal <= 0.5); and whether A, B and C made the same artifact (the
remote changes no byte).

    python benchmarks/ccache_remote.py [--targets host,linux-armhf] [--tls mbedtls] [--jobs N]
                                       [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

# run as a script (python benchmarks/x.py): the repository root holds the benchmarks package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import harness
from pjbuild.core.errors import ToolMissingError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """redis-server on 127.0.0.1 for as long as the context lasts: no persistence (no
    dump.rdb, no append-only file), a random password; `stop()` ends it early."""

    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise ToolMissingError(
                "redis-server not found (the remote ccache's server)",
                hint="apt-get install redis-server (./dev setup installs it)",
            )
        self.exe = exe
        self.workdir = workdir
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.password}@127.0.0.1:{self.port}"

    def __enter__(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            self.exe,
            "--bind", "127.0.0.1", "--port", str(self.port), "--requirepass", self.password,
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            "--logfile", str(self.workdir / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class Runner:
    """One runner's build: its wall time, the build JSON, its standard error."""

    name: str
    wall_s: float
    result: dict[str, Any]
    stderr: str

    @property
    def ccache(self) -> dict[str, Any]:
        return dict(self.result.get("ccache") or {})

    def remote_hit_rate(self) -> float:
        c = self.ccache
        total = c.get("local_hits", 0) + c.get("remote_hits", 0) + c.get("misses", 0)
        return c.get("remote_hits", 0) / total if total else 0.0


def build_in_new_home(
    name: str, root: Path, request: list[str], remote: str, timeout: float = 1800
) -> Runner:
    """`pjbuild build REQUEST --json --ccache-remote REMOTE` in an empty home and ccache."""
    home = root / name
    shutil.rmtree(home, ignore_errors=True)
    (home / "ccache").mkdir(parents=True)
    env = {**os.environ, "PJBUILD_HOME": str(home), "CCACHE_DIR": str(home / "ccache")}
    argv = [sys.executable, "-m", "pjbuild", "build", *request, "--json"]
    start = time.monotonic()
    proc = subprocess.run(
        [*argv, "--ccache-remote", remote],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"runner {name}: exit {proc.returncode}\n{proc.stderr[-4000:]}")
    return Runner(name, wall, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr)


def file_digests(result: dict[str, Any]) -> dict[str, str]:
    manifest = json.loads((Path(result["artifact"]) / "manifest.json").read_text())
    return dict(manifest["files"])


def differing(first: Runner, second: Runner) -> list[str]:
    """The artifact files whose bytes differ between two runners' builds."""
    one, two = file_digests(first.result), file_digests(second.result)
    return sorted(k for k in one.keys() | two.keys() if one.get(k) != two.get(k))


def three_runners(root: Path, request: list[str]) -> tuple[Runner, Runner, Runner, str]:
    """A, B with the server up, C with it stopped; and the remote's URL (it has the password:
    callers check that nothing printed or written holds it)."""
    with RedisServer(root / "redis") as server:
        a = build_in_new_home("A", root, request, server.url)
        b = build_in_new_home("B", root, request, server.url)
        server.stop()
        c = build_in_new_home("C", root, request, server.url)
    return a, b, c, server.url


def report(target: str, a: Runner, b: Runner, c: Runner) -> dict[str, Any]:
    diff = {f"{x.name}/{y.name}": differing(x, y) for x, y in ((a, b), (a, c))}
    rows = {}
    for r in (a, b, c):
        cc = r.ccache
        rows[r.name] = {"wall_s": round(r.wall_s, 1), **cc}
        print(
            f"  {target} {r.name}: {r.wall_s:6.1f} s  local {cc.get('local_hits')}  remote "
            f"{cc.get('remote_hits')}  misses {cc.get('misses')}  remote errors "
            f"{cc.get('remote_errors')}  remote {cc.get('remote_state')}"
        )
    rate, ratio = b.remote_hit_rate(), b.wall_s / a.wall_s
    print(f"  {target}: B remote hit rate {rate:.1%} (goal >= 90%), B/A {ratio:.2f} (goal <= 0.5)")
    for pair, files in diff.items():
        shown = f"{len(files)} files differ: {', '.join(files[:8])}" if files else "identical"
        print(f"  {target}: artifacts {pair}: {shown}")
    same = not any(diff.values())
    return {"runners": rows, "b_remote_hit_rate": rate, "b_over_a": ratio, "same_artifact": same}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="host,linux-armhf")
    ap.add_argument("--tls", default="mbedtls", help="TLS of every build (default mbedtls)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    started = datetime.datetime.now()
    print(f"ccache remote storage (Redis on loopback), {harness.machine()}, -j{args.jobs}")
    figures = {}
    with tempfile.TemporaryDirectory(prefix="pjbuild-ccache-remote-") as tmp:
        for target in args.targets.split(","):
            request = ["--target", target, "--tls", args.tls, "--tests", "none"]
            request += ["--jobs", str(args.jobs)]
            a, b, c, _ = three_runners(Path(tmp) / target, request)
            figures[target] = report(target, a, b, c)
    if args.json:
        harness.write_report(args.json, started, jobs=args.jobs, tls=args.tls, targets=figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(harness.run_benchmark(main))
