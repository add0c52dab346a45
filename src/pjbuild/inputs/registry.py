"""The registries of pjbuild's named choices, in data: TLS backends and features
(resources/configure.toml `[tls.*]`, `[features.*]`), build engines (resources/engines.toml)
and test suites (resources/testsuites.toml). The CLI's help, the plan, the probe, doctor, the
engines and the Conan recipe's options read them here, so adding a backend or a feature is one
data entry (plus a dependency recipe when its library is built from source), and an engine one
entry plus its module."""

from __future__ import annotations

from typing import Any

from pjbuild.core import paths
from pjbuild.core.schema import CONFIGURE, ENGINES, load_checked
from pjbuild.inputs.testsuites import load_catalog

NO_TESTS = "none"


def load_configure_data() -> dict[str, Any]:
    """resources/configure.toml, checked against its shape."""
    return load_checked(paths.resources() / "configure.toml", CONFIGURE)


def tls_backends() -> tuple[str, ...]:
    return tuple(load_configure_data()["tls"])


def features() -> tuple[str, ...]:
    return tuple(load_configure_data().get("features", {}))


def load_engines() -> dict[str, dict[str, Any]]:
    """resources/engines.toml's engines, checked against their shape."""
    data: dict[str, dict[str, Any]] = load_checked(paths.resources() / "engines.toml", ENGINES)[
        "engines"
    ]
    return data


def engines() -> tuple[str, ...]:
    return tuple(load_engines())


def lib_kinds() -> tuple[str, ...]:
    """The library kinds a build can make (configure.toml [libs]: static, shared)."""
    return tuple(load_configure_data()["libs"])


def test_suites() -> tuple[str, ...]:
    """The suites of the test catalog, then "none" (build only)."""
    return (*load_catalog().suites, NO_TESTS)


def tls_by_number(number: str) -> str:
    """The backend whose PJ_SSL_SOCK_IMP number the built pjlib reports (the number itself when
    no registered backend has it)."""
    for name, backend in load_configure_data()["tls"].items():
        if backend["number"] == number:
            return str(name)
    return number
