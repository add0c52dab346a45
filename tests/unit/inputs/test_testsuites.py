"""pjbuild.inputs.testsuites: the quick suite's names exist in the programs, and every
version's test harness is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from pjbuild.inputs.sources import load_versions
from pjbuild.inputs.testsuites import load_catalog
from pjbuild.ontarget.testsuites import parse_list

CATALOG = load_catalog()
VERSIONS = load_versions()


def test_quick_suite_names_exist_in_programs(fixtures: Path) -> None:
    listed = parse_list((fixtures / "pjlib-test-config.log").read_text())
    all_pjlib = set(listed["essential"]) | set(listed["features"])
    quick = dict(CATALOG.suites["quick"].tests)
    assert set(quick["pjlib-test"]) <= all_pjlib
    assert set(quick["pjsip-test"]) <= set(
        parse_list((fixtures / "pjsip-test-list.log").read_text())["pjsip"]
    )


def test_every_versions_test_harness_is_described() -> None:
    from pjbuild.inputs.testsuites import load_catalog

    harnesses = load_catalog().harnesses
    assert {v.version: v.test_harness for v in VERSIONS.values()} == {
        **{n: "unittest" for n in VERSIONS},
        "2.15.1": "do_test",
        "2.14.1": "do_test",
    }
    assert all(v.test_harness in harnesses for v in VERSIONS.values())
    # the DO_TEST harness needs pjbuild's patch that selects a test by name
    for name in ("2.15.1", "2.14.1"):
        assert any(p.file.name.startswith("0013-") for p in VERSIONS[name].patches)


def test_exclusive_tests_are_per_runner_kind(tmp_path: Path) -> None:
    from pjbuild.core.errors import ConfigError

    assert "pjlib-test:thread_test" in CATALOG.parallel.exclusive_for("wine")
    assert CATALOG.parallel.exclusive_for("native") == {}
    bad = tmp_path / "testsuites.toml"
    bad.write_text(
        "[programs.p]\nmodule = 'pjlib'\n[suites.s]\n[suites.s.tests]\np = ['t']\n"
        "[parallel.exclusive]\nwin = { 'p:t' = 'why' }\n"
    )
    with pytest.raises(ConfigError, match=r"parallel\.exclusive\.win: not a runner kind"):
        load_catalog(bad)


def test_each_test_has_one_network() -> None:
    par = CATALOG.parallel
    assert par.network("pjnath-test:ice_test") == "address"
    assert par.network("pjsip-test:transport_tcp_test") == "blackhole"
    assert par.network("pjlib-test:timer_test") == "loopback"
    assert not par.needs_address.keys() & par.needs_blackhole.keys()
