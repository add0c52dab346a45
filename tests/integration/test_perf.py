"""pjsip-perf from a real host artifact: the artifact ships it, it runs as server and client on
127.0.0.1 (in a loopback-only network namespace) and its real output gives positive rates; the
matrix's --perf reports them. No timing asserts. Shares the session's PJBUILD_HOME: after
test_host_build.py (file order) the host artifact is a cache hit (the test suite is not part of
the inputs digest)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pjbuild.inputs.targets import load_targets
from pjbuild.ontarget import perf
from pjbuild.ontarget.runners import runner_for

from .conftest import Pjbuild

pytestmark = pytest.mark.integration

HOST_ARGS = ("--target", "host", "--tls", "openssl", "--tests", "none")
SHORT = {"stateless": 2000, "stateful": 1000, "invite": 300}


def test_pjsip_perf_rates_from_real_output(
    pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = pjb.build_json(*HOST_ARGS)
    exe = perf.program_in(Path(built["artifact"]))
    assert os.access(exe, os.X_OK)
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    runner = runner_for(load_targets()[built["target"]])
    done = perf.measure({"host": exe}, runner, counts=SHORT, repeats=1, work=tmp_path)
    rates = done.rates["host"]
    assert "cpu" in done.conditions
    assert set(rates) == set(perf.SCENARIOS)
    for name, rate in rates.items():
        assert rate.count == SHORT[name]
        assert len(rate.runs) == 1
        assert isinstance(rate.best, float) and rate.best > 0
        # the rate is the one parsed from the client's real output, every request answered 200
        report = perf.parse_client((tmp_path / f"host.{name}.1.client.log").read_text())
        assert report.problem() == ""
        assert report.ok == SHORT[name]
        assert report.rate == pytest.approx(rate.best, abs=0.1)
        server_log = (tmp_path / f"host.{name}.1.server.log").read_text()
        assert "sip:0@127.0.0.1:" in server_log  # published address: loopback only


def test_instruction_counts_repeat(
    pjb: Pjbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """callgrind's count of the server's instructions per request (window 1, shut-down taken
    out) is the same in two sessions: what makes it a measure where rates are noise."""
    built = pjb.build_json(*HOST_ARGS)
    exe = perf.program_in(Path(built["artifact"]))
    monkeypatch.setenv("PJBUILD_HOME", str(pjb.home))
    counts = {"stateless": 200, "stateful": 100}
    first, second = (
        perf.count_instructions(
            {"host": exe}, scenarios=counts, counts=counts, work=tmp_path / str(i)
        )["host"]
        for i in (1, 2)
    )
    for name in counts:
        assert 5_000 < first[name] < 2_000_000, first
        assert second[name] == pytest.approx(first[name], rel=0.02)
    assert first["stateful"] > first["stateless"]  # a transaction costs more than none
    assert (tmp_path / "1" / "host.stateless.600.ir.callgrind").is_file()  # N and 3N requests


def test_matrix_perf_columns(pjb: Pjbuild, tmp_path: Path) -> None:
    report = tmp_path / "report"
    proc = pjb.run(
        "matrix",
        "--targets",
        "linux-x86_64",
        "--tls",
        "openssl",
        "--tests",
        "none",
        "--perf",
        "--report",
        str(report),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    entry = json.loads(proc.stdout.strip().splitlines()[-1])["targets"][0]
    assert entry["status"] == "passed" and entry["cache_hit"] is True
    assert entry["perf"]["error"] == ""
    assert entry["perf"]["stateless_options_per_s"] > 0
    assert entry["perf"]["invite_calls_per_s"] > 0
    assert entry["lib_size_bytes"] > 0
    md = (report / "matrix.md").read_text()
    assert "| stateless OPTIONS/s | INVITE calls/s |" in md
