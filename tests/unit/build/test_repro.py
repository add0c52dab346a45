"""Reproducibility, SBOM, verify, gc and process-group handling: the fast parts.

The real two-builds comparisons are integration tests (tests/integration/test_repro.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from pjbuild.build.cache import Cache, gc, parse_size
from pjbuild.build.repro import compare, load_manifest
from pjbuild.build.sbom import make_sbom, summary
from pjbuild.cli import main
from pjbuild.core import procs
from pjbuild.core.errors import ConfigError
from pjbuild.core.files import write_json_atomic
from pjbuild.inputs import repro
from pjbuild.plan import Request, make_plan, request_from_json, request_to_json


def test_plan_maps_the_home_out_of_compiled_paths(home: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False))
    env = dict(plan.env)
    assert f"-ffile-prefix-map={home.resolve()}=/pjbuild" in env["CFLAGS"].split()
    # the digest does not depend on where PJBUILD_HOME is
    assert "$PJBUILD_HOME=/pjbuild" in json.dumps(plan.inputs())


def _compile_with_ccache(home: Path, digest: str, ccache_dir: Path) -> tuple[bytes, str]:
    """pjproject's way of compiling (relative source path, -g, under home/work/<digest>/src)
    through the engine's environment; the object's bytes and ccache's verdict."""
    from pjbuild.core.steplog import StepLog
    from pjbuild.engines.autotools import AutotoolsEngine

    src = home / "work" / digest / "src"
    (src / "build").mkdir(parents=True)
    (src / "x.c").write_text("const char *where(void) { return __FILE__; }\n")
    plan = make_plan(Request(target="host", tls="none", tests="none", fetch=False))
    engine = AutotoolsEngine(StepLog(home / "log.txt"), ccache=True, epoch=1)
    env = {**os.environ, **engine._env(plan, src), "CCACHE_DIR": str(ccache_dir)}
    cc, cflags = env["CC"].split(), env["CFLAGS"].split()
    subprocess.run(
        [*cc, *cflags, "-c", "../x.c", "-o", "x.o"], cwd=src / "build", env=env, check=True
    )
    stats = subprocess.run(
        ["ccache", "--print-stats"], env=env, capture_output=True, text=True
    ).stdout
    return (src / "build" / "x.o").read_bytes(), stats


@pytest.mark.skipif(not shutil.which("ccache"), reason="ccache not installed")
def test_objects_do_not_name_the_work_folder_even_from_ccache(home: Path, tmp_path: Path) -> None:
    """Two configurations (two work folders) compiling the same file: ccache serves the second
    from the first (it does not hash the folder), so the bytes must not name it."""
    first, _ = _compile_with_ccache(home, "a" * 32, tmp_path / "ccache")
    second, stats = _compile_with_ccache(home, "b" * 32, tmp_path / "ccache")
    assert re.search(r"direct_cache_hit\s+1|preprocessed_cache_hit\s+1", stats), stats
    assert first == second
    assert b"/pjbuild/src" in first and b"aaaa" not in first and str(home).encode() not in first


def test_the_tree_map_comes_after_the_home_map(home: Path) -> None:
    from pjbuild.core.steplog import StepLog
    from pjbuild.engines.autotools import AutotoolsEngine

    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False))
    tree = home / "work" / plan.digest / "src"
    env = AutotoolsEngine(StepLog(home / "log.txt"), ccache=False)._env(plan, tree)
    for var in ("CFLAGS", "CXXFLAGS"):
        flags = env[var].split()
        home_map = flags.index(f"-ffile-prefix-map={home.resolve()}=/pjbuild")
        assert flags.index(f"-ffile-prefix-map={tree}=/pjbuild/src") > home_map  # last wins
    assert plan.inputs()["repro"] == repro.SCHEME
    assert str(tree) not in json.dumps(plan.inputs())  # the digest does not name the folder


def test_digest_is_the_same_in_two_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import SHARED_SOURCES

    monkeypatch.setenv("PJBUILD_MIRROR", str(SHARED_SOURCES))
    digests = []
    for name in ("a", "b"):
        monkeypatch.setenv("PJBUILD_HOME", str(tmp_path / name))
        digests.append(make_plan(Request(target="linux-armhf", fetch=False)).digest)
    assert digests[0] == digests[1]


