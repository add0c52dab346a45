"""pjbuild's own resource files are read against their shapes (pjbuild.core.schema, issue 18):
every value of the wrong type and every misspelt key is one ConfigError naming the file and the
key."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.core.schema import CI, CI_JOBS, CONFIGURE, WHEEL, Shape, check, load_checked
from pjbuild.core.tomlload import Table, load_toml

FILES = {
    "configure.toml": (CONFIGURE, paths.resources() / "configure.toml"),
    "ci.toml": (CI, paths.ci_data_file()),
    "jobs.toml": (CI_JOBS, paths.ci_jobs_file()),
    "wheel.toml": (WHEEL, paths.resources() / "wheel.toml"),
}


def _wrong(value: Any) -> Any:
    """A value of another type than ``value``'s."""
    if isinstance(value, str):
        return 5
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, list):
        return "one string"
    if isinstance(value, dict):
        return ["a", "list"]
    return "a string"


def _leaves(data: Any, shape: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key path the shape types (inside 'any' tables the consumer checks)."""
    if shape == "any":
        yield where
        return
    if isinstance(shape, str):
        yield where
        if shape in ("strings", "lists", "pairs") and isinstance(data, (list, dict)):
            items = data.items() if isinstance(data, dict) else enumerate(data)
            for k, v in items:
                if shape == "lists":
                    yield (*where, str(k))
                if shape == "lists" and isinstance(v, list):
                    for i in range(len(v)):
                        yield (*where, str(k), str(i))
                elif shape == "strings":
                    yield (*where, str(k))
        return
    if isinstance(shape, tuple):
        yield where
        for name, body in data.items():
            yield from _leaves(body, shape[1], (*where, name))
        return
    if where:
        yield where
    for spec_key, kind in shape.items():
        key = spec_key.rstrip("?")
        if key in data:
            yield from _leaves(data[key], kind, (*where, key))


def _set(data: Any, where: tuple[str, ...], value: Any) -> None:
    for key in where[:-1]:
        data = data[int(key)] if isinstance(data, list) else data[key]
    if isinstance(data, list):
        data[int(where[-1])] = value
    else:
        data[where[-1]] = value


def _get(data: Any, where: tuple[str, ...]) -> Any:
    for key in where:
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _cases() -> Iterator[Any]:
    for name, (shape, file) in FILES.items():
        data = load_toml(file)
        for where in _leaves(data, shape):
            yield pytest.param(name, shape, where, id=f"{name}:{'.'.join(where)}")


def test_every_resource_file_fits_its_shape() -> None:
    for shape, file in FILES.values():
        assert load_checked(file, shape)


@pytest.mark.parametrize(("name", "shape", "where"), list(_cases()))
def test_a_value_of_the_wrong_type_names_the_file_and_the_key(
    name: str, shape: Shape, where: tuple[str, ...]
) -> None:
    data = copy.deepcopy(load_toml(FILES[name][1]))
    _set(data, where, _wrong(_get(data, where)))
    with pytest.raises(ConfigError) as exc:
        check(Table(data, Path(name)), shape)
    named = ".".join(k for k in where if not k.isdigit())
    assert exc.value.summary.startswith(f"{name}: "), exc.value.summary
    assert named in exc.value.summary and "expected" in exc.value.summary, exc.value.summary
    assert exc.value.hint


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_misspelt_or_missing_key_is_named(name: str) -> None:
    shape, file = FILES[name]
    data = load_toml(file)
    required = next(k for k in shape if not k.endswith("?"))
    typo = copy.deepcopy(data)
    typo[required + "s"] = typo.pop(required)
    with pytest.raises(ConfigError, match=f"unknown key '{required}s'; did you mean '{required}'"):
        check(Table(typo, Path(name)), shape)
    missing = copy.deepcopy(data)
    del missing[required]
    with pytest.raises(ConfigError, match=f"missing required key '{required}'"):
        check(Table(missing, Path(name)), shape)
