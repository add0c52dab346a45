"""pjbuild.inputs.targets: known failures that hold for one TLS backend only. The target files
themselves are checked in tests/unit/test_targets.py and test_cross_targets.py."""

from __future__ import annotations

from pjbuild.inputs.targets import load_targets

TARGETS = load_targets()


def test_known_failures_can_hold_for_one_tls_backend_only() -> None:
    mingw = TARGETS["windows-mingw-x86_64"]
    assert "pjlib-test:ssl_sock_test" in mingw.known_failures_for_tls("schannel")
    assert mingw.known_failures_for_tls("mbedtls") == {}
    assert mingw.known_failure("pjlib-test", "ssl_sock_test") is None
