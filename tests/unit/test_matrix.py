"""pjbuild.matrix: the report's perf columns, and SIGTERM stopping a matrix without starting
another target."""

from __future__ import annotations

import signal
import time
from pathlib import Path

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
