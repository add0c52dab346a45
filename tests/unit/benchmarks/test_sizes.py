"""benchmarks/sizes.py: the footprint arithmetic (with a fake and a real strip), code size,
the like-for-like ratio of the libraries two builds share."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from benchmarks import harness, sizes

from pjbuild.ontarget import perf

FAKE_STRIP = """#!/bin/sh
# --strip-all keeps 10 bytes, --strip-debug half of the file (rounded down)
mode=$1; f=$2
size=$(wc -c < "$f")
case "$mode" in
  --strip-all) head -c 10 "$f" > "$f.tmp";;
  --strip-debug) head -c $((size / 2)) "$f" > "$f.tmp";;
  *) exit 3;;
esac
mv "$f.tmp" "$f"
"""


def _prefix(tmp_path: Path) -> Path:
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "lib").mkdir()
    (prefix / "bin" / "pjsua").write_bytes(b"x" * 1000)
    (prefix / "lib" / "libpj-arm-unknown-linux-gnueabihf.a").write_bytes(b"a" * 400)
    (prefix / "lib" / "libpjsip-ua-arm-unknown-linux-gnueabihf.a").write_bytes(b"b" * 200)
    (prefix / "lib" / "libmbedtls.a").write_bytes(b"c" * 5000)  # a dependency: not counted
    (prefix / "lib" / "libgsmcodec-arm-unknown-linux-gnueabihf.a").write_bytes(b"g" * 60)
    (prefix / "lib" / "libsrtp2.a").write_bytes(b"s" * 900)  # --feature srtp: a dependency
    (prefix / "lib" / "pkgconfig").mkdir()
    return prefix


def test_footprint_with_a_fake_strip(tmp_path: Path) -> None:
    strip = tmp_path / "fake-strip"
    strip.write_text(FAKE_STRIP)
    strip.chmod(0o755)
    prefix = _prefix(tmp_path)
    fp = sizes.footprint(prefix, str(strip))
    assert fp.pjsua == 10
    assert fp.per_lib == {
        "libpj-arm-unknown-linux-gnueabihf.a": 200,
        "libpjsip-ua-arm-unknown-linux-gnueabihf.a": 100,
    }
    assert (fp.libs, fp.libs_unstripped) == (300, 600)
    # third_party/ libraries carry the -<triplet> suffix; dependencies do not
    assert fp.bundled_per_lib == {"libgsmcodec-arm-unknown-linux-gnueabihf.a": 30}
    assert fp.bundled == 30
    # copies were stripped, not the artifact's files
    assert (prefix / "bin" / "pjsua").stat().st_size == 1000
    assert [p.name for p in sizes.pjproject_libs(prefix)] == list(fp.per_lib)


def test_common_libs_ratio_compares_like_for_like() -> None:
    base = sizes.Footprint(
        pjsua=0, libs=1000, libs_unstripped=0, per_lib={"libpj-x.a": 300, "libpjsua2-x.a": 700}
    )
    small = sizes.Footprint(pjsua=0, libs=240, libs_unstripped=0, per_lib={"libpj-x.a": 240})
    assert harness.ratio(small.libs, base.libs) == 0.24  # what each ships
    assert sizes.common_libs_ratio(small, base) == (0.8, ["libpjsua2-x.a"])
    assert sizes.common_libs_ratio(base, base) == (1.0, [])


def test_footprint_errors(tmp_path: Path) -> None:
    prefix = _prefix(tmp_path)
    with pytest.raises(perf.ToolMissingError):
        sizes.footprint(prefix, "no-such-strip-tool")
    failing = tmp_path / "bad-strip"
    failing.write_text("#!/bin/sh\necho 'file format not recognized' >&2\nexit 1\n")
    failing.chmod(0o755)
    with pytest.raises(perf.PerfError, match="failed"):
        sizes.footprint(prefix, str(failing))
    (prefix / "bin" / "pjsua").unlink()
    with pytest.raises(perf.PerfError, match="no bin/pjsua"):
        sizes.footprint(prefix, str(failing))


@pytest.mark.skipif(not (shutil.which("cc") and shutil.which("strip")), reason="needs cc, strip")
def test_real_strip_shrinks_a_small_program(tmp_path: Path) -> None:
    src = tmp_path / "hello.c"
    src.write_text("int main(void) { return 0; }\n")
    exe = tmp_path / "hello"
    subprocess.run(["cc", "-g", "-o", str(exe), str(src)], check=True)
    stripped = sizes.stripped_size(exe, "strip", ("--strip-all",))
    assert 0 < stripped < exe.stat().st_size


def test_size_tool_and_code_size(tmp_path: Path) -> None:
    assert sizes.size_tool("arm-linux-gnueabihf-strip") == "arm-linux-gnueabihf-size"
    assert sizes.size_tool("strip") == "size"
    assert sizes.size_tool("llvm-objcopy") == "size"
    fake = tmp_path / "fake-size"
    fake.write_text(
        "#!/bin/sh\n"
        "printf '   text\\t   data\\t    bss\\t    dec\\t    hex\\tfilename\\n'\n"
        "printf '    100\\t     20\\t      4\\t    124\\t     7c\\ta.o (ex libx.a)\\n'\n"
        "printf '    300\\t     40\\t      8\\t    348\\t    15c\\t(TOTALS)\\n'\n"
    )
    fake.chmod(0o755)
    assert sizes.code_size([tmp_path / "libx.a"], str(fake)) == 340
    assert sizes.code_size([], str(fake)) is None
    assert sizes.code_size([tmp_path / "libx.a"], "no-such-size-tool") is None