def test_source_date_epoch_is_the_newest_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name, stamp in (("a", 1000), ("d/b", 5000), ("c", 3000)):
        (tmp_path / name).write_text(name)
        os.utime(tmp_path / name, (stamp, stamp))
    assert repro.source_date_epoch(tmp_path) == 5000
    env = repro.step_env(repro.source_date_epoch(tmp_path), tmp_path)
    assert env["SOURCE_DATE_EPOCH"] == "5000"
    assert env["LC_ALL"] == "C" and env["TZ"] == "UTC"
    assert env["CCACHE_BASEDIR"] == str(tmp_path)


def test_prefix_maps_are_dropped_from_installed_text() -> None:
    text = "Cflags: -I${includedir} -O2 -ffile-prefix-map=/tmp/h=/pjbuild -DX=1\n"
    assert repro.drop_prefix_maps(text) == "Cflags: -I${includedir} -O2 -DX=1\n"


def test_request_round_trip() -> None:
    req = Request(
        target="linux-armhf",
        preset="minimal-size",
        tls="mbedtls",
        sets=("PJSUA_MAX_ACC=4",),
        features=("srtp",),
        dep_prefixes=(("openssl", "/opt/ssl"),),
        toolchains_dirs=(Path("/x/tc"),),
    )
    data = json.loads(json.dumps(request_to_json(req)))
    assert request_from_json(data) == req


def test_sbom_is_valid_cyclonedx_with_licences_and_patches(home: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", features=("srtp",)))
    text = make_sbom(plan, "2.17", 1700000000)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    data = json.loads(text)
    names = {c["name"]: c for c in data["components"]}
    assert set(names) == {"pjproject", "mbedtls", "libsrtp"}
    pj = names["pjproject"]
    assert pj["hashes"] == [{"alg": "SHA-256", "content": plan.source.sha256}]
    assert pj["licenses"] == [{"expression": "GPL-2.0-or-later"}]
    patches = pj["pedigree"]["patches"]
    assert len(patches) == len(plan.source.version.patches) > 0
    texts = [p["diff"]["text"]["content"] for p in patches]
    assert sorted(texts) == sorted(p.file.read_text() for p in plan.source.version.patches)
    props = {x["name"]: x["value"] for x in pj["properties"]}
    for patch in plan.source.version.patches:
        assert props[f"pjbuild:patch:{patch.file.name}"].startswith(f"sha256:{patch.digest()} ")
    mbed = names["mbedtls"]
    assert mbed["version"] == "3.6.7"
    assert mbed["licenses"] == [{"expression": "Apache-2.0 OR GPL-2.0-or-later"}]
    assert mbed["hashes"][0]["content"] == plan.deps[0].recipe.source.sha256  # type: ignore[union-attr]
    assert data["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    # deterministic: the same plan gives the same document
    assert make_sbom(plan, "2.17", 1700000000) == text
    assert {c["name"] for c in summary(text)} == set(names)


def test_sbom_of_a_system_dependency_names_the_debian_package(home: Path) -> None:
    plan = make_plan(Request(target="linux-x86_64", tls="openssl"))
    data = json.loads(make_sbom(plan, "2.17", 0))
    ssl = next(c for c in data["components"] if c["name"] == "openssl")
    assert ssl["purl"].startswith("pkg:deb/debian/libssl-dev@")
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "libssl-dev"], capture_output=True, text=True
    ).stdout
    assert ssl["version"] == installed


def test_compare_lists_what_differs() -> None:
    out = compare({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "x", "d": "4"})
    assert out == {
        "identical": ["a"],
        "differing": ["b"],
        "only_original": ["c"],
        "only_rebuilt": ["d"],
    }


def test_verify_refuses_what_is_not_an_artifact(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a pjbuild artifact"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs_digest": "x"}))
    with pytest.raises(ConfigError, match="does not record its request"):
        load_manifest(tmp_path)


def test_parse_size() -> None:
    assert parse_size("2G") == 2 << 30
    assert parse_size("500M") == 500 << 20
    assert parse_size("1.5KiB") == 1536
    assert parse_size("123") == 123
    with pytest.raises(ConfigError, match="bad size"):
        parse_size("lots")


def _artifact(cache: Cache, digest: str, size: int, used: float) -> None:
    stage = cache.root / f"stage-{digest}"
    (stage / "prefix").mkdir(parents=True)
    (stage / "prefix" / "lib.a").write_bytes(b"x" * size)
    write_json_atomic(stage / "manifest.json", {"inputs_digest": digest})
    cache.publish(stage, digest)
    os.utime(cache.artifact(digest), (used, used))


