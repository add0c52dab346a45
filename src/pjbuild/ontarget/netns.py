"""Loopback-only network namespaces for programs run on the target.

A namespace is held by a small process (``python -m pjbuild.ontarget.netns``, started under
``unshare --net``, with a user namespace when not root) that brings ``lo`` up, checks that
nothing but loopback is reachable, says ``ready`` and waits for its stdin to close. Programs
enter it with ``nsenter``, which joins the namespaces and runs the program in place (no fork
for network and user namespaces), so a runner's timeout still kills the program's process
group. Two processes of one test (the two ends of a call) share one namespace; tests that bind
the same fixed ports run at once in different ones, and no test packet can leave 127.0.0.1.

A namespace's network is one of NETWORKS:
  loopback   lo alone (most tests)
  address    also a veth pair whose both ends are inside it, one end holding ``ADDRESS``
             (TEST-NET-1, RFC 5737), for tests that need an address other than loopback (ICE
             gathers host candidates from the interfaces and skips loopback); no route leads
             anywhere else
  blackhole  the pair and address, and a default route through it to a gateway whose
             hardware address no interface has: a packet to any other address (upstream's
             tests send to "random, unreachable" ones such as 10.187.27.172) goes out and is
             dropped unanswered, as on a network where that host is silent, instead of failing
             at once with "Network is unreachable"
In each, no packet can leave the namespace: its only interfaces are lo and the pair.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

from pjbuild.core import procs
from pjbuild.inputs.testsuites import BLACKHOLE, LOOPBACK, NETWORKS
from pjbuild.ontarget.runners import PrefixRunner

READY = b"ready\n"
# the address a test's namespace gets when it needs one besides loopback, on one end of a veth
# pair whose other end is in the same namespace
ADDRESS = "192.0.2.1/24"
PAIR = ("pj0", "pj1")
# the blackhole's gateway: on the pair's subnet, with a hardware address no interface has, so
# the other end of the pair receives what is sent to it and drops it (not addressed to it)
GATEWAY = ("192.0.2.2", "02:00:00:00:00:01")
# an address no namespace of ours may reach (TEST-NET-2: outside ADDRESS's /24); a route to it
# means a real network
OUTSIDE = "198.51.100.1"
# how to allow namespaces where the kernel refuses them, for the one line that says why not
ALLOW_HINT = (
    "run as root, or allow unprivileged user namespaces (sysctl "
    "kernel.unprivileged_userns_clone=1; Ubuntu 24.04: "
    "kernel.apparmor_restrict_unprivileged_userns=0)"
)


# the programs namespaces need, their Debian packages and what for (pjbuild doctor lists them)
TOOLS = {
    "unshare": ("util-linux", "tests at once, each in a network namespace of its own"),
    "nsenter": ("util-linux", "tests at once, each in a network namespace of its own"),
    "ip": ("iproute2", "the address and routes of the namespaces of tests that need them"),
}


class NamespaceError(RuntimeError):
    """A namespace could not be made here (the reason is the message)."""


def unshare_argv(inner: list[str]) -> list[str]:
    """Run ``inner`` in a new network namespace (a user namespace too when not root)."""
    unshare = shutil.which("unshare")
    if not unshare:
        raise NamespaceError("`unshare` (util-linux) is not installed")
    flags = ["--net"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--net"]
    return [unshare, *flags, *inner]


def _holder_env() -> dict[str, str]:
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding pjbuild/
    current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *current])}


class Namespace:
    """One network namespace of its own, ``network`` one of NETWORKS, held open until
    close()."""

    def __init__(self, network: str = LOOPBACK) -> None:
        if network not in NETWORKS:
            raise ValueError(f"network {network!r} is not one of {', '.join(NETWORKS)}")
        nsenter = shutil.which("nsenter")
        if not nsenter:
            raise NamespaceError("`nsenter` (util-linux) is not installed")
        holder = [sys.executable, "-m", "pjbuild.ontarget.netns", network]
        argv = unshare_argv(holder)
        self._proc = procs.spawn(
            argv,
            env=_holder_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if line != READY:
            self.close()
            err = self._proc.stderr.read() if self._proc.stderr else b""
            why = (line + err).decode("utf-8", "replace").strip().splitlines()
            raise NamespaceError(why[-1] if why else f"exit {self._proc.returncode}")
        user = [] if os.geteuid() == 0 else ["--user", "--preserve-credentials"]
        self.prefix: tuple[str, ...] = (
            nsenter,
            "-t",
            str(self._proc.pid),
            "--net",
            *user,
            "--",
        )

    def close(self) -> None:
        if self._proc.stdin and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        finally:
            procs.release(self._proc)


@contextlib.contextmanager
def isolated(runner: PrefixRunner, network: str = LOOPBACK) -> Iterator[PrefixRunner]:
    """``runner`` with its programs in a namespace of their own (its network one of
    NETWORKS), for the ``with`` block."""
    ns = Namespace(network)
    try:
        yield replace(runner, prefix=(*ns.prefix, *runner.prefix), kind=runner.kind)
    finally:
        ns.close()


@cache
def unavailable() -> str:
    """'' when namespaces can be made here, else the one line saying why not and how to allow
    them (asked once per process)."""
    try:
        Namespace().close()
    except (NamespaceError, OSError) as exc:
        return f"network namespaces are not available here ({exc}): {ALLOW_HINT}"
    return ""


# --- inside the namespace ----------------------------------------------------------------------


def loopback_up() -> None:
    """Bring `lo` up (a new network namespace starts with it down), without iproute2."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, siocgifflags, req))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sh14x", b"lo", flags | iff_up))


def add_network(network: str) -> None:
    """Create the veth pair (both ends here), give its first end ADDRESS and bring both up;
    for the blackhole also the gateway and the default route through it; with iproute2's
    ``ip``, NamespaceError says why not."""
    ip = shutil.which("ip")
    if not ip:
        raise NamespaceError("`ip` is not installed (install iproute2): it adds the address")
    first, second = PAIR
    steps = [
        ["link", "add", first, "type", "veth", "peer", "name", second],
        ["addr", "add", ADDRESS, "dev", first],
        ["link", "set", first, "up"],
        ["link", "set", second, "up"],
    ]
    if network == BLACKHOLE:
        gateway, lladdr = GATEWAY
        steps += [
            ["neigh", "add", gateway, "lladdr", lladdr, "dev", first, "nud", "permanent"],
            ["route", "add", "default", "via", gateway, "dev", first],
        ]
    for args in steps:
        done = subprocess.run([ip, *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise NamespaceError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def contained(network: str = LOOPBACK) -> str:
    """'' when this namespace's interfaces are lo and, but for the loopback network, the pair
    (made here, so both its ends are here), and only the blackhole routes elsewhere (into the
    pair); else why not."""
    links = () if network == LOOPBACK else PAIR
    names = [name for _, name in socket.if_nameindex()]
    others = [n for n in names if n != "lo" and n not in links]
    if others:
        return f"network interfaces other than lo: {', '.join(others)}"
    if network == BLACKHOLE:
        return ""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect((OUTSIDE, 9))
        except OSError:
            return ""
    return "an address outside the namespace is reachable"


def _hold(network: str) -> int:
    try:
        loopback_up()
        if network != LOOPBACK:
            add_network(network)
    except (OSError, NamespaceError) as exc:
        print(f"cannot set the namespace up: {exc}", flush=True)
        return 1
    why = contained(network)
    if why:
        print(why, flush=True)
        return 1
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    sys.stdin.buffer.read()  # until the namespace's owner closes it (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(_hold(sys.argv[1] if len(sys.argv) > 1 else LOOPBACK))
