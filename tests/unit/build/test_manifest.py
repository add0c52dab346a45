"""pjbuild.build.manifest: the package version an artifact records."""

from __future__ import annotations

from pathlib import Path

from pjbuild.build.manifest import package_version
from pjbuild.plan import Request, make_plan


def test_package_version_has_a_local_tag_only_off_default(home: Path) -> None:
    default = make_plan(Request(target="linux-aarch64", tests="none"))
    assert package_version(default) == "2.17"
    other = make_plan(Request(target="linux-aarch64", tls="openssl", tests="none"))
    assert package_version(other) == f"2.17+openssl.{other.digest[:8]}"
    preset = make_plan(Request(target="linux-aarch64", preset="minimal-size", tests="none"))
    assert package_version(preset) == f"2.17+minimalsize.{preset.digest[:8]}"
    sets = make_plan(Request(target="linux-aarch64", sets=("PJSUA_MAX_CALLS=8",), tests="none"))
    assert package_version(sets) == f"2.17+{sets.digest[:8]}"
