"""pjbuild.ontarget.runners: running natively and from the target's data; a timeout kills the
whole process group, a signal is named."""

from __future__ import annotations

import time
from pathlib import Path

from pjbuild.inputs.targets import load_targets
from pjbuild.ontarget.runners import PrefixRunner, runner_for


def test_native_runner_runs_and_captures(tmp_path: Path) -> None:
    r = PrefixRunner("native", (), ())
    done = r.run(["sh", "-c", "echo hi; echo err >&2; exit 3"], tmp_path, 10)
    assert done.returncode == 3 and "hi" in done.output and "err" in done.output


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    r = PrefixRunner("native", (), ())
    start = time.monotonic()
    done = r.run(["sh", "-c", "sleep 30 & sleep 30; echo never"], tmp_path, 0.5)
    assert done.timed_out and done.returncode is None
    assert time.monotonic() - start < 10


def test_signal_is_named(tmp_path: Path) -> None:
    done = PrefixRunner("native", (), ()).run(["sh", "-c", "kill -BUS $$"], tmp_path, 10)
    assert done.signal_name == "SIGBUS"


def test_prefix_and_env_from_target_data(tmp_path: Path) -> None:
    r = PrefixRunner("qemu", ("env",), (("PJBUILD_PROBE", "42"),))
    done = r.run(["sh", "-c", "echo $PJBUILD_PROBE"], tmp_path, 10)
    assert done.output.strip() == "42" and done.argv[0] == "env"


def test_host_target_is_native() -> None:
    assert runner_for(load_targets()["linux-x86_64"]).describe() == "native"


def test_a_loader_path_goes_in_front_of_the_one_the_command_sets(tmp_path: Path) -> None:
    """qemu's -E LD_LIBRARY_PATH=<sysroot>/lib wins over the environment: a shared-library
    build's path goes in front of it there; a native runner gets it in its environment."""
    armhf = runner_for(load_targets()["linux-armhf"])
    extended = armhf.with_env({"LD_LIBRARY_PATH": "/a/prefix/lib"})
    assert "LD_LIBRARY_PATH=/a/prefix/lib:/usr/arm-linux-gnueabihf/lib" in extended.prefix
    assert "LD_LIBRARY_PATH" not in dict(extended.env)
    native = PrefixRunner("native", (), ()).with_env({"LD_LIBRARY_PATH": str(tmp_path)})
    done = native.run(["sh", "-c", "echo $LD_LIBRARY_PATH"], tmp_path, 10)
    assert done.output.strip() == str(tmp_path)
    assert PrefixRunner("native", (), ()).with_env({}) == PrefixRunner("native", (), ())
