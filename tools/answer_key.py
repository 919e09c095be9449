"""The instructor's answer key: what a correct graded function returns on any case of its check.

    python -m tools.answer_key build    # rewrite helpers/public_cases.json from the solutions
    python -m tools.answer_key check    # say whether the shipped table still matches them

The labs' public checks (``helpers.labs.<lab>``) hold no recipe: they compare with
``helpers.checking.expected(exercise, **case)``. For the public cases (the first line of each
test cell) that is data shipped in ``helpers/public_cases.json``; every other case (the
hidden tests) is answered here, from the course's solutions (``tools/reference*.py``), in
the grader's process or a maintainer's kernel (``COURSE_ANSWER_KEY=tools.answer_key``), never
in a learner's: this folder is not installed, not in the learners' image and not in the
grading sandbox.

``expected(exercise, **case)`` returns what the check compares with: the solution's result,
plus, where the check names a usual mistake, the mistake's result (keys ``mistake: ...``).
"""

import argparse
import ast
import contextlib
import json
import sys

import numpy as np

from helpers import checking, nn
from helpers.labs import (
    batch_normalization,
    gradient_checking,
    hyperparameter_tuning,
    optimization_methods,
    regularization,
)
from tools import reference

ANSWERS = {}  # "lab.exercise" -> function(**case) -> expected value


def answers(exercise):
    """Register the function that answers ``exercise`` ("lab.function")."""

    def register(function):
        ANSWERS[exercise] = function
        return function

    return register


@contextlib.contextmanager
def _global_rng_kept():
    """The solutions seed numpy's global generator as the course's do; put it back after."""
    state = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(state)


def expected(exercise, **case):
    """The expected value of ``exercise`` on ``case`` (the check's keyword arguments)."""
    if exercise not in ANSWERS:
        raise KeyError(f"the answer key has no exercise {exercise!r}")
    with _global_rng_kept(), contextlib.redirect_stdout(None):
        return ANSWERS[exercise](**case)


def _copies(*values):
    """Deep copies of dicts / arrays, so a solution that updates in place changes no input."""
    return [
        {k: np.array(a) for k, a in v.items()} if isinstance(v, dict) else np.array(v)
        for v in values
    ]


# ---------------------------------------------------------------- Initialization


@answers("initialization.initialize_parameters_zeros")
def _zeros(layers_dims):
    return reference.initialize_parameters_zeros(list(layers_dims))


@answers("initialization.initialize_parameters_random")
def _random(layers_dims):
    return reference.initialize_parameters_random(list(layers_dims))


@answers("initialization.initialize_parameters_he")
def _he(layers_dims):
    return reference.initialize_parameters_he(list(layers_dims))


# ---------------------------------------------------------------- Gradient Checking


@answers("gradient_checking.forward_propagation")
def _forward_1d(cases):
    return [reference.forward_propagation(x, theta) for x, theta in cases]


@answers("gradient_checking.backward_propagation")
def _backward_1d(cases):
    return [reference.backward_propagation(x, theta) for x, theta in cases]


@answers("gradient_checking.gradient_check")
def _check_1d(x, theta, epsilon):
    return reference.gradient_check(x, theta, epsilon)


@answers("gradient_checking.gradient_check_n")
def _check_n(seed, bugs):
    X, Y, parameters = gradient_checking.gradient_check_n_case(seed)
    _, cache = nn.forward_propagation(X, parameters)
    correct = nn.backward_propagation(X, Y, cache)
    cases = [(bug, 1e-7) for bug in bugs] + [("none", 1e-3)]
    return [
        reference.gradient_check_n(
            parameters, gradient_checking.PLANTED_BUGS[bug](correct), X, Y, epsilon
        )
        for bug, epsilon in cases
    ]


# ---------------------------------------------------------------- Regularization


@answers("regularization.compute_cost_with_regularization")
def _cost_l2(seed, lambd):
    X, Y, parameters = regularization.regularization_case(seed)
    A3, _ = nn.forward_propagation(X, parameters)
    return [
        reference.compute_cost_with_regularization(A3, Y, parameters, lam) for lam in (lambd, 0.0)
    ]


