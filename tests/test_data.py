import re

import h5py
import numpy as np
import pytest
from conftest import ROOT

from helpers import data
from tools import datasets


def test_load_circles_course_shapes_and_dtypes():
    train_X, train_Y, test_X, test_Y = data.load_circles()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    assert train_X.dtype == np.float64 and train_Y.dtype == np.int64
    assert set(np.unique(train_Y)) == {0, 1}
    # make_circles puts half the points on each circle
    assert train_Y.sum() == 150 and test_Y.sum() == 50


def test_generator_is_the_course_recipe():
    from sklearn.datasets import make_circles

    np.random.seed(2)
    x, y = make_circles(n_samples=100, noise=0.05)
    arrays = datasets.make_circles()
    np.testing.assert_array_equal(arrays["test_set_x"], x)
    np.testing.assert_array_equal(arrays["test_set_y"], y)


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_committed_file_matches_generator_and_readme_checksum(name):
    spec = data.DATASETS[name]
    path = ROOT / "datasets" / spec.filename
    arrays = datasets.MAKERS[name]()
    stored = data.read_h5(path, sorted(arrays))
    for key, value in arrays.items():
        np.testing.assert_array_equal(stored[key], value)
    readme = (ROOT / "datasets" / "README.md").read_text()
    assert re.search(rf"{data.sha256(path)}\s+{re.escape(spec.filename)}", readme), (
        "update datasets/README.md"
    )


def test_build_is_byte_for_byte_reproducible(data_dir):
    assert "built" in datasets.build(["circles"])[0]
    first = data.sha256(data_dir / "circles.h5")
    (data_dir / "circles.h5").unlink()
    datasets.build(["circles"])
    assert data.sha256(data_dir / "circles.h5") == first
    assert datasets.build(["circles"]) == [f"circles: ok ({data_dir / 'circles.h5'})"]


def test_build_never_overwrites_a_different_file(data_dir):
    mine = data_dir / "circles.h5"
    datasets.write_h5(
        mine, {**datasets.make_circles(), "train_set_y": np.zeros(300, dtype=np.int64)}
    )
    before = mine.read_bytes()
    [line] = datasets.build(["circles"])
    assert "differs" in line and "--force" in line
    assert mine.read_bytes() == before
    [line] = datasets.build(["circles"], force=True)
    assert "built" in line
    assert (data_dir / "circles.h5.bak").read_bytes() == before
    data.load_circles()  # the rebuilt file loads


def test_missing_file_names_file_and_fix(data_dir):
    with pytest.raises(
        data.DatasetError,
        match=r"circles\.h5: file not found.*`make datasets` \(or `python -m tools\.datasets build circles`\)",
    ):
        data.load_circles()


def test_truncated_file(data_dir, tmp_path):
    datasets.build(["circles"])
    path = data_dir / "circles.h5"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(
        data.DatasetError,
        match=r"circles\.h5: not a readable HDF5 file.*`python -m tools\.datasets build circles`",
    ):
        data.load_circles()


def test_not_hdf5_at_all(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("hello")
    with pytest.raises(
        data.DatasetError, match=r"notes\.h5: not a readable HDF5 file.*course's schema"
    ):
        data.load_circles(path)


def test_missing_key_is_named(tmp_path):
    path = tmp_path / "c.h5"
    arrays = datasets.make_circles()
    del arrays["test_set_y"]
    datasets.write_h5(path, arrays)
    with pytest.raises(
        data.DatasetError, match=r"missing key\(s\) test_set_y \(found: list_classes"
    ):
        data.load_circles(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "train_set_x",
            np.zeros((300, 3)),
            r"train_set_x has shape \(300, 3\), expected \(examples, 2\)",
        ),
        (
            "train_set_y",
            np.zeros(299, dtype=np.int64),
            r"train_set_y has shape \(299,\), expected \(300,\)",
        ),
        ("test_set_y", np.full(100, 7), r"test_set_y holds labels \[7\], expected only \[0, 1\]"),
        ("test_set_x", np.full((100, 2), np.nan), r"test_set_x holds non-numeric or non-finite"),
    ],
)
def test_wrong_schema_is_explained(tmp_path, key, value, message):
    path = tmp_path / "c.h5"
    datasets.write_h5(path, {**datasets.make_circles(), key: value})
    with pytest.raises(data.DatasetError, match=message):
        data.load_circles(path)


