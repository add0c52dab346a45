"""pjbuild.ontarget.netns: loopback-only network namespaces made for real (as root, or in a
user namespace); the kernel refusing them means one test at a time, with one line saying why."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pjbuild.inputs.testsuites import BLACKHOLE, WITH_ADDRESS
from pjbuild.ontarget import netns

SRC = Path(__file__).resolve().parents[3] / "src"


def test_a_namespace_has_only_loopback_and_its_own_ports() -> None:
    """Two namespaces bind the same fixed port at once; neither reaches another address."""
    probe = (
        "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', 5060)); s.listen();"
        "print([n for _, n in socket.if_nameindex()]);"
        "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n u.connect(('192.0.2.1', 9)); print('routed')\n"
        "except OSError: print('no route')\n"
        "sys.stdin.read()"
    )
    a, b = netns.Namespace(), netns.Namespace()
    procs = []
    try:
        for ns in (a, b):
            procs.append(
                subprocess.Popen(
                    [*ns.prefix, sys.executable, "-c", probe],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        outs = [p.communicate("", timeout=30)[0].split("\n") for p in procs]
    finally:
        a.close()
        b.close()
    for out in outs:
        assert out[:2] == ["['lo']", "no route"], out


def _probe_in(ns: netns.Namespace, probe: str) -> subprocess.CompletedProcess[str]:
    """Run a Python probe inside ``ns``, then close it."""
    try:
        return subprocess.run(
            [*ns.prefix, sys.executable, "-c", probe], capture_output=True, text=True, timeout=30
        )
    finally:
        ns.close()


ADDRESS_PROBE = (
    "import socket; print(sorted(n for _, n in socket.if_nameindex()));"
    "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('192.0.2.1', 0));"
    "u.sendto(b'x', u.getsockname()); u.settimeout(5); print(u.recv(1));"
    "o=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    f"try:\n o.connect(({netns.OUTSIDE!r}, 9)); print('routed')\n"
    "except OSError: print('no route')\n"
)


def test_a_namespace_with_an_address_keeps_its_packets_inside() -> None:
    """A test that needs an address other than loopback (ICE) gets 192.0.2.1 on one end of a
    veth pair whose other end is in the same namespace: a packet to it comes back, and nothing
    outside is reachable."""
    out = _probe_in(netns.Namespace(WITH_ADDRESS), ADDRESS_PROBE)
    assert out.stdout.split("\n")[:3] == ["['lo', 'pj0', 'pj1']", "b'x'", "no route"], out.stderr


BLACKHOLE_PROBE = r"""
import errno, select, socket
print(sorted(n for _, n in socket.if_nameindex()))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"query", ("10.187.27.172", 53))  # upstream's "random, unreachable" DNS server
u.settimeout(2)
try:
    u.recv(1); print("answered")
except TimeoutError:
    print("silent")
except OSError as exc:
    print("error", exc)
t = socket.socket()
t.setblocking(False)
print(errno.errorcode.get(t.connect_ex(("10.125.36.63", 58517)), "connected"))
select.select([], [t], [], 4)  # an ICMP error or an answer would end the wait
print("pending" if t.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 else "failed")
"""


def test_a_blackhole_namespace_routes_other_addresses_into_silence() -> None:
    """Upstream's tests that send to unreachable addresses (a DNS query to 10.187.27.172, a
    TCP connect to 10.125.36.63) get what a silent network gives: the send succeeds, no answer
    and no error come back, the connect stays pending; the packets go into the pair, where no
    interface takes them."""
    out = _probe_in(netns.Namespace(BLACKHOLE), BLACKHOLE_PROBE)
    assert out.stdout.split("\n")[:4] == [
        "['lo', 'pj0', 'pj1']", "silent", "EINPROGRESS", "pending"
    ], out.stdout + out.stderr  # fmt: skip


def test_without_ip_the_address_cannot_be_added_and_says_which_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for tool in ("unshare", "nsenter"):
        found = shutil.which(tool)
        assert found, tool
        (tmp_path / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(netns.NamespaceError, match=r"`ip` is not installed \(install iproute2\)"):
        netns.Namespace(WITH_ADDRESS)
    netns.Namespace().close()  # a loopback-only one needs no `ip`


def test_refused_namespaces_mean_one_test_at_a_time_and_say_why(tmp_path: Path) -> None:
    """The kernel refuses new network namespaces (max_net_namespaces = 0, set in a user
    namespace made for this test): one test at a time, one line saying why and how to allow
    them."""
    script = (
        "from pjbuild.ontarget.parallel import choose\n"
        "from pjbuild.ontarget.runners import PrefixRunner\n"
        "from pjbuild.inputs.testsuites import load_catalog\n"
        "c = choose(PrefixRunner('native', (), ()), load_catalog().parallel, 4)\n"
        "print(c.jobs, c.isolation); print(c.why)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "PJBUILD_HOME": str(tmp_path)}
    proc = subprocess.run(
        [
            shutil.which("unshare") or "unshare",
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            'echo 0 > /proc/sys/user/max_net_namespaces && exec "$0" -c "$1"',
            sys.executable,
            script,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    first, why = proc.stdout.splitlines()
    assert first == "1 none"
    assert "network namespaces are not available here" in why
    assert "unprivileged_userns_clone" in why and why.endswith("tests ran one at a time")


def test_an_unprivileged_user_gets_the_same_namespace() -> None:
    """Not root (nobody, by setpriv): the namespace is made inside a user namespace (unshare
    --user --map-root-user, nsenter --user --preserve-credentials) and has only loopback; where
    this kernel refuses unprivileged user namespaces, Namespace() says so instead."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv(1) to become an unprivileged user")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    allowed = (
        subprocess.run(
            [*nobody, "unshare", "--user", "--map-root-user", "--net", "true"], capture_output=True
        ).returncode
        == 0
    )
    script = (
        "import os, socket, subprocess, sys\n"
        "from pjbuild.ontarget.netns import Namespace, NamespaceError\n"
        "assert os.geteuid() != 0\n"
        "try:\n    ns = Namespace()\n"
        "except NamespaceError as e:\n    print('refused:', e); sys.exit(0)\n"
        "probe = 'import socket; print([n for _, n in socket.if_nameindex()])'\n"
        "out = subprocess.run([*ns.prefix, sys.executable, '-c', probe], capture_output=True,"
        " text=True, timeout=30)\n"
        "ns.close(); print(out.stdout.strip() or out.stderr.strip())\n"
    )
    home = Path(tempfile.mkdtemp(prefix="pjbuild-nobody-"))  # pytest's tmp_path is root's only
    try:
        os.chown(home, 65534, 65534)
        # a Python the user may run from inside its user namespace (where root's own folders
        # are closed to it): the system's, with this environment's packages
        version = "python{}.{}".format(*sys.version_info[:2])
        python = shutil.which(version, path="/usr/bin:/bin")
        if python is None:
            pytest.skip(f"no system {version} an unprivileged user can run")
        path = os.pathsep.join([str(SRC), *site.getsitepackages()])
        env = {**os.environ, "PYTHONPATH": path, "HOME": str(home), "PJBUILD_HOME": str(home)}
        proc = subprocess.run(
            [*nobody, python, "-c", script],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    if allowed:
        assert proc.stdout.strip() == "['lo']", proc.stdout + proc.stderr
    else:
        assert proc.stdout.startswith("refused:"), proc.stdout
