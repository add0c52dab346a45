"""pjbuild.inputs.repro: what makes two builds of the same inputs bit-identical: the home mapped
out of compiled paths, SOURCE_DATE_EPOCH, prefix maps dropped from installed text."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pjbuild.inputs import repro
from pjbuild.plan import Request, make_plan


def test_plan_maps_the_home_out_of_compiled_paths(home: Path) -> None:
    plan = make_plan(Request(target="linux-armhf", tls="mbedtls", fetch=False))
    env = dict(plan.env)
    assert f"-ffile-prefix-map={home.resolve()}=/pjbuild" in env["CFLAGS"].split()
    # the digest does not depend on where PJBUILD_HOME is
    assert "$PJBUILD_HOME=/pjbuild" in json.dumps(plan.inputs())


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
