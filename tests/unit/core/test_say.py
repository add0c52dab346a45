"""pjbuild.core.say: the default Say says nothing."""

from __future__ import annotations

import pytest

from pjbuild.core.say import quiet


def test_quiet_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    quiet("anything")
    assert capsys.readouterr() == ("", "")
