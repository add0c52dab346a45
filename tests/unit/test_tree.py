from __future__ import annotations

import pytest

from pjbuild.errors import ConfigError
from pjbuild.options import load_schema
from pjbuild.targets import load_targets
from pjbuild.tree import Component, decide, header_available

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
    assert args == ["--with-external-srtp"] and decisions[0].action == "external"


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


def test_component_off_needs_nothing() -> None:
    changed, args, decisions = decide(
        [SRTP_NONE], frozenset(), {"PJMEDIA_HAS_SRTP": False}, {}, SCHEMA, HOST
    )
    assert (changed, args, decisions) == ({}, [], [])


def test_unselectable_missing_component_adds_flags() -> None:
    _, args, decisions = decide([WEBRTC], frozenset(), {}, {}, SCHEMA, HOST)
    assert args == ["--disable-libwebrtc"] and decisions[0].action == "absent"
