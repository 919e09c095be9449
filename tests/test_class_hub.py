"""The class hub's setup refuses bad input before it touches the machine, and the admin's
week steps, run as root, leave the instructor's files to the instructor
(``tools/class_hub.py``, ``tools/classroom.py``; the hub itself: ``tests/test_hub.py``)."""

import os
import pwd

import pytest
from conftest import ROOT

from tools import class_hub, classroom

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="setup and hand_back act as root")


@needs_root
@pytest.mark.parametrize(
    "instructors, learners, state, message",
    [
        (["Ada Lovelace"], ["alan"], "/tmp/x", "invalid roster"),
        (["ada"], [], "/tmp/x", "invalid roster"),
        (["ada"], ["alan", "ada"], "/tmp/x", "an instructor cannot also be a learner"),
        (["ada"], ["alan", "alan"], "/tmp/x", "listed twice"),
        (["ada"], ["alan"], str(ROOT / "hubstate"), "must be outside the course's checkout"),
    ],
)
def test_setup_refuses_a_bad_roster_or_state_before_creating_anything(
    instructors, learners, state, message
):
    with pytest.raises(class_hub.SetupError, match=message):
        class_hub.setup(instructors, learners, state, "/tmp/exchange-never-made")
    assert not os.path.exists("/tmp/exchange-never-made")
    for name in ("ada", "alan"):
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


def test_the_hub_without_a_setup_says_what_to_run(tmp_path):
    with pytest.raises(SystemExit, match="run make hub-setup first"):
        class_hub.hub_command(tmp_path)


@needs_root
def test_a_step_run_as_root_hands_its_files_to_the_course_owner(tmp_path):
    nobody = pwd.getpwnam("nobody")
    course, exchange = tmp_path / "course", tmp_path / "exchange" / classroom.COURSE_ID
    (course / "grades").mkdir(parents=True)
    (exchange / "outbound").mkdir(parents=True)
    os.chown(course, nobody.pw_uid, nobody.pw_gid)
    (course / "grades" / "week1.csv").write_text("student,lab\n")
    (exchange / "outbound" / "lab.ipynb").write_text("{}")
    mine = exchange / "inbound"
    mine.mkdir()
    os.chown(mine, 1, 1)  # a learner's: not root's, left as it is
    classroom.hand_back(course, exchange)
    owners = {p.relative_to(tmp_path): p.lstat().st_uid for p in tmp_path.rglob("*")}
    assert owners.pop(mine.relative_to(tmp_path)) == 1
    assert owners.pop(exchange.parent.relative_to(tmp_path)) == 0  # above the course's
    assert set(owners.values()) == {nobody.pw_uid}, owners
