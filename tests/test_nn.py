import warnings

import numpy as np
import pytest

from helpers import nn


def make_params(dims=(2, 10, 5, 1), seed=0, scale=1.0, bias=0.1):
    rng = np.random.RandomState(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * scale / np.sqrt(dims[l - 1])
        p[f"b{l}"] = rng.randn(dims[l], 1) * bias
    return p


@pytest.fixture
def batch():
    rng = np.random.RandomState(1)
    X = rng.randn(2, 7)
    Y = (rng.rand(1, 7) > 0.5).astype(np.int64)
    return X, Y


def test_sigmoid_saturates_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = nn.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def test_relu():
    np.testing.assert_array_equal(nn.relu(np.array([[-2.0, 0.0, 3.0]])), [[0.0, 0.0, 3.0]])


def test_cost_is_finite_for_exact_zero_and_one():
    Y = np.array([[1, 0, 1]])
    cost = nn.compute_cost(np.array([[0.0, 1.0, 1.0]]), Y)
    assert np.isfinite(cost) and cost == pytest.approx(-2 * np.log(1e-15) / 3, rel=1e-3)
    assert nn.compute_cost(np.full((1, 3), 0.5), Y) == pytest.approx(np.log(2))
    assert isinstance(cost, float)


def test_forward_shapes_and_cache_layout(batch):
    X, _ = batch
    A3, cache = nn.forward_propagation(X, make_params())
    assert A3.shape == (1, 7) and len(cache) == 12
    Z1, A1, W1 = cache[:3]
    assert Z1.shape == A1.shape == (10, 7) and W1.shape == (10, 2)
    assert np.all((A3 > 0) & (A3 < 1))


def test_backward_matches_finite_differences(batch):
    X, Y = batch
    params = make_params()
    A3, cache = nn.forward_propagation(X, params)
    grads = nn.backward_propagation(X, Y, cache)
    eps = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            numeric[idx] = (
                nn.compute_cost(nn.forward_propagation(X, plus)[0], Y)
                - nn.compute_cost(nn.forward_propagation(X, minus)[0], Y)
            ) / (2 * eps)
        np.testing.assert_allclose(grads["d" + key], numeric, rtol=1e-5, atol=1e-8, err_msg=key)


def test_train_leaves_its_start_alone_and_has_no_update_step_to_import(batch):
    """Week 2's update_parameters_with_gd is an exercise: nn keeps the step inside train."""
    X, Y = batch
    params = make_params()
    before = {k: v.copy() for k, v in params.items()}
    nn.train(X, Y, params, 0.1, 3)
    assert all(np.array_equal(params[k], before[k]) for k in params)
    assert not hasattr(nn, "update_parameters")


def test_train_decreases_cost_and_is_deterministic(batch, capsys):
    X, Y = batch
    p1, costs1 = nn.train(X, Y, make_params(), 0.1, 300, record_every=100, print_every=100)
    p2, costs2 = nn.train(X, Y, make_params(), 0.1, 300, record_every=100)
    assert len(costs1) == 3 and costs1[-1] < costs1[0]
    assert costs1 == costs2
    np.testing.assert_array_equal(p1["W1"], p2["W1"])
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"Cost after iteration {i}: {c:.6f}" for i, c in zip((0, 100, 200), costs1, strict=True)
    ]


@pytest.mark.parametrize("scale", [1.0, 10.0])  # 10: saturated sigmoids, dead ReLUs
@pytest.mark.parametrize("layout", ["C", "F"])  # the loaders' X is a transposed view
def test_train_is_the_step_by_step_loop_bit_for_bit(scale, layout):
    """nn.train's flat, in-place loop does the arithmetic of forward_propagation,
    backward_propagation and W -= lr * dW one step at a time, to the last bit."""
    rng = np.random.RandomState(2)
    X = np.asarray(rng.randn(2, 300) * [[10.0], [1.0]], order=layout)
    Y = (rng.rand(1, 300) > 0.5).astype(np.int64)
    start = make_params(scale=scale)
    params = {k: v.copy() for k, v in start.items()}
    costs = []
    for i in range(400):
        A3, cache = nn.forward_propagation(X, params)
        if i % 100 == 0:
            costs.append(nn.compute_cost(A3, Y))
        grads = nn.backward_propagation(X, Y, cache)
        params = {k: v - 0.05 * grads["d" + k] for k, v in params.items()}
    trained, recorded = nn.train(X, Y, start, 0.05, 400)
    assert recorded == costs
    for k in params:
        assert trained[k].shape == params[k].shape
        np.testing.assert_array_equal(trained[k], params[k], err_msg=k)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_train_together_is_each_run_alone_bit_for_bit(layout):
    """Four runs side by side (two inputs, two learning rates, three starts) give, run by
    run, exactly what nn.train gives each alone: parameters and recorded costs."""
    rng = np.random.RandomState(3)
    raw = np.asarray(rng.randn(2, 300) * [[10.0], [1.0]] + [[5.0], [0.0]], order=layout)
    normalized = np.asarray(
        (raw - raw.mean(1, keepdims=True)) / raw.std(1, keepdims=True), order=layout
    )
    Y = (rng.rand(1, 300) > 0.5).astype(np.int64)
    runs = [
        (raw, make_params(), 0.01),
        (raw, make_params(seed=1), 0.1),
        (normalized, make_params(scale=10.0), 0.01),
        (normalized, make_params(), 0.1),
    ]
    together = nn.train_together(runs, Y, 300, record_every=50)
    assert len(together) == len(runs)
    for (X, start, rate), (trained, costs) in zip(runs, together, strict=True):
        alone, alone_costs = nn.train(X, Y, start, rate, 300, record_every=50)
        assert costs == alone_costs and len(costs) == 6
        for k in alone:
            assert trained[k].shape == alone[k].shape
            np.testing.assert_array_equal(trained[k], alone[k], err_msg=k)


def test_train_together_names_the_run_that_does_not_fit(batch):
    X, Y = batch
    with pytest.raises(ValueError, match=r"run 2 does not fit.*\(10, 3\)"):
        nn.train_together([(X, make_params(), 0.1), (X, make_params((3, 10, 5, 1)), 0.1)], Y, 2)
    with pytest.raises(ValueError, match="run 1 does not fit.*Y's 7 columns"):
        nn.train_together([(X[:, :5], make_params(), 0.1)], Y, 2)
    with pytest.raises(ValueError, match=r"run 1 does not fit.*X \(2, 7\)"):
        nn.train_together([(np.vstack([X, X]), make_params(), 0.1)], Y, 2)
    with pytest.raises(ValueError, match="no runs"):
        nn.train_together([], Y, 2)


def test_predict_and_accuracy(batch):
    X, Y = batch
    params = make_params()
    pred = nn.predict(X, params)
    assert pred.shape == (1, 7) and pred.dtype == np.int64
    assert nn.accuracy(X, Y, params) == pytest.approx(np.mean(pred == Y))
