"""manifest.json: what an artifact is and how it was made."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from pathlib import Path
from typing import Any

from pjbuild import __version__
from pjbuild.core.procs import find_tool
from pjbuild.inputs.registry import load_engines
from pjbuild.plan import BuildPlan

# Files that describe the build output (the rest, logs and the manifest itself, change per run).
DIGESTED = ("prefix", "tests", "config_site.h")


def file_digests(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for top in DIGESTED:
        base = root / top
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for file in files:
            out[file.relative_to(root).as_posix()] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out


def tool_version(name: str) -> str:
    """The first line of ``name --version`` (make, cmake, ninja)."""
    exe = find_tool(name)  # the one the engine runs (PyPI's cmake beside pjbuild's Python)
    if not exe:
        return "missing"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "unknown"


def package_version(plan: BuildPlan) -> str:
    """Version of packages made from the artifact (the pjsua2 wheel): pjproject's version, plus
    a PEP 440 local tag when the configuration is not the target's default (readable parts,
    then the inputs digest, which tells two non-default configurations apart)."""
    version = plan.source.version.upstream
    parts: list[str] = []
    if plan.tls.backend != plan.target.tls_default:
        parts.append(plan.tls.backend)
    parts += list(plan.features)
    if plan.preset.name != "default":
        parts.append(plan.preset.name.replace("-", ""))
    changed = bool(plan.config.overrides) or any(
        d.provider != (plan.target.dep_provider(d.name) or d.provider) for d in plan.deps
    )
    if not parts and not changed:
        return version
    return f"{version}+{'.'.join([*parts, plan.digest[:8]])}"


def make_manifest(
    plan: BuildPlan,
    *,
    tls: dict[str, Any],
    endianness: dict[str, Any],
    durations: dict[str, float],
    config: dict[str, str],
) -> dict[str, Any]:
    src = plan.source
    return {
        "schema": 1,
        "pjbuild_version": __version__,
        "inputs_digest": plan.digest,
        "inputs": plan.inputs(),
        "target": plan.target.name,
        "package_version": package_version(plan),
        "triplet": plan.target.triplet,
        "engine": plan.engine,
        "libs": plan.libs,
        "source": {
            "version": src.version.version,
            "upstream_version": src.version.upstream,
            "file": src.version.filename,
            "sha256": src.sha256,
            "origin": src.origin,
            "urls": list(src.version.urls),
        },
        "patches": [
            {"file": p.file.name, "description": p.description, "sha256": p.digest()}
            for p in src.version.patches
        ],
        "preset": plan.preset.name,
        "overrides": list(plan.config.overrides),
        "options": {k: v for k, v in plan.config.values},
        "option_origins": dict(plan.config.origins),
        "config_site_h": plan.header,
        "components": plan.components_json(),
        "configure_args": list(plan.configure_args),
        "env": dict(plan.env),
        "toolchain": {
            "compiler": plan.compiler,
            **{
                tool: tool_version(tool) for tool in load_engines()[plan.engine].get("versions", [])
            },
            "build_machine": f"{platform.system()} {platform.machine()}",
        },
        "tls": tls,
        "endianness": endianness,
        "pjlib_config": config,
        "durations_s": durations,
    }
