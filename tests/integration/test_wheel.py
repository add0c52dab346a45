"""pjsua2 wheels for real: built by `pjbuild wheel`, installed into fresh venvs of several
CPython versions, into Debian 11 roots with Debian 11's own pip and Python, and under QEMU with
a target Python, making SIP calls on 127.0.0.1 (two accounts over UDP and TLS, and
`sipp -sn uas`), with a bytes round trip in each; the portable wheel beside a libstdc++
extension in one process, and its stubs under mypy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs.targets import load_targets, resolve_target
from pjbuild.wheel.checks import exported_symbols
from pjbuild.wheel.distros import distro, present, prove
from pjbuild.wheel.pyroot import target_python
from pjbuild.wheel.test import call_script, call_test, install_wheel, make_cert, sipp_uas

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

# CPythons to install the wheel into: Debian's, and pyenv's where the machine has them (this
# kind of machine has 3.8-3.13 under /root/.pyenv). At least two distinct versions must work.
CANDIDATES = [
    "/usr/bin/python3",
    *sorted(str(p) for p in Path("/root/.pyenv/versions").glob("3.8.*/bin/python3")),
    *sorted(str(p) for p in Path("/root/.pyenv/versions").glob("3.13.*/bin/python3")),
]


def _venv_pythons(root: Path) -> dict[str, Path]:
    """version -> python of a fresh venv, one per distinct CPython version."""
    found: dict[str, Path] = {}
    for exe in CANDIDATES:
        if not Path(exe).is_file():
            continue
        version = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if version in found:
            continue
        venv = root / f"venv-{version}"
        made = subprocess.run([exe, "-m", "venv", str(venv)], capture_output=True, text=True)
        assert made.returncode == 0, f"{exe} -m venv failed: {made.stderr[-500:]}"
        found[version] = venv / "bin" / "python"
    return found


def _pip_install(python: Path, wheel: Path) -> subprocess.CompletedProcess[str]:
    """pip of that venv installs the wheel (offline)."""
    return subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
    )


def _wheel(pjb: Pjbuild, out: Path, *args: str) -> dict[str, Any]:
    proc = pjb.run("wheel", *args, "--out", str(out), "--json", timeout=2400)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _stripped(wheel: Path, member: str, tmp: Path) -> bool:
    with zipfile.ZipFile(wheel) as zf:
        so = Path(zf.extract(member, tmp / "unzipped"))
    sections = subprocess.run(
        ["readelf", "-S", "-W", str(so)], capture_output=True, text=True, check=True
    ).stdout
    return ".symtab" not in sections and ".debug_info" not in sections


MODULE = "pjsua2/_pjsua2.abi3.so"
FIXTURES = Path(__file__).parent / "fixtures"


def _needed(so: Path) -> set[str]:
    """DT_NEEDED of a shared object."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    with so.open("rb") as f:
        dynamic = ELFFile(f).get_section_by_name(".dynamic")
        assert isinstance(dynamic, DynamicSection)
        return {t.needed for t in dynamic.iter_tags() if t.entry.d_tag == "DT_NEEDED"}


def _debian_11_root(target: str, monkeypatch: pytest.MonkeyPatch, pjb: Pjbuild) -> None:
    """The Debian 11 root comes from `./dev setup` (PJBUILD_PYROOTS): tests download nothing."""
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    assert present(distro("debian-11"), resolve_target(target, load_targets([]))), (
        f"no Debian 11 root for {target}: run `./dev setup` (pjbuild doctor --target {target} "
        "--wheel --test-on debian-11 --install)"
    )