def test_labels_stored_as_row_are_accepted(tmp_path):
    path = tmp_path / "c.h5"
    arrays = datasets.make_circles()
    arrays["train_set_y"] = arrays["train_set_y"].reshape(1, -1)
    datasets.write_h5(path, arrays)
    assert data.load_circles(path)[1].shape == (1, 300)


def test_cli_build_and_unknown_name(data_dir, capsys):
    assert datasets.main(["build"]) == 0
    assert "circles: built" in capsys.readouterr().out
    assert datasets.main(["check"]) == 0
    assert datasets.main(["build", "mnist"]) == 2
    assert "unknown dataset 'mnist'; choose from circles" in capsys.readouterr().err


def test_check_reports_a_differing_file(data_dir, capsys):
    datasets.write_h5(data_dir / "circles.h5", {"train_set_x": np.zeros((1, 2))})
    assert datasets.main(["check"]) == 1
    assert "circles: differs or missing" in capsys.readouterr().out
    with h5py.File(data_dir / "circles.h5") as f:  # untouched
        assert list(f) == ["train_set_x"]


# ---------------------------------------------------------------- goalkeeper (Regularization)

from conftest import REFERENCE  # noqa: E402

needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(), reason=f"no reference data at {REFERENCE}"
)


def test_load_goalkeeper_shapes():
    train_X, train_Y, test_X, test_Y = data.load_goalkeeper()
    assert train_X.shape == (2, 211) and train_Y.shape == (1, 211)
    assert test_X.shape == (2, 200) and test_Y.shape == (1, 200)
    assert 0.4 < train_Y.mean() < 0.6  # both classes well represented


def test_goalkeeper_test_set_is_new_positions_from_the_same_generator():
    train_X, _, dev_X, _ = data.load_goalkeeper()
    test_X, test_Y = data.load_goalkeeper_test()
    assert test_X.shape == (2, 200) and test_Y.shape == (1, 200) and test_Y.dtype == np.int64
    assert 0.4 < test_Y.mean() < 0.6
    seen = {tuple(p) for p in np.hstack([train_X, dev_X]).T}
    assert not any(tuple(p) in seen for p in test_X.T)  # no position shared with train / dev
    assert np.all(test_X.min(axis=1) > [-0.6, -0.66]) and np.all(test_X.max(axis=1) < [0.3, 0.57])


def test_goalkeeper_test_set_missing_says_why(tmp_path, monkeypatch):
    from tools.datasets import make_goalkeeper, write_h5

    two_splits = {k: v for k, v in make_goalkeeper().items() if not k.startswith("heldout")}
    write_h5(tmp_path / "course.h5", two_splits)  # like the course's file: train and dev only
    with pytest.raises(data.DatasetError, match=r"missing key\(s\) heldout_set_x.*without a path"):
        data.load_goalkeeper_test(tmp_path / "course.h5")
    write_h5(tmp_path / "project" / "goalkeeper.h5", two_splits)  # an outdated project file
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "project"))
    with pytest.raises(data.DatasetError, match=r"make datasets"):
        data.load_goalkeeper_test()


