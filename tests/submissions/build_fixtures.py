"""Build the messy-submission fixtures from the Gradient Checking lab (the fastest to grade).

    python tests/submissions/build_fixtures.py      # rewrites tests/submissions/*.ipynb

Each fixture is what a learner could really hand in, made from the source lab: solutions
kept (answered) or replaced by the release stub (blank), hidden tests and outputs removed.
tests/test_grading_fixtures.py checks that the committed files equal a fresh build.
"""

import json
import re
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent / "notebooks" / "week1" / "gradient_checking.ipynb"
OTHER_LAB = HERE.parent.parent / "notebooks" / "week1" / "initialization.ipynb"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
PATCH_CHECKS = """import helpers.labs.gradient_checking as checks

for name in dir(checks):
    if name.endswith("_test"):
        setattr(checks, name, lambda *args, **kwargs: print("All tests passed."))"""
EXERCISES = ["forward_propagation", "backward_propagation", "gradient_check", "gradient_check_n"]


def student_copy(path, answered=None):
    """Any lab as a learner hands it in: the ``answered`` exercises (default: all) keep their
    solution, the others get the release's stub."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            keep = answered is None or meta["grade_id"] in answered
            cell.source = re.sub(
                r"^( *)### BEGIN SOLUTION\n(.*?)^ *### END SOLUTION\n?",
                (lambda m: m[2]) if keep else (lambda m: _stub(m[1])),
                cell.source,
                flags=re.S | re.M,
            )
        if meta.get("grade"):
            cell.source = re.sub(
                r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S
            )
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _stub(indent):
    return "".join(f"{indent}{line}\n" for line in STUB.splitlines())


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def fixtures():
    """{file name: notebook or raw text}."""
    out = {"correct.ipynb": student_copy(SOURCE), "blank.ipynb": student_copy(SOURCE, [])}
    out["partial.ipynb"] = student_copy(SOURCE, EXERCISES[:2])

    nb = student_copy(SOURCE)
    cell(nb, "gradient_check").source = cell(nb, "gradient_check").source.replace(
        "    J_plus = forward_propagation(x, theta + epsilon)",
        "    while True:\n        pass\n    J_plus = forward_propagation(x, theta + epsilon)",
    )
    out["infinite_loop.ipynb"] = nb

    nb = student_copy(SOURCE)
    cell(nb, "gradient_check_n").source = cell(nb, "gradient_check_n").source.replace(
        "    theta, _ = gradcheck", '    raise ValueError("oops, my bug")\n    theta, _ = gradcheck'
    )
    out["exception.ipynb"] = nb

    nb = student_copy(SOURCE)
    cell(nb, "forward_propagation").source = cell(nb, "forward_propagation").source.replace(
        "    J = theta * x",
        '    import warnings\n    warnings.warn("a library complains", DeprecationWarning)\n    J = theta * x',
    )
    out["stderr_warning.ipynb"] = nb

    nb = student_copy(SOURCE, EXERCISES[1:])
    cell(nb, "forward_propagation_test").source = 'print("All tests passed.")'
    out["edited_test_cell.ipynb"] = nb

    nb = student_copy(SOURCE, [e for e in EXERCISES if e != "backward_propagation"])
    nb.cells.remove(cell(nb, "backward_propagation_test"))
    out["deleted_test_cell.ipynb"] = nb

    nb = student_copy(SOURCE, EXERCISES[1:])
    cell(
        nb, "forward_propagation"
    ).source += (
        '\n\nlab.forward_propagation_test = lambda *args, **kwargs: print("All tests passed.")\n'
    )
    out["redefined_checks.ipynb"] = nb

    nb = student_copy(SOURCE, [])  # answers nothing, makes every check in its kernel pass
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(PATCH_CHECKS, id="patch-checks"))
    out["patched_checks.ipynb"] = nb

    nb = student_copy(SOURCE)
    cell(nb, "gradient_check").source = cell(nb, "gradient_check").source.replace(
        "    grad = backward_propagation(x, theta)", "    grad = backward_propagation(x, theta"
    )
    out["syntax_error.ipynb"] = nb

    text = nbformat.writes(student_copy(SOURCE))
    out["truncated.ipynb"] = text[: len(text) // 2]
    out["not_json.ipynb"] = "I could not finish the lab, sorry!\n"
    out["gradient_checking.ipynb"] = student_copy(OTHER_LAB)  # another lab under this lab's name

    nb = student_copy(SOURCE)
    nb.cells[3].id = nb.cells[2].id
    out["duplicate_ids.ipynb"] = nb
    return out


def serialize(content):
    if isinstance(content, str):
        return content
    # json, not nbformat.writes: that would repair the duplicate ids on purpose left in.
    return json.dumps(content, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for name, content in fixtures().items():
        (HERE / name).write_text(serialize(content))
        print(HERE / name)
