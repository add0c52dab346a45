"""`pjbuild verify ARTIFACT`: rebuild an artifact from its recorded request in a scratch
PJBUILD_HOME (cold: no artifact cache, no dependency cache, no ccache) and compare the bytes.

The comparison covers the files `manifest.json` lists a sha256 for (prefix/, tests/,
config_site.h), hashed as they are now: identical, or the differing files (explained by
diffoscope when it is installed), and which of them changed since the build.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pjbuild.build.manifest import file_digests
from pjbuild.build.run import BuildOptions, run_build
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError, VerificationError
from pjbuild.core.say import Say, quiet
from pjbuild.plan import make_plan, request_from_json


@dataclass
class VerifyResult:
    artifact: Path
    rebuilt: Path | None
    inputs_digest: str
    identical: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    only_original: list[str] = field(default_factory=list)
    only_rebuilt: list[str] = field(default_factory=list)
    diffoscope: str = ""  # report file, when diffoscope ran
    modified: list[str] = field(default_factory=list)  # no longer what manifest.json recorded

    @property
    def reproducible(self) -> bool:
        return not (self.differing or self.only_original or self.only_rebuilt)

    def to_json(self) -> dict[str, Any]:
        return {
            "artifact": str(self.artifact),
            "rebuilt": str(self.rebuilt) if self.rebuilt else None,
            "inputs_digest": self.inputs_digest,
            "reproducible": self.reproducible,
            "identical": len(self.identical),
            "differing": self.differing,
            "only_original": self.only_original,
            "only_rebuilt": self.only_rebuilt,
            "diffoscope": self.diffoscope,
            "modified_since_build": self.modified,
        }


@contextlib.contextmanager
def _home(folder: Path) -> Iterator[None]:
    with _env("PJBUILD_HOME", str(folder)):
        yield


@contextlib.contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    """``name`` set to ``value`` (None: left as it is) for the block."""
    old = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def compare(original: dict[str, str], rebuilt: dict[str, str]) -> dict[str, list[str]]:
    return {
        "identical": sorted(k for k in original if rebuilt.get(k) == original[k]),
        "differing": sorted(k for k in original if k in rebuilt and rebuilt[k] != original[k]),
        "only_original": sorted(k for k in original if k not in rebuilt),
        "only_rebuilt": sorted(k for k in rebuilt if k not in original),
    }


def load_manifest(artifact: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((artifact / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{artifact} is not a pjbuild artifact (no readable manifest.json)",
            hint="give the folder `pjbuild build` printed (PJBUILD_HOME/artifacts/<digest>)",
        ) from exc
    if "request" not in data or "files" not in data:
        raise ConfigError(
            f"{artifact}/manifest.json does not record its request and file digests",
            hint="it was made by an older pjbuild: rebuild it with this one, then verify",
        )
    return data


def verify_artifact(
    artifact: Path,
    jobs: int,
    keep: bool = False,
    say: Say = quiet,
) -> VerifyResult:
    artifact = artifact.resolve()
    manifest = load_manifest(artifact)
    request = replace(request_from_json(manifest["request"]), tests="none")
    scratch = Path(tempfile.mkdtemp(prefix="pjbuild-verify-"))
    downloads = paths.home() / "downloads"
    try:
        if downloads.is_dir():  # fetched archives are verified by sha256 on use: reuse them
            shutil.copytree(downloads, scratch / "downloads", copy_function=os.link)
        with _home(scratch):
            plan = make_plan(request)
            if plan.digest != manifest["inputs_digest"]:
                changed = sorted(
                    k
                    for k, v in plan.inputs().items()
                    if manifest.get("inputs", {}).get(k) != json.loads(json.dumps(v))
                )
                raise VerificationError(
                    f"the inputs changed since {artifact.name} was built "
                    f"(now {plan.digest}): {', '.join(changed) or 'unknown'}",
                    hint="verify with the pjbuild, toolchain and data that built it",
                )
            # the same compile path as the build: through ccache if it went through ccache
            # (an empty one: nothing is reused), whose base_dir rewriting shapes the bytes
            used = bool(manifest.get("toolchain", {}).get("ccache"))
            how = "through an empty ccache, as the build" if used else "no ccache"
            say(f"rebuilding {plan.target.name} in {scratch} (cold: no caches, {how})")
            with _env("CCACHE_DIR", str(scratch / "ccache") if used else None):
                outcome = run_build(plan, BuildOptions(jobs=jobs, force=True, ccache=used), say)
            rebuilt = outcome.manifest["files"]
        result = VerifyResult(artifact, outcome.artifact if keep else None, plan.digest)
        # the artifact's bytes as they are now (a file changed since the build shows up too)
        now = file_digests(artifact)
        for key, value in compare(now, rebuilt).items():
            setattr(result, key, value)
        recorded = manifest["files"]
        result.modified = sorted(k for k, v in now.items() if recorded.get(k) not in (None, v))
        if result.differing and shutil.which("diffoscope"):
            report = (Path.cwd() / f"verify-{plan.digest}.diffoscope.txt").resolve()
            with report.open("w") as fh:
                for rel in result.differing:
                    subprocess.run(
                        [
                            "diffoscope",
                            "--text",
                            "-",
                            str(artifact / rel),
                            str(outcome.artifact / rel),
                        ],
                        stdout=fh,
                        stderr=subprocess.STDOUT,
                        check=False,
                    )
            result.diffoscope = str(report)
        return result
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)


__all__ = ["VerifyResult", "compare", "verify_artifact"]
