"""The wheel carries the data folders, and an installed (non-editable) pjbuild finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_ships_data_folders(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    wheel = next(tmp_path.glob("pjbuild-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "pjbuild/_data/toolchains/linux-x86_64.toml",
        "pjbuild/_data/toolchains/base/debian-cross.toml",
        "pjbuild/_data/config_site/options.toml",
        "pjbuild/_data/config_site/presets/default.toml",
        "pjbuild/_data/recipes/pjproject/conandata.yml",
        "pjbuild/_data/recipes/pjproject/conanfile.py",
        "pjbuild/_data/recipes/pjproject/test_package/test_package.c",
        "pjbuild/_data/recipes/pjsua2/pyproject.toml",
        "pjbuild/_data/recipes/pjsua2/CMakeLists.txt",
        "pjbuild/_data/recipes/pjsua2/_build/pjsua2_backend.py",
        "pjbuild/_data/recipes/pjsua2/test_wheel/call_test.py",
        "pjbuild/_data/recipes/deps/mbedtls.toml",
        "pjbuild/_data/recipes/deps/openssl.toml",
        "pjbuild/resources/testsuites.toml",
    ):
        assert required in names, required
    patches = [n for n in names if n.startswith("pjbuild/_data/recipes/pjproject/patches/")]
    assert len(patches) >= 2
    # unpacked elsewhere, the package resolves its data from inside itself
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "import pjbuild.core.paths as p; print(p.data_root())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site)},
    ).stdout
    assert out.strip() == str(site / "pjbuild" / "_data")
