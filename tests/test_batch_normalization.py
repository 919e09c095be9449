"""Batch Normalization and softmax (helpers.labs.batch_normalization): its checks against the
learner-style solutions (tools.reference), typical mistakes, a numerical gradient check of the
backward pass, and agreement with Keras's BatchNormalization and softmax cross-entropy."""

import numpy as np
import pytest
from conftest import lab_printed, lab_text

from helpers import data, gradcheck, nn
from helpers.labs import batch_normalization as lab
from tools import reference, stacked

CHECKS = [
    (lab.batchnorm_forward_test, reference.batchnorm_forward),
    (lab.batchnorm_backward_test, reference.batchnorm_backward),
    (lab.update_running_averages_test, reference.update_running_averages),
    (lab.batchnorm_inference_test, reference.batchnorm_inference),
    (lab.softmax_test, reference.softmax),
    (lab.compute_softmax_cost_test, reference.compute_softmax_cost),
    (lab.softmax_backward_test, reference.softmax_backward),
    (lab.batchnorm_layer_forward_test, reference.batchnorm_layer_forward),
    (lab.batchnorm_layer_backward_test, reference.batchnorm_layer_backward),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS)
@pytest.mark.parametrize("seed", [1, 11])
def test_solutions_pass_on_several_cases(check, solution, seed, capsys):
    check(solution, seed=seed)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize(("units", "m"), [(1, 2), (5, 7), (2, 64)])
def test_batchnorm_checks_hold_for_other_shapes(units, m, capsys):
    lab.batchnorm_forward_test(reference.batchnorm_forward, units=units, m=m)
    lab.batchnorm_backward_test(reference.batchnorm_backward, units=units, m=m)
    assert capsys.readouterr().out == "All tests passed.\n" * 2


@pytest.mark.parametrize(("units", "units_prev", "m"), [(1, 1, 2), (5, 3, 7), (16, 2, 64)])
def test_layer_checks_hold_for_other_shapes(units, units_prev, m, capsys):
    shape = dict(units=units, units_prev=units_prev, m=m)
    lab.batchnorm_layer_forward_test(reference.batchnorm_layer_forward, **shape)
    lab.batchnorm_layer_backward_test(reference.batchnorm_layer_backward, **shape)
    assert capsys.readouterr().out == "All tests passed.\n" * 2


def wrong_axis_forward(Z, gamma, beta, epsilon=1e-8):
    mu, var = Z.mean(axis=0, keepdims=True), Z.var(axis=0, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, epsilon)


def unbiased_forward(Z, gamma, beta, epsilon=1e-8):
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, ddof=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, epsilon)


def forward_with_short_cache(Z, gamma, beta, epsilon=1e-8):
    return reference.batchnorm_forward(Z, gamma, beta, epsilon)[0], ()


def constant_statistics_backward(dZ_tilde, cache):
    Z, Z_norm, mu, var, gamma, epsilon = cache
    dgamma, dbeta = (np.sum(d, axis=1, keepdims=True) for d in (dZ_tilde * Z_norm, dZ_tilde))
    return dZ_tilde * gamma / np.sqrt(var + epsilon), dgamma, dbeta


def layer_without_relu(A_prev, W, gamma, beta, epsilon=1e-8):
    A, cache = reference.batchnorm_layer_forward(A_prev, W, gamma, beta, epsilon)
    return cache[2], cache


def layer_with_relu_first(A_prev, W, gamma, beta, epsilon=1e-8):
    Z_tilde, bn_cache = reference.batchnorm_forward(np.maximum(0, W @ A_prev), gamma, beta)
    return Z_tilde, (A_prev, W, Z_tilde, bn_cache)


def layer_backward_without_relu(dA, cache):
    A_prev, W, _, bn_cache = cache
    dZ, dgamma, dbeta = reference.batchnorm_backward(dA, bn_cache)
    return W.T @ dZ, dZ @ A_prev.T, dgamma, dbeta


