"""sbom.cdx.json: a CycloneDX SBOM per artifact (cyclonedx-python-lib).

Components: pjproject (version, source archive sha256, licence, the patches pjbuild applied,
each with its description, sha256 and text) and every dependency of the build: built from a
pinned archive (version, sha256, licence), a Debian package (package, version from dpkg,
purl), or a prefix the user gave. The document is deterministic: its serial number derives
from the inputs digest and its timestamp is the source's SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import subprocess
import uuid
from datetime import datetime, timezone
from typing import Any

from cyclonedx.model import (
    AttachedText,
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import (
    Component,
    ComponentType,
    Diff,
    Patch,
    PatchClassification,
    Pedigree,
)
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from pjbuild import __version__
from pjbuild.inputs.deps import DepChoice
from pjbuild.inputs.sources import project_license
from pjbuild.plan import BuildPlan

SCHEMA = "1.6"
_PATCH_TYPES = {"backport": PatchClassification.BACKPORT}


def _sha256(value: str) -> HashType:
    return HashType(alg=HashAlgorithm.SHA_256, content=value)


def _license(expr: str) -> list[LicenseExpression]:
    return [LicenseExpression(expr)] if expr else []


def _deb_version(package: str) -> str:
    """The installed version of a Debian package (with its :arch), or "" if unknown."""
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", package],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def pjproject_component(plan: BuildPlan) -> Component:
    src = plan.source
    patches = [
        Patch(
            type=_PATCH_TYPES.get(p.type, PatchClassification.UNOFFICIAL),
            diff=Diff(text=AttachedText(content=p.file.read_text(errors="replace"))),
        )
        for p in src.version.patches
    ]
    return Component(
        name="pjproject",
        type=ComponentType.LIBRARY,
        version=src.version.upstream,
        bom_ref="pjproject",
        description=src.version.description,
        hashes=[_sha256(src.sha256)],
        licenses=_license(project_license()),
        purl=PackageURL("github", "pjsip", "pjproject", src.version.upstream),
        external_references=[
            ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(url))
            for url in src.version.urls
        ],
        pedigree=Pedigree(patches=patches) if patches else None,
        properties=[
            Property(name="pjbuild:source:file", value=src.version.filename),
            Property(name="pjbuild:source:version", value=src.version.version),
            *(
                Property(
                    name=f"pjbuild:patch:{p.file.name}",
                    value=f"sha256:{p.digest()} {p.description}",
                )
                for p in src.version.patches
            ),
        ],
    )


def dependency_component(dep: DepChoice, multiarch: str) -> Component:
    recipe = dep.recipe
    props = [Property(name="pjbuild:provider", value=dep.provider)]
    if dep.provider == "source" and recipe.source is not None:
        return Component(
            name=recipe.name,
            version=recipe.version,
            bom_ref=f"dep:{recipe.name}",
            description=recipe.description,
            hashes=[_sha256(recipe.source.sha256)],
            licenses=_license(str(recipe.raw.get("license", ""))),
            external_references=[
                ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(u))
                for u in recipe.source.urls
            ],
            properties=[*props, Property(name="pjbuild:source:file", value=recipe.source.filename)],
        )
    if dep.provider == "system":
        package, _, arch = dep.package.partition(":")
        version = _deb_version(dep.package) or "unknown"
        return Component(
            name=recipe.name,
            version=version,
            bom_ref=f"dep:{recipe.name}",
            description=f"{recipe.description}: Debian package {dep.package}",
            licenses=_license(str(recipe.raw.get("license", ""))),
            purl=PackageURL(
                "deb", "debian", package, version, {"arch": arch or multiarch or "native"}
            ),
            properties=[*props, Property(name="pjbuild:package", value=dep.package)],
        )
    return Component(
        name=recipe.name,
        version="unknown",
        bom_ref=f"dep:{recipe.name}",
        description=f"{recipe.description}: installed in {dep.prefix} (given by the user)",
        licenses=_license(str(recipe.raw.get("license", ""))),
        properties=[*props, Property(name="pjbuild:prefix", value=dep.prefix)],
    )


def library_component(entry: dict[str, Any]) -> Component:
    """A shared library of the artifact (pjbuild.build.sharedlibs): a file component with its
    sha256, SONAME and run path."""
    return Component(
        name=entry["file"],
        type=ComponentType.FILE,
        bom_ref=f"file:{entry['file']}",
        hashes=[_sha256(entry["sha256"])],
        properties=[
            Property(name="pjbuild:soname", value=entry["soname"]),
            Property(name="pjbuild:runpath", value=":".join(entry["runpath"])),
            *(Property(name="pjbuild:link", value=link) for link in entry["links"]),
        ],
    )


def make_sbom(
    plan: BuildPlan,
    package_version: str,
    epoch: int,
    libraries: list[dict[str, Any]] | None = None,
) -> str:
    """The SBOM of an artifact as CycloneDX JSON text; ``libraries``: its shared libraries
    (manifest "libraries"), listed as file components of the artifact."""
    artifact = Component(
        name=f"pjproject-{plan.target.name}",
        type=ComponentType.LIBRARY,
        version=package_version,
        bom_ref="artifact",
        description=f"pjbuild artifact: pjproject for {plan.target.description}",
        licenses=_license(project_license()),
        properties=[
            Property(name="pjbuild:inputs_digest", value=plan.digest),
            Property(name="pjbuild:target", value=plan.target.name),
            Property(name="pjbuild:preset", value=plan.preset.name),
            Property(name="pjbuild:tls", value=plan.tls.backend),
            Property(name="pjbuild:libs", value=plan.libs),
            Property(name="pjbuild:compiler", value=plan.compiler),
            Property(name="pjbuild:version", value=__version__),
        ],
    )
    pj = pjproject_component(plan)
    deps = [dependency_component(d, plan.target.multiarch) for d in plan.deps]
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"pjbuild:artifact:{plan.digest}"),
        metadata=BomMetaData(
            component=artifact,
            timestamp=datetime.fromtimestamp(epoch, tz=timezone.utc),
        ),
    )
    bom.components.add(pj)
    files = [library_component(e) for e in libraries or []]
    for c in [*deps, *files]:
        bom.components.add(c)
    bom.register_dependency(artifact, [pj, *deps, *files])
    bom.register_dependency(pj, deps)
    text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return text + "\n"


def summary(text: str) -> list[dict[str, Any]]:
    """name/version/licence of each component (for messages and tests)."""
    import json

    data = json.loads(text)
    return [
        {
            "name": c["name"],
            "version": c.get("version", ""),
            "licenses": [x.get("expression", "") for x in c.get("licenses", [])],
        }
        for c in data.get("components", [])
    ]
