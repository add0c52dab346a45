"""Cross targets are data: every file plans correctly without per-target code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pjbuild.inputs.targets import load_targets
from pjbuild.matrix import MatrixEntry, to_json, to_markdown
from pjbuild.ontarget.runners import runner_for
from pjbuild.plan import Request, make_plan

TARGETS = load_targets()
ISSUE_TARGETS = [
    "linux-i686",
    "linux-armel",
    "linux-armhf",
    "linux-aarch64",
    "linux-mips",
    "linux-mipsel",
    "linux-mips64el",
    "linux-ppc",
    "linux-ppc64",
    "linux-ppc64le",
    "linux-s390x",
    "linux-riscv64",
    "linux-alpha",
    "linux-sparc64",
    "linux-m68k",
    "linux-sh4",
    "linux-hppa",
    "windows-mingw-x86_64",
    "windows-mingw-i686",
]


def test_platform_table_targets_have_files() -> None:
    missing = [t for t in ISSUE_TARGETS if t not in TARGETS]
    assert not missing


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_is_consistent(name: str) -> None:
    t = TARGETS[name]
    if not t.supported:
        assert t.reason
        return
    if not t.runs:  # built, not run: its binaries are checked instead
        assert t.status == "built, not run" and t.reason and t.runner.command == ()
        assert t.binaries.format and t.binaries.machine
    elif t.cross:
        assert t.compilers.cc.startswith(t.raw.get("zig_target", t.triplet))
        assert t.runner.kind in ("qemu", "wine")
        assert t.runner.command, "an emulated target needs a runner command"
        tools = dict(t.tool_packages)
        assert tools.get(t.compilers.cc) or t.compilers.cc in dict(t.wrappers), (
            f"no Debian package or wrapper (a pinned tool) named for {t.compilers.cc}"
        )
        assert tools.get(t.runner.command[0]), "no Debian package named for the runner"
    assert dict(t.conan).get("os")


@pytest.mark.parametrize(
    "name", [n for n in sorted(TARGETS) if TARGETS[n].cross and TARGETS[n].supported]
)
def test_cross_plan(name: str, home: Path) -> None:
    plan = make_plan(Request(target=name, tls="none"))
    assert plan.tests == ("quick" if TARGETS[name].runs else "none")
    t = TARGETS[name]
    assert plan.configure_args[0] == f"--host={t.triplet}"
    env = dict(plan.env)
    assert env["CC"] == t.compilers.cc and env["LD"] == t.compilers.cxx
    assert "--disable-ssl" in plan.configure_args
    prefix = runner_for(t).prefix
    assert "{sysroot}" not in " ".join(prefix)
    if t.runner.kind == "none":  # built, not run: no runner at all
        assert prefix == ()
    elif t.runner.kind == "qemu" and t.wrappers and not t.glibc:  # zig musl: static, no sysroot
        assert "-static" in t.ldflags
        assert t.sysroot == "" and prefix == (t.raw["qemu"],)
    elif t.runner.kind == "qemu" and t.wrappers and t.sysroot:  # zig glibc: a cross glibc
        assert prefix[:3] == (t.raw["qemu"], "-L", t.sysroot)
        assert any(
            tool.startswith(f"{t.sysroot}/lib/") and package for tool, package in t.tool_packages
        )
    elif t.runner.kind == "qemu" and t.wrappers:  # zig glibc on this CPU: the host's glibc
        assert prefix == (t.raw["qemu"],)
    elif t.runner.kind == "qemu":
        # the runner's libc folder is the cross toolchain's (libc6-<arch>-cross): named here,
        # installed by `pjbuild doctor --install`; that it is there is an integration test's
        # business (tests/integration/test_cross_matrix.py runs the CI targets on it)
        assert t.sysroot == f"/usr/{t.triplet}"
        assert prefix[1:3] == ("-L", t.sysroot)
        assert prefix[3:] == ("-E", f"LD_LIBRARY_PATH={t.sysroot}/lib")


def test_big_endian_targets_are_marked() -> None:
    big = {n for n, t in TARGETS.items() if t.endianness == "big"}
    assert {"linux-mips", "linux-ppc", "linux-ppc64", "linux-s390x", "linux-sparc64"} <= big
    assert "linux-mipsel" not in big


def test_wine_prefix_lives_under_pjbuild_home(home: Path) -> None:
    runner = runner_for(TARGETS["windows-mingw-x86_64"])
    env = dict(runner.env)
    assert env["WINEPREFIX"].startswith(str(home))
    assert Path(env["WINEPREFIX"]).parent.is_dir()


def test_matrix_json_shape_and_markdown() -> None:
    ok = MatrixEntry(
        "linux-mips",
        "passed",
        artifact="/a",
        tests={"passed": 30, "failed": 0, "skipped": 1, "known": 1, "flaky": 0},
        known_failures=["pjlib-test:x: reason"],
        endianness={"expected": "big", "verified": True},
        tls={
            "requested": "mbedtls",
            "provider": "source",
            "verified": True,
            "on_target_test": "passed",
        },
        features={"srtp": {"verified": True, "on_target_test": "passed"}},
        lib_size_bytes=2048,
        duration_s=61.0,
    )
    bad = MatrixEntry("linux-sh4", "unsupported", error="no working emulator")
    data = to_json([ok, bad])
    assert json.loads(json.dumps(data)) == data
    first = data["targets"][0]
    for key in (
        "target",
        "status",
        "artifact",
        "tests",
        "endianness",
        "tls",
        "lib_size_bytes",
        "duration_s",
        "cache_hit",
    ):
        assert key in first
    assert {"passed", "failed", "skipped", "known"} <= set(first["tests"])
    md = to_markdown([ok, bad], "t")
    assert (
        "| linux-mips | passed | 30/0/1/1/0 | mbedtls (source): yes, passed | srtp: yes, passed | "
        "big (verified) | 2 |" in md
    )
    assert "unsupported: no working emulator" in md
    assert "- linux-mips: pjlib-test:x: reason" in md


def test_matrix_lists_a_flaky_call_beside_flaky_tests() -> None:
    from pjbuild.matrix import flaky_items
    from pjbuild.ontarget.testsuites import TestResult

    results = [
        TestResult(
            "pjlib-test", "sock_test", "passed", reason="flaky: failed once (x)", flaky=True
        ),
        TestResult("pjlib-test", "os_test", "passed"),
    ]
    call = {
        "status": "passed",
        "flaky": True,
        "reason": "flaky: failed once (y), passed on retry 1",
    }
    assert flaky_items(results, {"call_test": call}) == [
        "pjlib-test:sock_test: flaky: failed once (x)",
        "loopback call: flaky: failed once (y), passed on retry 1",
    ]
    assert flaky_items(results, {"call_test": {**call, "flaky": False}}) == [
        "pjlib-test:sock_test: flaky: failed once (x)"
    ]
    assert flaky_items([], {}) == []