def layer_backward_divided_by_m(dA, cache):
    dA_prev, dW, dgamma, dbeta = reference.batchnorm_layer_backward(dA, cache)
    return dA_prev, dW / dA.shape[1], dgamma, dbeta


def naive_softmax(Z):
    return np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True)


def row_softmax(Z):
    return reference.softmax(Z.T).T


def naive_softmax_cost(Z, Y):
    return float(-np.sum(Y * np.log(naive_softmax(Z))) / Z.shape[1])


def summed_softmax_cost(Z, Y):
    return reference.compute_softmax_cost(Z, Y) * Z.shape[1]


def numpy_float_cost(Z, Y):
    return np.float64(reference.compute_softmax_cost(Z, Y))


def undivided_softmax_backward(Z, Y):
    return reference.softmax(Z) - Y


MISTAKES = [
    (lab.batchnorm_forward_test, wrong_axis_forward, "over the m examples of each unit: axis=1"),
    (lab.batchnorm_forward_test, unbiased_forward, "biased variance, dividing by m"),
    (lab.batchnorm_forward_test, forward_with_short_cache, r"cache should return the tuple \(Z"),
    (lab.batchnorm_backward_test, constant_statistics_backward, "treats mu and var as constants"),
    (lab.softmax_test, naive_softmax, "exp overflows. Subtract each column's maximum"),
    (lab.softmax_test, row_softmax, "normalize each column"),
    (lab.compute_softmax_cost_test, naive_softmax_cost, "Use log-sum-exp"),
    (lab.compute_softmax_cost_test, summed_softmax_cost, "take the mean over the 5 examples"),
    (lab.compute_softmax_cost_test, numpy_float_cost, "should return a Python float"),
    (lab.softmax_backward_test, undivided_softmax_backward, "divide by m = 5"),
    (lab.batchnorm_layer_forward_test, layer_without_relu, "apply the ReLU to Z_tilde"),
    (lab.batchnorm_layer_forward_test, layer_with_relu_first, "normalize Z, then apply the ReLU"),
    (lab.batchnorm_layer_backward_test, layer_backward_without_relu, "ReLU's derivative"),
    (lab.batchnorm_layer_backward_test, layer_backward_divided_by_m, "do not divide by m = 6"),
]


@pytest.mark.parametrize(("check", "target", "message"), MISTAKES)
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_naive_softmax_really_overflows_where_the_check_says():
    with np.errstate(all="ignore"):
        assert not np.all(np.isfinite(naive_softmax(np.full((3, 2), 1000.0))))
    assert np.allclose(reference.softmax(np.full((3, 2), 1000.0)), 1 / 3)


def test_batchnorm_backward_matches_a_numerical_gradient():
    """The week-1 tools: J = sum(G * Z_tilde) for a fixed G, so dJ/dZ_tilde = G."""
    Z, gamma, beta = lab.batchnorm_case(seed=5, units=4, m=6)
    G = np.random.RandomState(0).randn(*Z.shape)
    params = {"W1": Z, "b1": gamma, "W2": beta, "b2": np.zeros((1, 1))}  # any W/b naming works

    def cost(p):
        return float(np.sum(G * reference.batchnorm_forward(p["W1"], p["b1"], p["W2"])[0]))

    dZ, dgamma, dbeta = reference.batchnorm_backward(
        G, reference.batchnorm_forward(Z, gamma, beta)[1]
    )
    analytic = gradcheck.gradients_to_vector(
        {"dW1": dZ, "db1": dgamma, "dW2": dbeta, "db2": np.zeros((1, 1))}
    )
    numerical = reference.numerical_gradient(cost, params, epsilon=1e-6)
    assert reference.relative_difference(analytic, numerical) < 1e-7
    # and a gradient that ignores how mu and var depend on Z is caught
    wrong = constant_statistics_backward(G, reference.batchnorm_forward(Z, gamma, beta)[1])
    wrong_vector = gradcheck.gradients_to_vector(
        {"dW1": wrong[0], "db1": dgamma, "dW2": dbeta, "db2": np.zeros((1, 1))}
    )
    assert reference.relative_difference(wrong_vector, numerical) > 1e-2


