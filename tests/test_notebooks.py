"""Every lab follows the anatomy of DESIGN.md: graded cells, checks, executed outputs."""

import itertools
import re

import nbformat
import pytest
from conftest import NOTEBOOKS

from tools import browser
from tools.expected_output import TAG as EXPECTED
from tools.expected_output import needs_block, printed_lines


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_there_are_labs():
    assert NOTEBOOKS, "no notebooks/week*/*.ipynb found"


def test_valid_and_grade_ids_unique(nb):
    nbformat.validate(nb)
    ids = [nbgrader(c)["grade_id"] for c in nb.cells if nbgrader(c)]
    assert len(ids) == len(set(ids)), "duplicate nbgrader grade_id"


def test_setup_cell_comes_first(nb):
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "helpers.setup(seed=" in first_code.source


def test_solution_cells_are_graded_functions(nb):
    solutions = [c for c in nb.cells if nbgrader(c).get("solution")]
    assert solutions, "a lab has at least one graded function"
    for cell in solutions:
        name = nbgrader(cell)["grade_id"]
        assert cell.source.startswith(f"# GRADED FUNCTION: {name}\n"), name
        assert re.search(rf"^def {name}\(", cell.source, re.M), name
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def test_each_graded_function_has_a_locked_test_cell_with_points(nb):
    cells = nb.cells
    for i, cell in enumerate(cells):
        if not nbgrader(cell).get("solution"):
            continue
        name = nbgrader(cell)["grade_id"]
        test = cells[i + 1]
        meta = nbgrader(test)
        assert meta.get("grade") and meta.get("locked") and meta.get("points", 0) > 0, name
        assert meta["grade_id"] == f"{name}_test"
        assert f"lab.{name}_test({name}" in test.source
        assert "### BEGIN HIDDEN TESTS" in test.source and "### END HIDDEN TESTS" in test.source


def test_code_cells_are_locked(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and not nbgrader(cell).get("solution"):
            assert nbgrader(cell).get("locked"), cell.source[:60]


def test_committed_executed_without_errors_or_stderr(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count, f"not executed: {cell.source[:60]!r}"
        for out in cell.outputs:
            assert out.output_type != "error", f"{out.get('ename')}: {out.get('evalue')}"
            assert out.get("name") != "stderr", out.get("text")


def test_outputs_do_not_depend_on_where_the_project_is(nb):
    from conftest import ROOT

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
            assert str(ROOT) not in text, f"absolute path in the output of {cell.source[:60]!r}"


def test_unstable_outputs_are_only_explorers_and_timings(nb):
    """nbval skips a cell's outputs only where they cannot repeat: an explorer (its widgets get
    new ids on every run) or a cell that says its timings differ from run to run."""
    for cell in nb.cells:
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            explorer = browser.is_explorer(cell)
            timings = cell.source.startswith("# The timings differ from run to run")
            assert explorer or timings, cell.source[:60]


def test_expected_output_blocks_hold_what_the_solved_lab_prints(nb):
    """Each "Expected output" block follows a code cell, and its lines ("..." skips some)
    appear in that cell's committed outputs, in order: the block is what a learner should see."""
    blocks = 0
    for before, cell in itertools.pairwise(nb.cells):
        if EXPECTED not in cell.metadata.get("tags", []):
            continue
        blocks += 1
        assert before.cell_type == "code" and cell.source.startswith("**Expected output**")
        expected = cell.source.split("```text\n", 1)[1].rsplit("```", 1)[0].splitlines()
        printed, at = printed_lines(before), 0
        for line in expected:
            if line != "...":
                assert line in printed[at:], f"{line!r} is not printed by the cell before"
                at = printed.index(line, at) + 1
    assert blocks >= 5


def test_every_cell_that_prints_numbers_has_an_expected_output_block(nb):
    """A learner's release has no outputs: after every demo or training run that prints
    numbers, an "Expected output" block says what they should see."""
    for cell, after in zip(nb.cells, [*nb.cells[1:], None], strict=True):
        if needs_block(cell):
            assert after is not None and EXPECTED in after.metadata.get("tags", []), (
                f"add an Expected output block after cell {nbgrader(cell).get('grade_id')}"
            )
