"""Source archives: the versions table, mirror/URL lookup, sha256 verification, safe extraction."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, SourceError, unknown


@dataclass(frozen=True)
class Patch:
    file: Path
    description: str
    type: str

    def digest(self) -> str:
        return sha256_file(self.file)


@dataclass(frozen=True)
class SkippedPatch:
    """A patch other versions take that this one does not (conandata `skipped`), and why."""

    name: str  # the patch's file name, e.g. 0011-pjmedia-....patch
    reason: str


@dataclass(frozen=True)
class SourceVersion:
    version: str  # key in the versions table, e.g. "2.17" or "2.17-dfsg"
    upstream: str  # pjproject release (PEP 440) of packages made from it, e.g. "2.17"
    filename: str
    sha256: str
    urls: tuple[str, ...]
    description: str
    patches: tuple[Patch, ...]
    # tree folders the archive lacks compared with the upstream release (conandata `removed`;
    # the DFSG repack drops several third_party folders): a build needing one of them (e.g.
    # the Visual Studio solution) cannot use this version
    removed: tuple[str, ...] = ()
    skipped: tuple[SkippedPatch, ...] = ()
    commit: str = ""  # the upstream commit of a snapshot that is not a release
    default: bool = False  # the table's `default`: built when no version is asked for
    test_harness: str = "unittest"  # how its test programs run one test (testsuites.toml)

    def lacks(self, folders: tuple[str, ...]) -> list[str]:
        return [f for f in folders if f in self.removed]


@dataclass(frozen=True)
class ResolvedSource:
    """An archive on disk, verified: what a build extracts."""

    version: SourceVersion
    path: Path
    sha256: str
    origin: str  # mirror | cache | url | user | pinned (not fetched: `pjbuild plan --no-fetch`)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_versions(conandata: Path | None = None) -> dict[str, SourceVersion]:
    """The versions table: recipes/pjproject/conandata.yml, shared with the Conan recipe."""
    path = conandata or paths.conandata_file()
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    root = path.parent
    versions: dict[str, SourceVersion] = {}
    default = str(data.get("default", ""))
    skipped: dict[str, list[SkippedPatch]] = {}
    for item in data.get("skipped", []) or []:
        for name in item["versions"]:
            skipped.setdefault(str(name), []).append(
                SkippedPatch(str(item["patch"]), str(item["reason"]))
            )
    for key, src in data.get("sources", {}).items():
        patches = tuple(
            Patch(
                file=root / p["patch_file"],
                description=p.get("patch_description", ""),
                type=p.get("patch_type", ""),
            )
            for p in (data.get("patches", {}) or {}).get(key, []) or []
        )
        urls = src.get("url", [])
        versions[str(key)] = SourceVersion(
            version=str(key),
            upstream=str(src.get("upstream_version", key)),
            filename=src["filename"],
            sha256=src["sha256"].lower(),
            urls=tuple([urls] if isinstance(urls, str) else urls),
            description=src.get("description", ""),
            patches=patches,
            removed=tuple(src.get("removed", [])),
            skipped=tuple(skipped.get(str(key), [])),
            commit=str(src.get("commit", "")),
            default=str(key) == default,
            test_harness=str(src.get("test_harness", "unittest")),
        )
    if default not in versions:
        raise ConfigError(
            f"{path}: the default version '{default}' is not in its sources",
            hint=f"set `default:` to one of: {', '.join(versions)}",
        )
    return versions


def project_license(conandata: Path | None = None) -> str:
    """pjproject's SPDX licence (conandata.yml `license`)."""
    data: dict[str, Any] = yaml.safe_load((conandata or paths.conandata_file()).read_text())
    return str(data.get("license", "NOASSERTION"))


def release_at_least(release: str, since: str) -> bool:
    """Is pjproject ``release`` (PEP 440, e.g. 2.15.1, 2.18.dev203) ``since`` or newer? An
    unknown release (a user archive) counts as new."""

    def nums(text: str) -> tuple[int, ...]:
        out = []
        for part in text.split("."):
            if not part.isdigit():
                break
            out.append(int(part))
        return tuple(out)

    return not release[:1].isdigit() or nums(release) >= nums(since)


def _version_key(v: SourceVersion) -> tuple[list[int], int]:
    nums = [int(x) for x in v.upstream.split(".") if x.isdigit()]
    return nums, 1 if v.version == v.upstream else 0  # prefer the pristine upstream archive


def _download_dir() -> Path:
    return paths.home() / "downloads"


def find_local(filename: str) -> tuple[Path, str] | None:
    for folder in paths.mirrors():
        candidate = folder / filename
        if candidate.is_file():
            return candidate, "mirror"
    cached = _download_dir() / filename
    if cached.is_file():
        return cached, "cache"
    return None