def test_softmax_cost_and_backward_agree_with_a_numerical_gradient():
    rng = np.random.RandomState(3)
    Z, Y = rng.randn(4, 6), np.eye(4)[:, rng.randint(4, size=6)]
    params = {"W1": Z, "b1": np.zeros((1, 1))}
    numerical = reference.numerical_gradient(
        lambda p: reference.compute_softmax_cost(p["W1"], Y), params, epsilon=1e-6
    )
    analytic = np.vstack([reference.softmax_backward(Z, Y).reshape(-1, 1), [[0.0]]])
    assert reference.relative_difference(analytic, numerical) < 1e-7


def test_keras_batch_normalization_gives_the_same_outputs_and_statistics():
    """Keras's layer on examples as rows, with our gamma / beta and epsilon, in training mode
    (batch statistics) and in inference mode (moving averages with momentum 0.9)."""
    import tensorflow as tf

    import helpers

    helpers.setup(seed=1, tensorflow=True)
    units, m, epsilon, momentum = 3, 16, 1e-3, 0.9
    Z, gamma, beta = lab.batchnorm_case(seed=8, units=units, m=m)
    layer = tf.keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, dtype="float64")
    layer.build((None, units))
    layer.gamma.assign(gamma[:, 0])
    layer.beta.assign(beta[:, 0])
    running_mu, running_var = np.zeros((units, 1)), np.ones((units, 1))
    batches = [Z + shift for shift in (0.0, 1.0, -2.0)]
    for batch in batches:
        keras_out = layer(tf.constant(batch.T), training=True).numpy().T
        ours, cache = reference.batchnorm_forward(batch, gamma, beta, epsilon)
        np.testing.assert_allclose(keras_out, ours, atol=1e-10)
        running_mu, running_var = reference.update_running_averages(
            running_mu, running_var, cache[2], cache[3], momentum
        )
    np.testing.assert_allclose(layer.moving_mean.numpy(), running_mu[:, 0], atol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), running_var[:, 0], atol=1e-12)
    one = Z[:, :1]
    keras_inference = layer(tf.constant(one.T), training=False).numpy().T
    ours = reference.batchnorm_inference(one, gamma, beta, running_mu, running_var, epsilon)
    np.testing.assert_allclose(keras_inference, ours, atol=1e-10)


def test_keras_softmax_and_cross_entropy_agree_with_the_labs():
    import tensorflow as tf

    rng = np.random.RandomState(4)
    Z, Y = rng.randn(5, 7) * 3, np.eye(5)[:, rng.randint(5, size=7)]
    np.testing.assert_allclose(tf.nn.softmax(Z.T).numpy().T, reference.softmax(Z), atol=1e-12)
    loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(Y.T, Z.T).numpy()
    assert reference.compute_softmax_cost(Z, Y) == pytest.approx(float(loss), rel=1e-6)
    big = Z * 1000  # both stay finite where a naive log(softmax) does not
    loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(Y.T, big.T).numpy()
    assert reference.compute_softmax_cost(big, Y) == pytest.approx(float(loss), rel=1e-6)


# ---------------------------------------------------------------- the stacked trainer with batch norm


