"""pjbuild.build.sharedlibs: the checks of a --libs shared prefix (versioned SONAMEs, run paths
inside the prefix) and what the manifest lists, on real shared objects and a program compiled
here with the host's cc; the autotools prefix's CMake package of shared libraries."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from pjbuild.build.sharedlibs import check_relocatable, shared_libraries
from pjbuild.core.errors import VerificationError
from pjbuild.engines import cmake_package, runpath
from tests.unit.conftest import elf_prefix


def test_a_prefix_with_absolute_run_paths_is_refused(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path)
    with pytest.raises(VerificationError, match=r"bin/prog searches .*outside the prefix"):
        check_relocatable(prefix)


def test_a_prefix_with_origin_run_paths_passes_and_lists_its_libraries(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path)
    runpath.set_runpaths(prefix)
    libraries = check_relocatable(prefix)
    assert [(e["file"], e["soname"], e["runpath"], e["links"]) for e in libraries] == [
        ("lib/libbase.so.2", "libbase.so.2", ["$ORIGIN"], ["libbase.so"]),
        ("lib/libtop.so.2", "libtop.so.2", ["$ORIGIN"], ["libtop.so"]),
    ]
    assert "libbase.so.2" in libraries[1]["needed"]
    digest = hashlib.sha256((prefix / "lib" / "libtop.so.2").read_bytes()).hexdigest()
    assert libraries[1]["sha256"] == digest


def test_a_bundled_library_in_a_subfolder_is_checked_too(tmp_path: Path) -> None:
    """The cmake engine's lib/pjproject/third_party/: an unversioned SONAME there is refused."""
    prefix = elf_prefix(tmp_path)
    runpath.set_runpaths(prefix)
    third = prefix / "lib" / "pjproject" / "third_party"
    third.mkdir(parents=True)
    shutil.copy2(tmp_path / "src" / "base.c", tmp_path / "srtp.c")
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-Wl,-soname,libsrtp.so", "-o", str(third / "libsrtp.so"),
         str(tmp_path / "srtp.c")],
        check=True,
    )  # fmt: skip
    with pytest.raises(VerificationError, match=r"libsrtp\.so has SONAME 'libsrtp\.so'"):
        check_relocatable(prefix)


def test_a_library_without_a_versioned_soname_is_refused(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path, soname=False)
    runpath.set_runpaths(prefix)
    with pytest.raises(VerificationError, match=r"libbase\.so\.2 has SONAME ''"):
        check_relocatable(prefix)


def test_a_shared_build_without_shared_libraries_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libpj.a").write_bytes(b"!<arch>\n")
    assert shared_libraries(tmp_path) == []
    with pytest.raises(VerificationError, match="installed no shared library"):
        check_relocatable(tmp_path)


PC = """prefix=${pcfiledir}/../..
Name: libpjproject
Version: 2.17
Libs: -L${pcfiledir}/../../lib -ltop -lstdc++ -lbase
Libs.private: -lm
Cflags: -I${pcfiledir}/../../include -DPJ_AUTOCONF=1
"""


def test_the_cmake_package_of_a_shared_prefix_imports_shared_libraries(tmp_path: Path) -> None:
    prefix = elf_prefix(tmp_path)
    (prefix / "lib" / "pkgconfig").mkdir()
    (prefix / "lib" / "pkgconfig" / "libpjproject.pc").write_text(PC)
    package = cmake_package.read_package(prefix, exported={"base": "pjlib"})
    assert [(lib.target, lib.file, lib.soname, lib.kind) for lib in package.libraries] == [
        ("Pj::top", "lib/libtop.so.2", "libtop.so.2", "SHARED"),
        ("Pj::pjlib", "lib/libbase.so.2", "libbase.so.2", "SHARED"),
    ]
    assert package.system == ("stdc++", "m")
    text = cmake_package.config_text(package, "test")
    assert "add_library(Pj::top SHARED IMPORTED)" in text
    assert 'IMPORTED_SONAME "libbase.so.2"' in text
