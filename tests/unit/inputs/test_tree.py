"""pjbuild.inputs.tree: the decision per bundled component (its folder, the system library, or
off), and the tree scan's cache: never for bytes it did not verify, and not needed in a read-only
home (issue 18)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pjbuild.core.errors import ConfigError, SourceError
from pjbuild.inputs.options import load_schema
from pjbuild.inputs.sources import load_versions
from pjbuild.inputs.targets import load_targets
from pjbuild.inputs.tree import Component, decide, header_available, scan_archive
from tests.conftest import SHARED_SOURCES
from tests.unit.conftest import _pjbuild, _read_only

SCHEMA = load_schema()
HOST = load_targets()["linux-x86_64"]

SRTP_SYSTEM = Component(
    "srtp",
    "third_party/srtp",
    "PJMEDIA_HAS_SRTP",
    off=False,
    external=("--with-external-srtp",),
    header="stdio.h",
    package="libc6-dev",
)
SRTP_NONE = Component(
    "srtp",
    "third_party/srtp",
    "PJMEDIA_HAS_SRTP",
    off=False,
    external=("--with-external-srtp",),
    header="pjbuild/no_such.h",
    package="libsrtp2-dev",
)
WEBRTC = Component("webrtc", "third_party/webrtc", missing=("--disable-libwebrtc",))


def test_header_probe_uses_the_target_compiler() -> None:
    assert header_available(HOST, "stdio.h")
    assert not header_available(HOST, "pjbuild/no_such.h")


def test_bundled_folder_is_used() -> None:
    changed, args, decisions = decide(
        [SRTP_NONE], frozenset({"third_party/srtp"}), {"PJMEDIA_HAS_SRTP": True}, {}, SCHEMA, HOST
    )
    assert changed == {} and args == [] and decisions[0].action == "bundled"


def test_missing_folder_uses_system_library() -> None:
    _changed, args, decisions = decide(
        [SRTP_SYSTEM],
        frozenset(),
        {"PJMEDIA_HAS_SRTP": True},
        {"PJMEDIA_HAS_SRTP": "preset"},
        SCHEMA,
        HOST,
    )
    assert args == ["--with-external-srtp"] and decisions[0].action == "system"


def test_missing_folder_and_library_disables_preset_choice() -> None:
    changed, _, decisions = decide(
        [SRTP_NONE],
        frozenset(),
        {"PJMEDIA_HAS_SRTP": True},
        {"PJMEDIA_HAS_SRTP": "preset"},
        SCHEMA,
        HOST,
    )
    assert changed == {"PJMEDIA_HAS_SRTP": False}
    assert decisions[0].action == "disabled" and "libsrtp2-dev" in decisions[0].detail


def test_missing_folder_refuses_explicit_set() -> None:
    with pytest.raises(ConfigError) as exc:
        decide(
            [SRTP_NONE],
            frozenset(),
            {"PJMEDIA_HAS_SRTP": True},
            {"PJMEDIA_HAS_SRTP": "set"},
            SCHEMA,
            HOST,
        )
    assert "install libsrtp2-dev" in exc.value.hint


def test_component_off_needs_nothing_and_says_why() -> None:
    changed, args, decisions = decide(
        [SRTP_NONE],
        frozenset(),
        {"PJMEDIA_HAS_SRTP": False},
        {"PJMEDIA_HAS_SRTP": "set"},
        SCHEMA,
        HOST,
    )
    assert (changed, args) == ({}, [])
    assert [(d.action, d.detail) for d in decisions] == [("disabled", "PJMEDIA_HAS_SRTP=0 (set)")]


def test_unselectable_missing_component_adds_flags() -> None:
    _, args, decisions = decide([WEBRTC], frozenset(), {}, {}, SCHEMA, HOST)
    assert args == ["--disable-libwebrtc"] and decisions[0].action == "absent"


WEBRTC_OPT = Component(
    "webrtc",
    "third_party/webrtc",
    "PJMEDIA_HAS_WEBRTC_AEC",
    off=False,
    missing=("--disable-libwebrtc",),
)
MIPS = load_targets()["linux-mips"]


def test_a_component_the_target_cannot_build_is_turned_off_with_the_datas_reason() -> None:
    present = frozenset({"third_party/webrtc"})
    changed, args, decisions = decide([WEBRTC_OPT], present, {}, {}, SCHEMA, MIPS)
    assert changed == {"PJMEDIA_HAS_WEBRTC_AEC": False}
    assert args == ["--disable-libwebrtc"]
    assert decisions[0].action == "disabled"
    assert decisions[0].detail.startswith("linux-mips cannot build it: the bundled WebRTC AEC")
    # the same tree on a target that can build it: bundled, no flag
    changed, args, decisions = decide([WEBRTC_OPT], present, {}, {}, SCHEMA, HOST)
    assert (changed, args, decisions[0].action) == ({}, [], "bundled")


def test_asking_for_a_component_the_target_cannot_build_is_refused() -> None:
    with pytest.raises(ConfigError) as exc:
        decide(
            [WEBRTC_OPT],
            frozenset({"third_party/webrtc"}),
            {"PJMEDIA_HAS_WEBRTC_AEC": True},
            {"PJMEDIA_HAS_WEBRTC_AEC": "set"},
            SCHEMA,
            MIPS,
        )
    assert "linux-mips cannot build it" in exc.value.summary
    assert exc.value.hint == "--set PJMEDIA_HAS_WEBRTC_AEC=0"


def test_every_shipped_component_gets_one_decision_on_every_tree() -> None:
    from pjbuild.inputs.tree import STATES, load_components

    components = load_components()
    names = [c.name for c in components]
    for present in (frozenset(), frozenset(c.folder for c in components if c.folder)):
        _, _, decisions = decide(components, present, {}, {}, SCHEMA, HOST)
        assert [d.component for d in decisions] == names
        assert all(d.action in STATES and d.detail for d in decisions)


def test_shipped_target_data_names_only_known_components() -> None:
    from pjbuild.inputs.tree import load_components

    names = {c.name for c in load_components()}
    for target in load_targets().values():
        for component, reason in target.components_unavailable:
            assert component in names, (target.name, component)
            assert "measured" in reason, (target.name, reason)


V217 = load_versions()["2.17"]


def test_plan_and_its_digest_work_with_a_read_only_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    digest = _pjbuild(tmp_path / "other", "plan", "--target", "host", "--digest")
    assert digest.returncode == 0, digest.stderr
    ro = _pjbuild(home, "plan", "--target", "host", "--digest", wrap=_read_only(home))
    assert ro.returncode == 0, ro.stderr  # before: a traceback writing the tree scan
    assert ro.stdout.strip() == digest.stdout.strip()


def _impostor(folder: Path) -> Path:
    """A file with the pinned name of 2.17 that is not the pinned archive: its tree lacks
    every bundled component."""
    folder.mkdir()
    path = folder / V217.filename
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("pjproject-2.17/README.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
    return path


def test_plan_no_fetch_does_not_cache_a_scan_of_an_unverified_file(tmp_path: Path) -> None:
    """Cache poisoning: `plan --no-fetch` scanned a local file with the pinned name without
    verifying it and stored the scan under the pinned sha256; a verified plan in the same home
    then reused it (components 'not in this tree')."""
    home = tmp_path / "home"
    fake = _impostor(tmp_path / "mirror")
    first = _pjbuild(home, "plan", "--target", "host", "--no-fetch", "--json", mirror=fake.parent)
    assert first.returncode == 0, first.stderr
    assert not (home / "tree-features").exists() or not any((home / "tree-features").iterdir())
    real = _pjbuild(home, "plan", "--target", "host", "--json")
    assert real.returncode == 0, real.stderr
    assert '"gsm": {"state": "bundled"' in real.stdout.replace("\n", "").replace("  ", "")


def test_a_scan_is_cached_only_for_the_bytes_it_names(tmp_path: Path, home: Path) -> None:
    fake = _impostor(tmp_path / "mirror")
    with pytest.raises(SourceError, match="checksum mismatch"):
        scan_archive(fake, V217.sha256)
    assert not (home / "tree-features").exists() or not any((home / "tree-features").iterdir())
    found = scan_archive(SHARED_SOURCES / V217.filename, V217.sha256)
    assert "third_party/gsm" in found
