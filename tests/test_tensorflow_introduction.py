"""TensorFlow lab (helpers.labs.tensorflow_introduction): its checks and the SIGNS explorer."""

import numpy as np
import pytest

import helpers
from helpers import data
from helpers.labs import tensorflow_introduction as lab
from tools import reference_tf as ref

# ---------------------------------------------------------------- Public checks of the TensorFlow lab: the course's solutions pass, mistakes are named


tf = ref.tf

SOLUTIONS = [
    (lab.linear_function_test, ref.linear_function),
    (lab.sigmoid_test, ref.sigmoid),
    (lab.one_hot_matrix_test, ref.one_hot_matrix),
    (lab.initialize_parameters_test, ref.initialize_parameters),
    (lab.forward_propagation_test, ref.forward_propagation),
    (lab.compute_total_loss_test, ref.compute_total_loss),
    (lab.model_test, ref.model),
]


@pytest.mark.parametrize(("check", "solution"), SOLUTIONS, ids=lambda x: getattr(x, "__name__", ""))
def test_reference_solutions_pass(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_course_published_values():
    # The course prints these for linear_function() and sigmoid(-1), sigmoid(12).
    np.testing.assert_allclose(
        ref.linear_function().numpy().ravel(),
        [-2.15657382, 2.95891446, -1.08926781, -0.84538042],
        atol=1e-8,
    )
    np.testing.assert_allclose(ref.sigmoid(-1).numpy(), 0.26894143, atol=1e-7)
    np.testing.assert_allclose(ref.sigmoid(12).numpy(), 0.99999386, atol=1e-7)


def linear_numpy():
    np.random.seed(1)
    X, W, b = np.random.randn(3, 1), np.random.randn(4, 3), np.random.randn(4, 1)
    return W @ X + b


def linear_wrong_order():
    np.random.seed(1)
    W, X, b = np.random.randn(4, 3), np.random.randn(3, 1), np.random.randn(4, 1)
    return tf.add(tf.matmul(tf.constant(W), tf.constant(X)), tf.constant(b))


def one_hot_column(label, C=6):
    return tf.one_hot(label, C, axis=0)[:, None]


def glorot_uniform():
    init = tf.keras.initializers.GlorotUniform(seed=1)
    shapes = {
        "W1": (25, 12288),
        "b1": (25, 1),
        "W2": (12, 25),
        "b2": (12, 1),
        "W3": (6, 12),
        "b3": (6, 1),
    }
    return {k: tf.Variable(init(shape=s)) for k, s in shapes.items()}


def tensors_not_variables():
    return {k: tf.constant(v) for k, v in ref.initialize_parameters().items()}


def softmax_output(X, parameters):
    return tf.nn.softmax(ref.forward_propagation(X, parameters), axis=0)


def numpy_forward(X, parameters):
    A = X.numpy()
    for l in (1, 2, 3):
        Z = parameters[f"W{l}"].numpy() @ A + parameters[f"b{l}"].numpy()
        A = np.maximum(Z, 0)
    return tf.constant(Z)


def mean_loss(logits, labels):
    return ref.compute_total_loss(logits, labels) / logits.shape[1]


def untransposed_loss(logits, labels):
    return tf.reduce_sum(tf.keras.losses.categorical_crossentropy(labels, logits, from_logits=True))


def model_without_training(
    X_train,
    Y_train,
    X_test,
    Y_test,
    learning_rate=0.0001,
    num_epochs=100,
    minibatch_size=32,
    print_cost=True,
):
    return ref.model(X_train, Y_train, X_test, Y_test, 0.0, num_epochs, minibatch_size)


def model_returning_three(*args, **kwargs):
    return ref.model(*args, **kwargs)[:3]


def model_with_accuracies_swapped(*args, **kwargs):  # right lengths, wrong values
    parameters, costs, train_acc, test_acc = ref.model(*args, **kwargs)
    return parameters, costs, test_acc, train_acc


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (lab.linear_function_test, linear_numpy, r"should be a TensorFlow tensor, got ndarray"),
        (lab.linear_function_test, linear_wrong_order, r"has wrong values"),
        (
            lab.sigmoid_test,
            lambda z: tf.keras.activations.sigmoid(tf.constant(z, tf.float64)),
            r"has dtype float64, expected float32",
        ),
        (lab.one_hot_matrix_test, one_hot_column, r"has shape \(4, 1\), expected \(4,\)"),
        (lab.initialize_parameters_test, glorot_uniform, r"W1: first entries has wrong values"),
        (lab.initialize_parameters_test, tensors_not_variables, r"W1 should be a tf.Variable"),
        (lab.forward_propagation_test, softmax_output, r"has wrong values"),
        (lab.forward_propagation_test, numpy_forward, r"no gradient reaches W1"),
        (lab.compute_total_loss_test, mean_loss, r"that is the mean; the lab wants the sum"),
        (lab.compute_total_loss_test, untransposed_loss, r"has shape|is .*, expected"),
        (lab.model_test, model_without_training, r"costs \[.*\], expected"),
        (
            lab.model_test,
            model_returning_three,
            r"should return \(parameters, costs, train_acc, test_acc\)",
        ),
        (lab.model_test, model_with_accuracies_swapped, r"train_acc \[.*\], expected"),
    ],
)
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


