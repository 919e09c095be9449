"""The labs grade on real nbgrader: the solution gets full marks, the release gets zero."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

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
    """A course directory with the repo's config and labs; week released and autograded
    for two students: 'solution' (the source labs) and 'blank' (the release, untouched)."""
    week = request.param
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "notebooks" / week, course / "notebooks" / week)
    nbgrader(course, "generate_assignment", week, "--force")
    for student, origin in (("solution", course / "notebooks"), ("blank", course / "release")):
        shutil.copytree(origin / week, course / "submitted" / student / week)
    nbgrader(course, "autograde", week, "--create", "--force")
    return course, week


def scores(course, week, student):
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for path in sorted((course / "notebooks" / week).glob("*.ipynb")):
            sub = gb.find_submission_notebook(path.stem, week, student)
            result.update({(path.stem, g.name): (g.score, g.max_score) for g in sub.grades})
    return result


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


def test_solution_gets_full_marks(course):
    course, week = course
    got = scores(course, week, "solution")
    expected = sum(len(graded_cells(p)) for p in (course / "notebooks" / week).glob("*.ipynb"))
    assert len(got) == expected > 0
    assert all(score == max_score > 0 for score, max_score in got.values()), got


def test_blank_release_fails_every_graded_cell(course):
    course, week = course
    got = scores(course, week, "blank")
    assert got and all(score == 0 for score, _ in got.values()), got


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