@answers("regularization.backward_propagation_with_regularization")
def _backward_l2(seed, lambd):
    X, Y, parameters = regularization.regularization_case(seed)
    _, cache = nn.forward_propagation(X, parameters)
    return reference.backward_propagation_with_regularization(X, Y, cache, lambd)


@answers("regularization.forward_propagation_with_dropout")
def _forward_dropout(seed, keep_prob, mask_seed):
    X, _, parameters = regularization.regularization_case(seed)
    return reference.forward_propagation_with_dropout(X, parameters, keep_prob, seed=mask_seed)


@answers("regularization.backward_propagation_with_dropout")
def _backward_dropout(seed, keep_prob):
    X, Y, cache = regularization.dropout_backward_case(seed, keep_prob)
    return reference.backward_propagation_with_dropout(X, Y, cache, keep_prob)


# ---------------------------------------------------------------- Optimization Methods


def _optimization(seed, layers):
    return optimization_methods.optimization_case(seed, tuple(layers))


@answers("optimization_methods.update_parameters_with_gd")
def _gd(seed, layers, learning_rate):
    parameters, grads, _, _ = _optimization(seed, layers)
    return reference.update_parameters_with_gd(*_copies(parameters, grads), learning_rate)


@answers("optimization_methods.random_mini_batches")
def _mini_batches(seed, n_x, m, mini_batch_size, shuffle_seed):
    X, Y = optimization_methods.mini_batches_case(seed, n_x, m)
    return reference.random_mini_batches(X, Y, mini_batch_size, shuffle_seed)


@answers("optimization_methods.initialize_velocity")
def _velocity(seed, layers):
    return reference.initialize_velocity(_optimization(seed, layers)[0])


@answers("optimization_methods.update_parameters_with_momentum")
def _momentum(seed, layers, beta, learning_rate):
    parameters, grads, v, _ = _optimization(seed, layers)
    return reference.update_parameters_with_momentum(
        *_copies(parameters, grads, v), beta, learning_rate
    )


@answers("optimization_methods.update_parameters_with_rmsprop")
def _rmsprop(seed, layers, beta2, learning_rate, epsilon):
    parameters, grads, _, s = _optimization(seed, layers)
    return reference.update_parameters_with_rmsprop(
        *_copies(parameters, grads, s), beta2, learning_rate, epsilon
    )


@answers("optimization_methods.initialize_adam")
def _adam_start(seed, layers):
    return reference.initialize_adam(_optimization(seed, layers)[0])


@answers("optimization_methods.update_parameters_with_adam")
def _adam(seed, layers, t, learning_rate, beta1, beta2, epsilon):
    parameters, grads, v, s = _optimization(seed, layers)
    return reference.update_parameters_with_adam(
        *_copies(parameters, grads, v, s), t, learning_rate, beta1, beta2, epsilon
    )


@answers("optimization_methods.update_lr")
def _update_lr(cases):
    return [reference.update_lr(*case) for case in cases]


@answers("optimization_methods.schedule_lr_decay")
def _schedule(cases):
    return [reference.schedule_lr_decay(*case) for case in cases]


# ---------------------------------------------------------------- Hyperparameter tuning


def _sampler(solution, low, high, size, seed):
    return {
        "values": solution(low, high, size, np.random.default_rng(seed)),
        "mistake: linear": np.random.default_rng(seed).uniform(low, high, size),
    }


@answers("hyperparameter_tuning.sample_log_uniform")
def _log_uniform(low, high, size, seed):
    return _sampler(reference.sample_log_uniform, low, high, size, seed)


@answers("hyperparameter_tuning.sample_beta")
def _beta(low, high, size, seed):
    out = _sampler(reference.sample_beta, low, high, size, seed)
    beta_itself = reference.sample_log_uniform(low, high, size, np.random.default_rng(seed))
    return {**out, "mistake: beta on a log scale": beta_itself}