def loop_batchnorm_network(X, Y, start, learning_rate, epochs, batch_size, momentum=0.9):
    """One network, the lab's way: LINEAR -> BATCHNORM -> RELU hidden layers, a sigmoid
    output, mean cross-entropy, mini-batches in data order, plain gradient descent, with the
    learner-style functions of tools.reference."""
    p = {k: v.astype(float).copy() for k, v in start.items()}
    L = len([k for k in p if k.startswith("W")])
    for l in range(1, L):
        p[f"gamma{l}"], p[f"beta{l}"] = np.ones_like(p[f"b{l}"]), np.zeros_like(p[f"b{l}"])
        p[f"mean{l}"], p[f"var{l}"] = np.zeros_like(p[f"b{l}"]), np.ones_like(p[f"b{l}"])
    m = X.shape[1]
    for _ in range(epochs):
        for first in range(0, m, batch_size):
            Xb, Yb = X[:, first : first + batch_size], Y[:, first : first + batch_size]
            A, caches = [Xb], {}
            for l in range(1, L):
                Z = p[f"W{l}"] @ A[-1] + p[f"b{l}"]
                Z_tilde, caches[l] = reference.batchnorm_forward(Z, p[f"gamma{l}"], p[f"beta{l}"])
                p[f"mean{l}"], p[f"var{l}"] = reference.update_running_averages(
                    p[f"mean{l}"], p[f"var{l}"], caches[l][2], caches[l][3], momentum
                )
                A.append(np.maximum(Z_tilde, 0))
            AL = 1 / (1 + np.exp(-(p[f"W{L}"] @ A[-1] + p[f"b{L}"])))
            dZ, grads = (AL - Yb) / Xb.shape[1], {}
            for l in range(L, 0, -1):
                grads[f"W{l}"], grads[f"b{l}"] = dZ @ A[l - 1].T, dZ.sum(axis=1, keepdims=True)
                if l > 1:
                    dZ_tilde = (p[f"W{l}"].T @ dZ) * (A[l - 1] > 0)
                    dZ, grads[f"gamma{l - 1}"], grads[f"beta{l - 1}"] = (
                        reference.batchnorm_backward(dZ_tilde, caches[l - 1])
                    )
            for key, g in grads.items():
                p[key] = p[key] - learning_rate * g
    return p


def test_stacked_batchnorm_trains_as_the_lab_does():
    from helpers import data

    X, Y, test_X, _ = data.load_moons()
    layers = [2, 6, 4, 1]
    start = reference.seeded_initialization(layers, reference.he_scale, seed=3)
    rates = (0.05, 0.5)
    settings = [stacked.Setting("gd", r) for r in rates]
    recipe = stacked.Recipe(layers, settings, 3, 64, batchnorm=True, record_every=None)
    out = stacked.train(X, Y, recipe.replace(observe_at=(3,)), start)
    for k, rate in enumerate(rates):
        expected = loop_batchnorm_network(X, Y, start, rate, 3, 64)
        for key, value in expected.items():
            np.testing.assert_allclose(out[key][0, k], value, rtol=1e-9, atol=1e-12, err_msg=key)
    trained = {key: value[0] for key, value in out.items() if key != "costs"}
    # b_l of a normalized layer gets no gradient (beta takes its place): it stays at 0, up to
    # rounding, while the output layer's b3 (not normalized) learns
    assert np.abs(trained["b1"]).max() < 1e-12 and np.abs(trained["b2"]).max() < 1e-12
    assert np.abs(trained["b3"]).min() > 1e-3
    # at test time the running averages, not the batch's statistics: one example at a time
    # gives the same predictions as the whole test set at once
    one_by_one = np.stack(
        [stacked.predict(test_X[:, [i]], trained)[:, 0] for i in range(test_X.shape[1])], -1
    )
    np.testing.assert_array_equal(one_by_one, stacked.predict(test_X, trained))


def test_stacked_without_batchnorm_is_unchanged_by_the_new_keys():

    layers = [3, 4, 1]
    start = reference.seeded_initialization(layers, reference.he_scale, seed=1)
    theta = stacked.flatten(start)
    assert theta.shape == (1, 3 * 4 + 4 + 4 + 1)
    params = stacked.views(theta, layers)
    assert sorted(params) == ["W1", "W2", "b1", "b2"]
    with_bn = stacked.views(np.arange(theta.size + 8.0)[None], layers, batchnorm=True)
    assert list(with_bn) == ["W1", "b1", "W2", "b2", "gamma1", "beta1"]
    assert with_bn["gamma1"].ravel().tolist() == list(range(theta.size, theta.size + 4))