# ---------------------------------------------------------------- The SIGNS explorer: trains a setting once, then every epoch count is a lookup


@pytest.fixture(scope="module")
def shipped():
    return data.load_signs()


def test_explorers_keras_net_learns_and_regularizers_change_it(shipped):
    X, test_X = lab.flatten_images(shipped.train_x), lab.flatten_images(shipped.test_x)
    assert X.shape == (12288, 1080) and X.dtype == np.float32 and 0 <= X.min() <= X.max() <= 1
    assert test_X.shape == (12288, 120) and test_X.dtype == np.float32
    plain = lab.train_signs(shipped, 1e-4, epochs=15)
    assert plain["train_acc"].shape == (15,) and plain["test_pred"].shape == (15, 120)
    assert plain["costs"][-1] < plain["costs"][0] and plain["train_acc"][-1] > 0.3
    again = lab.train_signs(shipped, 1e-4, epochs=15)
    np.testing.assert_array_equal(plain["train_acc"], again["train_acc"])  # deterministic
    dropout = lab.train_signs(shipped, 1e-4, epochs=15, keep_prob=0.8)
    assert not np.array_equal(dropout["costs"], plain["costs"])


def test_explorer_trains_once_per_setting_and_reports(shipped):
    ex = lab.signs_explorer(shipped)
    lr, epochs, batch, regularizer = ex.controls.values()
    assert lr.continuous_update is False and batch.continuous_update is False  # they train
    assert epochs.continuous_update is True  # a lookup in the run: follows a drag
    run = lab.signs_run(shipped, lr.value, batch.value, regularizer.value)
    label = "lr 0.0001, mini-batch 32, none"
    assert ex.page.status == lab.signs_summary(run, lab.SIGNS_EPOCHS, label)
    epochs.value = 20  # a lookup in the same run
    assert ex.page.status == lab.signs_summary(run, 20, label)
    assert lab.signs_run(shipped, lr.value, batch.value, regularizer.value) is run


def test_explorer_opens_on_a_run_trained_ahead(shipped, tmp_path, monkeypatch):
    start = lab.SIGNS_START
    setting = (start["lr"], start["batch"], start["regularizer"])
    monkeypatch.setattr(lab, "_SIGNS_RUNS", {})
    assert lab.signs_trained(shipped, *setting)  # `make datasets` trained it: no waiting
    monkeypatch.setattr(lab, "_SIGNS_RUNS", {})
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))  # no file trained ahead here
    assert not lab.signs_trained(shipped, *setting)
    assert not lab.signs_trained(shipped, 1e-3, *setting[1:])  # only the opening setting


@pytest.mark.slow
def test_run_trained_ahead_is_what_the_kernel_trains(shipped):
    start = lab.SIGNS_START
    ahead = lab._pretrained(shipped, start["lr"], start["batch"], start["regularizer"])
    helpers.setup(seed=1, tensorflow=True)  # as in the lab's kernel
    fresh = lab.train_signs(shipped, start["lr"], lab.SIGNS_EPOCHS, start["batch"])
    assert ahead is not None and ahead.keys() == fresh.keys()
    for key, values in fresh.items():
        np.testing.assert_array_equal(ahead[key], values, err_msg=key)


def test_signs_figure_shows_misclassified_images(shipped):
    run = lab.signs_run(shipped, 1e-4, 32, "none")
    figure = lab.SignsFigure(shipped)
    fig = figure.update({"run": run, "epochs": 10, "label": "label"}).fig
    wrong = int(np.sum(run["test_pred"][9] != shipped.test_y))
    assert f"({wrong} of 120)" in fig.get_suptitle()
    images = [ax for ax in fig.axes[1:] if ax.images[0].get_visible()]
    assert len(images) == min(8, wrong)
    assert all(ax.get_title().startswith("said ") for ax in images)
    training = {"run": None, "epochs": 10, "label": "label"}  # a setting still training
    figure.update(training)
    assert fig.get_suptitle() == figure.status(training) == "label: training…"
    assert not any(ax.images[0].get_visible() for ax in fig.axes[1:])
    assert all(len(line.get_xdata()) == 0 for line in fig.axes[0].lines)
