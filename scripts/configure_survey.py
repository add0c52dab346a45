"""Run only pjproject's configure for several targets, the way `pjbuild build` runs it (same
plan, patches, config_site.h, wrappers and environment; TLS off so no dependency is built), and
print what they decided differently: the generated headers' macros and config.log's answers
(pjbuild.build.configured). Used to find the checks zig answers differently from the target's
own system (docs/targets.md, "What configure sees through zig"), by setting a zig target next to
a Debian target of the same CPU.

    PJBUILD_MIRROR=../shared/sources python scripts/configure_survey.py \\
        linux-x86_64 linux-x86_64-glibc217 linux-x86_64-musl --json /tmp/survey.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pjbuild.build.configured import configured_macros, differences, log_answers
from pjbuild.build.extract import extract
from pjbuild.build.patches import apply_patches
from pjbuild.build.run import check_tools
from pjbuild.core.errors import PjbuildError
from pjbuild.core.say import quiet
from pjbuild.core.steplog import StepLog
from pjbuild.engines import engine_for
from pjbuild.plan import Request, make_plan


def configure_only(target: str, version: str | None, scratch: Path) -> dict[str, str | None]:
    """configure's answers for one target: header macros (``<header>:<NAME>``) and config.log's
    (``config.log:<name>``)."""
    plan = make_plan(Request(target=target, tls="none", tests="none", version=version))
    check_tools(plan)
    work = scratch / target
    work.mkdir(parents=True)
    log = StepLog(work / "configure.log")
    src = extract(plan.source.path, work / "src", plan.source.sha256)
    apply_patches(plan.source.version, src, log, quiet)
    (src / "pjlib" / "include" / "pj" / "config_site.h").write_text(plan.header)
    engine_for(plan, log, ccache=False, epoch=0).configure(plan, src)
    out: dict[str, str | None] = {}
    for header, macros in configured_macros(src).items():
        out.update({f"{Path(header).name}:{k}": v for k, v in macros.items()})
    answers = log_answers((src / "config.log").read_text(errors="replace"))
    out.update({f"config.log:{k}": v for k, v in answers.items()})
    return out


def markdown(rows: dict[str, dict[str, str | None]], targets: list[str]) -> str:
    def cell(value: str | None) -> str:
        text = "—" if value is None else (value or '""')
        return text if len(text) <= 40 else text[:37] + "..."

    lines = ["| answer | " + " | ".join(targets) + " |", "|---" * (len(targets) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| `{name}` | " + " | ".join(cell(row[t]) for t in targets) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="targets to configure (two or more)")
    parser.add_argument("--version", help="pjproject version (default: pjbuild's)")
    parser.add_argument("--json", type=Path, help="also write every target's answers here")
    parser.add_argument("--keep", type=Path, help="configure in this folder and keep the trees")
    args = parser.parse_args(argv)
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="pjbuild-survey-"))
    results: dict[str, dict[str, str | None]] = {}
    try:
        for target in args.targets:
            t0 = time.monotonic()
            results[target] = configure_only(target, args.version, scratch)
            print(f"{target}: configured in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    except PjbuildError as e:
        print(f"error: {e}", file=sys.stderr)
        if e.hint:
            print(f"fix: {e.hint}", file=sys.stderr)
        return e.exit_code
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(markdown(differences(results), args.targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