# ---------------------------------------------------------------- the lab's runs and explorer


@pytest.fixture(scope="module")
def grid():
    return lab.batchnorm_grid()  # from the cache `make datasets` built


def test_batch_norm_allows_much_larger_learning_rates(grid):
    """The lab's headline, on the grid it reads: at depth 6 and 10 with mini-batches of 64."""
    for depth, without, with_bn in ((6, 0.1, 3.0), (10, 0.1, 1.0)):
        runs = {bn: lab.grid_run(grid, depth, bn, 64) for bn in (False, True)}
        assert lab.largest_stable_rate(runs[False]) == without
        assert lab.largest_stable_rate(runs[True]) == with_bn
    plain = lab.grid_run(grid, 6, False, 64)
    k = lab.LEARNING_RATES.index(1.0)  # stuck at a uniform guess: cost ln 3
    assert plain["cost"][-1, k] == pytest.approx(np.log(3), abs=0.01)
    assert plain["test_acc"][-1, k] == pytest.approx(1 / 3)


def test_batch_norm_steadies_a_deep_units_input(grid):
    """The covariate-shift picture: over training, the median input of the last hidden layer's
    unit moves far less with batch norm (same learning rate, both train)."""
    k = lab.LEARNING_RATES.index(0.1)
    drift = {}
    for bn in (False, True):
        median = lab.grid_run(grid, 6, bn, 64)["unit"][:, k, 1]
        drift[bn] = np.ptp(median)
    assert drift[True] < 0.3 * drift[False]


def test_grid_records_what_the_explorer_draws(grid):
    run = lab.grid_run(grid, 6, True, 64)
    R, K = len(run["epochs"]), len(lab.LEARNING_RATES)
    assert run["cost"].shape == (R, K) and run["spread"].shape == (R, K, 6)
    assert run["unit"].shape == (R, K, 3) and np.all(np.diff(run["unit"], axis=-1) >= 0)
    # with batch norm every layer's activations keep a spread near 1 (gamma starts at 1)
    assert np.all((run["spread"][-1] > 0.3) & (run["spread"][-1] < 3))


def test_batchnorm_explorer_redraws_on_each_control(grid):
    ex = lab.batchnorm_explorer()
    rate, depth, batch, toggle = ex.controls.values()
    assert ex.page.status == lab.batchnorm_summary(
        lab.batchnorm_view(grid, 6, True, 64, 0.1), 6, 64, 0.1
    )
    rate.value = 1.0
    assert "without batch norm stuck (cost 1.099 ≈ ln 3); with cost" in ex.page.status
    depth.value, batch.value, toggle.value = 10, 300, False
    view = lab.batchnorm_view(grid, 10, False, 300, 1.0)
    assert ex.page.status == lab.batchnorm_summary(view, 10, 300, 1.0)
    assert len(ex.page.status) <= 130
    fig = lab.BatchnormFigure().update(view).fig
    assert len(fig.axes) == 2 and "10 hidden layers" in fig._suptitle.get_text()
    assert ex.page.reopen.endswith(
        "lab.batchnorm_explorer(rate=1.0, depth=10, batch=300, batchnorm=False)</code></small>"
    )


def test_comparison_table_and_figures(grid):
    lines = lab.comparison_table(grid, 6, 64)
    assert len(lines) == 1 + len(lab.LEARNING_RATES)
    assert lines[0].split() == [
        "learning",
        "rate",
        "without",
        "batch",
        "norm",
        "with",
        "batch",
        "norm",
    ]
    lab.draw_comparison(grid, 6, 64)
    lab.draw_unit_input(grid, 6, 64, 0.1)


