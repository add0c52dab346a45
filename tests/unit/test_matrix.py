"""pjbuild.matrix: the report's perf columns, and SIGTERM stopping a matrix without starting
another target."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pjbuild import matrix
from pjbuild.matrix import MatrixEntry, to_json, to_markdown
from tests.unit.conftest import _python


def test_sigterm_stops_a_matrix_and_starts_no_other_target(home: Path) -> None:
    """Found stopping a real matrix: after SIGTERM it printed 'interrupted', then its pool
    went on building the targets not started yet. Each fake target here runs one recorded
    step (a sleep); SIGTERM during the first must end the run with 143, nothing else started."""
    script = (
        "import sys, subprocess\n"
        "from pathlib import Path\n"
        "from pjbuild import matrix\nfrom pjbuild.core import procs\n"
        "from pjbuild.inputs.targets import load_targets\n"
        "def fake(target, template, opts, say, perf=False):\n"
        "    print('started', target.name, flush=True)\n"
        "    p = procs.spawn(['sleep', '30'])\n"
        "    p.wait()\n"
        "    procs.release(p)\n"
        "    return matrix.MatrixEntry(target.name, 'failed')\n"
        "matrix.build_one = fake\n"
        "procs.install_signal_handlers()\n"
        "targets = [t for n, t in sorted(load_targets().items()) if n.startswith('linux-')][:4]\n"
        "try:\n"
        "    matrix.run_matrix(targets, None, jobs=1, parallel=1, say=print)\n"
        "except procs.Interrupted as exc:\n"
        "    sys.exit(128 + exc.signum)\n"
    )
    proc = _python(home, script)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("started ")
    record = home / "locks" / "groups" / str(proc.pid)
    deadline = time.monotonic() + 10
    while not record.is_file():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=20)[0]
    assert proc.returncode == 143
    assert "started" not in rest  # no other target began
    assert time.monotonic() - start < 10  # not after the other sleeps


def test_matrix_report_has_perf_columns_only_with_perf() -> None:
    plain = MatrixEntry("linux-armhf", "passed", lib_size_bytes=2048)
    md = to_markdown([plain], "t")
    assert "stateless OPTIONS/s" not in md
    assert md.splitlines()[3].count("|") == 10
    measured = MatrixEntry(
        "linux-armhf",
        "passed",
        lib_size_bytes=2048,
        perf={
            "runner": "qemu-arm",
            "stateless_options_per_s": 812,
            "invite_calls_per_s": 97,
            "error": "",
        },
    )
    failed = MatrixEntry("linux-mips", "failed", perf={"error": "no report"}, error="pjsip-perf")
    md = to_markdown([measured, failed], "t")
    lines = md.splitlines()
    assert "| lib size (KiB) | stateless OPTIONS/s | INVITE calls/s | time (s) |" in lines[2]
    assert all(line.count("|") == 12 for line in lines[2:6])
    assert "| 2 | 812 | 97 |" in lines[4]
    assert to_json([measured])["targets"][0]["perf"]["invite_calls_per_s"] == 97


def test_one_target_compiles_at_a_time_while_the_others_test(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 21: the matrix's CPU budget. Two targets in flight; the compile phase (the
    gate) is held by one at a time, the other's test phase runs beside it; the totals count
    the CPU of what the builds ran."""
    from pjbuild.inputs.targets import load_targets

    lock = threading.Lock()
    compiling: set[str] = set()
    overlap: list[tuple[str, str]] = []

    def fake(target, template, opts, say, perf=False):  # type: ignore[no-untyped-def]
        with opts.compile_gate():
            with lock:
                compiling.add(target.name)
                assert len(compiling) == 1, compiling
            _burn(0.3)  # compiling: CPU
            with lock:
                compiling.discard(target.name)
        for _ in range(8):  # tests: mostly waiting, while another target may compile
            time.sleep(0.05)
            with lock:
                overlap.extend((target.name, other) for other in compiling)
        return matrix.MatrixEntry(target.name, "passed")

    monkeypatch.setattr(matrix, "build_one", fake)
    targets = [t for n, t in sorted(load_targets().items()) if n.startswith("linux-")][:4]
    totals = matrix.Totals()
    entries = matrix.run_matrix(
        targets,
        None,  # type: ignore[arg-type]
        jobs=2,
        parallel=2,
        say=lambda _: None,
        totals=totals,
    )
    assert [e.target for e in entries] == [t.name for t in targets]
    assert overlap, "no target tested while another compiled"
    assert totals.cpu_s >= 1.0 and totals.wall_s > 0 and totals.ratio > 0
    assert matrix.to_json(entries, totals)["totals"]["ratio"] == totals.ratio


def _burn(seconds: float) -> None:
    """A child process that spends ``seconds`` of CPU (what the totals must count)."""
    code = f"import time\nt = time.process_time()\nwhile time.process_time() - t < {seconds}: pass"
    subprocess.run([sys.executable, "-c", code], check=True)