def test_gc_removes_stale_work_and_keeps_recent_artifacts(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    now = time.time()
    for i, digest in enumerate(("old", "mid", "new")):
        _artifact(cache, digest, 1000, now - 100 * (3 - i))
    (cache.work("stale") / "src").mkdir(parents=True)  # a killed build's leftovers
    (cache.work("busy") / "src").mkdir(parents=True)  # a running build's
    (cache.root / "deps" / "work" / "dep1").mkdir(parents=True)
    with cache.lock("busy"):
        report = gc(cache.root, keep=2)
    assert sorted(Path(p).name for p in report.removed_work) == ["dep1", "stale"]
    assert [Path(p).name for p in report.busy] == ["busy"]
    assert report.removed_artifacts == ["old"]
    assert report.kept == ["new", "mid"]
    assert not cache.work("stale").exists() and cache.work("busy").exists()
    assert not cache.artifact("old").exists() and cache.lookup("new") is not None
    # a cache hit makes an artifact the most recently used
    time.sleep(0.05)  # past the file system clock's granularity
    assert cache.lookup("mid") is not None
    report = gc(cache.root, max_size=1500)
    assert report.kept == ["mid"] and report.removed_artifacts == ["new"]


def test_gc_dry_run_removes_nothing(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "home")
    _artifact(cache, "a", 10, time.time())
    (cache.work("w")).mkdir(parents=True)
    report = gc(cache.root, keep=0, dry_run=True)
    assert report.removed_artifacts == ["a"] and len(report.removed_work) == 1
    assert cache.artifact("a").exists() and cache.work("w").exists()


def _python(home: Path, script: str) -> subprocess.Popen[str]:
    """A Python process running ``script`` as a pjbuild would, in ``home``; its output piped."""
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PJBUILD_HOME": str(home)},
    )