def test_multiclass_regions_use_one_colour_per_class():
    import matplotlib.pyplot as plt

    from helpers import plots

    X = np.array([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])
    _, ax = plt.subplots()
    plots.plot_decision_boundary(
        lambda P: np.digitize(P[0], [-0.5, 0.5]),
        X,
        np.array([[0, 1, 2]]),
        ax=ax,
        classes=3,
        steps=30,
    )
    regions = ax.images[0].get_array()
    assert sorted(np.unique(regions).tolist()) == [0, 1, 2]
    plt.close("all")


def _recording(record):
    """The course's layer and softmax functions, recording what the trainer passes them."""

    def forward(A_prev, W, gamma, beta, epsilon=1e-8):
        A, cache = reference.batchnorm_layer_forward(A_prev, W, gamma, beta, epsilon)
        record[f"A{len(record.get('layers', [])) + 1}"] = A
        record.setdefault("layers", []).append(cache)
        return A, cache

    def backward(dA, cache):
        dA_prev, dW, dgamma, dbeta = reference.batchnorm_layer_backward(dA, cache)
        l = next(i for i, c in enumerate(record["layers"], 1) if c is cache)
        record.update({f"dW{l}": dW, f"dgamma{l}": dgamma, f"dbeta{l}": dbeta})
        return dA_prev, dW, dgamma, dbeta

    def softmax_backward(Z, Y):
        record["dZ"] = reference.softmax_backward(Z, Y)
        return record["dZ"]

    return forward, backward, softmax_backward


def test_the_network_takes_adams_step_on_its_true_gradients():
    """One full-batch step of train_batchnorm_network: the gradients of its layers are the
    network's (a numerical gradient of the cost agrees), and every W, gamma, beta and the
    output's b moves by the course's Adam step on them; the running averages take 10% of the
    batch's statistics."""
    spirals = data.load_spirals()
    X, Y = spirals[0], lab.one_hot(spirals[1])
    start = lab.network_start((2, 16, 16, 3), seed=1)
    record = {}
    forward, backward, softmax_backward = _recording(record)
    network, _ = lab.train_batchnorm_network(
        spirals,
        forward,
        backward,
        softmax_backward,
        reference.compute_softmax_cost,
        reference.update_running_averages,
        epochs=1,
        batch_size=X.shape[1],
    )
    grads = {f"d{k}": record.get(f"d{k}") for k in start}
    grads["dW3"], grads["db3"] = record["dZ"] @ record["A2"].T, record["dZ"].sum(1, keepdims=True)

    def cost(p):
        A = X
        for l in (1, 2):
            A, _ = reference.batchnorm_layer_forward(A, p[f"W{l}"], p[f"gamma{l}"], p[f"beta{l}"])
        return reference.compute_softmax_cost(p["W3"] @ A + p["b3"], Y)

    analytic = gradcheck.dictionary_to_vector({k: grads[f"d{k}"] for k in start})[0]
    numerical = reference.numerical_gradient(cost, start, epsilon=1e-6)
    assert reference.relative_difference(analytic, numerical) < 1e-7
    # The course's Adam, first step (t = 1, from zero moments), on every parameter by name.
    beta1, beta2, rate, eps = 0.9, 0.999, 0.01, 1e-8
    adam = {}
    for key, value in start.items():
        g = grads[f"d{key}"]
        v_hat = (1 - beta1) * g / (1 - beta1)
        s_hat = (1 - beta2) * g**2 / (1 - beta2)
        adam[key] = value - rate * v_hat / (np.sqrt(s_hat) + eps)
    assert set(adam) == set(start) == {k for k in network if not k.startswith(("mean", "var"))}
    for key, value in adam.items():
        np.testing.assert_allclose(network[key], value, rtol=1e-12, atol=1e-15, err_msg=key)
    for l, cache in enumerate(record["layers"], 1):
        mu, var = cache[3][2], cache[3][3]
        np.testing.assert_allclose(network[f"mean{l}"], 0.1 * mu, rtol=1e-12)
        np.testing.assert_allclose(network[f"var{l}"], 0.9 + 0.1 * var, rtol=1e-12)