@pytest.fixture(scope="module")
def host_wheel(pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("dist")
    # --bound: linux-x86_64's own wheel (the build machine's gcc and glibc, OpenSSL bundled)
    return _wheel(
        pjb, out, "--target", "linux-x86_64", "--bound", "--tls", "openssl", "--tests", "none"
    )


def test_host_wheel_is_abi3_manylinux_repaired_and_stripped(
    host_wheel: dict[str, Any], tmp_path: Path
) -> None:
    wheel = Path(host_wheel["wheel"])
    assert wheel.is_file()
    assert re.fullmatch(r"pjsua2-2\.17-cp38-abi3-manylinux_\d+_\d+_x86_64\.whl", wheel.name)
    assert host_wheel["version"] == "2.17"  # the target's default configuration: no local tag
    assert host_wheel["abi3audit"]["clean"] is True
    module = host_wheel["abi3audit"]["modules"]["_pjsua2.abi3.so"]  # abi3audit: the file name
    assert module["is_abi3"] and module["computed"] <= "3.8"  # nothing newer than the baseline
    # auditwheel bundled the external libraries (OpenSSL, uuid)
    bundled = host_wheel["bundled_libraries"]
    assert any(n.startswith("libssl") for n in bundled), bundled
    assert any(n.startswith("libcrypto") for n in bundled), bundled
    assert host_wheel["size"] == wheel.stat().st_size
    assert _stripped(wheel, MODULE, tmp_path)
    # the module exports its init function only: pjproject's, OpenSSL's and the C++ runtime's
    # symbols stay inside (the recipe's version script)
    assert exported_symbols(tmp_path / "unzipped" / MODULE) == {"PyInit__pjsua2"}
    # pjbuild's own smoke calls ran with the installed wheel
    assert host_wheel["smoke_call"]["status"] == "passed"
    assert set(host_wheel["smoke_call"]["calls"]) == {"loopback", "tls"}


def test_host_wheel_calls_in_several_cpythons(host_wheel: dict[str, Any], tmp_path: Path) -> None:
    wheel = Path(host_wheel["wheel"])
    pythons = _venv_pythons(tmp_path)
    assert len(pythons) >= 2, f"need two CPython versions, found {sorted(pythons)}"
    target = resolve_target("linux-x86_64", load_targets([]))
    cert, key = make_cert(tmp_path / "cert")
    results: dict[str, dict[str, Any]] = {}
    for version, python in pythons.items():
        installed = _pip_install(python, wheel)
        assert installed.returncode == 0, f"{version}: {installed.stderr[-1000:]}"
        work = tmp_path / f"calls-{version}"
        for mode, extra in (("loopback", []), ("tls", ["--cert", str(cert), "--key", str(key)])):
            r = call_test(mode, None, target, None, work, python=str(python), extra=extra)
            assert r["status"] == "passed", f"{version} {mode}: {r['reason']}"
            assert r["python"] == version
            assert r["states"][-2:] == ["CONFIRMED", "DISCONNECTED"], r["states"]
            assert r["media_active"] is True
            assert r["bytes"] == 768  # ByteVector round trip (patches 0009 and 0010)
            results[f"{version} {mode}"] = r
        with sipp_uas(work / "sipp") as sipp:
            r = call_test(
                "sipp",
                None,
                target,
                None,
                work,
                python=str(python),
                extra=["--port", str(sipp.port)],
            )
            assert r["status"] == "passed", f"{version} sipp: {r['reason']}"
            assert sipp.wait() == 0, (work / "sipp" / "sipp.out").read_text()[-2000:]
    assert len(results) == 2 * len(pythons)


@pytest.mark.extended  # a second host wheel build (about 3 minutes cold)
def test_cp311_wheel_uses_the_buffer_api_and_refuses_older_pythons(
    pjb: Pjbuild, host_wheel: dict[str, Any], tmp_path: Path
) -> None:
    result = _wheel(
        pjb,
        tmp_path / "dist",
        "--target", "linux-x86_64", "--bound", "--tls", "openssl", "--tests", "none",
        "--python-api", "cp311", "--no-smoke",
    )  # fmt: skip
    wheel = Path(result["wheel"])
    assert "-cp311-abi3-" in wheel.name
    assert result["abi3audit"]["clean"] is True
    assert result["abi3audit"]["modules"]["_pjsua2.abi3.so"]["computed"] == "3.11"
    pythons = _venv_pythons(tmp_path / "venvs")
    target = resolve_target("linux-x86_64", load_targets([]))
    for version, python in pythons.items():
        installed = _pip_install(python, wheel)
        if tuple(int(x) for x in version.split(".")[:2]) < (3, 11):
            assert installed.returncode != 0  # not installable below its limited API
            assert "is not a supported wheel" in installed.stderr
            continue
        assert installed.returncode == 0, installed.stderr[-1000:]
        r = call_test("loopback", None, target, None, tmp_path / version, python=str(python))
        assert r["status"] == "passed", r["reason"]
        assert r["bytes"] == 768


def test_the_bound_wheel_is_refused_by_debian_11s_pip(
    pjb: Pjbuild, host_wheel: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the portable wheel is the default: the build machine's glibc 2.36 tags the bound
    wheel manylinux_2_34, which Debian 11 (glibc 2.31) refuses."""
    _debian_11_root("linux-x86_64", monkeypatch, pjb)
    target = resolve_target("linux-x86_64", load_targets([]))
    r = prove(Path(host_wheel["wheel"]), distro("debian-11"), target, tls=True)
    assert r["status"] == "failed" and r["installed"] is False
    assert "is not a supported wheel on this platform" in r["reason"]


def test_sdist_installs_offline_in_a_fresh_venv_and_calls(
    pjb: Pjbuild, host_wheel: dict[str, Any], tmp_path: Path
) -> None:
    """`pjbuild wheel --sdist`, then `pip install` of it as PyPI users do (build isolation,
    the build requirements from the wheelhouse `./dev setup` downloads, no index, the
    mirror for pjproject's archive): the vendored pjbuild builds the artifact (here a cache hit
    of the host wheel's: the same request) and the module, with its stubs."""
    wheelhouse = Path(
        os.environ.get("PJBUILD_WHEELHOUSE", Path.home() / ".cache/pjbuild/wheelhouse")
    )
    assert any(wheelhouse.glob("scikit_build_core-*.whl")), (
        f"no wheelhouse at {wheelhouse}: run `./dev setup` (it downloads the sdist's build "
        "requirements)"
    )
    proc = pjb.run(
        "wheel", "--sdist", "--tls", "openssl", "--out", str(tmp_path / "sdist"), "--json"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    sdist = Path(json.loads(proc.stdout.strip().splitlines()[-1])["sdist"])
    assert sdist.name == "pjsua2-2.17.tar.gz"
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], check=True
    )  # the wheelhouse's CPython
    env = {k: v for k, v in pjb.env.items() if not k.startswith("PIP_")}
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-index", "--no-cache-dir",
         "--find-links", str(wheelhouse), str(sdist)],
        capture_output=True, text=True, env=env, timeout=1800,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert {"__init__.py", "__init__.pyi", "py.typed"} <= {
        p.name for p in (site / "pjsua2").iterdir()
    }
    target = resolve_target("linux-x86_64", load_targets([]))
    python = str(venv / "bin" / "python")
    r = call_test("loopback", None, target, None, tmp_path / "calls", python=python)
    assert r["status"] == "passed", r["reason"]
    assert r["pjsua2"] == "2.17" and r["bytes"] == 768


@pytest.fixture(scope="module")
def portable_wheel(pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`pjbuild wheel` as users type it (no target: the host, linux-x86_64, whose wheel is its
    portable twin's), proved in Debian 11. The artifact is built first by `pjbuild build`, so
    the wheel starts from a cache hit, where nothing has put zig's compiler scripts on PATH."""
    built = pjb.build_json("--target", "linux-x86_64-glibc217", "--tests", "none")
    out = tmp_path_factory.mktemp("dist-portable")
    result = _wheel(pjb, out, "--test-on", "debian-11", "--tests", "none")
    assert result["artifact"] == built["artifact"]  # the same build: a cache hit
    return result


def test_portable_wheel_is_manylinux2014_with_no_cxx_runtime_to_carry(
    portable_wheel: dict[str, Any], tmp_path: Path
) -> None:
    wheel = Path(portable_wheel["wheel"])
    assert wheel.name == "pjsua2-2.17-cp38-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    assert portable_wheel["abi3audit"]["clean"] is True
    assert portable_wheel["bundled_libraries"] == []  # TLS (Mbed TLS) and libc++ are inside
    assert _stripped(wheel, MODULE, tmp_path)
    so = tmp_path / "unzipped" / MODULE
    assert exported_symbols(so) == {"PyInit__pjsua2"}
    needed = _needed(so)
    assert needed <= {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
                      "librt.so.1", "ld-linux-x86-64.so.2"}, needed  # fmt: skip
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {"pjsua2/__init__.py", "pjsua2/__init__.pyi", "pjsua2/py.typed"} <= names
    # the calls: Debian 12's Python under qemu-x86_64 (smoke), then Debian 11's pip and Python
    assert portable_wheel["smoke_call"]["status"] == "passed"
    d11 = portable_wheel["distros"]["debian-11"]
    assert d11["status"] == "passed" and d11["installed"] and d11["entered"] == "native chroot"
    for mode in ("loopback", "tls"):
        call = d11["calls"][mode]
        assert call["status"] == "passed" and call["python"].startswith("3.9.")
        assert call["states"][-2:] == ["CONFIRMED", "DISCONNECTED"]


def test_portable_wheel_calls_in_this_machines_pythons(
    portable_wheel: dict[str, Any], tmp_path: Path
) -> None:
    wheel = Path(portable_wheel["wheel"])
    pythons = _venv_pythons(tmp_path)
    assert len(pythons) >= 2, f"need two CPython versions, found {sorted(pythons)}"
    target = resolve_target("linux-x86_64", load_targets([]))
    for version, python in pythons.items():
        installed = _pip_install(python, wheel)
        assert installed.returncode == 0, f"{version}: {installed.stderr[-1000:]}"
        r = call_test("loopback", None, target, None, tmp_path / version, python=str(python))
        assert r["status"] == "passed", f"{version}: {r['reason']}"
        assert r["python"] == version and r["bytes"] == 768


def test_portable_wheel_calls_beside_a_libstdcxx_extension(
    portable_wheel: dict[str, Any], tmp_path: Path
) -> None:
    """greenlet (PyPI, libstdc++.so.6) and pjsua2 (zig's libc++ inside) in one process."""
    site = tmp_path / "site"
    install_wheel(Path(portable_wheel["wheel"]), site)
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "beside_libstdcxx.py"), str(call_script()), "loopback",
         "--timeout", "15", "--log", str(tmp_path / "call.log")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(site)},
    )  # fmt: skip
    results = [json.loads(n) for n in done.stdout.splitlines() if n.startswith("{")]
    assert done.returncode == 0 and len(results) == 2, done.stdout[-2000:] + done.stderr[-2000:]
    process, call = results
    assert process["libstdcxx_loaded"] is True  # greenlet's C++ runtime is in the process
    assert process["pjsua2"].startswith(str(site))  # the portable wheel's module
    assert call["ok"] is True and call["states"][-2:] == ["CONFIRMED", "DISCONNECTED"]


