"""Runners that share nothing but a Redis server: the second builds from the first's compiles,
a third builds with the server stopped (one warning), all three make the same artifact, and
the password in the remote's URL is nowhere in what they print or write. The host in
`./dev test`; linux-armhf (with Mbed TLS built from source through the remote) extended.
benchmarks/ccache_remote.py prints the same figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from benchmarks.ccache_remote import Runner, differing, three_runners

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (shutil.which("redis-server") and shutil.which("ccache")),
        reason="needs redis-server and ccache (./dev setup installs them)",
    ),
]


def _nowhere(secret: str, root: Path, *outputs: str) -> None:
    for text in outputs:
        assert secret not in text
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert secret.encode() not in path.read_bytes(), path


def _check(a: Runner, b: Runner, c: Runner, url: str, root: Path) -> None:
    assert a.ccache["remote_state"] == "used" and a.ccache["misses"] > 300, a.ccache
    assert a.ccache["remote_errors"] == 0
    # B: an empty local cache, its compiles from the remote
    assert b.remote_hit_rate() >= 0.9, b.ccache
    assert b.wall_s <= 0.5 * a.wall_s, (a.wall_s, b.wall_s)
    # C: the server is gone; local only, one warning naming the remote (redacted)
    assert c.ccache["remote_state"].startswith("unreachable"), c.ccache
    assert c.ccache["remote_hits"] == 0 and c.ccache["misses"] > 300
    warnings = [x for x in c.stderr.splitlines() if "warning:" in x]
    assert len(warnings) == 1 and "redis://***@127.0.0.1:" in warnings[0], c.stderr[-2000:]
    assert not [x for x in a.stderr.splitlines() + b.stderr.splitlines() if "warning:" in x]
    # the remote changes no byte, and its password is nowhere
    assert differing(a, b) == [] and differing(a, c) == []
    password = url.split("//", 1)[1].split("@", 1)[0]
    _nowhere(password, root, a.stderr, b.stderr, c.stderr, str(a.result), str(c.result))


def test_host_runners_share_compiles_through_redis(tmp_path: Path) -> None:
    request = ["--target", "host", "--tls", "openssl", "--tests", "none"]
    a, b, c, url = three_runners(tmp_path, request)
    _check(a, b, c, url, tmp_path)


@pytest.mark.extended
def test_cross_runners_share_compiles_and_dependencies_through_redis(tmp_path: Path) -> None:
    request = ["--target", "linux-armhf", "--tls", "mbedtls", "--tests", "none"]
    a, b, c, url = three_runners(tmp_path, request)
    _check(a, b, c, url, tmp_path)
    assert b.result["deps"] and b.result["deps"][0]["provider"] == "source"
