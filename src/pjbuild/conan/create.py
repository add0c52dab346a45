"""Running Conan for `pjbuild conan profile|create` (what they say comes from
pjbuild.conan.recipe)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from pjbuild.conan.recipe import (
    CreateArgs,
    check_conan_target,
    conan_home,
    create_command,
    profile_text,
)
from pjbuild.core import paths
from pjbuild.core.errors import BuildError, ConfigError, ToolMissingError
from pjbuild.core.files import write_atomic
from pjbuild.core.say import Say
from pjbuild.inputs.targets import load_targets, resolve_target
from pjbuild.plan import Request, make_plan


def conan_profile(
    target_name: str,
    tls: str | None,
    deps_from: str | None,
    features: tuple[str, ...],
    toolchains: list[Path],
) -> str:
    target = resolve_target(target_name, load_targets(toolchains))
    check_conan_target(target)
    plan = make_plan(
        Request(
            target=target.name,
            tls=tls,
            deps_from=deps_from,
            features=features,
            tests="none",
            fetch=False,  # the profile needs the dependencies, not the archive
            toolchains_dirs=tuple(toolchains),
        )
    )
    return profile_text(target, plan)


def _conan() -> str:
    beside = Path(sys.executable).parent / "conan"
    if beside.is_file():
        return str(beside)
    raise ToolMissingError(
        "conan not found beside pjbuild's Python (the recipe imports pjbuild, so Conan must run "
        "in the same environment)",
        hint="pip install 'pjbuild[conan]' into pjbuild's environment",
    )


def conan_create(req: Request, say: Say) -> dict[str, Any]:
    if req.set_raw:
        raise ConfigError(
            "--set-raw is not a Conan option of the recipe",
            hint="use --set with a managed option (`pjbuild options`)",
        )
    plan = make_plan(req)
    target = plan.target
    check_conan_target(target)
    home = conan_home()
    env = {
        **os.environ,
        "CONAN_HOME": str(home),
        "PJBUILD_HOME": str(paths.home()),
    }
    conan = _conan()
    profiles = home / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    if not (profiles / "default").is_file():
        subprocess.run([conan, "profile", "detect", "--exist-ok"], env=env, check=True,
                       capture_output=True)  # fmt: skip
    profile = profiles / f"pjbuild-{target.name}"
    write_atomic(profile, profile_text(target, plan))
    args = CreateArgs(
        preset=plan.preset.name,
        tls=req.tls or "default",
        features=plan.features,
        overrides=tuple(req.sets),
        tests=plan.tests,
        deps_from=req.deps_from or "default",
        engine=req.engine or "default",
        shared=plan.shared_libs,
    )
    argv = create_command(target, plan.source.version.version, profile, args)
    argv[0] = conan
    argv.append("--format=json")
    say("CONAN_HOME=" + str(home) + " " + " ".join(argv))
    log = home / "logs" / f"create-{target.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    log.write_text(f"$ {' '.join(argv)}\n{done.stderr}\n--- stdout\n{done.stdout}")
    for line in done.stderr.splitlines():
        if "pjbuild:" in line or "test_package:" in line:
            say(line.strip())
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-25:])
        raise BuildError(f"conan create failed for {target.name}", hint=f"log: {log}", details=tail)
    return _summary(done.stdout, done.stderr, target.name)


def _summary(stdout: str, stderr: str, target: str) -> dict[str, Any]:
    graph = json.loads(stdout) if stdout.strip() else {}
    for node in graph.get("graph", {}).get("nodes", {}).values():
        if node.get("name") == "pjproject":
            return {
                "target": target,
                "reference": node.get("ref", ""),
                "package_id": node.get("package_id", ""),
                "binary": node.get("binary", ""),
                "options": node.get("options", {}),
                "package_folder": node.get("package_folder") or "",
                # what package_info declared ("root" is the package itself)
                "components": sorted(c for c in node.get("cpp_info") or {} if c != "root"),
                "test_package": _test_package(stderr),
            }
    m = re.search(r"pjproject/[\w.\-+]+", stderr)
    return {"target": target, "reference": m.group(0) if m else "", "package_id": ""}


def _test_package(stderr: str) -> str:
    """What test_package did: ran (its program prints "test_package: ..."), linked a program
    checked to be the target's (a target nothing here runs), or nothing."""
    if "test_package: linked for" in stderr:
        return "linked, not run"
    return "passed" if "test_package:" in stderr else "not-run"


__all__ = ["conan_create", "conan_profile"]
