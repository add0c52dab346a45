"""pjsua2 wheels for real: built by `pjbuild wheel`, installed into fresh venvs of several
CPython versions and under QEMU with a target Python, making SIP calls on 127.0.0.1
(two accounts over UDP and TLS, and `sipp -sn uas`), with a bytes round trip in each."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs.targets import load_targets, resolve_target
from pjbuild.wheel.pyroot import target_python
from pjbuild.wheel.test import call_test, install_wheel, make_cert, sipp_uas

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


def _exported(so: Path) -> set[str]:
    """The global symbols a shared object defines in its dynamic symbol table."""
    from elftools.elf.elffile import ELFFile

    with so.open("rb") as f:
        dynsym = ELFFile(f).get_section_by_name(".dynsym")
        return {
            s.name
            for s in dynsym.iter_symbols()
            if s["st_shndx"] != "SHN_UNDEF" and s["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
        }


@pytest.fixture(scope="module")
def host_wheel(pjb: Pjbuild, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("dist")
    return _wheel(pjb, out, "--target", "linux-x86_64", "--tls", "openssl", "--tests", "none")


def test_host_wheel_is_abi3_manylinux_repaired_and_stripped(
    host_wheel: dict[str, Any], tmp_path: Path
) -> None:
    wheel = Path(host_wheel["wheel"])
    assert wheel.is_file()
    assert re.fullmatch(r"pjsua2-2\.17-cp38-abi3-manylinux_\d+_\d+_x86_64\.whl", wheel.name)
    assert host_wheel["version"] == "2.17"  # the target's default configuration: no local tag
    assert host_wheel["abi3audit"]["clean"] is True
    module = host_wheel["abi3audit"]["modules"]["_pjsua2.abi3.so"]
    assert module["is_abi3"] and module["computed"] <= "3.8"  # nothing newer than the baseline
    # auditwheel bundled the external libraries (OpenSSL, uuid)
    bundled = host_wheel["bundled_libraries"]
    assert any(n.startswith("libssl") for n in bundled), bundled
    assert any(n.startswith("libcrypto") for n in bundled), bundled
    assert host_wheel["size"] == wheel.stat().st_size
    assert _stripped(wheel, "_pjsua2.abi3.so", tmp_path)
    # the module exports its init function only: pjproject's, OpenSSL's and the C++ runtime's
    # symbols stay inside (the recipe's version script)
    assert _exported(tmp_path / "unzipped" / "_pjsua2.abi3.so") == {"PyInit__pjsua2"}
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
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
            capture_output=True,
            text=True,
        )
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
        "--target", "linux-x86_64", "--tls", "openssl", "--tests", "none",
        "--python-api", "cp311", "--no-smoke",
    )  # fmt: skip
    wheel = Path(result["wheel"])
    assert "-cp311-abi3-" in wheel.name
    assert result["abi3audit"]["clean"] is True
    assert result["abi3audit"]["modules"]["_pjsua2.abi3.so"]["computed"] == "3.11"
    pythons = _venv_pythons(tmp_path / "venvs")
    target = resolve_target("linux-x86_64", load_targets([]))
    for version, python in pythons.items():
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
            capture_output=True,
            text=True,
        )
        if tuple(int(x) for x in version.split(".")[:2]) < (3, 11):
            assert installed.returncode != 0  # not installable below its limited API
            assert "is not a supported wheel" in installed.stderr
            continue
        assert installed.returncode == 0, installed.stderr[-1000:]
        r = call_test("loopback", None, target, None, tmp_path / version, python=str(python))
        assert r["status"] == "passed", r["reason"]
        assert r["bytes"] == 768


@pytest.mark.extended  # a cross build with Mbed TLS from source (about 5 minutes cold)
def test_aarch64_wheel_calls_under_qemu(
    pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not shutil.which("qemu-aarch64") or not shutil.which("aarch64-linux-gnu-g++"):
        pytest.fail("the aarch64 toolchain and qemu-user are missing: ./dev setup installs them")
    # the target Python root comes from `./dev setup` (PJBUILD_PYROOTS): tests download nothing
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    assert target_python(resolve_target("linux-aarch64", load_targets([]))).present, (
        "no arm64 Python root: run `./dev setup` (pjbuild doctor --target linux-aarch64 "
        "--wheel --install)"
    )
    result = _wheel(pjb, tmp_path / "dist", "--target", "linux-aarch64", "--tests", "none")
    wheel = Path(result["wheel"])
    assert re.fullmatch(r"pjsua2-2\.17-cp38-abi3-manylinux_\d+_\d+_aarch64\.whl", wheel.name)
    assert result["abi3audit"]["clean"] is True
    assert _stripped(wheel, "_pjsua2.abi3.so", tmp_path)
    # smoke calls (loopback + TLS with Mbed TLS) ran under qemu-aarch64 with the target Python
    assert result["smoke_call"]["status"] == "passed"
    assert set(result["smoke_call"]["calls"]) == {"loopback", "tls"}

    # and a call to sipp on the build machine, from the wheel running under QEMU
    target = resolve_target("linux-aarch64", load_targets([]))
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    tp = target_python(target)
    assert tp.present
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
