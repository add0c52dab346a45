"""Applying a version's patches to its extracted tree, in the versions table's order.

A patch that does not apply to the version it is declared for is a source problem (exit 3):
the error names the patch, the version and shows the rejected hunk, and nothing is published.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pjbuild.core.errors import BuildError, SourceError
from pjbuild.core.steplog import StepLog
from pjbuild.inputs.sources import SourceVersion

# --no-backup-if-mismatch: a hunk found at an offset leaves no .orig file in the tree
PATCH_ARGS = ("-p1", "--forward", "--batch", "--no-backup-if-mismatch")


def apply_patches(
    version: SourceVersion, src: Path, log: StepLog, say: Callable[[str], None]
) -> None:
    for patch in version.patches:
        say(f"applying {patch.file.name}")
        try:
            log.run(
                f"patch {patch.file.name}", ["patch", *PATCH_ARGS, "-i", str(patch.file)], src, {}
            )
        except BuildError as exc:
            raise SourceError(
                f"patch {patch.file.name} does not apply to pjproject {version.version}",
                hint="the patch or the versions table is wrong for this tree: fix the patch, or "
                f"move it from {version.version}'s list to `skipped` in conandata.yml with the "
                "reason",
                details=rejected_hunks(src) or exc.details,
            ) from exc


def rejected_hunks(src: Path, limit: int = 60) -> str:
    """The .rej files `patch` left in the tree (the hunks that did not apply)."""
    parts = []
    for rej in sorted(src.rglob("*.rej")):
        parts.append(f"--- rejected in {rej.relative_to(src).with_suffix('')}:")
        parts += rej.read_text(errors="replace").splitlines()[:limit]
    return "\n".join(parts)