def plain_layer_forward(A_prev, W, gamma, beta, epsilon=1e-8):
    """A layer without batch norm, beta as its b (gamma unused), with a cache the trainer reads."""
    Z = W @ A_prev + beta
    zeros = np.zeros_like(beta)
    return np.maximum(0, Z), (A_prev, W, Z, (None, None, zeros, zeros + 1))


def plain_layer_backward(dA, cache):
    A_prev, W, Z, _ = cache
    dZ = dA * (Z > 0)
    return W.T @ dZ, dZ @ A_prev.T, np.zeros((W.shape[0], 1)), dZ.sum(axis=1, keepdims=True)


def test_the_trained_network_jitters_as_the_text_says_and_predicts_the_spirals():
    """Section 7: the lab's numbers come from the course's functions; the jitter is batch
    norm's (the same network without it settles smoothly near 0.02); the running averages
    classify the spirals, one example at a time as well as all at once."""
    spirals = data.load_spirals()
    functions = (reference.softmax_backward, reference.compute_softmax_cost)
    network, costs = lab.train_batchnorm_network(
        spirals,
        reference.batchnorm_layer_forward,
        reference.batchnorm_layer_backward,
        *functions,
        reference.update_running_averages,
    )
    late = costs[50:]
    said = f"from {late.min():.3f} to {late.max():.3f}, median {np.median(late):.3f}"
    assert any(said in printed for printed in lab_printed("batch_normalization"))
    text = lab_text("batch_normalization", "That is batch norm's noise")
    assert f"from ${late.min():.3f}$ to\n${late.max():.3f}$" in text
    _, plain = lab.train_batchnorm_network(
        spirals,
        plain_layer_forward,
        plain_layer_backward,
        *functions,
        reference.update_running_averages,
    )
    assert abs(np.median(plain[50:]) - 0.02) < 0.005 and plain[50:].max() < 0.035
    assert np.abs(np.diff(plain[50:])).mean() < 0.1 * np.abs(np.diff(late)).mean()
    assert "settles smoothly near $0.02$" in text

    def predict(X):
        A = X
        for l in (1, 2):
            Z = network[f"W{l}"] @ A
            gamma, beta = network[f"gamma{l}"], network[f"beta{l}"]
            A = np.maximum(
                0,
                reference.batchnorm_inference(
                    Z, gamma, beta, network[f"mean{l}"], network[f"var{l}"]
                ),
            )
        return np.argmax(network["W3"] @ A + network["b3"], axis=0)

    test_X, test_Y = spirals[2], spirals[3]
    one_by_one = [predict(test_X[:, [i]])[0] for i in range(test_X.shape[1])]
    np.testing.assert_array_equal(one_by_one, predict(test_X))
    assert (
        np.mean(predict(spirals[0]) == spirals[1]) > 0.99 and np.mean(one_by_one == test_Y) > 0.97
    )


@pytest.fixture(scope="module")
def bn_grid():
    return lab.batchnorm_grid()


