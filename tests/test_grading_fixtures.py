"""Messy real-world submissions (tests/submissions/) graded by tools.grading; every lab's
round trip (release -> answers filled in -> full marks)."""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from helpers import checking
from tools import grading

SUBMISSIONS = ROOT / "tests" / "submissions"
sys.path.insert(0, str(SUBMISSIONS))
import build_fixtures  # noqa: E402

EX = ["forward_propagation", "backward_propagation", "gradient_check", "gradient_check_n"]
EXPECTED = {  # file: (points per exercise, a message that must appear) or the error
    "correct.ipynb": ([1, 1, 1, 1], "All tests passed."),
    "blank.ipynb": ([0, 0, 0, 0], "not answered (NotImplementedError)"),
    "partial.ipynb": ([1, 1, 0, 0], "not answered"),
    "infinite_loop.ipynb": ([1, 1, 0, 1], "timed out after 10 s (an endless loop?)"),
    "exception.ipynb": ([1, 1, 1, 0], "ValueError: oops, my bug"),
    "stderr_warning.ipynb": ([1, 1, 1, 1], "All tests passed."),
    "edited_test_cell.ipynb": ([0, 1, 0, 1], "not answered"),  # gradient_check needs exercise 1
    "deleted_test_cell.ipynb": (
        [1, 0, 0, 1],
        "restored deleted cells from the source: backward_propagation_test",
    ),
    # the checks run in the grader, not in the kernel: redefining them there changes nothing
    "redefined_checks.ipynb": ([0, 1, 0, 1], "not answered (NotImplementedError)"),
    "patched_checks.ipynb": ([0, 0, 0, 0], "not answered (NotImplementedError)"),
    "syntax_error.ipynb": ([1, 1, 0, 1], "NameError: name 'gradient_check' is not defined"),
    "duplicate_ids.ipynb": ([1, 1, 1, 1], "All tests passed."),
    "truncated.ipynb": "not a readable notebook (truncated or not JSON",
    "not_json.ipynb": "not a readable notebook (truncated or not JSON",
    "gradient_checking.ipynb": "this file holds the 'initialization' lab, not 'gradient_checking'",
}


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_fixtures_match_the_current_lab():
    built = build_fixtures.fixtures()
    assert sorted(built) == sorted(p.name for p in SUBMISSIONS.glob("*.ipynb")) == sorted(EXPECTED)
    for name, content in built.items():
        assert (SUBMISSIONS / name).read_text() == build_fixtures.serialize(content), (
            f"{name} is stale: run python tests/submissions/build_fixtures.py"
        )


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    before = {p.name: digest(p) for p in SUBMISSIONS.glob("*.ipynb")}
    results = grading.grade_all(SUBMISSIONS, out, workers=2, timeout=10)
    after = {p.name: digest(p) for p in SUBMISSIONS.glob("*.ipynb")}
    assert before == after, "grading wrote to a submission"
    return out, {Path(r.submission).name: r for r in results}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_is_graded_as_expected(batch, name):
    out, results = batch
    result, expected = results[name], EXPECTED[name]
    stored = json.loads((out / f"{Path(name).stem}.json").read_text())
    assert stored["score"] == result.score and stored["error"] == result.error
    if isinstance(expected, str):
        assert expected in result.error and result.score == 0
        return
    points, message = expected
    assert result.lab == "gradient_checking" and not result.error
    assert [e["exercise"] for e in result.exercises] == EX
    assert [e["points"] for e in result.exercises] == points
    assert result.score == sum(points) and result.max_score == 4
    table = grading.format_table(result)
    assert message in table and f"total: {sum(points):g} / 4" in table
    assert (
        Path(result.feedback).exists()
        and "<html" in Path(result.feedback).read_text()[:2000].lower()
    )


def test_batch_writes_a_csv_with_every_submission(batch):
    out, results = batch
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0] == "submission,lab,score,max_score,error" and len(rows) == len(EXPECTED) + 1
    assert "partial.ipynb,gradient_checking,2.0,4.0," in rows


def test_grading_is_deterministic(batch, tmp_path):
    _, results = batch
    again = grading.grade(SUBMISSIONS / "partial.ipynb", tmp_path, timeout=10)
    first = results["partial.ipynb"]
    assert (again.score, again.exercises, again.notes) == (
        first.score,
        first.exercises,
        first.notes,
    )


