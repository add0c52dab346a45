"""Every pinned upstream release builds for the host and passes its quick suite, with the
patches the versions table gives it (./dev test-extended: about 25 minutes).

The releases people pin: 2.14.1 and 2.15.1 (Asterisk, Yocto, Homebrew), 2.16 (the first with
upstream's CMake build), 2.17 (the default) and the master snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pjbuild.inputs.sources import load_versions

from .conftest import Pjbuild

pytestmark = [pytest.mark.integration, pytest.mark.extended]

VERSIONS = ("2.14.1", "2.15.1", "2.16", "2.17", "master-b7317ff")


def _manifest(result: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(result["artifact"]) / "manifest.json").read_text())
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_release_builds_and_passes_quick_tests_on_the_host(pjb: Pjbuild, version: str) -> None:
    r = pjb.build_json("--target", "host", "--version", version)
    assert r["version"] == version and r["tests"]["failed"] == 0, r["tests"]
    m = _manifest(r)
    pinned = load_versions()[version]
    assert [p["file"] for p in m["patches"]] == [p.file.name for p in pinned.patches]
    assert m["source"]["sha256"] == pinned.sha256
    # what the tree bundles is built and found on the target, and each codec calls
    for name in ("gsm", "speex", "ilbc", "g7221", "srtp", "resample"):
        assert m["components"][name]["state"] == "bundled", (version, name)
        assert m["components"][name]["on_target"] is True, (version, name)
    calls = [x for x in m["tests"]["quick"]["results"] if x["program"] == "call"]
    assert len(calls) == 7 and all(c["status"] == "passed" for c in calls), calls
    assert m["tls"]["verified"] is True and m["tls"]["on_target_test"] == "passed"


@pytest.mark.parametrize("version", ["2.15.1", "2.17"])
def test_asterisk_preset_builds_with_the_releases_asterisk_bundles(
    pjb: Pjbuild, version: str
) -> None:
    """Asterisk 22 bundles 2.17, Asterisk 20/21 bundled 2.15.1: its config_site.h settings on
    both. 2.15.1 lacks one of them (PJ_ICE_SESS_CHECK_SRC_ADDR, since 2.16): left out, noted."""
    r = pjb.build_json("--target", "host", "--preset", "asterisk", "--version", version)
    assert r["tests"]["failed"] == 0, r["tests"]
    m = _manifest(r)
    header = m["config_site_h"]
    assert "#define PJ_IOQUEUE_MAX_HANDLES 5000" in header
    assert ("#define PJ_ICE_SESS_CHECK_SRC_ADDR 0" in header) == (version == "2.17")
    # Asterisk builds no pjproject codecs, SRTP, resampler or WebRTC
    off = {n for n, c in m["components"].items() if c["state"] == "disabled"}
    assert {"gsm", "speex", "ilbc", "g7221", "srtp", "resample", "webrtc"} <= off
