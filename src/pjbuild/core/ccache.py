"""ccache for every compile step of a build (pjproject's and its dependencies'): the local
cache, an optional remote storage behind it, and what the build got from them.

The remote is ccache's own ``remote_storage`` (Redis, HTTP, a shared folder); local storage
stays in front. pjbuild checks the remote once before a build by compiling one line through
ccache with it: a remote that refuses, is down or does not answer in time is left out of the
build (local only, one warning), so no compile of the build waits on it. Its URL changes no
byte of the artifact and is not an input; it may hold credentials, so it is only ever in
ccache's environment, and what pjbuild prints or writes shows it redacted.

Each build writes ccache's statistics log (``CCACHE_STATSLOG``, one record per compile) into
its work folder: the hits and misses are that build's, not the cache's totals.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pjbuild.core.errors import ConfigError

ENV_REMOTE = "PJBUILD_CCACHE_REMOTE"
# ccache 4.7's remote storage backends (its manual, "Remote storage backends")
SCHEMES = ("redis", "redis+unix", "http", "file")
# the backends that connect over the network, and the timeouts pjbuild sets on them unless
# the URL sets its own (ccache's defaults: connect 100 ms, operation 10 s)
TIMEOUTS = {"connect-timeout": 500, "operation-timeout": 5000}
NETWORKED = ("redis", "http")
SECRET_ATTRIBUTES = ("bearer-token",)
PROBE_SOURCE = "int pjbuild_ccache_probe(void) { return 0; }\n"
PROBE_LIMIT_S = 30.0  # a backstop: ccache's own timeouts bound the probe first


@dataclass(frozen=True)
class Remote:
    """A remote storage: ccache's URL with its ``|key=value`` attributes."""

    url: str  # as given: may hold a password; never printed or written
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def scheme(self) -> str:
        return self.url.split(":", 1)[0].lower()

    def storage(self) -> str:
        """The value of ccache's remote_storage: the URL, the user's attributes, then
        pjbuild's timeouts where the backend has them and the user set none."""
        given = dict(self.attributes)
        extra = (
            [(k, str(v)) for k, v in TIMEOUTS.items() if k not in given]
            if self.scheme in NETWORKED
            else []
        )
        return "|".join(
            [self.url, *(f"{k}={v}" if v else k for k, v in [*self.attributes, *extra])]
        )

    @property
    def shown(self) -> str:
        """The URL as pjbuild prints it: credentials replaced by ***."""
        attrs = "".join(
            f"|{k}=***" if k in SECRET_ATTRIBUTES else (f"|{k}={v}" if v else f"|{k}")
            for k, v in self.attributes
        )
        return redact(self.url) + attrs


def redact(url: str) -> str:
    """``scheme://user:password@host`` -> ``scheme://***@host`` (anything before the last @)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/]*@", r"\1***@", url)


def parse_remote(text: str) -> Remote:
    """A remote storage from --ccache-remote / PJBUILD_CCACHE_REMOTE (ConfigError: exit 2)."""
    url, *attrs = text.strip().split("|")
    fix = (
        f"give a URL of a scheme ccache supports ({', '.join(s + ':' for s in SCHEMES)}), "
        "e.g. redis://cache.example.com:6379, http://cache.example.com/ccache, "
        "file:///mnt/ccache; or leave out --ccache-remote"
    )
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in SCHEMES:
        raise ConfigError(
            f"--ccache-remote {redact(url)!r}: "
            + (f"unknown scheme '{scheme}'" if scheme else "not a URL (no scheme)"),
            hint=fix,
        )
    problem = _malformed(url, scheme)
    if problem:
        raise ConfigError(f"--ccache-remote {redact(url)!r}: {problem}", hint=fix)
    attributes = []
    for a in attrs:
        key, _, value = a.partition("=")
        if not key or not re.fullmatch(r"[a-z][a-z0-9-]*", key):
            raise ConfigError(
                f"--ccache-remote: malformed attribute {a.split('=')[0]!r} (after '|')",
                hint="attributes are |key=value, e.g. |connect-timeout=200|read-only",
            )
        attributes.append((key, value))
    return Remote(url, tuple(attributes))


def _malformed(url: str, scheme: str) -> str:
    """Why ccache could not use this URL ("" when it can)."""
    if scheme in ("redis", "http"):
        if not url.lower().startswith(f"{scheme}://"):
            return f"{scheme} URLs are {scheme}://HOST[:PORT]..."
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError:
            return "the port is not a number in 1-65535"
        if not parts.hostname:
            return "no host"
        if scheme == "redis" and parts.path.strip("/") and not parts.path.strip("/").isdigit():
            return "a redis URL's path is the database number (redis://HOST:PORT/0)"
        return ""
    rest = url.split(":", 1)[1]
    path = urlsplit(url).path if rest.startswith("//") else rest
    if not path.startswith("/"):
        return f"{scheme} needs an absolute path ({scheme}:/path or {scheme}:///path)"
    return ""


@dataclass(frozen=True)
class Ccache:
    """How a build's compile steps use ccache."""

    enabled: bool
    remote: Remote | None = None
    stats_log: Path | None = None

    def env(self) -> dict[str, str]:
        """ccache's settings for a compile step's environment."""
        if not self.enabled:
            return {}
        out = {}
        if self.remote is not None:
            out["CCACHE_REMOTE_STORAGE"] = self.remote.storage()
        if self.stats_log is not None:
            out["CCACHE_STATSLOG"] = str(self.stats_log)
        return out

    def wrap(self, compiler: str) -> str:
        """A compiler command through ccache (unchanged when ccache is off)."""
        return f"ccache {compiler}" if self.enabled else compiler


