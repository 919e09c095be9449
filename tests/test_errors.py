"""How errors show in a lab (helpers.errors, installed by helpers.setup), in a real kernel: a
failed check's message alone, an exercise not written yet in one line that names it, the
learner's own frames without the helpers', and the cell still fails for every tool."""

import re

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

from helpers import errors

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SETUP = """\
import numpy as np
import helpers
from helpers.labs import initialization as lab
helpers.setup(seed=1)"""


def executed(tmp_path, monkeypatch, *cells):
    """A notebook of the setup cell, two exercise headings and ``cells``, run (allowing
    errors) as Jupyter runs it: the kernel knows its notebook."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_markdown_cell(
            "### Exercise 2 — `initialize_parameters_random`\n\n"
            "### Exercise 3 — `initialize_parameters_he`"
        ),
        *(nbformat.v4.new_code_cell(c) for c in cells),
    ]
    path = tmp_path / "lab.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    return nb


def run(tmp_path, monkeypatch, *cells):
    """{cell index: its error output} of ``executed``."""
    nb = executed(tmp_path, monkeypatch, *cells)
    return {
        i: out
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    }


def shown(error):
    return ANSI.sub("", "\n".join(error.traceback))


STUB = '''def initialize_parameters_random(layers_dims):
    """The released lab's stub."""
    raise NotImplementedError()'''

WRONG = """def initialize_parameters_random(layers_dims):
    np.random.seed(3)
    return {f"W{l}": np.random.randn(layers_dims[l], layers_dims[l - 1])
            for l in range(1, len(layers_dims))} | {
           f"b{l}": np.zeros((layers_dims[l], 1)) for l in range(1, len(layers_dims))}"""

BROKEN = """def initialize_parameters_random(layers_dims):
    return {"W1": np.zeros((2, 3)) @ np.zeros((2, 3))}"""

CHECK = "lab.initialize_parameters_random_test(initialize_parameters_random)"


def test_an_exercise_not_written_yet_is_one_line_naming_it(tmp_path, monkeypatch):
    failed = run(tmp_path, monkeypatch, STUB, CHECK)
    assert list(failed) == [3]  # the check cell fails, as before
    assert failed[3].ename == "NotImplementedError"
    assert shown(failed[3]) == (
        "exercise 2 (initialize_parameters_random) is not written yet: replace "
        "`raise NotImplementedError()` in its cell with your code and run that cell, then "
        "this one."
    )


def test_a_failed_check_shows_its_message_alone(tmp_path, monkeypatch):
    failed = run(tmp_path, monkeypatch, WRONG, CHECK)
    assert failed[3].ename == "AssertionError"
    text = shown(failed[3])
    assert text.startswith("Check failed: initialize_parameters_random") and "\n" not in text
    assert text.removeprefix("Check failed: ") == failed[3].evalue


def test_an_error_in_the_learners_code_shows_their_frames_not_the_helpers(tmp_path, monkeypatch):
    failed = run(tmp_path, monkeypatch, BROKEN, CHECK)
    assert failed[3].ename == "ValueError"
    text = shown(failed[3])
    assert "np.zeros((2, 3)) @ np.zeros((2, 3))" in text  # the learner's line
    assert CHECK in text  # and the call that led there
    assert "helpers" not in text and "checking.py" not in text


def test_errors_without_the_helpers_show_as_python_shows_them(tmp_path, monkeypatch):
    failed = run(
        tmp_path, monkeypatch, "def f():\n    return 1 / 0", "f()", "raise NotImplementedError"
    )
    assert failed[3].ename == "ZeroDivisionError" and "return 1 / 0" in shown(failed[3])
    assert failed[4].ename == "NotImplementedError" and "Traceback" in shown(failed[4])


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("week*/*.ipynb")))
def test_every_graded_function_of_a_lab_has_its_exercise_number(path):
    """Each graded function's name is found under an "Exercise N — `name`" heading, so the
    one line for an exercise not written yet can give its number."""
    nb = nbformat.read(path, as_version=4)
    graded = [
        m
        for c in nb.cells
        if c.cell_type == "code"
        for m in re.findall(r"# GRADED FUNCTION: (\w+)", c.source)
    ]
    assert graded, path.name
    numbers = [errors.exercise_number(name, path) for name in graded]
    assert None not in numbers, dict(zip(graded, numbers, strict=True))
    assert numbers == sorted(numbers)


def test_an_explorer_cell_runs_right_after_the_setup_cell(tmp_path, monkeypatch):
    """Skipping ahead to the explorer works: it runs the learner's functions as they are
    when a control moves, and names the exercise it waits for (no NameError)."""
    move = "ex.controls['iterations'].value = {}\nprint(ex.page.status)"
    nb = executed(
        tmp_path,
        monkeypatch,
        "ex = lab.initialization_explorer(start='He')\nprint(ex.page.status)",
        STUB.replace("random", "he"),
        move.format(1000),
        "from tools.reference import HE as initialize_parameters_he",
        move.format(500),
    )
    printed = {
        i: "".join(o.get("text", "") for o in c.outputs)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
    }
    assert all(o.output_type != "error" for c in nb.cells for o in c.get("outputs", []))
    assert printed[2] == (
        "exercise 3 (initialize_parameters_he) has not run yet: this explorer runs your own "
        "code. Run its cell, then move a control here.\n"
    )
    assert printed[4] == (
        "exercise 3 (initialize_parameters_he) is not written yet: this explorer runs your own "
        "code. Write it, run its cell, then move a control here.\n"
    )
    assert printed[6].startswith("He after 500 iterations: train accuracy")
