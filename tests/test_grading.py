"""nbgrader releases the labs; the grader runs exactly the released public checks (plus the
hidden ones) and gives an untouched release zero. Full marks: test_grading_fixtures.py."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

from tools import grading

WEEKS = sorted({p.parent.name for p in NOTEBOOKS})


def nbgrader(course, *args):
    """Run the nbgrader CLI in ``course``; fail with its log if it fails."""
    bin_dir = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [str(bin_dir / "nbgrader"), *args, "--log-level=WARN"]
    done = subprocess.run(cmd, cwd=course, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def graded_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="module", params=WEEKS)
def course(request, tmp_path_factory):
    """A course directory with the repo's config and labs, and the week released."""
    week = request.param
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "notebooks" / week, course / "notebooks" / week)
    nbgrader(course, "generate_assignment", week, "--force")
    return course, week


def test_release_strips_solutions_and_hidden_tests(course):
    course, week = course
    for source in sorted((course / "notebooks" / week).glob("*.ipynb")):
        release = course / "release" / week / source.name
        text = release.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{release.name} still holds {marker}"
        nb = nbformat.read(release, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                assert "raise NotImplementedError()" in cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [], "release outputs are cleared"


def test_grader_runs_the_released_public_checks(course):
    """The checks the grader runs first are the test cells the learner sees in the release."""
    course, week = course
    for release in sorted((course / "release" / week).glob("*.ipynb")):
        cells = {c.metadata["nbgrader"]["grade_id"]: c.source for c in graded_cells(release)}
        exercises = grading.exercises(release.stem)
        assert [e.grade_id for e in exercises] == list(cells)
        assert all(cells[e.grade_id].strip() == e.public and e.hidden for e in exercises)


def test_blank_release_fails_every_graded_cell(course, tmp_path):
    """A learner's untouched release: every exercise 0, "not answered"."""
    course, week = course
    for release in sorted((course / "release" / week).glob("*.ipynb")):
        result = grading.grade(release, tmp_path)
        assert not result.error and result.exercises, grading.format_table(result)
        assert all(e["points"] == 0 for e in result.exercises), grading.format_table(result)
        assert all("not answered" in e["message"] for e in result.exercises)


def test_release_runs_until_the_first_exercise(course):
    """A learner's first Run All: everything before the first exercise works."""
    course, week = course
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    for release in sorted((course / "release" / week).glob("*.ipynb")):
        nb = nbformat.read(release, as_version=4)
        client = NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(release.parent)}},
        )
        with pytest.raises(CellExecutionError) as err:
            client.execute()
        assert "NotImplementedError" in str(err.value)
        failed = next(
            c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))
        )
        assert failed.metadata["nbgrader"].get("grade"), "first failure is a graded check"
        assert os.path.exists(release)  # nothing of the learner's was touched