def test_the_explorers_text_says_what_the_spreads_are(bn_grid):
    """Section 8's sentences on the spread of the activations, read from the grid."""
    text = lab_text("batch_normalization", "## 8 · Explore")
    upto = lab.LEARNING_RATES.index(0.1) + 1
    with_bn = np.concatenate(
        [
            lab.grid_run(bn_grid, depth, True, size)["spread"][-1][:upto].ravel()
            for depth in lab.DEPTHS
            for size in (16, 64, 300)
        ]
    )
    assert abs(np.median(with_bn) - 0.6) < 0.02 and np.percentile(with_bn, 90) < 0.73
    assert "near $0.6$ at every depth up to $\\alpha = 0.1$" in text and "below $0.73$" in text
    assert abs(np.sqrt(0.5 - 1 / (2 * np.pi)) - 0.58) < 0.005  # std of ReLU(N(0, 1))

    def median_spread(depth, size, rate):
        spread = lab.grid_run(bn_grid, depth, False, size)["spread"][-1][
            lab.LEARNING_RATES.index(rate)
        ]
        return np.median(spread)

    at_one = [median_spread(d, s, 1.0) for d in (6, 10) for s in (16, 64, 300)]
    assert round(min(at_one), 2) == 0.07 and max(at_one) < 0.3 and "between 0.07 and 0.3" in text
    at_three = [median_spread(d, s, 3.0) for d in (6, 10) for s in (16, 64, 300)]
    assert all(
        not np.isfinite(v) or v < 1e-2 or v > 1e6 for v in at_three
    )  # dead, exploded, diverged
    assert (
        1e21 <= median_spread(6, 64, 3.0) < 1e22 and "about $10^{21}$ with 6 hidden layers" in text
    )


def test_the_covariate_shift_text_says_how_the_unit_drifts(bn_grid):
    """Section 3's sentences on one unit's input (6 hidden layers, mini-batch 64, alpha 0.1)."""
    text = lab_text("batch_normalization", "the unit's input drifts")
    k = lab.LEARNING_RATES.index(0.1)
    runs = {bn: lab.grid_run(bn_grid, 6, bn, 64) for bn in (False, True)}
    epochs = list(runs[False]["epochs"])
    unit = {bn: run["unit"][:, k] for bn, run in runs.items()}  # (15th, 50th, 85th) per record
    start, at100, end = (unit[False][epochs.index(e)] for e in (0, 100, 300))
    assert round(start[1], 1) == -0.4 and round(at100[1], 1) == -3.3 and round(end[1], 1) == -3.5
    assert (
        "from $-0.4$ to about $-3.3$ in the\nfirst 100 epochs" in text
        and "($-3.5$ at epoch 300)" in text
    )
    assert end[2] < 0 and "85th percentile is\nbelow 0" in text
    settled = unit[True][epochs.index(20) :, 1]
    assert np.ptp(settled) < 0.2 and "settles within about 20 epochs" in text


def test_the_comparison_text_says_where_each_network_ends_lower(bn_grid):
    """Section 3's sentences against the table above them (6 hidden layers, mini-batch 64)."""
    text = lab_text("batch_normalization", "every rate up to $3$ trains")
    runs = [lab.grid_run(bn_grid, 6, bn, 64)["cost"][-1] for bn in (False, True)]
    cost = {
        rate: (round(plain, 3), round(bn, 3))
        for rate, plain, bn in zip(lab.LEARNING_RATES, *runs, strict=True)
    }
    assert cost[0.003] == (0.417, 0.127) and cost[0.01] == (0.122, 0.029)
    assert "cost $0.127$ against $0.417$ at $\\alpha = 0.003$" in text
    assert "$0.029$ against $0.122$ at $0.01$" in text
    assert all(cost[r][0] < cost[r][1] for r in (0.03, 0.1)) and cost[0.1] == (0.001, 0.016)
    assert "($0.001$ against $0.016$ at $\\alpha = 0.1$)" in text
    assert all(cost[r][1] < 0.05 for r in lab.LEARNING_RATES[1:])  # with batch norm all train


def test_softmax_of_two_classes_is_the_sigmoid_of_the_difference():
    z = np.random.RandomState(1).randn(2, 5) * 3
    np.testing.assert_allclose(reference.softmax(z)[0], nn.sigmoid(z[0] - z[1]), rtol=1e-12)
    assert "\\sigma(z_1 - z_2)" in lab_text("batch_normalization", "hard max")
