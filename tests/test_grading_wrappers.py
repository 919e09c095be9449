"""No answer is one import away (README, "Grading you can trust").

1. Every callable the learner's kernel can import from ``helpers`` is tried on every
   exercise's public and hidden cases, wherever its signature takes the check's arguments:
   none passes a check.
2. One submission per lab whose graded functions are thin wrappers over what the kernel can
   import (the public table of expected values, the provided starts, the lab's own
   functions, finite differences for the backward passes) is graded in the sandbox: 0 points
   for every exercise.
"""

import contextlib
import importlib
import inspect
import io
import pkgutil
import sys

import nbformat
import numpy as np
import pytest
from conftest import ROOT

import helpers
from helpers import checking
from tools import grading, sandbox

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build_fixtures  # noqa: E402

LABS = sorted(grading.labs())


def importable_callables():
    """(qualified name, callable) of every function and class the ``helpers`` package holds,
    private ones included."""
    found = {}
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (inspect.isfunction(value) or inspect.isclass(value)) and (
                getattr(value, "__module__", "") or ""
            ).startswith("helpers"):
                found.setdefault(f"{value.__module__}.{value.__qualname__}", value)
    return found


class Called(Exception):
    """Raised by the recording stand-in: the check called the learner's function."""


def learner_functions(lab):
    """The names of a lab's graded functions (its solution cells' grade ids)."""
    return set(grading._grade_ids(nbformat.read(grading.labs()[lab], as_version=4), "solution"))


def first_call(code, lab_module, names):
    """The (args, kwargs) a check cell passes to the learner's function first."""
    calls = []

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        raise Called

    with contextlib.suppress(Called, AssertionError), contextlib.redirect_stdout(io.StringIO()):
        exec(code, {"lab": lab_module, "np": np, **dict.fromkeys(names, record)})
    return calls[0] if calls else None


def check_cells():
    """(lab, exercise, code) of every public and every hidden part of a test cell."""
    return [
        (lab, exercise.grade_id, code)
        for lab in LABS
        for exercise in grading.exercises(lab)
        for code in (exercise.public, exercise.hidden)
        if code.strip()
    ]


def passes(code, lab_module, names, candidate):
    namespace = {"lab": lab_module, "np": np, **dict.fromkeys(names, candidate)}
    installed = list(checking._answer_key)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, namespace)
    except Exception:  # a failed check, or a candidate that cannot take these arguments
        return False
    finally:
        checking._answer_key[:] = installed  # a candidate may have replaced the answer key
    return True


def skipped(qualified):
    """Candidates not tried: the checks themselves (they return None), what only draws
    (plots, figures, widgets: slow on a check's arrays, and they return no value) and
    ``use_answer_key`` (it installs the grader's key)."""
    name = qualified.rsplit(".", 1)[-1]
    return (
        name.endswith("_test")
        or name.startswith("draw_")
        or qualified.startswith(("helpers.plots.", "helpers.explorer."))
        or "explorer" in name
        or name.endswith(("Figure", "Layer"))
        or name == "use_answer_key"
    )


def returns_its_input(candidate, args):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return candidate(*args) is args[0]
    except Exception:
        return False


def test_no_importable_function_passes_a_check():
    candidates = importable_callables()
    assert len(candidates) > 150  # the walk found the package, not nothing
    tried, passed = 0, []
    for lab, exercise, code in check_cells():
        lab_module, names = importlib.import_module(f"helpers.labs.{lab}"), learner_functions(lab)
        call = first_call(code, lab_module, names)
        assert call is not None, f"{lab}.{exercise}: the check never calls the learner"
        args, kwargs = call
        for qualified, candidate in candidates.items():
            try:
                inspect.signature(candidate).bind(*args, **kwargs)
            except (TypeError, ValueError):
                continue
            if skipped(qualified):
                continue
            if exercise == "backward_propagation_test" and returns_its_input(candidate, args):
                continue  # dJ/dtheta of J = theta * x is x: any identity function returns it
            tried += 1
            if passes(code, lab_module, names, candidate):
                passed.append(f"{qualified} passes {lab}.{exercise}: {code[:80]}")
    assert tried > 100, "the signatures bound too few candidates to mean anything"
    assert passed == [], "\n".join(passed)


