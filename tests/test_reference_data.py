"""The Regularization lab on the course's real goalkeeper data, when the reference folder exists.

The labs read any file in the course's schema: the notebook runs unchanged with a data folder
holding the course's regularization.h5 under the project's name (in a temporary folder, never
in the project). Its printed results must be the course's published accuracies (the course's
"test" set is the lab's dev set).
"""

import re
import shutil

import nbformat
import pytest
from conftest import REFERENCE, ROOT

pytestmark = pytest.mark.skipif(not REFERENCE.exists(), reason=f"no reference data at {REFERENCE}")

COURSE_RESULTS = {  # the course's notebook: train, "test" (the lab's dev set)
    "no regularization": (94.79, 91.50),
    "L2, lambda = 0.7": (93.84, 93.00),
    "dropout, one fixed mask": (92.89, 95.00),  # the course's dropout: one mask for all steps
}


def test_regularization_lab_on_the_courses_data(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    from helpers import data
    from tools.datasets import write_h5

    # The course's train and dev sets; the course has no test set apart, so the lab's last
    # section reads the project's.
    course = data.read_h5(REFERENCE / "regularization.h5", data.SPLIT_KEYS)
    ours = data.read_h5(data.DATASETS["goalkeeper"].path, ("heldout_set_x", "heldout_set_y"))
    write_h5(tmp_path / "goalkeeper.h5", course | ours)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    from tools import precompute

    precompute.regularization_grid()  # what `make datasets` does with the course's file there
    source = ROOT / "notebooks" / "week1" / "regularization.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells = [c for c in nb.cells if "nbval-ignore-output" not in c.metadata.get("tags", [])]
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    ).execute()
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "train_X (2, 211)" in printed and "dev_X   (2, 200)" in printed
    for name, (train, test) in COURSE_RESULTS.items():
        row = re.search(rf"^{re.escape(name)}\s+([\d.]+)%\s+([\d.]+)%$", printed, re.M)
        assert row, f"no results row for {name}"
        assert (float(row[1]), float(row[2])) == (train, test)


def test_tensorflow_lab_model_on_the_real_signs_photos(tmp_path):
    from test_signs import train_lab_model

    from helpers import data

    for name in data.COURSE_SIGNS:
        shutil.copy(REFERENCE / name, tmp_path / name)
    real = data.load_signs(tmp_path)
    train, test = train_lab_model(real)
    print(f"lab model on the course's photos: train {train:.3f}, test {test:.3f}")
    assert 0.6 < test < train < 0.95
