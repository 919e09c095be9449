"""make lab's workspace (tools.learner_labs): released copies, made once, never overwritten."""

import json
import shutil

import nbformat
import pytest
from conftest import ROOT

from tools import learner_labs

LAB = "week1/gradient_checking.ipynb"


@pytest.fixture
def course(tmp_path):
    """A course with one lab (the quickest to release), which the test may change."""
    root = tmp_path / "course"
    (root / "notebooks" / "week1").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copy(ROOT / "notebooks" / LAB, root / "notebooks" / LAB)
    return root


def change_upstream(root, text):
    nb = nbformat.read(root / "notebooks" / LAB, as_version=4)
    nb.cells[0].source += f"\n\n{text}"
    nbformat.write(nb, root / "notebooks" / LAB)


def test_first_run_releases_the_lab_without_solutions(course, tmp_path):
    mine = tmp_path / "my_labs"
    assert learner_labs.prepare(mine, course) == [f"{LAB}: released"]
    text = (mine / LAB).read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "raise NotImplementedError()" in text
    assert "lab.gradient_check_n_test(gradient_check_n)" in text  # the check cells stay
    nb = nbformat.read(mine / LAB, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_learners_work_is_never_overwritten(course, tmp_path):
    mine = tmp_path / "my_labs"
    learner_labs.prepare(mine, course)
    nb = nbformat.read(mine / LAB, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("my_answer = 42"))
    nbformat.write(nb, mine / LAB)
    edited = (mine / LAB).read_bytes()
    assert learner_labs.prepare(mine, course) == []  # same release: nothing to say
    assert (mine / LAB).read_bytes() == edited

    change_upstream(course, "A clearer sentence.")
    assert learner_labs.prepare(mine, course) == [
        f"{LAB} changed upstream: the new version is gradient_checking.updated.ipynb beside "
        "it; your copy is untouched"
    ]
    assert (mine / LAB).read_bytes() == edited
    updated = mine / "week1" / "gradient_checking.updated.ipynb"
    assert "A clearer sentence." in updated.read_text()
    assert learner_labs.prepare(mine, course) == []  # said once

    updated.write_text(updated.read_text().replace("A clearer sentence.", "my notes"))
    change_upstream(course, "Another fix.")
    [line] = learner_labs.prepare(mine, course)
    assert "my notes" in updated.read_text()  # the learner's edits there are kept too
    newer = sorted((mine / "week1").glob("gradient_checking.updated-*.ipynb"))
    assert len(newer) == 1 and newer[0].name in line and "Another fix." in newer[0].read_text()


def test_a_deleted_copy_is_released_again(course, tmp_path):
    mine = tmp_path / "my_labs"
    learner_labs.prepare(mine, course)
    (mine / LAB).unlink()
    assert learner_labs.prepare(mine, course) == [f"{LAB}: released again (your copy was gone)"]
    assert json.loads((mine / ".released.json").read_text())[LAB]


def test_only_a_lab_whose_source_changed_is_released_again(course, tmp_path, monkeypatch):
    """A later ``make lab`` runs nbgrader only for what changed (content hashes of the source
    lab and nbgrader's config), not for every lab."""
    other = "week1/initialization.ipynb"
    shutil.copy(ROOT / "notebooks" / other, course / "notebooks" / other)
    mine = tmp_path / "my_labs"
    assert len(learner_labs.prepare(mine, course)) == 2
    released = []
    real = learner_labs.release
    monkeypatch.setattr(
        learner_labs,
        "release",
        lambda root: (
            released.append(
                sorted(
                    p.relative_to(root / "notebooks").as_posix()
                    for p in (root / "notebooks").glob("week*/*.ipynb")
                )
            )
            or real(root)
        ),
    )
    assert learner_labs.prepare(mine, course) == [] and released == []  # nothing changed
    change_upstream(course, "A clearer sentence.")
    [line] = learner_labs.prepare(mine, course)
    assert line.startswith(f"{LAB} changed upstream") and released == [[LAB]]
    assert learner_labs.prepare(mine, course) == [] and released == [[LAB]]
    (course / "nbgrader_config.py").write_text(
        (course / "nbgrader_config.py").read_text() + "\n# edited\n"
    )
    assert learner_labs.prepare(mine, course) == []  # the same student versions: nothing new
    assert released[-1] == sorted([LAB, other])  # but both were made again to know it


def test_jupyterlab_news_prompt_is_off():
    overrides = json.loads((ROOT / "tools" / "jupyterlab_overrides.json").read_text())
    settings = overrides["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}