# ---------------------------------------------------------------- wrapper submissions

FINITE_DIFFERENCES = '''
import numpy as np
def _numerical(cost, arrays, epsilon=1e-5):
    """Two-sided differences of cost() with respect to each array, in place."""
    out = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            keep = a[i]
            a[i] = keep + epsilon; plus = cost()
            a[i] = keep - epsilon; minus = cost()
            a[i] = keep
            g[i] = (plus - minus) / (2 * epsilon)
        out.append(g)
    return out
'''

TABLE = """
from helpers import checking
def _table(exercise, **case):
    return checking.expected(exercise, **case)
"""

WRAPPERS = {
    "initialization": TABLE
    + """
from helpers import nn
def initialize_parameters_zeros(layers_dims):
    return _table("initialization.initialize_parameters_zeros", layers_dims=tuple(layers_dims))
def initialize_parameters_random(layers_dims):
    return _table("initialization.initialize_parameters_random", layers_dims=tuple(layers_dims))
def initialize_parameters_he(layers_dims):
    try:
        return nn.start_weights("moons", layers_dims)
    except ValueError:
        return _table("initialization.initialize_parameters_he", layers_dims=tuple(layers_dims))
""",
    "gradient_checking": TABLE
    + """
from helpers import gradcheck, nn
def forward_propagation(x, theta):
    return _table("gradient_checking.forward_propagation", cases=((x, theta),))[0]
def backward_propagation(x, theta):  # finite differences of the provided-by-table J
    e = 1e-6
    return ((theta + e) * x - (theta - e) * x) / (2 * e)
def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    d = _table("gradient_checking.gradient_check", x=x, theta=theta, epsilon=epsilon)
    if print_msg:
        print("Your backward propagation works perfectly fine!")
    return d
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    cost = lambda p: nn.compute_cost(nn.forward_propagation(X, p)[0], Y)
    d = max(r["difference"] for r in gradcheck.report(parameters, gradients, cost))
    if print_msg:
        print("Your backward propagation works perfectly fine!" if d < 2e-7
              else "There is a mistake in the backward propagation!")
    return d
""",
    "regularization": TABLE
    + FINITE_DIFFERENCES
    + """
from helpers import nn
def compute_cost_with_regularization(A3, Y, parameters, lambd):
    l2 = sum(np.sum(np.square(parameters[f"W{l}"])) for l in (1, 2, 3))  # the lab's formula
    return _table("regularization.compute_cost_with_regularization", seed=1, lambd=lambd)[0]
def backward_propagation_with_regularization(X, Y, cache, lambd):
    W = [cache[2], cache[3], cache[6], cache[7], cache[10], cache[11]]
    p = dict(zip(["W1", "b1", "W2", "b2", "W3", "b3"], [np.array(a) for a in W]))
    m = X.shape[1]
    def cost():
        l2 = sum(np.sum(np.square(p[f"W{l}"])) for l in (1, 2, 3))
        return nn.compute_cost(nn.forward_propagation(X, p)[0], Y) + lambd / (2 * m) * l2
    g = _numerical(cost, list(p.values()))
    return {"d" + k: v for k, v in zip(p, g)}
def forward_propagation_with_dropout(X, parameters, keep_prob=0.5, seed=1):
    return _table("regularization.forward_propagation_with_dropout", seed=1,
                  keep_prob=keep_prob, mask_seed=seed)
def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    return _table("regularization.backward_propagation_with_dropout", seed=1,
                  keep_prob=keep_prob)
""",
    "optimization_methods": TABLE
    + """
from helpers.labs import optimization_methods as lab
def _case(parameters):
    layers = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0]
                                            for l in range(1, len(parameters) // 2 + 1)]
    return dict(seed=2, layers=tuple(layers))
def update_parameters_with_gd(parameters, grads, learning_rate):
    return _table("optimization_methods.update_parameters_with_gd", **_case(parameters),
                  learning_rate=learning_rate)
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    return _table("optimization_methods.random_mini_batches", seed=1, n_x=X.shape[0],
                  m=X.shape[1], mini_batch_size=mini_batch_size, shuffle_seed=seed)
def initialize_velocity(parameters):
    return _table("optimization_methods.initialize_velocity", **_case(parameters))
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    return _table("optimization_methods.update_parameters_with_momentum", **_case(parameters),
                  beta=beta, learning_rate=learning_rate)
def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    return _table("optimization_methods.update_parameters_with_rmsprop", **_case(parameters),
                  beta2=beta2, learning_rate=learning_rate, epsilon=epsilon)
def initialize_adam(parameters):
    return _table("optimization_methods.initialize_adam", **_case(parameters))
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    return _table("optimization_methods.update_parameters_with_adam", **_case(parameters), t=t,
                  learning_rate=learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)
def update_lr(learning_rate0, epoch_num, decay_rate):
    rates = lab.decay_schedules(lambda *a: 0.0, learning_rate0, int(epoch_num) + 1)
    return _table("optimization_methods.update_lr",
                  cases=((learning_rate0, epoch_num, decay_rate),))[0]
def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return _table("optimization_methods.schedule_lr_decay",
                  cases=((learning_rate0, epoch_num, decay_rate, time_interval),))[0]
""",
    "hyperparameter_tuning": TABLE
    + """
from helpers.labs import hyperparameter_tuning as lab
def sample_log_uniform(low, high, size, rng):
    return _table("hyperparameter_tuning.sample_log_uniform", low=low, high=high, size=size,
                  seed=0)["values"]
def sample_beta(low, high, size, rng):
    return _table("hyperparameter_tuning.sample_beta", low=low, high=high, size=size,
                  seed=0)["values"]
def random_trials(box, trials, rng):
    return _table("hyperparameter_tuning.random_trials", box=dict(box), trials=trials,
                  seed=0)["trials"]
def zoom_box(trials, scores, keep):
    return _table("hyperparameter_tuning.zoom_box", trials=len(scores), keep=keep,
                  seed=1)["box"]
def next_box(history, box, keep=0.2):
    trials = len(history[0]["scores"]) if history else 12
    return _table("hyperparameter_tuning.next_box", rounds=len(history), trials=trials,
                  keep=keep, seed=2)["box"]
""",
    "batch_normalization": TABLE
    + FINITE_DIFFERENCES
    + """
from helpers.labs import batch_normalization as lab
def batchnorm_forward(Z, gamma, beta, epsilon=1e-8):
    want = _table("batch_normalization.batchnorm_forward", seed=1, units=Z.shape[0],
                  m=Z.shape[1], epsilon=epsilon)
    return want["Z_tilde"], want["cache"]
def batchnorm_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, epsilon = [np.array(c) if not isinstance(c, float) else c
                                          for c in cache]
    def cost():  # J = sum(dZ_tilde * Z_tilde), normalized with the batch's own statistics
        m_, v_ = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
        return float(np.sum(dZ_tilde * (gamma * (Z - m_) / np.sqrt(v_ + epsilon))))
    dZ, dgamma = _numerical(cost, [Z, gamma])
    return dZ, dgamma, np.sum(dZ_tilde, axis=1, keepdims=True)
def update_running_averages(running_mu, running_var, mu, var, momentum=0.9):
    steps = _table("batch_normalization.update_running_averages", momentum=momentum,
                   units=mu.shape[0], steps=3, seed=3)
    return steps[0]
def batchnorm_inference(Z, gamma, beta, running_mu, running_var, epsilon=1e-8):
    return _table("batch_normalization.batchnorm_inference", seed=4, units=Z.shape[0],
                  m=Z.shape[1], epsilon=epsilon)
def softmax(Z):
    return _table("batch_normalization.softmax", seed=5, classes=Z.shape[0],
                  m=Z.shape[1])["values"][0]
def compute_softmax_cost(Z, Y):
    return _table("batch_normalization.compute_softmax_cost", seed=6, classes=Z.shape[0],
                  m=Z.shape[1])[0]
def softmax_backward(Z, Y):
    Z = np.array(Z)
    def cost():
        shifted = Z - Z.max(axis=0)
        return float(-np.mean(np.sum(Y * (shifted - np.log(np.exp(shifted).sum(axis=0))), 0)))
    return _numerical(cost, [Z])[0]
def batchnorm_layer_forward(A_prev, W, gamma, beta, epsilon=1e-8):
    want = _table("batch_normalization.batchnorm_layer_forward", seed=8, units=W.shape[0],
                  units_prev=W.shape[1], m=A_prev.shape[1], epsilon=epsilon)
    return want["A"], want["cache"]
def batchnorm_layer_backward(dA, cache):
    A_prev, W, Z_tilde, (Z, Z_norm, mu, var, gamma, epsilon) = cache
    A_prev, W, gamma = np.array(A_prev), np.array(W), np.array(gamma)
    beta = np.mean(np.array(Z_tilde) - gamma * np.array(Z_norm), axis=1, keepdims=True)
    def cost():  # J = sum(dA * A) for the layer's A = ReLU(batch norm of W A_prev)
        Z_ = W @ A_prev
        m_, v_ = Z_.mean(axis=1, keepdims=True), Z_.var(axis=1, keepdims=True)
        return float(np.sum(dA * np.maximum(0, gamma * (Z_ - m_) / np.sqrt(v_ + epsilon) + beta)))
    return tuple(_numerical(cost, [A_prev, W, gamma, beta]))
""",
    "tensorflow_introduction": TABLE
    + """
import types
import numpy as np
import tensorflow as tf
from helpers import nn
from helpers.labs import tensorflow_introduction as lab
def linear_function():
    return tf.constant(_table("tensorflow_introduction.linear_function", seed=1,
                              summary=False))
def sigmoid(z):
    return tf.constant(_table("tensorflow_introduction.sigmoid", cases=(z,))[0], tf.float32)
def one_hot_matrix(label, C=6):
    return tf.constant(_table("tensorflow_introduction.one_hot_matrix",
                              cases=((int(label), C),))[0], tf.float32)
def initialize_parameters():
    start = nn.start_weights("signs", lab.LAYERS)  # the explorer's Glorot start
    return {k: tf.Variable(v.astype(np.float32)) for k, v in start.items()}
def forward_propagation(X, parameters):
    return tf.constant(_table("tensorflow_introduction.forward_propagation", seed=1,
                              m=X.shape[1])["Z3"])
def compute_total_loss(logits, labels):
    return tf.constant(_table("tensorflow_introduction.compute_total_loss", seed=1,
                              m=logits.shape[1]))
def model(X_train, Y_train, X_test, Y_test, learning_rate=0.0001, num_epochs=100,
          minibatch_size=32, print_cost=True):
    def images(xs, ys):
        x = np.stack([a.numpy() for a in xs]) * 255
        return x.reshape(-1, 64, 64, 3), np.array([int(np.argmax(b)) for b in ys])
    train_x, train_y = images(X_train, Y_train)
    test_x, test_y = images(X_test, Y_test)
    signs = types.SimpleNamespace(train_x=train_x, train_y=train_y, test_x=test_x,
                                  test_y=test_y, classes=list(range(6)))
    run = lab.train_signs(signs, learning_rate, num_epochs, minibatch_size)
    return initialize_parameters(), list(run["costs"]), list(run["train_acc"]), list(run["test_acc"])
""",
}


