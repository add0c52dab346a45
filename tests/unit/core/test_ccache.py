"""ccache's remote storage: the URL checked and redacted, the build's statistics from ccache's
own log, the remote checked once; with the real ccache (a file: remote needs no server, a
loopback socket that never answers is a remote that times out)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from pjbuild.core import ccache
from pjbuild.core.errors import ConfigError
from tests.unit.conftest import _one_error, _pjbuild

needs_ccache = pytest.mark.skipif(
    not (shutil.which("ccache") and shutil.which("cc")), reason="ccache and cc not installed"
)


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1",
        "redis://pw@cache.example.com:6379/0",
        "redis+unix:/run/redis.sock",
        "redis+unix:///run/redis.sock",
        "http://cache.example.com:8080/ccache/",
        "file:/srv/ccache",
        "file:///srv/ccache",
    ],
)
def test_the_urls_of_cccaches_backends_are_taken(url: str) -> None:
    remote = ccache.parse_remote(url)
    assert remote.url == url and remote.scheme == url.split(":")[0]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://cache.example.com", "unknown scheme 'ftp'"),
        ("https://cache.example.com", "unknown scheme 'https'"),  # ccache 4.7: no HTTPS
        ("cache.example.com:6379", "unknown scheme 'cache.example.com'"),
        ("/srv/ccache", "not a URL"),
        ("redis://", "no host"),
        ("redis:cache", "redis URLs are redis://"),
        ("redis://h:99999", "the port is not a number"),
        ("redis://h:port", "the port is not a number"),
        ("redis://h/cache", "database number"),
        ("http://:80/x", "no host"),
        ("file:relative/dir", "absolute path"),
        ("redis://h|connect timeout=1", "malformed attribute"),
    ],
)
def test_a_url_ccache_cannot_use_is_refused_naming_why(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        ccache.parse_remote(url)
    assert problem in err.value.summary
    assert "redis:" in err.value.hint + err.value.summary or "key=value" in err.value.hint


def test_credentials_never_show() -> None:
    remote = ccache.parse_remote("redis://user:s3cret@cache:6379|bearer-token=t0ken|read-only")
    assert remote.shown == "redis://***@cache:6379|bearer-token=***|read-only"
    assert "s3cret" in remote.storage()  # ccache itself gets them
    with pytest.raises(ConfigError) as err:
        ccache.parse_remote("redis://user:s3cret@cache/notanumber")
    assert "s3cret" not in err.value.summary + err.value.hint


def test_network_backends_get_bounded_timeouts_unless_the_url_sets_them() -> None:
    assert ccache.parse_remote("redis://h").storage() == (
        "redis://h|connect-timeout=500|operation-timeout=5000"
    )
    assert ccache.parse_remote("http://h|connect-timeout=50").storage() == (
        "http://h|connect-timeout=50|operation-timeout=5000"
    )
    assert ccache.parse_remote("file:/srv/c|read-only").storage() == "file:/srv/c|read-only"


def test_ccache_off_adds_nothing(tmp_path: Path) -> None:
    assert ccache.OFF.env() == {} and ccache.OFF.wrap("gcc") == "gcc"
    on = ccache.Ccache(True, ccache.parse_remote("redis://h"), tmp_path / "s.log")
    assert on.wrap("arm-linux-gnueabihf-gcc") == "ccache arm-linux-gnueabihf-gcc"
    assert on.env() == {
        "CCACHE_REMOTE_STORAGE": "redis://h|connect-timeout=500|operation-timeout=5000",
        "CCACHE_STATSLOG": str(tmp_path / "s.log"),
    }


def _compile(tmp: Path, cache_dir: str, remote: ccache.Remote, log: Path, text: str) -> None:
    (tmp / "x.c").write_text(text)
    env = {
        **os.environ,
        "CCACHE_DIR": str(tmp / cache_dir),
        **ccache.Ccache(True, remote, log).env(),
    }
    subprocess.run(["ccache", "cc", "-c", "x.c", "-o", "x.o"], cwd=tmp, env=env, check=True)


@needs_ccache
def test_the_statistics_are_this_builds_from_a_real_remote(tmp_path: Path) -> None:
    """Two local caches behind one file: remote: the first compiles (misses), the second gets
    the results from the remote, then from itself."""
    remote = ccache.parse_remote(f"file:{tmp_path / 'remote'}")
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    for n in range(3):
        _compile(tmp_path, "one", remote, first, f"int f{n}(void) {{ return {n}; }}\n")
    for n in range(3):
        _compile(tmp_path, "two", remote, second, f"int f{n}(void) {{ return {n}; }}\n")
    _compile(tmp_path, "two", remote, second, "int f0(void) { return 0; }\n")
    assert ccache.read_stats(first) == ccache.Stats(local_hits=0, remote_hits=0, misses=3)
    assert ccache.read_stats(second) == ccache.Stats(local_hits=1, remote_hits=3, misses=0)
    assert ccache.read_stats(tmp_path / "none.log") == ccache.Stats()


@needs_ccache
def test_a_remote_that_is_down_is_found_before_the_build(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    down = ccache.parse_remote(f"redis://127.0.0.1:{port}")
    assert ccache.check_remote(down) == "refused, unreachable or no answer in time"
    assert ccache.check_remote(ccache.parse_remote(f"file:{tmp_path / 'remote'}")) == ""
    log = tmp_path / "s.log"  # and a build's compile counts it
    _compile(tmp_path, "local", down, log, "int g(void) { return 1; }\n")
    assert ccache.read_stats(log) == ccache.Stats(misses=1, remote_errors=1)


@needs_ccache
def test_a_remote_that_never_answers_costs_the_timeout_once(tmp_path: Path) -> None:
    """A loopback listener that takes the connection and says nothing: ccache's operation
    timeout ends the check, and the build would then leave the remote out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        remote = ccache.parse_remote(f"redis://127.0.0.1:{port}|operation-timeout=300")
        start = time.monotonic()
        why = ccache.check_remote(remote)
        elapsed = time.monotonic() - start
    assert why in ("timed out", "refused, unreachable or no answer in time")
    assert elapsed < ccache.PROBE_LIMIT_S  # ccache's own timeout ended it, not the backstop


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--ccache-remote", "ftp://cache"], {}, "unknown scheme 'ftp'"),
        ([], {ccache.ENV_REMOTE: "redis://"}, "no host"),
        (["--no-ccache", "--ccache-remote", "redis://h"], {}, "--no-ccache"),
    ],
)
def test_the_cli_refuses_a_bad_remote_before_anything(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    needle: str,
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    proc = _pjbuild(tmp_path / "home", "build", "--target", "host", *args)
    _one_error(proc, 2, needle)
    assert not (tmp_path / "home" / "work").exists()  # nothing half-written
