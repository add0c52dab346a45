"""Checks that the build has what was asked for, on the target: TLS backend, endianness."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pjbuild.errors import VerificationError
from pjbuild.plan import BuildPlan
from pjbuild.runners import Runner
from pjbuild.testsuites import TestTree, parse_config, tail

# PJ_SSL_SOCK_IMP_* numbers from pjlib/include/pj/config.h
_IMP_NUMBERS = {
    "none": "0",
    "openssl": "1",
    "gnutls": "2",
    "darwin": "3",
    "apple": "4",
    "schannel": "5",
    "mbedtls": "6",
}
_NUMBER_IMP = {v: k for k, v in _IMP_NUMBERS.items()}


@dataclass(frozen=True)
class Verified:
    tls_backend: str  # what the built pjlib reports
    endianness: str  # little | big, as reported by the program run on the target
    config: dict[str, str]


def probe(plan: BuildPlan, tree: TestTree, runner: Runner) -> Verified:
    """Run ``pjlib-test --config`` on the target and read what was really compiled in."""
    program = plan.catalog.programs["pjlib-test"]
    exe = tree.program_path(program)
    if exe is None:
        raise VerificationError(
            "pjlib-test was not built: cannot verify the build on the target",
            hint="see the build log",
        )
    done = runner.run([str(exe), "--config", "--list"], tree.cwd(program), 120)
    config = parse_config(done.output)
    if "PJ_SSL_SOCK_IMP" not in config:
        raise VerificationError(
            f"pjlib-test --config did not run on the target ({runner.describe()})",
            hint="run `pjbuild doctor --target " + plan.target.name + "`",
            details=tail(done.output),
        )
    has_ssl = config.get("PJ_HAS_SSL_SOCK", "0") == "1"
    backend = _NUMBER_IMP.get(config["PJ_SSL_SOCK_IMP"], config["PJ_SSL_SOCK_IMP"])
    endian_text = config.get("PJ_IS_(BIG/LITTLE)_ENDIAN", "")
    endianness = "big" if endian_text.startswith("big") else "little"
    return Verified(backend if has_ssl else "none", endianness, config)


def configured_tls(src: Path) -> str:
    """The TLS backend configure enabled, from pjlib/include/pj/compat/os_auto.h."""
    text = (src / "pjlib" / "include" / "pj" / "compat" / "os_auto.h").read_text(errors="replace")
    if not re.search(r"^#define PJ_HAS_SSL_SOCK 1", text, re.M):
        return "none"
    m = re.search(r"^#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_(\w+)", text, re.M)
    return m.group(1).lower() if m else "none"


def check_configured(plan: BuildPlan, src: Path) -> None:
    """Fail right after configure when it silently dropped the requested TLS backend."""
    if plan.tls.backend == "none":
        return
    found = configured_tls(src)
    if found != plan.tls.backend:
        package = plan.tls.package or "the TLS library's development package"
        raise VerificationError(
            f"configure did not enable TLS '{plan.tls.backend}' (it found: {found}); "
            f"the {plan.tls.backend} headers or libraries are missing for {plan.target.name}",
            hint=f"install {package} (`pjbuild doctor --target {plan.target.name} --install`) "
            "or pass --tls none",
        )


def check(plan: BuildPlan, found: Verified) -> None:
    wanted = plan.tls.backend
    if found.tls_backend != wanted:
        package = plan.tls.package or "the TLS library's development package"
        raise VerificationError(
            f"TLS '{wanted}' was requested but the build has '{found.tls_backend}'",
            hint=f"install {package} for {plan.target.name} (`pjbuild doctor --target "
            f"{plan.target.name} --install`) or pass --tls none",
        )
    if found.endianness != plan.target.endianness:
        raise VerificationError(
            f"target {plan.target.name} should be {plan.target.endianness}-endian but the "
            f"program run on it reports {found.endianness}-endian",
            hint=f"check the compilers and endianness in {plan.target.path}",
        )