def ordered(versions: dict[str, SourceVersion]) -> list[SourceVersion]:
    """Newest first; a release before its repacks (2.17 before 2.17-dfsg)."""
    return sorted(versions.values(), key=_version_key, reverse=True)


def default_version(
    versions: dict[str, SourceVersion], needs: tuple[str, ...] = ()
) -> SourceVersion:
    """The table's `default` (the release users download), or, for a build that needs a tree
    folder the default lacks, the newest version that has it."""
    chosen = next(v for v in versions.values() if v.default)
    if not chosen.lacks(needs):
        return chosen
    complete = [v for v in ordered(versions) if not v.lacks(needs)]
    if not complete:
        raise ConfigError(f"no pinned pjproject version has {', '.join(needs)}")
    return complete[0]


def select_version(
    versions: dict[str, SourceVersion], name: str | None, needs: tuple[str, ...] = ()
) -> SourceVersion:
    if name is None:
        return default_version(versions, needs)
    if name not in versions:
        raise unknown("pjproject version", name, versions)
    return versions[name]


def pinned(version: SourceVersion) -> ResolvedSource:
    """The archive as pinned, without looking for it (planning only: nothing is extracted)."""
    local = find_local(version.filename)
    path = local[0] if local else _download_dir() / version.filename
    return ResolvedSource(version, path, version.sha256, local[1] if local else "pinned")


def verify(path: Path, expected: str) -> str:
    actual = sha256_file(path)
    if actual != expected.lower():
        raise SourceError(
            f"checksum mismatch for {path.name}: expected sha256 {expected}, got {actual}",
            hint=f"the archive at {path} is corrupted or not the pinned one: "
            "delete it and fetch it again (or fix PJBUILD_MIRROR)",
        )
    return actual


def _download(url: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
            shutil.copyfileobj(resp, out)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch(version: SourceVersion) -> ResolvedSource:
    """Find the pinned archive (mirror, download cache, then URLs) and verify it."""
    local = find_local(version.filename)
    if local:
        path, origin = local
        return ResolvedSource(version, path, verify(path, version.sha256), origin)
    errors = []
    for url in version.urls:
        dest = _download_dir() / version.filename
        try:
            _download(url, dest)
        except OSError as exc:
            errors.append(f"{url}: {exc}")
            continue
        try:
            return ResolvedSource(version, dest, verify(dest, version.sha256), "url")
        except SourceError:
            dest.unlink(missing_ok=True)
            raise
    mirrors = ", ".join(str(m) for m in paths.mirrors()) or "(PJBUILD_MIRROR not set)"
    offline = [v.version for v in ordered(load_versions()) if find_local(v.filename)]
    raise SourceError(
        f"cannot find {version.filename} (pjproject {version.version})",
        hint=f"put it in a folder named by PJBUILD_MIRROR (now: {mirrors})"
        + (" or check the network" if version.urls else "")
        + (f"; available offline: --version {', '.join(offline)}" if offline else ""),
        details="\n".join(errors),
    )


def from_user(spec: str, versions: dict[str, SourceVersion]) -> ResolvedSource:
    """--source PATH_OR_URL. A file named like a pinned archive is verified against its pin."""
    parsed = urllib.parse.urlparse(spec)
    if parsed.scheme in ("http", "https", "ftp"):
        name = PurePosixPath(parsed.path).name
        if not name:
            raise SourceError(f"--source {spec}: the URL names no file", hint="give an archive URL")
        dest = _download_dir() / "user" / name
        try:
            _download(spec, dest)
        except OSError as exc:  # HTTP errors (urllib's are OSErrors), DNS, refused, timeouts
            raise SourceError(
                f"--source {spec}: the download failed ({exc})",
                hint="check the URL, or download the archive and pass its path",
            ) from None
        path = dest
    else:
        path = Path(spec).expanduser().resolve()
        if not path.is_file():
            raise SourceError(f"--source {spec}: no such file", hint="give a .tar.* archive")
    for v in versions.values():
        if v.filename == path.name:
            return ResolvedSource(v, path, verify(path, v.sha256), "user")
    digest = sha256_file(path)
    unpinned = SourceVersion(
        version=f"user-{digest[:12]}",
        upstream=_guess_upstream(path.name),
        filename=path.name,
        sha256=digest,
        urls=(),
        description=f"user-supplied archive {spec} (not pinned)",
        patches=(),
    )
    return ResolvedSource(unpinned, path, digest, "user")


def _guess_upstream(filename: str) -> str:
    stem = filename.split(".tar")[0]
    for part in stem.replace("_", "-").split("-"):
        if part[:1].isdigit():
            return part
    return "unknown"


def require_known_patch_files(version: SourceVersion) -> None:
    for patch in version.patches:
        if not patch.file.is_file():
            raise ConfigError(f"patch {patch.file} listed in conandata.yml is missing")