@answers("hyperparameter_tuning.random_trials")
def _trials(box, trials, seed):
    box = dict(box)
    rng = lambda: np.random.default_rng(seed)  # noqa: E731
    return {
        "trials": reference.random_trials(box, trials, rng()),
        "mistake: reversed order": reference.random_trials(
            dict(reversed(list(box.items()))), trials, rng()
        ),
        "mistake: linear": hyperparameter_tuning.scaled_trials(box, trials, rng(), "linear"),
    }


@answers("hyperparameter_tuning.zoom_box")
def _zoom(trials, keep, seed):
    sampled, scores = hyperparameter_tuning.zoom_box_case(trials, seed)
    return {
        "box": reference.zoom_box(sampled, scores, keep),
        "mistake: highest": reference.zoom_box(sampled, -scores, keep),
        "mistake: miscounted": {
            k: reference.zoom_box(sampled, scores, k) for k in (keep - 1, keep + 1) if k
        },
    }


@answers("hyperparameter_tuning.next_box")
def _next_box(rounds, trials, keep, seed):
    history = hyperparameter_tuning.history_case(rounds, trials, seed)
    box = dict(hyperparameter_tuning.BOX)
    out = {"box": reference.next_box(history, box, keep)}
    if history:
        n = rounds * trials
        out["mistake: last round only"] = reference.next_box(history[-1:], box, keep)
        out["mistake: whole box"] = box
        if round(keep * n) == 1:
            tried = {k: np.concatenate([r["trials"][k] for r in history]) for k in box}
            scores = np.concatenate([r["scores"] for r in history])
            out["mistake: fewer than 2"] = reference.zoom_box(tried, scores, 1)
    return out


# ---------------------------------------------------------------- Batch Normalization and softmax


@answers("batch_normalization.batchnorm_forward")
def _bn_forward(seed, units, m, epsilon):
    Z, gamma, beta = batch_normalization.batchnorm_case(seed, units, m)
    Z_tilde, cache = reference.batchnorm_forward(Z, gamma, beta, epsilon)
    mistakes = {
        "axis": (Z - Z.mean(axis=0, keepdims=True))
        / np.sqrt(Z.var(axis=0, keepdims=True) + epsilon),
        "unbiased": (Z - Z.mean(axis=1, keepdims=True))
        / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + epsilon),
    }
    return {"Z_tilde": Z_tilde, "cache": cache} | {
        f"mistake: {name}": gamma * Z_norm + beta for name, Z_norm in mistakes.items()
    }


@answers("batch_normalization.batchnorm_backward")
def _bn_backward(seed, units, m, epsilon):
    dZ_tilde, cache = batch_normalization.batchnorm_backward_case(seed, units, m, epsilon)
    _, _, _, var, gamma, _ = cache
    return {
        "gradients": reference.batchnorm_backward(dZ_tilde, cache),
        "mistake: constant statistics": dZ_tilde * gamma / np.sqrt(var + epsilon),
    }


@answers("batch_normalization.update_running_averages")
def _running(momentum, units, steps, seed):
    out, running = [], (np.zeros((units, 1)), np.ones((units, 1)))
    for mu, var in batch_normalization.running_averages_case(units, steps, seed):
        running = reference.update_running_averages(*running, mu, var, momentum)
        out.append(running)
    return out


@answers("batch_normalization.batchnorm_inference")
def _bn_inference(seed, units, m, epsilon):
    Z, gamma, beta, running_mu, running_var = batch_normalization.inference_case(seed, units, m)
    return reference.batchnorm_inference(Z, gamma, beta, running_mu, running_var, epsilon)


@answers("batch_normalization.softmax")
def _softmax(seed, classes, m):
    Z = batch_normalization.softmax_case(seed, classes, m)
    return {
        "values": [reference.softmax(Z), reference.softmax(Z + 1000.0)],
        "mistake: rows": reference.softmax(Z.T).T,
    }


@answers("batch_normalization.compute_softmax_cost")
def _softmax_cost(seed, classes, m):
    Z, Y = batch_normalization.labelled_case(seed, classes, m)
    return [reference.compute_softmax_cost(Z, Y), reference.compute_softmax_cost(Z * 1000.0, Y)]


@answers("batch_normalization.softmax_backward")
def _softmax_backward(seed, classes, m):
    Z, Y = batch_normalization.labelled_case(seed, classes, m)
    return reference.softmax_backward(Z, Y)


