"""Shared fixtures. Notebooks under tests/ are fixtures, never collected by nbval."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "datasets" / "reference"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("week*/*.ipynb"))

collect_ignore_glob = ["**/*.ipynb"]

# The files that grade in the sandbox (or start the hub, which does). `make test` runs on two
# cores (pytest-xdist, -n 2): each file's tests go to one worker, in order, with its module
# fixtures built once, and nbval's cells of a lab share one kernel; these files all go to the
# same worker, so that their sandboxes never run beside each other's (the red-team suite looks
# for any sandbox process left behind, and the busy neighbour measures a sandbox's share of
# the CPU against one other).
SANDBOX_FILES = {
    "test_classroom.py",
    "test_grading.py",
    "test_grading_fixtures.py",
    "test_grading_memory.py",
    "test_grading_redteam.py",
    "test_grading_wrappers.py",
    "test_hub.py",
}

# What `make check` leaves to `make test` (marked "slow"): the files that execute labs, drive a
# browser, grade in the sandbox, run nbgrader, start a hub, build the learners' environment or
# train models to judge the data. The rest are the unit tests of the helpers, the checks, the
# codec, the explorers and the tools' logic.
SLOW_FILES = SANDBOX_FILES | {
    "test_browser.py",
    "test_html_export.py",
    "test_binder.py",
    "test_learner_labs.py",
    "test_reference_data.py",
    "test_signs.py",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_FILES or item.path.suffix == ".ipynb":  # nbval's labs
            item.add_marker(pytest.mark.slow)


def work_unit(nodeid):
    """What one worker runs whole under `make test`: the test's file, or "sandbox"."""
    path = nodeid.split("::", 1)[0]
    return "sandbox" if Path(path).name in SANDBOX_FILES else path


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: pytest without it ignores this
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    return ByFile(config, log)


# The source labs' hidden tests (run by nbval) and the tests' own hidden cases are answered by
# the instructor's answer key; kernels started by the tests inherit this.
from tools.execute_notebooks import answer_key_environment  # noqa: E402

answer_key_environment()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty dataset folder that helpers.data uses instead of datasets/."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def _agg_backend():
    import matplotlib

    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session", autouse=True)
def _project_datasets():
    """The project's dataset files, built if missing (what `make datasets` does first), so
    that `pytest` alone works on a fresh clone. Explorer grids train on first use."""
    from tools import datasets

    datasets.build()


def _lab_cells(lab):
    """The cells of ``notebooks/*/<lab>.ipynb``."""
    import nbformat

    (path,) = (ROOT / "notebooks").glob(f"week*/{lab}.ipynb")
    return nbformat.read(path, as_version=4).cells


def lab_text(lab, phrase):
    """The Markdown cell of ``notebooks/*/<lab>.ipynb`` that holds ``phrase`` (for tests that
    check a sentence's figures against computed values)."""
    cells = [c.source for c in _lab_cells(lab) if c.cell_type == "markdown"]
    (cell,) = [source for source in cells if phrase in source]
    return cell


def lab_code(lab, start):
    """The code cell of ``notebooks/*/<lab>.ipynb`` that starts with ``start``."""
    (cell,) = [
        c.source for c in _lab_cells(lab) if c.cell_type == "code" and c.source.startswith(start)
    ]
    return cell


def lab_printed(lab):
    """The printed text of each output of ``notebooks/*/<lab>.ipynb``, as committed (nbval
    holds it to what the lab computes)."""
    return [o.get("text", "") for c in _lab_cells(lab) if c.cell_type == "code" for o in c.outputs]