@needs_reference
def test_goalkeeper_loader_reads_the_courses_files_identically():
    from_h5 = data.load_goalkeeper(REFERENCE / "regularization.h5")
    from_mat = data.load_goalkeeper(REFERENCE / "data.mat")
    for a, b in zip(from_h5, from_mat, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert from_mat[0].shape == (2, 211) and from_mat[3].shape == (1, 200)
    assert from_mat[1].dtype == np.int64  # the .mat stores uint8


def test_mat_file_errors(tmp_path):
    from scipy.io import savemat

    bad = tmp_path / "data.mat"
    bad.write_bytes(b"not a mat file")
    with pytest.raises(
        data.DatasetError, match=r"data\.mat: not a readable MATLAB file.*course's schema"
    ):
        data.load_goalkeeper(bad)
    savemat(tmp_path / "partial.mat", {"X": np.zeros((3, 2)), "y": np.zeros((3, 1))})
    with pytest.raises(data.DatasetError, match=r"partial\.mat: missing key\(s\) Xval, yval"):
        data.load_goalkeeper(tmp_path / "partial.mat")
    with pytest.raises(data.DatasetError, match=r"nowhere\.mat: file not found"):
        data.load_goalkeeper(tmp_path / "nowhere.mat")


def test_spirals_are_three_balanced_classes_a_line_cannot_separate():
    train_X, train_Y, test_X, test_Y = data.load_spirals()
    assert train_X.shape == (2, 300) and test_X.shape == (2, 150)
    assert np.bincount(train_Y[0]).tolist() == [100] * 3
    assert np.bincount(test_Y[0]).tolist() == [50] * 3
    assert np.all(np.abs(train_X) < 1.5)
    from sklearn.linear_model import LogisticRegression

    linear = LogisticRegression(max_iter=2000).fit(train_X.T, train_Y[0])
    assert linear.score(test_X.T, test_Y[0]) < 0.7  # why the lab needs a hidden layer


def test_load_moons_is_the_courses_training_set():
    from sklearn.datasets import make_moons

    train_X, train_Y, test_X, test_Y = data.load_moons()
    assert train_X.shape == (2, 300) and test_X.shape == (2, 100)
    np.random.seed(3)
    x, y = make_moons(n_samples=300, noise=0.2)
    np.testing.assert_array_equal(train_X, x.T)
    np.testing.assert_array_equal(train_Y, y.reshape(1, -1))
    assert train_Y.dtype == np.int64 and set(np.unique(test_Y)) == {0, 1}


def test_moons_dev_set_is_its_own_draw_of_the_same_moons(tmp_path):
    from sklearn.datasets import make_moons

    from tools.datasets import make_moons as moons_file
    from tools.datasets import write_h5

    dev_X, dev_Y = data.load_moons_dev()
    np.random.seed(5)
    x, y = make_moons(n_samples=200, noise=0.2)
    np.testing.assert_array_equal(dev_X, x.T)
    np.testing.assert_array_equal(dev_Y, y.reshape(1, -1))
    train_X, _, test_X, _ = data.load_moons()
    seen = {tuple(p) for p in np.hstack([train_X, test_X]).T}
    assert not any(tuple(p) in seen for p in dev_X.T)
    write_h5(tmp_path / "course.h5", {k: v for k, v in moons_file().items() if "dev" not in k})
    with pytest.raises(data.DatasetError, match=r"missing key\(s\) dev_set_x.*without a path"):
        data.load_moons_dev(tmp_path / "course.h5")


def test_a_grid_asked_for_other_data_says_what_it_takes():
    """A grid's loader checks its data first: four 2-D arrays, or a clear error (before, a
    12288-row tensor was hashed row by row for seconds)."""
    from helpers import grids
    from helpers.labs import regularization

    with pytest.raises(TypeError, match=r"goalkeeper must be the four 2-D arrays .* not ndarray"):
        regularization.regularization_grid(np.zeros((12288, 3)))
    with pytest.raises(TypeError, match=r"goalkeeper must be the four 2-D arrays .* not tuple"):
        regularization.regularization_grid((np.zeros((2, 3)),) * 3)
    with pytest.raises(TypeError, match="a setting is a number, a tuple or a Setting, not dict"):
        grids.position(np.zeros((12288, 3)), {"W1": 1})
    assert grids.position([(0.0, 1.0), (0.1, 1.0)], (0.1, 1.0)) == 1