@answers("batch_normalization.batchnorm_layer_forward")
def _bn_layer_forward(seed, units, units_prev, m, epsilon):
    A_prev, W, gamma, beta = batch_normalization.layer_case(seed, units, units_prev, m)
    A, cache = reference.batchnorm_layer_forward(A_prev, W, gamma, beta, epsilon)
    relu_first, _ = reference.batchnorm_forward(np.maximum(0, W @ A_prev), gamma, beta, epsilon)
    return {"A": A, "cache": cache, "mistake: no relu": cache[2], "mistake: relu first": relu_first}


@answers("batch_normalization.batchnorm_layer_backward")
def _bn_layer_backward(seed, units, units_prev, m, epsilon):
    dA, cache = batch_normalization.layer_backward_case(seed, units, units_prev, m, epsilon)
    A_prev, W, _, bn_cache = cache
    gradients = reference.batchnorm_layer_backward(dA, cache)
    dZ_no_relu, _, _ = reference.batchnorm_backward(dA, bn_cache)
    return {
        "gradients": gradients,
        "mistake: no relu": dZ_no_relu @ A_prev.T,
        "mistake: divided by m": gradients[1] / m,
    }


# ---------------------------------------------------------------- TensorFlow introduction


def _tensorflow():
    from tools import reference_tf

    return reference_tf


@answers("tensorflow_introduction.linear_function")
def _linear(seed, summary):
    from helpers.labs import tensorflow_introduction as lab

    if seed != 1:
        raise KeyError("linear_function seeds 1 itself: only seed=1 has an answer")
    values = _tensorflow().linear_function().numpy()
    return lab.summary(values) if summary else values


@answers("tensorflow_introduction.sigmoid")
def _sigmoid(cases):
    tf_ref = _tensorflow()
    return [tf_ref.sigmoid(z).numpy().astype(np.float64) for z in (*cases, np.array(cases))]


@answers("tensorflow_introduction.one_hot_matrix")
def _one_hot(cases):
    tf_ref = _tensorflow()
    return [tf_ref.one_hot_matrix(tf_ref.tf.constant(label), C).numpy() for label, C in cases]


@answers("tensorflow_introduction.initialize_parameters")
def _tf_init(summary):
    from helpers.labs import tensorflow_introduction as lab

    params = {k: v.numpy() for k, v in _tensorflow().initialize_parameters().items()}
    return lab.parameter_summary(params) if summary else params


@answers("tensorflow_introduction.forward_propagation")
def _tf_forward(seed, m):
    from helpers.labs import tensorflow_introduction as lab

    tf = _tensorflow().tf
    X, params = lab.forward_case(seed, m)
    with tf.GradientTape() as tape:
        Z3 = _tensorflow().forward_propagation(X, params)
        total = tf.reduce_sum(Z3)
    return {"Z3": Z3.numpy(), "dW1": lab.summary(tape.gradient(total, params["W1"]).numpy())}


@answers("tensorflow_introduction.compute_total_loss")
def _tf_loss(seed, m):
    from helpers.labs import tensorflow_introduction as lab

    logits, labels = lab.loss_case(seed, m)
    return float(_tensorflow().compute_total_loss(logits, labels))


@answers("tensorflow_introduction.model")
def _tf_model(seed, num_epochs, minibatch_size, learning_rate, summary):
    from helpers.labs import tensorflow_introduction as lab

    sets = lab.model_case(seed)
    params, costs, train_acc, test_acc = _tensorflow().model(
        *sets,
        learning_rate=learning_rate,
        num_epochs=num_epochs,
        minibatch_size=minibatch_size,
        print_cost=False,
    )
    params = {k: v.numpy() for k, v in params.items()}
    return {
        "parameters": lab.parameter_summary(params) if summary else params,
        "costs": [float(c) for c in costs],
        "train_acc": [float(a) for a in train_acc],
        "test_acc": [float(a) for a in test_acc],
    }


# ---------------------------------------------------------------- the public table


