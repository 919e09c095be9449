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


def test_update_parameters_returns_new_dict(batch):
    params = make_params()
    grads = {"d" + k: np.ones_like(v) for k, v in params.items()}
    new = nn.update_parameters(params, grads, 0.5)
    np.testing.assert_allclose(new["W2"], params["W2"] - 0.5)
    assert new is not params and not np.shares_memory(new["W1"], params["W1"])


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


def test_predict_and_accuracy(batch):
    X, Y = batch
    params = make_params()
    pred = nn.predict(X, params)
    assert pred.shape == (1, 7) and pred.dtype == np.int64
    assert nn.accuracy(X, Y, params) == pytest.approx(np.mean(pred == Y))


def test_layer_activation_std_shows_vanishing_and_exploding():
    X = np.random.RandomState(0).randn(2, 300)
    dims = [2] + [50] * 10 + [1]
    he = nn.layer_activation_std(X, make_params(dims, scale=np.sqrt(2), bias=0))
    small = nn.layer_activation_std(X, make_params(dims, scale=0.5, bias=0))
    big = nn.layer_activation_std(X, make_params(dims, scale=10, bias=0))
    assert he.shape == (10,)
    assert 0.2 < he[-1] / he[0] < 5
    assert small[-1] < 1e-3 * small[0]
    assert big[-1] > 1e6 * big[0]


def manual_training(X, Y, params, lambd, keep_prob, iterations, lr=0.3):
    """Plain loop with the course's dropout masks (seed 1, same at every step) and L2."""
    params = {k: v.copy() for k, v in params.items()}
    m = X.shape[1]
    np.random.seed(1)
    D1 = (np.random.rand(params["W1"].shape[0], m) < keep_prob) / keep_prob
    D2 = (np.random.rand(params["W2"].shape[0], m) < keep_prob) / keep_prob
    for _ in range(iterations):
        A1 = nn.relu(params["W1"] @ X + params["b1"]) * D1
        A2 = nn.relu(params["W2"] @ A1 + params["b2"]) * D2
        A3 = nn.sigmoid(params["W3"] @ A2 + params["b3"])
        dZ3 = (A3 - Y) / m
        dZ2 = params["W3"].T @ dZ3 * D2 * (A2 > 0)
        dZ1 = params["W2"].T @ dZ2 * D1 * (A1 > 0)
        grads = {
            "W3": dZ3 @ A2.T,
            "W2": dZ2 @ A1.T,
            "W1": dZ1 @ X.T,
            "b3": dZ3.sum(1, keepdims=True),
            "b2": dZ2.sum(1, keepdims=True),
            "b1": dZ1.sum(1, keepdims=True),
        }
        for k in params:
            decay = lambd / m * params[k] if k.startswith("W") else 0
            params[k] = params[k] - lr * (grads[k] + decay)
    return params


def test_train_grid_equals_separate_runs():
    rng = np.random.RandomState(4)
    X = rng.randn(2, 40)
    Y = (rng.rand(1, 40) > 0.5).astype(np.int64)
    start = make_params((2, 20, 3, 1), bias=0)
    settings = [(0.0, 1.0), (0.7, 1.0), (0.0, 0.86), (3.0, 1.0)]
    lambdas, keeps = zip(*settings, strict=True)
    grid, costs = nn.train_grid(X, Y, start, lambdas, keeps, num_iterations=300, snapshot_every=100)
    assert grid["W1"].shape == (4, 4, 20, 2) and costs.shape == (4, 4)
    for k, (lambd, keep) in enumerate(settings):
        expected = manual_training(X, Y, start, lambd, keep, 300)
        for key, value in expected.items():
            np.testing.assert_allclose(
                grid[key][-1, k], value, rtol=1e-10, atol=1e-12, err_msg=f"{key} {settings[k]}"
            )
    # The plain setting is exactly nn.train (bit for bit), the lab's own trainer.
    plain, plain_costs = nn.train(X, Y, start, 0.3, 300)
    for key, value in plain.items():
        np.testing.assert_array_equal(grid[key][-1, 0], value)
    np.testing.assert_allclose(costs[:3, 0], plain_costs[:3])


def test_train_grid_leaves_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    nn.train_grid(
        np.ones((2, 3)), np.ones((1, 3)), make_params((2, 20, 3, 1)), [0.0], [0.5], num_iterations=1
    )
    assert np.random.rand() == expected