def test_portable_wheel_stubs_let_mypy_catch_a_wrong_argument_type(
    portable_wheel: dict[str, Any], tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         portable_wheel["wheel"]],
        check=True,
    )  # fmt: skip
    good = FIXTURES / "typed_program.py"
    wrong = tmp_path / "wrong.py"
    wrong.write_text(good.read_text().replace("acc.create(acfg, True)", 'acc.create("sip:x")'))
    assert wrong.read_text() != good.read_text()

    def mypy(program: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
             "--cache-dir=/dev/null", f"--python-executable={python}", str(program)],
            capture_output=True, text=True,
        )  # fmt: skip

    ok = mypy(good)
    assert ok.returncode == 0, ok.stdout
    bad = mypy(wrong)
    assert bad.returncode == 1
    assert (
        'Argument 1 to "create" of "Account" has incompatible type "str"; '
        'expected "AccountConfig"' in bad.stdout
    ), bad.stdout
    # and the typed program runs: the stubs describe the module as it is
    ran = subprocess.run([str(python), str(good)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout[-1000:] + ran.stderr[-1000:]


@pytest.mark.extended  # a zig cross build with Mbed TLS from source (about 5 minutes cold)
def test_aarch64_portable_wheel_calls_under_qemu_and_in_debian_11(
    pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not shutil.which("qemu-aarch64"):
        pytest.fail("qemu-user is missing: ./dev setup installs it")
    # the target Python root comes from `./dev setup` (PJBUILD_PYROOTS): tests download nothing
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    target = resolve_target("linux-aarch64-glibc217", load_targets([]))
    assert target_python(target).present, (
        "no arm64 Python root: run `./dev setup` (pjbuild doctor --target linux-aarch64 "
        "--wheel --install)"
    )
    _debian_11_root("linux-aarch64", monkeypatch, pjb)
    result = _wheel(
        pjb, tmp_path / "dist", "--target", "linux-aarch64", "--test-on", "debian-11",
        "--tests", "none",
    )  # fmt: skip
    wheel = Path(result["wheel"])
    assert wheel.name == "pjsua2-2.17-cp38-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
    assert result["abi3audit"]["clean"] is True
    assert result["bundled_libraries"] == []
    assert _stripped(wheel, MODULE, tmp_path)
    assert exported_symbols(tmp_path / "unzipped" / MODULE) == {"PyInit__pjsua2"}
    # smoke calls (loopback + TLS with Mbed TLS) under qemu-aarch64 with Debian 12's Python,
    # then Debian 11's pip and Python in its arm64 root (chroot, qemu-aarch64 copied inside)
    assert result["smoke_call"]["status"] == "passed"
    assert set(result["smoke_call"]["calls"]) == {"loopback", "tls"}
    d11 = result["distros"]["debian-11"]
    assert d11["status"] == "passed" and d11["entered"] == "chroot + emulator"
    assert {c["machine"] for c in d11["calls"].values()} == {"aarch64"}
    assert {c["python"][:4] for c in d11["calls"].values()} == {"3.9."}

    # and a call to sipp on the build machine, from the wheel running under QEMU
    tp = target_python(target)
    site = tmp_path / "site"
    install_wheel(wheel, site, target_python=tp)
    with sipp_uas(tmp_path / "sipp") as sipp:
        r = call_test(
            "sipp", site, target, tp, tmp_path / "calls", extra=["--port", str(sipp.port)]
        )
        assert r["status"] == "passed", r["reason"]
        assert r["machine"] == "aarch64"
        assert r["python"].startswith("3.11")
        assert r["bytes"] == 768
        assert sipp.wait() == 0, (tmp_path / "sipp" / "sipp.out").read_text()[-2000:]