class _Recorded(Exception):
    """Stops a public check once it has asked for its expected values."""


def public_cases(labs=None):
    """{case key: encoded expected value} for every case the labs' public checks use: each
    public test line runs here with stand-ins for the learner's functions, and every
    ``checking.expected`` call it makes is answered by this key and recorded."""
    import importlib

    from tools import grading

    table = {}

    def record(exercise, **case):
        value = expected(exercise, **case)
        table[checking.case_key(exercise, case)] = checking.encode(value)
        raise _Recorded

    def stand_in(*args, **kwargs):
        raise AssertionError("a public check called the learner's function before expected()")

    checking.use_answer_key(record)
    original = checking._public_cases
    checking._public_cases = dict  # record every case, even one already in the table
    try:
        for lab in labs or grading.labs():
            module = importlib.import_module(f"helpers.labs.{lab}")
            for exercise in grading.exercises(lab):
                for statement in ast.parse(exercise.public).body:
                    names = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
                    namespace = {name: stand_in for name in names} | {"lab": module, "np": np}
                    with contextlib.suppress(_Recorded):
                        exec(compile(ast.Module([statement], []), lab, "exec"), namespace)
    finally:
        checking._public_cases = original
        checking.use_answer_key(None)
    return dict(sorted(table.items()))


# TensorFlow computes in float32, and its CPU kernels (oneDNN, Eigen) take other code paths
# on CPUs with or without AVX-512: the same solution's results agree to float32 precision
# (measured: 1e-7 relative, 5e-8 absolute on values of 0.04), not to the last bit.
FLOAT32_CASES = ("tensorflow_introduction.",)
FLOAT32_RTOL, FLOAT32_ATOL = 1e-5, 1e-6  # the latter relative to the array's largest value


def same(a, b, rtol=1e-12, float32=False):
    """Whether two public tables (or values) agree: the same structure and keys, numbers to
    ``rtol`` (a machine's exp and log may round another way in the last bit), or to float32
    precision for values TensorFlow computed (``float32``)."""
    return _same(checking.decode(a), checking.decode(b), rtol, float32)


def same_table(a, b, rtol=1e-12):
    """Whether two public tables ({case key: encoded value}) agree, as ``same``."""
    return list(a) == list(b) and all(
        same(a[k], b[k], rtol, float32=k.startswith(FLOAT32_CASES)) for k in a
    )


def _same(a, b, rtol, float32=False):
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k], rtol, float32) for k in a)
    if isinstance(a, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(
            _same(x, y, rtol, float32) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, (np.ndarray, float, int)) and isinstance(b, (np.ndarray, float, int)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if float32 and a.dtype.kind == "f" and a.size:
            atol = FLOAT32_ATOL * float(np.nanmax(np.abs(a)))
            return np.allclose(a, b, FLOAT32_RTOL, atol, True)
        return np.allclose(a, b, rtol, 0.0, True)
    return a == b


def starts():
    """{"name/key": array}: the labs' provided starting weights (``nn.start_weights``)."""
    return {
        f"{name}/{k}": v for name in nn.STARTS_OF for k, v in reference.provided_start(name).items()
    }


def build():
    """Write helpers/public_cases.json and helpers/starts.npz; return the number of cases."""
    table = public_cases()
    checking.PUBLIC_CASES.write_text(json.dumps(table, indent=0) + "\n", encoding="utf-8")
    checking._public_cases.cache_clear()
    np.savez(nn.STARTS, **starts())
    return len(table)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check"))
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"{checking.PUBLIC_CASES}: {build()} public cases")
        return 0
    shipped = json.loads(checking.PUBLIC_CASES.read_text(encoding="utf-8"))
    with np.load(nn.STARTS) as stored:
        same_starts = sorted(stored.files) == sorted(starts()) and all(
            np.array_equal(stored[k], v) for k, v in starts().items()
        )
    if not same_table(shipped, public_cases()) or not same_starts:
        print(
            "helpers/public_cases.json or helpers/starts.npz is stale: run "
            "`python -m tools.answer_key build`"
        )
        return 1
    print(f"{checking.PUBLIC_CASES}: up to date ({len(shipped)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