OFF = Ccache(enabled=False)


def ccache_for(
    enabled: bool, remote: Remote | None = None, stats_log: Path | None = None
) -> Ccache:
    """ccache as asked for, where this machine has it (off otherwise: builds stay correct)."""
    if not (enabled and shutil.which("ccache")):
        return OFF
    return Ccache(True, remote, stats_log)


@dataclass(frozen=True)
class Stats:
    """One build's compiles, from ccache's statistics log."""

    local_hits: int = 0
    remote_hits: int = 0
    misses: int = 0
    remote_errors: int = 0  # compiles for which the remote failed or timed out

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def read_stats(log: Path) -> Stats:
    """A build's statistics log, counted."""
    return count(_records(log))


def _records(log: Path) -> list[set[str]]:
    """A statistics log: a ``# <source>`` line per compile, then the counters it bumped (none
    when there is no log: nothing compiled through ccache)."""
    out: list[set[str]] = []
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    for line in lines:
        if line.startswith("#"):
            out.append(set())
        elif line.strip() and out:
            out[-1].add(line.strip())
    return out


def count(records: Iterable[set[str]]) -> Stats:
    local = remote = misses = errors = 0
    for r in records:
        if "local_storage_hit" in r:
            local += 1
        elif "remote_storage_hit" in r:
            remote += 1
        elif "cache_miss" in r:
            misses += 1
        if r & {"remote_storage_error", "remote_storage_timeout"}:
            errors += 1
    return Stats(local, remote, misses, errors)


def check_remote(remote: Remote, compiler: str = "cc") -> str:
    """Whether ccache can use the remote: "" if it can, else why not. One compile of a line of
    C through ccache, with an empty local cache so that it asks the remote."""
    if not (shutil.which("ccache") and shutil.which(compiler)):
        return ""  # nothing to check with: the build's statistics will tell
    with tempfile.TemporaryDirectory(prefix="pjbuild-ccache-probe-") as tmp:
        scratch = Path(tmp)
        (scratch / "probe.c").write_text(PROBE_SOURCE)
        log = scratch / "stats.log"
        env = {
            **os.environ,
            **Ccache(True, remote, log).env(),
            "CCACHE_DIR": str(scratch / "cache"),
            "CCACHE_NOHASHDIR": "1",
            "CCACHE_BASEDIR": str(scratch),
            "LC_ALL": "C",
        }
        argv = ["ccache", compiler, "-c", "probe.c", "-o", "probe.o"]
        try:
            subprocess.run(
                argv, cwd=scratch, env=env, capture_output=True, timeout=PROBE_LIMIT_S, check=False
            )
        except subprocess.TimeoutExpired:
            return f"no answer in {PROBE_LIMIT_S:.0f} s"
        records = _records(log)
        if any("remote_storage_timeout" in r for r in records):
            return "timed out"
        if any("remote_storage_error" in r for r in records):
            return "refused, unreachable or no answer in time"
        return ""


__all__ = [
    "ENV_REMOTE",
    "OFF",
    "SCHEMES",
    "Ccache",
    "Remote",
    "Stats",
    "ccache_for",
    "check_remote",
    "parse_remote",
    "read_stats",
]
