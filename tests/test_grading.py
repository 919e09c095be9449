"""nbgrader releases the labs; the grader runs exactly the released public checks (plus the
hidden ones) and gives an untouched release zero. Full marks: test_grading_fixtures.py."""

import os
import shutil
import symtable

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

from tools import grading

WEEKS = sorted({p.parent.name for p in NOTEBOOKS})


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
    grading.run_nbgrader(course, "generate_assignment", week, "--force")
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
        source = nbformat.read(source, as_version=4)
        assert "widgets" in source.metadata and "widgets" not in nb.metadata, (
            "the solved lab's saved explorer frames stay out of the release"
        )


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


def _names(code):
    """(names a cell binds at top level, global names it or its functions read)."""
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("%"))
    top = symtable.symtable(code, "cell", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        read |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
        tables += table.get_children()
    return bound, read


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_demo_cells_skipped_when_grading_are_needed_by_no_other_cell(source):
    """The grader does not run cells tagged skip-when-grading (training runs, plots,
    explorers), so no other cell, and no graded function, may read a name only they bind."""
    nb = nbformat.read(source, as_version=4)
    demos = grading.demo_cells(nb)
    assert demos, "tag the lab's training runs and explorers: grading then skips them"
    code = [
        (c.metadata.get("nbgrader", {}), _names(c.source))
        for c in nb.cells
        if c.cell_type == "code"
    ]
    for meta, _ in code:
        if meta.get("grade_id") in demos:
            assert meta.get("locked") and not meta.get("solution") and not meta.get("grade")
    kept = [names for meta, names in code if meta.get("grade_id") not in demos]
    only_in_demos = set().union(*(b for meta, (b, _) in code if meta.get("grade_id") in demos))
    only_in_demos -= set().union(*(b for b, _ in kept))
    needed = {name for _, read in kept for name in read if name in only_in_demos}
    assert not needed, f"cells run when grading read {needed}, bound only in demo cells"
