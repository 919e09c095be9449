"""The test tiers and how `make test` spreads the files over two workers (tests/conftest.py)."""

import re
from pathlib import Path

import conftest

TESTS = Path(__file__).parent
# a call that grades in the sandbox: tools.grading, tools.classroom's grade, the hub's admin
GRADES = re.compile(r"grading\.grade(_all|_files)?\(|classroom\.grade\(|admin\(\"grade\"\)")


def test_every_file_that_grades_in_the_sandbox_shares_one_worker():
    grading = {p.name for p in TESTS.glob("test_*.py") if GRADES.search(p.read_text())}
    assert grading <= conftest.SANDBOX_FILES, sorted(grading - conftest.SANDBOX_FILES)
    assert conftest.SANDBOX_FILES <= {p.name for p in TESTS.glob("test_*.py")}  # no stale name
    assert conftest.SANDBOX_FILES <= conftest.SLOW_FILES  # make check grades nothing


def test_a_file_is_one_unit_of_work_and_the_sandbox_files_one_together():
    scope = conftest.work_unit
    cells = {scope(f"notebooks/week1/initialization.ipynb::Cell {i}") for i in range(3)}
    assert cells == {"notebooks/week1/initialization.ipynb"}
    assert scope("tests/test_nn.py::test_relu") == scope("tests/test_nn.py::test_x[a::b]")
    assert scope("tests/test_nn.py::test_relu") != scope("tests/test_data.py::test_relu")
    sandboxed = {scope(f"tests/{name}::test_x") for name in conftest.SANDBOX_FILES}
    assert sandboxed == {"sandbox"}