def test_cli_grade_prints_the_table_and_exits_0(tmp_path, capsys):
    assert grading.main(["grade", str(SUBMISSIONS / "not_json.ipynb"), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not graded: not a readable notebook" in out and "total: 0 / 0" in out
    assert (tmp_path / "not_json.json").exists()
    with pytest.raises(SystemExit):
        grading.main(["grade", str(tmp_path / "missing.ipynb")])


def test_release_builds_every_week(tmp_path):
    import shutil

    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    released = grading.release(tmp_path)
    sources = sorted(
        p.relative_to(tmp_path / "notebooks")
        for p in (tmp_path / "notebooks").glob("week*/*.ipynb")
    )
    assert [p.relative_to(tmp_path / "release") for p in released] == sources
    for path in released:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        assert "raise NotImplementedError()" in text


@pytest.mark.parametrize("lab", sorted(grading.labs()))
def test_round_trip_every_lab_gets_full_marks(lab, tmp_path):
    """source -> learner's copy of the release with every answer filled in -> full marks."""
    import nbformat

    submission = tmp_path / "submitted" / f"{lab}.ipynb"
    submission.parent.mkdir()
    nbformat.write(build_fixtures.student_copy(grading.labs()[lab]), submission)
    result = grading.grade(submission, tmp_path / "grades")
    assert not result.error and result.lab == lab
    assert result.exercises and all(e["points"] == e["max"] > 0 for e in result.exercises), (
        grading.format_table(result)
    )
    assert all(e["message"] == "All tests passed." for e in result.exercises)


def test_one_cell_timeout_for_grading_and_for_nbgrader_run_by_hand():
    """tools.grading passes CELL_TIMEOUT to nbgrader; nbgrader_config.py (used when an
    instructor runs nbgrader directly) must say the same."""
    config = (ROOT / "nbgrader_config.py").read_text()
    assert f"c.Execute.timeout = {grading.CELL_TIMEOUT}" in config


def test_scores_land_in_nbgrader_gradebook(batch):
    """nbgrader's gradebook holds the batch (one student per file), so that `nbgrader export`
    and formgrader see it; points and maxima come from the source lab."""
    from nbgrader.api import Gradebook

    out, results = batch
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook("gradient_checking", "week1", "partial")
        assert notebook.score == 2 and notebook.max_score == 4
        assert gb.find_submission_notebook("gradient_checking", "week1", "correct").score == 4
        assert {s.id for s in gb.students} == {
            Path(r.submission).stem for r in results.values() if not r.error
        }


def test_no_sandbox_flag_grades_and_says_so(tmp_path, capsys):
    assert (
        grading.main(
            [
                "grade",
                str(SUBMISSIONS / "partial.ipynb"),
                "--out",
                str(tmp_path),
                "--no-sandbox",
                "--timeout",
                "10",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "NOT SANDBOXED (--no-sandbox)" in out and "total: 2 / 4" in out


def test_missing_bubblewrap_stops_with_the_install_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    assert grading.main(["grade", str(SUBMISSIONS / "partial.ipynb"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "sudo apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not list(tmp_path.glob("*.json")), "nothing graded"


def test_hidden_failures_do_not_show_the_expected_values():
    message = "f([5, 7]): W1 has wrong values: at index (0, 1) got 0.5, expected 0.1234."
    assert grading.without_expected_values(message) == (
        "f([5, 7]): W1 has wrong values: at index (0, 1) got 0.5."
    )
    assert grading.without_expected_values("b has shape (3, 1), expected (4, 1).") == (
        "b has shape (3, 1)."
    )
    # a constant factor, with what was got, would tell the expected values: it goes too
    with pytest.raises(AssertionError, match="every entry is 0.1 ×") as failed:
        checking.assert_array("W1", np.array([0.5, 1.0]), np.array([5.0, 10.0]))
    assert grading.without_expected_values(str(failed.value)) == (
        "W1 has wrong values: at index (1,) got 1."
    )


def test_limit_flags_reach_the_sandbox(tmp_path, monkeypatch):
    seen = {}

    def fake_grade(submission, out, **options):
        seen.update(options)
        return grading.Result(submission=str(submission))

    monkeypatch.setattr(grading, "grade", fake_grade)
    monkeypatch.setattr(grading, "record", lambda *args: None)
    flags = ["--memory-gib", "2", "--disk-mib", "64", "--notebook-timeout", "30"]
    flags += ["--budget", "300", "--no-sandbox"]
    grading.main(["grade", str(SUBMISSIONS / "partial.ipynb"), "--out", str(tmp_path), *flags])
    limits = seen["limits"]
    assert (limits.memory, limits.disk, limits.notebook_timeout) == (2 * 2**30, 64 * 2**20, 30)
    assert limits.budget == 300
    assert limits.processes == 256 and seen["sandboxed"] is False and seen["timeout"] == 120


def test_grade_all_says_when_busy_submissions_can_slow_the_others(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grading, "grade_all", lambda *args, **kwargs: [])
    monkeypatch.setattr(grading.sandbox, "cpu_isolated", lambda: False)
    grading.main(["grade-all", str(tmp_path), "--out", str(tmp_path / "out")])
    assert grading.CPU_SHARED in capsys.readouterr().err
    grading.main(["grade-all", str(tmp_path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert grading.CPU_SHARED not in capsys.readouterr().err
