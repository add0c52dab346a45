"""`pjbuild versions`: the versions table with what each tree has.

For each pinned pjproject version: where its archive is (mirror, download cache, or only its
URL), the bundled components and upstream's CMake build its tree has (scanned from the archive
when it is here and verified, else described by the pin), and the patches pjbuild applies to it
and those it skips, with the reason.
"""

from __future__ import annotations

from typing import Any

from pjbuild.errors import SourceError
from pjbuild.sources import SourceVersion, find_local, load_versions, ordered, verify
from pjbuild.tree import TOP_FILES, load_components, scan_archive, unscanned_tree


def describe(version: SourceVersion) -> dict[str, Any]:
    components = load_components()
    local = find_local(version.filename)
    archive: dict[str, Any] = {"file": version.filename, "sha256": version.sha256}
    present: frozenset[str] | None = None
    if local is None:
        archive["where"] = "not here: " + (version.urls[0] if version.urls else "no URL")
    else:
        path, origin = local
        archive["where"] = f"{origin}: {path}"
        try:
            verify(path, version.sha256)
            present = scan_archive(path, version.sha256)
        except SourceError as exc:
            archive["error"] = exc.summary
    scanned = present is not None
    tree = present if present is not None else unscanned_tree(components, version)
    return {
        "version": version.version,
        "default": version.default,
        "package_version": version.upstream,
        "commit": version.commit,
        "description": version.description,
        "archive": archive,
        "urls": list(version.urls),
        "tree_scanned": scanned,
        "bundled": sorted(c.name for c in components if c.folder and c.folder in tree),
        "lacks": sorted(c.name for c in components if c.folder and c.folder not in tree),
        # upstream's CMake build: known only from the archive itself
        "cmake": ("CMakeLists.txt" in tree) if scanned else None,
        "top_files": sorted(f for f in TOP_FILES if f in tree),
        "patches": [
            {"file": p.file.name, "description": p.description, "type": p.type}
            for p in version.patches
        ],
        "skipped_patches": [{"file": s.name, "reason": s.reason} for s in version.skipped],
    }


def rows() -> list[dict[str, Any]]:
    return [describe(v) for v in ordered(load_versions())]
