"""The project's SIGNS set: deterministic, balanced, varied; the loader's choices and errors."""

import shutil

import h5py
import numpy as np
import pytest
from conftest import REFERENCE

from helpers import data
from tools import signs_render as signs


@pytest.fixture(scope="module")
def shipped():
    return data.load_signs()


def test_render_is_deterministic_and_seed_dependent():
    a = [signs.render(k, np.random.RandomState(7)) for k in range(6)]
    b = [signs.render(k, np.random.RandomState(7)) for k in range(6)]
    c = [signs.render(k, np.random.RandomState(8)) for k in range(6)]
    assert all(x.shape == (64, 64, 3) and x.dtype == np.uint8 for x in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not any(np.array_equal(x, z) for x, z in zip(a, c, strict=True))


def test_shipped_set_schema_and_class_balance(shipped):
    assert shipped.train_x.shape == (1080, 64, 64, 3) and shipped.test_x.shape == (120, 64, 64, 3)
    assert shipped.train_x.dtype == np.uint8
    assert np.bincount(shipped.train_y).tolist() == [180] * 6
    assert np.bincount(shipped.test_y).tolist() == [20] * 6
    assert shipped.classes.tolist() == list(range(6))
    assert "project's rendered" in shipped.source


def test_images_vary_like_photos(shipped):
    x = shipped.train_x.astype(float)
    assert 20 < x.std() < 90  # neither flat nor saturated
    assert len({tuple(im[0, 0]) for im in shipped.train_x[:200]}) > 150  # backgrounds differ
    # Classes differ on average: more raised fingers, more skin in the top half.
    top = [x[shipped.train_y == k, :32].mean() for k in range(6)]
    assert top[0] > top[5]  # skin is darker than the light backgrounds


def write_course_files(folder, m_train=12, m_test=6, train_shape=(64, 64, 3)):
    rng = np.random.RandomState(0)
    with h5py.File(folder / "train_signs.h5", "w") as f:
        f["train_set_x"] = rng.randint(0, 256, (m_train, *train_shape)).astype(np.uint8)
        f["train_set_y"] = np.arange(m_train) % 6
        f["list_classes"] = np.arange(6)
    with h5py.File(folder / "test_signs.h5", "w") as f:
        f["test_set_x"] = rng.randint(0, 256, (m_test, 64, 64, 3)).astype(np.uint8)
        f["test_set_y"] = np.arange(m_test) % 6
        f["list_classes"] = np.arange(6)


def test_loader_prefers_the_courses_files_when_both_are_there(tmp_path):
    write_course_files(tmp_path)
    got = data.load_signs(tmp_path)
    assert got.train_x.shape == (12, 64, 64, 3) and got.test_y.tolist() == [0, 1, 2, 3, 4, 5]
    assert got.source.startswith("the course's SIGNS photos (train_signs.h5, test_signs.h5")


def test_one_course_file_alone_is_an_error_that_says_what_to_do(tmp_path):
    write_course_files(tmp_path)
    (tmp_path / "test_signs.h5").unlink()
    with pytest.raises(data.DatasetError, match=r"test_signs.h5 is not.*needs both files"):
        data.load_signs(tmp_path)


def test_course_file_with_wrong_image_shape_is_named(tmp_path):
    write_course_files(tmp_path, train_shape=(32, 32, 3))
    with pytest.raises(
        data.DatasetError,
        match=r"train_signs.h5: train_set_x has shape \(12, 32, 32, 3\), expected \(examples, 64, 64, 3\)",
    ):
        data.load_signs(tmp_path)


def test_missing_project_file_says_how_to_rebuild(tmp_path):
    with pytest.raises(data.DatasetError, match=r"signs.h5: file not found.*build signs"):
        data.load_signs(tmp_path)


def test_truncated_project_file(tmp_path, shipped):
    shutil.copy(data.DATASETS["signs"].path, tmp_path / "signs.h5")
    raw = (tmp_path / "signs.h5").read_bytes()
    (tmp_path / "signs.h5").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.DatasetError, match=r"not a readable HDF5 file|truncated"):
        data.load_signs(tmp_path)


@pytest.mark.skipif(not REFERENCE.exists(), reason="no ../shared/datasets/reference/")
def test_loader_reads_the_real_signs_files(tmp_path):
    for name in data.COURSE_SIGNS:
        shutil.copy(REFERENCE / name, tmp_path / name)
    real = data.load_signs(tmp_path)
    assert real.train_x.shape == (1080, 64, 64, 3) and real.test_x.shape == (120, 64, 64, 3)
    assert np.bincount(real.train_y).tolist() == [180] * 6


def train_lab_model(signs_set, epochs=100):
    """The lab's network and training (the checks' reference loop); (train, test) accuracy."""
    from tools import reference_tf as ref

    X_train, Y_train, _, _ = ref.signs_datasets(signs_set)
    params, _ = ref.reference_training(X_train, Y_train, 0.0001, epochs, 32)
    return (
        ref.accuracy(params, signs_set.train_x, signs_set.train_y),
        ref.accuracy(params, signs_set.test_x, signs_set.test_y),
    )


@pytest.fixture(scope="module")
def lab_model_accuracy(shipped):
    return train_lab_model(shipped)


def test_shipped_set_is_learnable_but_not_trivial(lab_model_accuracy):
    train, test = lab_model_accuracy
    print(f"lab model on the shipped set: train {train:.3f}, test {test:.3f}")
    assert 0.5 < test < 0.9 and train < 0.98  # well above chance (1/6), far from perfect


def test_a_convolutional_net_does_better(shipped, lab_model_accuracy):
    from helpers.runtime import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    tf.keras.utils.set_random_seed(1)
    cnn = tf.keras.Sequential(
        [
            tf.keras.Input((64, 64, 3)),
            tf.keras.layers.Conv2D(16, 5, padding="same", activation="relu"),
            tf.keras.layers.MaxPool2D(8),
            tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            tf.keras.layers.MaxPool2D(4),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(6),
        ]
    )
    cnn.compile(
        optimizer=tf.keras.optimizers.Adam(0.003),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    cnn.fit(shipped.train_x / 255.0, shipped.train_y, epochs=40, batch_size=64, verbose=0)
    _, test = cnn.evaluate(shipped.test_x / 255.0, shipped.test_y, verbose=0)
    print(f"small CNN on the shipped set: test {test:.3f}")
    assert test > lab_model_accuracy[1] + 0.05
