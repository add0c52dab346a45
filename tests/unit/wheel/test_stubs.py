"""pjbuild.wheel.stubs: SWIG's C++ annotations become Python types by wheel.toml's rules, and a
stub generated from a SWIG-shaped module lets mypy catch a wrong call and pass a right one (the
stubs of the real module are checked against a built wheel in tests/integration)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api as mypy_api

from pjbuild.wheel.pyroot import wheel_data
from pjbuild.wheel.stubs import Types, main, stub

SWIG_LIKE = """
import typing
if __package__ or "." in __name__:
    from . import _pjsua2
else:
    import _pjsua2

def _swig_repr(self):
    return "x"

class AccountConfig(object):
    thisown = property(lambda x: x.this.own(), lambda x, v: x.this.own(v), doc="flag")
    __repr__ = _swig_repr
    idUri: "pj::string" = property(_pjsua2.AccountConfig_idUri_get, _pjsua2.AccountConfig_idUri_set)
    priority: "int" = property(_pjsua2.AccountConfig_priority_get)

    def __init__(self):
        _pjsua2.AccountConfig_swiginit(self, _pjsua2.new_AccountConfig())
    __swig_destroy__ = _pjsua2.delete_AccountConfig

class Account(object):
    def create(self, cfg: "pj::AccountConfig const &", make_default: "bool"=False) -> "void":
        return _pjsua2.Account_create(self, cfg, make_default)

    def getId(self) -> "int":
        return _pjsua2.Account_getId(self)

    @staticmethod
    def lookup(acc_id: "int") -> "pj::Account *":
        return _pjsua2.Account_lookup(acc_id)

    def setTransport(self, tp: "pj::TransportId", token: "pj::Token") -> "pj_status_t":
        return _pjsua2.Account_setTransport(self, tp, token)

PJSUA_INVALID_ID = _pjsua2.PJSUA_INVALID_ID
PJSIP_TRANSPORT_UDP: "int" = _pjsua2.PJSIP_TRANSPORT_UDP
cvar = _pjsua2.cvar
"""


def _types() -> Types:
    return Types({"AccountConfig", "Account", "StringVector"}, wheel_data()["stubs"])


@pytest.mark.parametrize(
    ("spelling", "python"),
    [
        ("pj::string const &", "str"),
        ("std::string", "str"),
        ("unsigned int", "int"),
        ("pj_status_t", "int"),
        ("pjsip_status_code", "int"),
        ("bool", "bool"),
        ("double", "float"),
        ("void", "None"),
        ("void *", "Any"),
        ("PyObject *", "Any"),
        ("pj::Token", "Any"),  # a void * typedef: no rule, so anything goes
        ("pj::AccountConfig const &", "AccountConfig"),
        ("pj::StringVector", "StringVector"),
        ("std::vector< pj::AccountConfig >::value_type const &", "AccountConfig"),
        ("std::vector< std::string >::value_type const &", "str"),
        ("std::vector< int >::size_type", "int"),
        ("pj::SocketAddress const &", "str"),
        ("SomethingUnknown", "Any"),
    ],
)
def test_cpp_spellings_become_python_types(spelling: str, python: str) -> None:
    assert _types().python(spelling) == python


def test_a_returned_pointer_to_a_class_may_be_none() -> None:
    assert _types().python("pj::Account *", returned=True) == "Account | None"
    assert _types().python("pj::Account *") == "Account"


def test_stub_keeps_the_api_and_drops_swigs_machinery() -> None:
    text = stub(SWIG_LIKE)
    assert "def create(self, cfg: AccountConfig, make_default: bool=...) -> None:" in text
    assert "def lookup(acc_id: int) -> Account | None:" in text
    assert "idUri: str" in text and "priority: int" in text
    assert "PJSUA_INVALID_ID: int" in text and "cvar: Any" in text
    assert "PJSIP_TRANSPORT_UDP: int" in text  # a constant SWIG annotated
    for gone in ("_swig_repr", "thisown", "__swig_destroy__", "import _pjsua2", "_pjsua2."):
        assert gone not in text
    compile(text, "stub.pyi", "exec")  # valid Python syntax


GOOD = """
import pjsua2 as pj
cfg = pj.AccountConfig()
cfg.idUri = "sip:alice@127.0.0.1"
acc = pj.Account()
acc.create(cfg, True)
found = pj.Account.lookup(acc.getId() + pj.PJSIP_TRANSPORT_UDP)
if found is not None:
    found.setTransport(1, None)
"""

WRONG = """
import pjsua2 as pj
acc = pj.Account()
acc.create("sip:alice@127.0.0.1")
"""


def _mypy(tmp: Path, program: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """mypy --strict on ``program``, with the stub package generated from SWIG_LIKE."""
    pkg = tmp / "stubs" / "pjsua2"
    pkg.mkdir(parents=True)
    assert main([str(_write(tmp / "pjsua2.py", SWIG_LIKE)), str(pkg / "__init__.pyi")]) == 0
    prog = _write(tmp / "prog.py", program)
    monkeypatch.setenv("MYPYPATH", str(tmp / "stubs"))
    out, err, code = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir=/dev/null", str(prog)]
    )
    return out + err, code


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_mypy_passes_a_right_program_and_catches_a_wrong_argument_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, code = _mypy(tmp_path / "good", GOOD, monkeypatch)
    assert code == 0, out
    out, code = _mypy(tmp_path / "wrong", WRONG, monkeypatch)
    assert code == 1
    assert 'Argument 1 to "create" of "Account" has incompatible type "str"; expected ' in out
    assert '"AccountConfig"' in out
