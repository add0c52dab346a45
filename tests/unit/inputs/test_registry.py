"""One registry per concept: a TLS backend or a feature added as one data entry (in a temporary
copy of pjbuild's resources) appears in the CLI's help, the option schema, the plan, the probe's
reading of the built library and the Conan recipe's options, with no code change."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pjbuild.cli import main
from pjbuild.core import paths
from pjbuild.core.errors import ConfigError
from pjbuild.inputs import registry
from pjbuild.inputs.options import load_schema
from pjbuild.plan import Request, make_plan

FAKE = """
[tls.fakessl]
imp = "fakessl"
config_site = "PJ_SSL_SOCK_IMP_FAKESSL"
number = "42"
provider = "builtin"
configure = ["--disable-ssl"]

[features.fakecodec]
options = {}
macro = "PJMEDIA_HAS_FAKE_CODEC"
probe_include = "fake/fake.h"
probe_version = "fake_version()"
secures_media = true
"""

FAKE_ENGINE = """
[engines.fakemake]
description = "a build system that exists only in this test"
tools = ["fakemake", "{cc}"]
checks_configure = false
"""


@pytest.fixture
def fake_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pjbuild's resources plus one TLS backend and one feature; a target offering the backend."""
    resources = tmp_path / "resources"
    shutil.copytree(paths.resources(), resources)
    with (resources / "configure.toml").open("a") as fh:
        fh.write(FAKE)
    with (resources / "engines.toml").open("a") as fh:
        fh.write(FAKE_ENGINE)
    monkeypatch.setattr(paths, "resources", lambda: resources)
    toolchains = tmp_path / "toolchains"
    toolchains.mkdir()
    own = (paths.data_root() / "toolchains" / "linux-x86_64.toml").read_text()
    assert 'name = "linux-x86_64"' in own and "backends = [" in own
    fake = own.replace('name = "linux-x86_64"', 'name = "fake-x86_64"', 1)
    fake = fake.replace("backends = [", 'backends = ["fakessl", ', 1)
    (toolchains / "fake-x86_64.toml").write_text(fake)
    made = fake.replace('name = "fake-x86_64"', 'name = "fake-make"', 1)
    (toolchains / "fake-make.toml").write_text('engine = "fakemake"\n' + made)
    return toolchains


def test_the_registries_list_the_new_entries(fake_registry: Path) -> None:
    assert registry.tls_backends()[-1] == "fakessl"
    assert "openssl" in registry.tls_backends()
    assert registry.features()[-1] == "fakecodec"
    assert registry.tls_by_number("42") == "fakessl"
    assert registry.tls_by_number("1") == "openssl"


def test_the_cli_help_offers_them(fake_registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "fakessl" in help_text and "fakecodec" in help_text


def test_the_option_schema_and_the_plan_take_the_backend(fake_registry: Path) -> None:
    values = dict(load_schema().options["PJ_SSL_SOCK_IMP"].values)
    assert values["fakessl"] == "PJ_SSL_SOCK_IMP_FAKESSL"
    plan = make_plan(
        Request(target="fake-x86_64", tls="fakessl", tests="none", toolchains_dirs=(fake_registry,))
    )
    assert plan.tls.backend == "fakessl"
    assert "#define PJ_SSL_SOCK_IMP PJ_SSL_SOCK_IMP_FAKESSL" in plan.header


def test_a_feature_is_known_once_registered(fake_registry: Path) -> None:
    """The plan takes the registered feature past the name check, to the recipe that provides
    it (the one other thing a feature built from source needs); an unregistered one is unknown
    and the error lists the registered ones."""

    def plan(feature: str) -> ConfigError:
        request = Request(
            target="fake-x86_64", tls="none", tests="none", features=(feature,),
            toolchains_dirs=(fake_registry,),
        )  # fmt: skip
        with pytest.raises(ConfigError) as exc:
            make_plan(request)
        return exc.value

    known = plan("fakecodec")
    assert "unknown feature" not in known.summary and "fakecodec" in known.summary
    unknown = plan("nosuchfeature")
    assert "nosuchfeature" in unknown.summary
    assert "fakecodec" in f"{unknown.summary} {unknown.hint}"


def _conanfile() -> ModuleType:
    path = paths.recipes_root() / "pjproject" / "conanfile.py"
    spec = importlib.util.spec_from_file_location("pjbuild_test_conanfile", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_conan_recipe_options_follow_the_registries(fake_registry: Path) -> None:
    recipe = _conanfile().PjprojectConan
    assert "fakessl" in recipe.options["tls"] and "darwin" in recipe.options["tls"]
    assert recipe.options["fakecodec"] == [True, False]
    assert recipe.default_options["fakecodec"] is False


def test_the_real_registries_match_the_recipe() -> None:
    """Without fakes: the recipe offers exactly the registered backends and features."""
    recipe = _conanfile().PjprojectConan
    assert recipe.options["tls"] == [*registry.tls_backends(), "default"]
    for feature in registry.features():
        assert recipe.options[feature] == [True, False]


class FakeMakeEngine:
    """The fake engine's runner: a module pjbuild.engines.fakemake, as a real engine has."""

    name = "fakemake"

    def __init__(self, log: object, *, ccache: bool, epoch: int) -> None:
        self.log = log


def test_an_engine_is_one_entry_and_its_module(
    fake_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pjbuild.engines import checks_configure, engine_class, required_tools
    from pjbuild.inputs.targets import load_targets

    assert registry.engines()[-1] == "fakemake"
    targets = load_targets([fake_registry])
    made, own = targets["fake-make"], targets["fake-x86_64"]
    assert made.engine == "fakemake"
    assert required_tools(made) == ["fakemake", made.compilers.cc]
    assert required_tools(own)[-2:] == ["make", "patch"]
    assert required_tools(own, "cmake")[-3:] == ["cmake", "ninja", "patch"]
    assert not checks_configure(made.engine) and checks_configure(own.engine)
    module = ModuleType("pjbuild.engines.fakemake")
    module.ENGINE = FakeMakeEngine  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pjbuild.engines.fakemake", module)
    assert engine_class("fakemake") is FakeMakeEngine


def test_an_unregistered_engine_is_refused(tmp_path: Path) -> None:
    own = (paths.data_root() / "toolchains" / "linux-x86_64.toml").read_text()
    (tmp_path / "odd.toml").write_text(
        'engine = "fakemake"\n' + own.replace('name = "linux-x86_64"', 'name = "odd"', 1)
    )
    from pjbuild.inputs.targets import load_targets

    with pytest.raises(ConfigError, match="unknown build engine 'fakemake'") as caught:
        load_targets([tmp_path])
    assert "autotools" in caught.value.hint and "msbuild" in caught.value.hint


def test_a_feature_that_secures_media_makes_its_calls_require_it(fake_registry: Path) -> None:
    from pjbuild.ontarget.calltest import CallSpec

    assert CallSpec("PCMU/8000", ("fakecodec",)).srtp
    assert CallSpec("PCMU/8000", ("srtp",)).srtp
    assert not CallSpec("opus/48000", ("opus",)).srtp