def test_orphaned_steps_of_a_killed_pjbuild_are_killed(home: Path) -> None:
    """A pjbuild killed with SIGKILL leaves its steps running; the next run kills them."""
    script = (
        "import subprocess, sys, time\n"
        "from pjbuild.core import procs\n"
        "p = procs.spawn(['sleep', '300'])\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    owner = _python(home, script)
    assert owner.stdout is not None
    child = int(owner.stdout.readline())
    record = home / "locks" / "groups" / str(owner.pid)
    assert procs.recorded_groups(record) == [child]
    lines = record.read_text().splitlines()
    assert lines[0].startswith("boot ") and lines[1].startswith("token ")
    assert lines[2] == f"{child} {procs.start_time(child)}"
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    os.kill(child, 0)  # the step outlived its pjbuild
    assert procs.reap_orphans() == [child]
    assert not procs.group_alive(child)
    assert not record.exists()


def _stranger(home: Path, record_text: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A process group that is not pjbuild's, named by the record of a dead pjbuild."""
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    folder = home / "locks" / "groups"
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / str(dead.pid)
    record.write_text(record_text.format(pgid=other.pid, boot=procs._boot_id()))
    return other, record


@pytest.mark.parametrize(
    "text",
    [
        # the number of a step recorded before a PID wrap: now someone else's process
        "boot {boot}\ntoken 0123abcd\n{pgid} 1\n",
        # recorded in another boot
        "boot 00000000-0000-0000-0000-000000000000\ntoken 0123abcd\n{pgid} 1\n",
        # a record of the old format: a bare number
        "{pgid}\n",
    ],
    ids=["pid-reused", "other-boot", "bare-number"],
)
def test_a_recorded_number_that_is_another_process_is_not_killed(home: Path, text: str) -> None:
    """Issue 18: gc SIGKILLed any recorded group whose owner was dead (demonstrated with a
    sleep after a PID wrap); now only a group that is still the recorded step."""
    other, record = _stranger(home, text)
    try:
        assert procs.reap_orphans(wait_s=0.5) == []
        assert other.poll() is None  # still running
        assert not record.exists()  # the stale record is dropped
    finally:
        other.kill()
        other.wait()


def test_a_step_whose_leader_exited_is_found_by_its_token(home: Path) -> None:
    """The leader (a shell) is gone, its child still runs with the step's PJBUILD_STEP."""
    script = (
        "import subprocess, sys, time\n"
        "from pjbuild.core import procs\n"
        "p = procs.spawn(['sh', '-c', 'sleep 300 & echo $!'], stdout=subprocess.PIPE)\n"
        "print(p.pid, p.stdout.readline().decode().strip(), flush=True)\n"
        "p.wait()\n"
        "time.sleep(300)\n"
    )
    owner = _python(home, script)
    assert owner.stdout is not None
    leader, child = (int(x) for x in owner.stdout.readline().split())
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    os.kill(child, 0)
    # the leader exited (it may linger as a zombie, whose start time would still match): with
    # a start time that cannot match, only the token in the child's environment says it is ours
    record = home / "locks" / "groups" / str(owner.pid)
    record.write_text(record.read_text().replace(f"{leader} ", f"{leader} 1 #"))
    assert procs.reap_orphans() == [leader]
    assert not procs.group_alive(leader)


def test_a_step_that_cannot_be_recorded_is_stopped(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: a child started before its record was written kept running when the write
    failed, and the temp record stayed. A full disk is simulated (os.replace raises ENOSPC)."""
    import errno

    from pjbuild.core.errors import HomeError

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(procs.os, "replace", full)
    argv = ["sleep", "299.731"]  # a duration no other test uses: pgrep finds only this step
    with pytest.raises(HomeError, match="the disk is full") as exc:
        procs.spawn(argv)
    assert exc.value.exit_code == 8
    assert not procs._live
    assert not list((home / "locks" / "groups").iterdir())  # no temp record left
    out = subprocess.run(["pgrep", "-f", "^sleep 299.731$"], capture_output=True, text=True)
    assert out.stdout.strip() == ""  # the step is gone (old code: still running)


def test_sigterm_stops_the_running_step(home: Path) -> None:
    """`pjbuild` on SIGTERM kills its steps' process groups and exits 143."""
    script = (
        "import sys\n"
        "from pjbuild.core import procs\n"
        "from pjbuild.core.steplog import StepLog\n"
        "from pathlib import Path\n"
        "procs.install_signal_handlers()\n"
        "log = StepLog(Path(sys.argv[1]))\n"
        "try:\n"
        "    log.run('make', ['sh', '-c', 'sleep 300 & echo started; wait'], Path('.'), {})\n"
        "except procs.Interrupted as exc:\n"
        "    sys.exit(128 + exc.signum)\n"
    )
    log = home / "step.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(log)], env={**os.environ, "PJBUILD_HOME": str(home)}
    )
    deadline = time.monotonic() + 20
    record = home / "locks" / "groups" / str(proc.pid)
    # the step may print before pjbuild has recorded its group (Popen returns, then the record
    # is written): wait for both
    while not (log.is_file() and "started" in log.read_text() and record.is_file()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    groups = procs.recorded_groups(record)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 143
    deadline = time.monotonic() + 5
    while any(procs.group_alive(g) for g in groups):  # the shell and its background sleep
        assert time.monotonic() < deadline, "a step outlived SIGTERM"
        time.sleep(0.05)


def test_gc_cli(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gc", "--max-size", "x"]) == 2
    assert "bad size 'x'" in capsys.readouterr().err
    assert main(["gc", "--keep", "3", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["removed_artifacts"] == []


def test_gc_leaves_the_trash_of_a_swap_in_progress(tmp_path: Path) -> None:
    """Issue 18: gc removed a publish --force swap's trash without the lock the swap holds."""
    cache = Cache(tmp_path / "home")
    _artifact(cache, "d1", 10, time.time())
    trash = cache.root / "artifacts" / ".old-d1.abc123"
    (trash / "old").mkdir(parents=True)
    stale = cache.root / "artifacts" / ".old-d2.def456"  # an interrupted swap: nobody holds d2
    (stale / "old").mkdir(parents=True)
    with cache.lock("d1"):  # the swap of d1 is under way
        report = gc(cache.root)
    assert trash.is_dir() and str(trash) in report.busy
    assert not stale.exists() and str(stale) in report.removed_broken


def test_an_artifact_in_use_is_kept_by_gc_keep(tmp_path: Path) -> None:
    """Issue 18: `pjbuild wheel` read an artifact that `gc --keep` could delete meanwhile;
    the wheel holds it through Cache.using."""
    from pjbuild.core.errors import BuildError

    cache = Cache(tmp_path / "home")
    _artifact(cache, "wheeled", 10, time.time() - 100)
    _artifact(cache, "newer", 10, time.time())
    with cache.using("wheeled") as folder:
        report = gc(cache.root, keep=1)
        assert (folder / "manifest.json").is_file()
        assert str(folder) in report.busy and report.removed_artifacts == []
    report = gc(cache.root, keep=1)
    assert report.removed_artifacts == ["wheeled"]
    with pytest.raises(BuildError, match="removed before it could be used"), cache.using("wheeled"):
        pass


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
