"""The SIGNS explorer: trains a setting once, then every epoch count is a lookup."""

import numpy as np
import pytest

from helpers import data, signs_net, widgets


@pytest.fixture(scope="module")
def shipped():
    return data.load_signs()


def test_numpy_twin_learns_and_regularizers_change_it(shipped):
    X, test_X = signs_net.flatten_images(shipped.train_x), signs_net.flatten_images(shipped.test_x)
    assert X.shape == (12288, 1080) and X.dtype == np.float32 and 0 <= X.min() <= X.max() <= 1
    plain = signs_net.train(X, shipped.train_y, test_X, shipped.test_y, 1e-4, epochs=15)
    assert plain["train_acc"].shape == (15,) and plain["test_pred"].shape == (15, 120)
    assert plain["costs"][-1] < plain["costs"][0] and plain["train_acc"][-1] > 0.3
    again = signs_net.train(X, shipped.train_y, test_X, shipped.test_y, 1e-4, epochs=15)
    np.testing.assert_array_equal(plain["train_acc"], again["train_acc"])  # deterministic
    dropout = signs_net.train(X, shipped.train_y, test_X, shipped.test_y, 1e-4, epochs=15,
                              keep_prob=0.8)  # fmt: skip
    assert not np.array_equal(dropout["costs"], plain["costs"])


def test_explorer_trains_once_per_setting_and_reports(shipped):
    box = widgets.signs_explorer(shipped)
    lr, epochs, batch, regularizer = box.children[0].children
    status = box.children[1]
    assert all(c.continuous_update is False for c in (lr, epochs, batch))
    run = widgets.signs_run(shipped, lr.value, batch.value, regularizer.value)
    label = "lr 0.0001, mini-batch 32, none"
    assert status.value == widgets.signs_summary(run, widgets.SIGNS_EPOCHS, label)
    epochs.value = 20  # a lookup in the same run
    assert status.value == widgets.signs_summary(run, 20, label)
    assert widgets.signs_run(shipped, lr.value, batch.value, regularizer.value) is run


def test_draw_signs_shows_misclassified_images(shipped):
    run = widgets.signs_run(shipped, 1e-4, 32, "none")
    fig = widgets.draw_signs(run, 10, shipped, "label")
    wrong = int(np.sum(run["test_pred"][9] != shipped.test_y))
    assert f"({wrong} of 120)" in fig._suptitle.get_text()
    images = [ax for ax in fig.axes[1:] if ax.images]
    assert len(images) == min(8, wrong)
    assert all(ax.get_title().startswith("said ") for ax in images)
