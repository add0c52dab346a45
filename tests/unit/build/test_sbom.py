"""pjbuild.build.sbom: the CycloneDX SBOM validates and names licences, patches and the Debian
package of a system dependency."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from pjbuild.build.sbom import make_sbom, summary
from pjbuild.plan import Request, make_plan


def test_sbom_is_valid_cyclonedx_with_licences_and_patches(home: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", features=("srtp",)))
    text = make_sbom(plan, "2.17", 1700000000)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    data = json.loads(text)
    names = {c["name"]: c for c in data["components"]}
    assert set(names) == {"pjproject", "mbedtls", "libsrtp"}
    pj = names["pjproject"]
    assert pj["hashes"] == [{"alg": "SHA-256", "content": plan.source.sha256}]
    assert pj["licenses"] == [{"expression": "GPL-2.0-or-later"}]
    patches = pj["pedigree"]["patches"]
    assert len(patches) == len(plan.source.version.patches) > 0
    texts = [p["diff"]["text"]["content"] for p in patches]
    assert sorted(texts) == sorted(p.file.read_text() for p in plan.source.version.patches)
    props = {x["name"]: x["value"] for x in pj["properties"]}
    for patch in plan.source.version.patches:
        assert props[f"pjbuild:patch:{patch.file.name}"].startswith(f"sha256:{patch.digest()} ")
    mbed = names["mbedtls"]
    assert mbed["version"] == "3.6.7"
    assert mbed["licenses"] == [{"expression": "Apache-2.0 OR GPL-2.0-or-later"}]
    assert mbed["hashes"][0]["content"] == plan.deps[0].recipe.source.sha256  # type: ignore[union-attr]
    assert data["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    # deterministic: the same plan gives the same document
    assert make_sbom(plan, "2.17", 1700000000) == text
    assert {c["name"] for c in summary(text)} == set(names)


def test_sbom_of_a_system_dependency_names_the_debian_package(home: Path) -> None:
    plan = make_plan(Request(target="linux-x86_64", tls="openssl"))
    data = json.loads(make_sbom(plan, "2.17", 0))
    ssl = next(c for c in data["components"] if c["name"] == "openssl")
    assert ssl["purl"].startswith("pkg:deb/debian/libssl-dev@")
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "libssl-dev"], capture_output=True, text=True
    ).stdout
    assert ssl["version"] == installed


def test_sbom_lists_the_shared_libraries_with_soname_and_run_path(home: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="none", libs="shared"))
    library = {
        "file": "lib/libpj.so.2",
        "sha256": "ab" * 32,
        "soname": "libpj.so.2",
        "runpath": ["$ORIGIN"],
        "needed": ["libc.so.6"],
        "links": ["libpj.so"],
    }
    text = make_sbom(plan, "2.17", 0, [library])
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    data = json.loads(text)
    files = [c for c in data["components"] if c["type"] == "file"]
    assert [f["name"] for f in files] == ["lib/libpj.so.2"]
    assert files[0]["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    props = {(x["name"], x["value"]) for x in files[0]["properties"]}
    assert props == {
        ("pjbuild:soname", "libpj.so.2"),
        ("pjbuild:runpath", "$ORIGIN"),
        ("pjbuild:link", "libpj.so"),
    }
    artifact = data["metadata"]["component"]
    assert {"name": "pjbuild:libs", "value": "shared"} in artifact["properties"]
    depends = next(d for d in data["dependencies"] if d["ref"] == "artifact")["dependsOn"]
    assert "file:lib/libpj.so.2" in depends
