"""benchmarks/harness.py: ratios, and pjbuild's error contract in every benchmark script (one
error, exit 3, no traceback, when the archive is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import harness


def test_ratio() -> None:
    assert harness.ratio(75, 100) == 0.75
    assert harness.ratio(1, 3) == 0.333
    assert harness.ratio(5, 0) is None


@pytest.mark.parametrize("script", ["footprint.py", "pjsip_perf.py", "overhead.py"])
def test_a_benchmark_without_its_archive_is_one_error(tmp_path: Path, script: str) -> None:
    """An empty mirror: the benchmark says which archive is missing, exit 3, no traceback."""
    import os
    import subprocess
    import sys

    empty = tmp_path / "mirror"
    empty.mkdir()
    env = {**os.environ, "PJBUILD_MIRROR": str(empty), "PJBUILD_HOME": str(tmp_path / "home")}
    bench = Path(__file__).parents[3] / "benchmarks" / script
    proc = subprocess.run(
        [sys.executable, str(bench), "--help"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr  # the script itself runs
    args = ["--targets", "host", "--presets", "default"] if script == "footprint.py" else []
    proc = subprocess.run(
        [sys.executable, str(bench), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert proc.returncode == 3 and errors and "pjproject-2.17.tar.gz" in errors[0], proc.stderr