def test_every_lab_has_its_wrapper_submission():
    assert sorted(WRAPPERS) == LABS
    for lab, code in WRAPPERS.items():
        names = {e.grade_id.removesuffix("_test") for e in grading.exercises(lab)}
        defined = {line.split("(")[0][4:] for line in code.splitlines() if line.startswith("def ")}
        assert names <= defined, f"{lab}: no wrapper for {sorted(names - defined)}"


@pytest.fixture(scope="module")
def graded_wrappers(tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("wrappers"), tmp_path_factory.mktemp("grades")
    for lab, code in WRAPPERS.items():
        nb = build_fixtures.student_copy(grading.labs()[lab], [])
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nb, folder / f"{lab}.ipynb")
    limits = sandbox.Limits(notebook_timeout=600)
    results = grading.grade_all(folder, out, workers=2, limits=limits)
    return {r.lab: r for r in results}


@pytest.mark.parametrize("lab", LABS)
def test_wrappers_over_what_the_kernel_can_import_score_nothing(graded_wrappers, lab):
    result = graded_wrappers[lab]
    table = grading.format_table(result)
    assert not result.error, table
    assert result.max_score == len(grading.exercises(lab)) or result.max_score > 0
    assert [e["points"] for e in result.exercises] == [0] * len(result.exercises), table
