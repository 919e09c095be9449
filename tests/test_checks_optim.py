"""Public checks of the Optimization Methods lab: references pass, typical mistakes are named."""

import numpy as np
import pytest
import reference as ref

from helpers import checks

SOLUTIONS = [
    (checks.update_parameters_with_gd_test, ref.update_parameters_with_gd),
    (checks.random_mini_batches_test, ref.random_mini_batches),
    (checks.initialize_velocity_test, ref.initialize_velocity),
    (checks.update_parameters_with_momentum_test, ref.update_parameters_with_momentum),
    (checks.update_parameters_with_rmsprop_test, ref.update_parameters_with_rmsprop),
    (checks.initialize_adam_test, ref.initialize_adam),
    (checks.update_parameters_with_adam_test, ref.update_parameters_with_adam),
    (checks.update_lr_test, ref.update_lr),
    (checks.schedule_lr_decay_test, ref.schedule_lr_decay),
]


@pytest.mark.parametrize(("check", "solution"), SOLUTIONS, ids=lambda x: getattr(x, "__name__", ""))
def test_reference_solutions_pass(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize("layers", [(4, 3, 2, 1), (2, 1)])
def test_update_checks_work_for_any_depth(layers, capsys):
    checks.update_parameters_with_gd_test(ref.update_parameters_with_gd, layers=layers)
    checks.update_parameters_with_momentum_test(ref.update_parameters_with_momentum, layers=layers)
    checks.update_parameters_with_adam_test(ref.update_parameters_with_adam, layers=layers, t=9)
    assert capsys.readouterr().out == "All tests passed.\n" * 3


@pytest.mark.parametrize(("m", "size"), [(148, 64), (128, 32), (20, 64), (64, 64), (7, 1)])
def test_mini_batch_check_covers_remainders(m, size, capsys):
    checks.random_mini_batches_test(ref.random_mini_batches, m=m, mini_batch_size=size)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_course_mini_batch_case_gives_the_courses_shapes():
    X, Y = checks.mini_batches_case(m=148)
    batches = ref.random_mini_batches(X, Y, 64)
    assert [b[0].shape[1] for b in batches] == [64, 64, 20]


def gd_plus(parameters, grads, learning_rate):
    return {k: p + learning_rate * grads["d" + k] for k, p in parameters.items()}


def gd_first_layer_only(parameters, grads, learning_rate):
    parameters["W1"] = parameters["W1"] - learning_rate * grads["dW1"]
    parameters["b1"] = parameters["b1"] - learning_rate * grads["db1"]
    return parameters


def batches_without_shuffle(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[1]
    return [(X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]  # fmt: skip


def batches_dropping_the_rest(X, Y, mini_batch_size=64, seed=0):
    full = X.shape[1] // mini_batch_size * mini_batch_size
    return ref.random_mini_batches(X[:, :full], Y[:, :full], mini_batch_size, seed)[
        : X.shape[1] // mini_batch_size
    ]


def batches_shuffling_x_and_y_apart(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    px, py = np.random.permutation(X.shape[1]), np.random.permutation(X.shape[1])
    X, Y = X[:, px], Y[:, py]
    return [(X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
            for k in range(0, X.shape[1], mini_batch_size)]  # fmt: skip


def momentum_without_one_minus_beta(parameters, grads, v, beta, learning_rate):
    for k in parameters:
        v["d" + k] = beta * v["d" + k] + grads["d" + k]
        parameters[k] = parameters[k] - learning_rate * v["d" + k]
    return parameters, v


def momentum_stepping_with_the_gradient(parameters, grads, v, beta, learning_rate):
    parameters, v = ref.update_parameters_with_momentum(parameters, grads, v, beta, 0.0)
    return ref.update_parameters_with_gd(parameters, grads, learning_rate), v


def rmsprop_without_root(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    for k in parameters:
        s["d" + k] = beta2 * s["d" + k] + (1 - beta2) * grads["d" + k] ** 2
        parameters[k] = parameters[k] - learning_rate * grads["d" + k] / (s["d" + k] + epsilon)
    return parameters, s


def adam_without_bias_correction(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                 beta2=0.999, epsilon=1e-8):  # fmt: skip
    return ref.update_parameters_with_adam(parameters, grads, v, s, 10**6, learning_rate, beta1,
                                           beta2, epsilon)  # fmt: skip


def adam_epsilon_inside_root(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                             beta2=0.999, epsilon=1e-8):  # fmt: skip
    out = ref.update_parameters_with_adam(
        dict(parameters), grads, v, s, t, learning_rate, beta1, beta2, epsilon
    )
    _, v, s, vc, sc = out
    new = {k: p - learning_rate * vc["d" + k] / np.sqrt(sc["d" + k] + epsilon)
           for k, p in parameters.items()}  # fmt: skip
    return new, v, s, vc, sc


def adam_returning_three(*args, **kwargs):
    return ref.update_parameters_with_adam(*args, **kwargs)[:3]


def velocity_keyed_like_parameters(parameters):
    return {k: np.zeros(p.shape) for k, p in parameters.items()}


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (checks.update_parameters_with_gd_test, gd_plus, r"W1 has wrong values"),
        (checks.update_parameters_with_gd_test, gd_first_layer_only, r"W2 has wrong values"),
        (checks.random_mini_batches_test, batches_without_shuffle, r"mini-batch 0 X has wrong"),
        (checks.random_mini_batches_test, batches_dropping_the_rest, r"returned 2 mini-batches, expected 3"),
        (checks.random_mini_batches_test, batches_shuffling_x_and_y_apart, r"mini-batch 0 Y has wrong"),
        (checks.initialize_velocity_test, velocity_keyed_like_parameters, r"missing key\(s\) \['dW1'"),
        (checks.update_parameters_with_momentum_test, momentum_without_one_minus_beta, r"dW1 has wrong values"),
        (checks.update_parameters_with_momentum_test, momentum_stepping_with_the_gradient, r"W1 has wrong values"),
        (checks.update_parameters_with_rmsprop_test, rmsprop_without_root, r"the parameters|W1 has wrong"),
        (checks.update_parameters_with_adam_test, adam_without_bias_correction, r"v_corrected|dW1 has wrong"),
        (checks.update_parameters_with_adam_test, adam_epsilon_inside_root, r"W1 has wrong values"),
        (checks.update_parameters_with_adam_test, adam_returning_three, r"should return the tuple \(parameters, v, s, v_corrected, s_corrected\)"),
        (checks.initialize_adam_test, ref.initialize_velocity, r"should return the tuple \(v, s\)"),
        (checks.update_lr_test, lambda lr0, e, r: lr0 / (1 + r) * e, r"update_lr\(0\.5, epoch_num=2"),
        (checks.schedule_lr_decay_test, lambda lr0, e, r, ti=1000: lr0 / (1 + r * e / ti), r"epoch_num=100,"),
        (checks.schedule_lr_decay_test, lambda lr0, e, r, ti=1000: ref.update_lr(lr0, e, r), r"epoch_num=100,"),
    ],
)  # fmt: skip
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_an_update_that_edits_its_inputs_in_place_still_passes(capsys):
    """The course's own solutions assign into the dicts they get: that is fine."""

    def in_place(parameters, grads, v, beta, learning_rate):
        for k in parameters:
            v["d" + k] *= beta
            v["d" + k] += (1 - beta) * grads["d" + k]
            parameters[k] -= learning_rate * v["d" + k]
        return parameters, v

    checks.update_parameters_with_momentum_test(in_place)
    assert capsys.readouterr().out == "All tests passed.\n"
