"""One copy of each solution (tools/solutions.py): the graded functions the answer key, the
tests and the bench use are the solved labs' solution cells, read from the notebooks."""

import ast

import nbformat
import pytest

from tools import reference, reference_tf, solutions
from tools.solutions import NOTEBOOKS

LABS = sorted(f"{p.parent.name}/{p.name}" for p in NOTEBOOKS.glob("week*/*.ipynb"))


def graded_names(lab):
    """The functions the lab grades: the names of its ``# GRADED FUNCTION: name`` cells."""
    nb = nbformat.read(NOTEBOOKS / lab, as_version=4)
    heads = [c.source.split("\n", 1)[0] for c in nb.cells if c.cell_type == "code"]
    return [h.split(":", 1)[1].strip() for h in heads if h.startswith("# GRADED FUNCTION:")]


@pytest.mark.parametrize("lab", LABS)
def test_each_lab_solution_cell_is_read_and_runs_with_what_the_lab_imports(lab):
    given = {"tf": reference_tf.tf} if "tensorflow" in lab else {}
    solved = solutions.solutions(lab, **given)
    assert list(solved) == graded_names(lab) != []
    for name, function in solved.items():
        assert solutions.unresolved(function) == set(), name
        assert function.__code__.co_filename == f"<solutions of {lab}>"


def test_the_references_are_the_solved_labs_and_hold_no_copy_of_their_own():
    for module, labs in (
        (reference, reference.LABS),
        (reference_tf, ["week3/tensorflow_introduction.ipynb"]),
    ):
        names = [n for lab in labs for n in graded_names(lab)]
        assert list(module.SOLUTIONS) == names
        for name in names:
            assert getattr(module, name).__code__.co_filename.startswith("<solutions of ")
        with open(module.__file__, encoding="utf-8") as source:
            defined = {
                n.name for n in ast.parse(source.read()).body if isinstance(n, ast.FunctionDef)
            }
        assert defined.isdisjoint(names)


def test_a_name_a_solution_needs_and_nothing_gives_is_reported():
    namespace = {}
    exec("import numpy as np\ndef f(x):\n    return np.tanh(x) + undefined_name(x)", namespace)  # noqa: S102
    assert solutions.unresolved(namespace["f"]) == {"undefined_name"}
