"""The instructor's week through nbgrader's real exchange (``tools/classroom.py``): release,
two learners fetch and submit (one solves an exercise, one hands in a hostile notebook),
collect, sandboxed grading, feedback released and fetched by each learner."""

import json
import shutil
import sys

import nbformat
import pytest
from conftest import ROOT

from tools import classroom, grading

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build_fixtures  # noqa: E402

WEEK, LAB = "week1", "gradient_checking"
PATCH_CHECKS = """
import helpers.labs.gradient_checking as checks
for name in dir(checks):
    if name.endswith("_test"):
        setattr(checks, name, lambda *a, **k: print("All tests passed."))
"""


def learner(home, exchange, step, *extra):
    """What a learner's Assignments tab runs: an nbgrader exchange step, in their folder, with
    their own submissions cache (each learner is a user of their own on a real hub)."""
    return classroom.nbgrader(
        home, step, WEEK, exchange, f"--Exchange.cache={home / '.cache'}", *extra
    )


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The week run end to end; (course folder, learners' folders, results by student)."""
    tmp = tmp_path_factory.mktemp("class")
    course, exchange = tmp / "course", tmp / "exchange"
    course.mkdir()
    exchange.mkdir(mode=0o1777)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "notebooks" / WEEK, course / "notebooks" / WEEK)
    released = classroom.release(course, WEEK, exchange)
    assert sorted(p.stem for p in released) == [
        "gradient_checking",
        "initialization",
        "regularization",
    ]
    homes = {name: tmp / name for name in ("alice", "bob")}
    for home in homes.values():
        home.mkdir()
        learner(home, exchange, "fetch_assignment")
        for other in (home / WEEK).glob("*.ipynb"):  # each hands in the Gradient Checking lab
            if other.stem != LAB:
                other.unlink()
    alice = build_fixtures.student_copy(
        course / "notebooks" / WEEK / f"{LAB}.ipynb", ["forward_propagation"]
    )
    nbformat.write(alice, homes["alice"] / WEEK / f"{LAB}.ipynb")
    bob = nbformat.read(homes["bob"] / WEEK / f"{LAB}.ipynb", as_version=4)
    bob.cells.append(nbformat.v4.new_code_cell(PATCH_CHECKS))
    nbformat.write(bob, homes["bob"] / WEEK / f"{LAB}.ipynb")
    for name, home in homes.items():
        learner(home, exchange, "submit", f"--student={name}")
    collected = classroom.collect(course, WEEK, exchange)
    assert {k: [p.name for p in v] for k, v in collected.items()} == {
        "alice": [f"{LAB}.ipynb"],
        "bob": [f"{LAB}.ipynb"],
    }
    results = classroom.grade(course, WEEK, workers=2)
    classroom.feedback(course, WEEK, exchange)
    for name, home in homes.items():
        learner(home, exchange, "fetch_feedback", f"--student={name}")
    return course, homes, {grading.student_of(r.submission): r for r in results}


def test_each_learner_is_graded_on_what_they_wrote(week):
    course, _, results = week
    alice, bob = results["alice"], results["bob"]
    points = {e["exercise"]: e["points"] for e in alice.exercises}
    assert not alice.error and points["forward_propagation"] == 1 and alice.score == 1
    assert not bob.error and bob.score == 0, "patching the checks in the kernel gains nothing"
    stored = json.loads((course / "grades" / WEEK / "alice" / f"{LAB}.json").read_text())
    assert stored["score"] == 1
    rows = (course / "grades" / f"{WEEK}.csv").read_text().splitlines()
    assert rows[0] == "student,lab,score,max_score,error" and len(rows) == 3
    assert any(r.startswith(f"alice,{LAB},1.0,4.0") for r in rows)


def test_the_gradebook_holds_the_scores_for_nbgrader(week):
    from nbgrader.api import Gradebook

    course, _, _ = week
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(WEEK, "alice").score == 1
        assert gb.find_submission(WEEK, "bob").score == 0


def test_each_learner_fetches_their_own_feedback(week):
    _, homes, _ = week
    pages = {
        name: sorted((home / WEEK / "feedback").glob(f"*/{LAB}.html"))
        for name, home in homes.items()
    }
    assert all(len(p) == 1 for p in pages.values()), pages
    alice, bob = (pages[n][0].read_text() for n in ("alice", "bob"))
    assert "<strong>Score: 1 / 4</strong>" in alice and "1 / 1: All tests passed." in alice
    assert "<strong>Score: 0 / 4</strong>" in bob
    assert alice != bob and "BEGIN HIDDEN TESTS" not in alice + bob


def test_a_step_with_nothing_to_work_on_says_what_to_do_first(tmp_path):
    (tmp_path / "exchange").mkdir()
    with pytest.raises(SystemExit, match="nothing submitted for week1 yet"):
        classroom.collect(tmp_path, WEEK, tmp_path / "exchange")
    with pytest.raises(SystemExit, match="no submissions of week1 .*: collect first"):
        classroom.grade(tmp_path, WEEK)
    with pytest.raises(SystemExit, match="no feedback for week1 .*: grade first"):
        classroom.feedback(tmp_path, WEEK, tmp_path / "exchange")
