"""The Conan package for real: `pjbuild conan create` (offline, test_package run natively or
under QEMU), then a real conan_server on 127.0.0.1 as a binary remote: upload, and install
into a fresh CONAN_HOME without building."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

CONAN = str(Path(sys.executable).parent / "conan")


def _create(pjb: Pjbuild, *args: str) -> dict[str, Any]:
    proc = pjb.run("conan", "create", *args, "--json", timeout=2400)
    assert proc.returncode == 0, proc.stderr[-5000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def pjb(tmp_path_factory: pytest.TempPathFactory) -> Pjbuild:
    """Its own PJBUILD_HOME: the artifacts Conan builds must not turn other modules' first
    builds into cache hits (test_host_build asserts a fresh build)."""
    return Pjbuild(tmp_path_factory.mktemp("pjbuild-home-conan"))


@pytest.fixture(scope="module")
def host_package(pjb: Pjbuild) -> dict[str, Any]:
    return _create(pjb, "--target", "host", "--tls", "openssl", "--tests", "none")


def test_host_create_runs_test_package(host_package: dict[str, Any], pjb: Pjbuild) -> None:
    recipe = Path(__file__).resolve().parents[2] / "recipes" / "pjproject" / "test_package"
    # built in a temporary folder; nothing written into the checkout
    assert not (recipe / "build").exists()
    assert not (recipe / "CMakeUserPresets.json").exists()
    assert host_package["reference"].startswith("pjproject/2.17")
    assert host_package["test_package"] == "passed"
    assert host_package["options"]["system_deps"] == "openssl"
    assert host_package["options"]["tls"] == "openssl"
    log = (pjb.home / "conan" / "logs" / "create-linux-x86_64.log").read_text()
    assert "test_package: pjsua 2.17" in log
    assert "UDP transport at 127.0.0.1" in log


def test_the_cmake_engine_packages_for_conan_and_test_package_passes(pjb: Pjbuild) -> None:
    """`engine=cmake`: upstream's CMake build inside Conan; the package's components are its
    libraries (lib<upstream name>.a, the bundled ones in lib/pjproject/third_party), and
    test_package (CMakeDeps, pjproject::pjsua) links and runs on the host."""
    result = _create(pjb, "--target", "host", "--tls", "openssl", "--engine", "cmake",
                     "--tests", "none")  # fmt: skip
    assert result["test_package"] == "passed"
    assert result["options"]["engine"] == "cmake"
    libs = {p.name for p in Path(result["package_folder"], "lib").glob("lib*.a")}
    assert {"libpjlib.a", "libpjsua-lib.a", "libpjsua2.a"} <= libs
    assert not any(n.startswith("libpj-") for n in libs)  # not the autotools build's names
    assert {"pj", "pjsua", "pjsua2", "bundled"} <= set(result["components"])
    log = (pjb.home / "conan" / "logs" / "create-linux-x86_64.log").read_text()
    assert "test_package: pjsua 2.17" in log


def test_a_shared_package_has_the_shared_libraries_and_test_package_runs(pjb: Pjbuild) -> None:
    """`shared=True` (pjbuild --libs shared): the package holds the versioned shared libraries
    (not the archives the autotools build installs beside them), Conan sees a shared package,
    and test_package links them and runs (their $ORIGIN run paths find each other)."""
    result = _create(pjb, "--target", "host", "--tls", "openssl", "--libs", "shared",
                     "--tests", "none")  # fmt: skip
    assert result["test_package"] == "passed"
    assert result["options"]["shared"] == "True"
    lib = Path(result["package_folder"], "lib")
    assert (lib / "libpj.so.2").is_file() and (lib / "libpj.so").is_symlink()
    assert not list(lib.glob("*.a"))
    assert {"pj", "pjsua", "pjsua2"} <= set(result["components"])
    log = (pjb.home / "conan" / "logs" / "create-linux-x86_64.log").read_text()
    assert "test_package: pjsua 2.17" in log


@pytest.mark.parametrize(
    "target,emulator,setting",
    [
        ("linux-armhf", "qemu-arm", "PJSUA_MAX_CALLS=8"),
        # a configuration without pjsua2 (as minimal-size has): no library, no component, and
        # test_package (C, pjproject::pjsua) still links and runs; ./dev test-extended (a
        # second cross build, about 3 minutes cold)
        pytest.param(
            "linux-mips", "qemu-mips", "PJ_EXCLUDE_PJSUA2=true", marks=pytest.mark.extended
        ),
    ],
)
def test_cross_create_runs_test_package_under_the_emulator(
    pjb: Pjbuild, target: str, emulator: str, setting: str
) -> None:
    result = _create(pjb, "--target", target, "--tests", "none", "--set", setting)
    assert result["test_package"] == "passed"
    assert result["options"]["target"] == target
    assert result["options"]["overrides"] == setting
    profile = (pjb.home / "conan" / "profiles" / f"pjbuild-{target}").read_text()
    assert f'user.pjbuild:runner=["{emulator}"' in profile
    log = (pjb.home / "conan" / "logs" / f"create-{target}.log").read_text()
    assert emulator in log and "test_package: pjsua 2.17, UDP transport at 127.0.0.1" in log
    # the package holds the target's libraries, built with the setting
    pkg = pjb.home / "artifacts"
    manifests = [p for p in pkg.glob("*/manifest.json") if f'"target": "{target}"' in p.read_text()]
    assert any(setting.split("=")[0] in p.read_text() for p in manifests)
    libs = {p.name.split("-")[0] for p in Path(result["package_folder"], "lib").glob("libpj*.a")}
    assert {"libpj", "libpjsip", "libpjsua"} <= libs
    assert ("libpjsua2" in libs) == (setting != "PJ_EXCLUDE_PJSUA2=true")
    assert ("pjsua2" in result["components"]) == ("libpjsua2" in libs)
    assert "pjsua" in result["components"]


@pytest.mark.extended  # a FreeBSD build in Conan's cache: about 2-4 minutes cold
def test_a_built_not_run_target_links_test_package_and_checks_its_format(pjb: Pjbuild) -> None:
    """freebsd-x86_64: nothing here runs its programs, so test_package is linked for the target
    and checked to be a FreeBSD x86_64 program (its [binaries]), not run, and says so."""
    result = _create(pjb, "--target", "freebsd-x86_64")
    assert result["test_package"] == "linked, not run"
    profile = (pjb.home / "conan" / "profiles" / "pjbuild-freebsd-x86_64").read_text()
    assert "os=FreeBSD" in profile and "compiler=clang" in profile
    assert "user.pjbuild:runner" not in profile
    log = (pjb.home / "conan" / "logs" / "create-freebsd-x86_64.log").read_text()
    assert "test_package: linked for freebsd-x86_64 (EM_X86_64), not run" in log
    assert "pjbuild: checking the binaries (built, not run" in log
    libs = {p.name.split("-")[0] for p in Path(result["package_folder"], "lib").glob("libpj*.a")}
    assert {"libpj", "libpjsip", "libpjsua", "libpjsua2"} <= libs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def conan_server(tmp_path: Path) -> Iterator[str]:
    """A real conan_server (PyPI conan-server) serving on 127.0.0.1 only."""
    folder = tmp_path / "server"
    port = _free_port()
    # first start writes the default server.conf; then: our port, write access for demo
    code = (
        "import sys\n"
        "from conans.server.launcher import ServerLauncher\n"
        "ServerLauncher(server_dir=sys.argv[1]).server.run(host='127.0.0.1')\n"
    )
    subprocess.run(
        [sys.executable, "-c", "from conans.server.launcher import ServerLauncher as S; "
         f"S(server_dir={str(folder)!r}, force_migration=False)"],
        check=True, capture_output=True,
    )  # fmt: skip
    conf = folder / "server.conf"
    text = conf.read_text().replace("port: 9300", f"port: {port}")
    text = text.replace("[write_permissions]", "[write_permissions]\n*/*@*/*: demo")
    conf.write_text(text)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _conan(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """conan with that CONAN_HOME, in a scratch folder (install writes generator files)."""
    env = {**os.environ, "CONAN_HOME": str(home)}
    cwd = home.parent / f"{home.name}-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [CONAN, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


def test_binary_remote_round_trip(
    host_package: dict[str, Any], pjb: Pjbuild, conan_server: str, tmp_path: Path
) -> None:
    ref = host_package["reference"].split("#")[0]
    builder = pjb.home / "conan"
    for args in (
        ("remote", "add", "team", conan_server, "--force"),
        ("remote", "login", "team", "demo", "-p", "demo"),
        ("upload", ref, "-r", "team", "-c"),
    ):
        done = _conan(builder, *args)
        assert done.returncode == 0, f"conan {' '.join(args)}: {done.stderr[-2000:]}"

    # a fresh CONAN_HOME that knows only that remote installs the binary without building it
    fresh = tmp_path / "fresh-conan"
    assert _conan(fresh, "profile", "detect").returncode == 0
    assert _conan(fresh, "remote", "remove", "*").returncode == 0
    assert _conan(fresh, "remote", "add", "team", conan_server).returncode == 0
    profile = builder / "profiles" / "pjbuild-linux-x86_64"
    done = _conan(
        fresh,
        "install",
        f"--requires={ref}",
        f"-pr:h={profile}",
        "-o:h=pjproject/*:tls=openssl",
        "--build=never",
        "--format=json",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    graph = json.loads(done.stdout)
    nodes = [n for n in graph["graph"]["nodes"].values() if n.get("name") == "pjproject"]
    assert nodes and nodes[0]["binary"] == "Download", nodes
    assert nodes[0]["package_id"] == host_package["package_id"]
    package = Path(nodes[0]["package_folder"])
    assert list((package / "lib").glob("libpjsua2-*.a"))
    assert (package / "share" / "pjbuild" / "manifest.json").is_file()

    # the packaged libpjproject.pc works where the package landed: build test_package.c with
    # it and run it
    env = {**os.environ, "PKG_CONFIG_PATH": str(package / "lib" / "pkgconfig")}
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "--static", "libpjproject"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    source = Path(__file__).resolve().parents[2] / "recipes/pjproject/test_package/test_package.c"
    exe = tmp_path / "consumer"
    subprocess.run(["gcc", str(source), "-o", str(exe), *flags], check=True)
    ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and "UDP transport at 127.0.0.1" in ran.stdout, ran.stderr
