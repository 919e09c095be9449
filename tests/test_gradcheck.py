import numpy as np
import pytest

from helpers import gradcheck, nn
from helpers.labs import gradient_checking as lab
from tools import reference

LAYER_SIZES = [(2, 1), (4, 5, 3, 1), (3, 7, 7, 2, 1), (1, 1, 1, 1, 1, 1)]


def random_parameters(layers, seed=0):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(layers)):
        params[f"W{l}"] = rng.randn(layers[l], layers[l - 1])
        params[f"b{l}"] = rng.randn(layers[l], 1)
    return params


@pytest.mark.parametrize("layers", LAYER_SIZES)
def test_vector_round_trip_any_layer_sizes(layers):
    params = random_parameters(layers)
    theta, keys = gradcheck.dictionary_to_vector(params)
    n = sum(layers[l] * (layers[l - 1] + 1) for l in range(1, len(layers)))
    assert theta.shape == (n, 1) and len(keys) == n
    back = gradcheck.vector_to_dictionary(theta, params)
    assert list(back) == gradcheck.parameter_keys(params)
    for key, value in params.items():
        np.testing.assert_array_equal(back[key], value)
    grads = {"d" + k: v for k, v in params.items()} | {"dZ1": np.ones((9, 9))}
    np.testing.assert_array_equal(gradcheck.gradients_to_vector(grads), theta)


def test_course_order_regardless_of_dict_order():
    params = random_parameters((4, 5, 3, 1))
    shuffled = {k: params[k] for k in ("b3", "W1", "W3", "b1", "b2", "W2")}
    theta, keys = gradcheck.dictionary_to_vector(shuffled)
    assert keys[:20] == ["W1"] * 20 and keys[20:25] == ["b1"] * 5 and keys[-1] == "b3"
    assert theta[0, 0] == params["W1"][0, 0] and theta[20, 0] == params["b1"][0, 0]


def test_a_network_with_batch_norm_keeps_its_own_order():
    """Hidden layers with batch norm have gamma and beta instead of b: W1, gamma1, beta1, ..."""
    params = {"W1": np.ones((2, 1)), "gamma1": np.ones((2, 1)) * 2, "beta1": np.zeros((2, 1))}
    params |= {"W2": np.ones((1, 2)) * 3, "b2": np.ones((1, 1)) * 4}
    theta, keys = gradcheck.dictionary_to_vector(params)
    assert keys == ["W1"] * 2 + ["gamma1"] * 2 + ["beta1"] * 2 + ["W2"] * 2 + ["b2"]
    assert theta.ravel().tolist() == [1, 1, 2, 2, 0, 0, 3, 3, 4]
    back = gradcheck.vector_to_dictionary(theta, params)
    assert list(back) == list(params) and all(np.array_equal(back[k], params[k]) for k in params)


def test_bad_inputs_are_explained():
    with pytest.raises(KeyError, match=r"missing \['b2'\]"):
        gradcheck.dictionary_to_vector(
            {"W1": np.ones((1, 1)), "b1": np.ones((1, 1)), "W2": np.ones((1, 1))}
        )
    with pytest.raises(ValueError, match="theta has 3 entries; the parameters need 2"):
        gradcheck.vector_to_dictionary(
            np.ones((3, 1)), {"W1": np.ones((1, 1)), "b1": np.ones((1, 1))}
        )


def test_numerical_gradient_of_a_quadratic_is_exact_enough():
    params = random_parameters((3, 2))
    cost = lambda p: float(np.sum(p["W1"] ** 2) + 3 * np.sum(p["b1"]))  # noqa: E731
    approx = reference.numerical_gradient(cost, params, epsilon=1e-4)
    expected = gradcheck.gradients_to_vector({"dW1": 2 * params["W1"], "db1": np.full((2, 1), 3.0)})
    np.testing.assert_allclose(approx, expected, rtol=1e-7)


def test_relative_difference():
    assert reference.relative_difference(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert reference.relative_difference(np.array([2.0]), np.array([1.0])) == pytest.approx(1 / 3)
    assert reference.relative_difference(np.zeros(2), np.zeros(2)) == 0.0


EXPECTED_BLOCKS = {
    "none": set(),
    "dW2 × 2": {"W2"},
    "db1 × 4": {"b1"},
    "dW2 × 2 and db1 × 4 (the lab's)": {"W2", "b1"},
    "db3 without the 1/m": {"b3"},
    "dW1 with the wrong sign": {"W1"},
}


@pytest.mark.parametrize("bug", list(lab.PLANTED_BUGS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_report_localizes_each_planted_bug(bug, seed):
    X, Y, params = lab.gradient_check_n_case(seed=seed, m=5)
    grads = lab.PLANTED_BUGS[bug](
        nn.backward_propagation(X, Y, nn.forward_propagation(X, params)[1])
    )
    cost = lambda p: nn.compute_cost(nn.forward_propagation(X, p)[0], Y)  # noqa: E731
    rows = gradcheck.report(params, grads, cost)
    assert [r["block"] for r in rows] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert {r["block"] for r in rows if not r["ok"]} == EXPECTED_BLOCKS[bug]
    for row in rows:
        assert (row["worst"] != []) == (not row["ok"])


def test_print_report_shows_the_factor(capsys):
    X, Y, params = lab.gradient_check_n_case()
    grads = lab.PLANTED_BUGS["db1 × 4"](
        nn.backward_propagation(X, Y, nn.forward_propagation(X, params)[1])
    )
    gradcheck.print_report(
        gradcheck.report(
            params, grads, lambda p: nn.compute_cost(nn.forward_propagation(X, p)[0], Y)
        )
    )
    out = capsys.readouterr().out
    assert "b1       6.000e-01  MISMATCH" in out and "(x 4)" in out and out.count("MISMATCH") == 1


def test_any_names_are_checked_in_their_own_order():
    """Batch norm's inputs under their own names: Z, gamma, beta, gradients dZ, dgamma, dbeta."""
    rng = np.random.RandomState(0)
    inputs = {"Z": rng.randn(3, 4), "gamma": rng.randn(3, 1), "beta": rng.randn(3, 1)}
    theta, names = gradcheck.dictionary_to_vector(inputs)
    assert names == ["Z"] * 12 + ["gamma"] * 3 + ["beta"] * 3
    back = gradcheck.vector_to_dictionary(theta, inputs)
    assert all(np.array_equal(back[k], v) for k, v in inputs.items())

    def cost(p):  # sum(gamma * Z^2) + sum(beta): dZ = 2 gamma Z, dgamma = sum Z^2, dbeta = 1
        return float(np.sum(p["gamma"] * p["Z"] ** 2) + np.sum(p["beta"]))

    Z, gamma = inputs["Z"], inputs["gamma"]
    right = {
        "dZ": 2 * gamma * Z,
        "dgamma": np.sum(Z**2, axis=1, keepdims=True),
        "dbeta": np.ones((3, 1)),
    }
    rows = gradcheck.report(inputs, right, cost)
    assert [r["block"] for r in rows] == ["Z", "gamma", "beta"] and all(r["ok"] for r in rows)
    wrong = {**right, "dgamma": 2 * right["dgamma"]}
    assert [r["ok"] for r in gradcheck.report(inputs, wrong, cost)] == [True, False, True]
    with pytest.raises(KeyError, match=r"no \['dbeta'\]"):
        gradcheck.report(inputs, {"dZ": right["dZ"], "dgamma": right["dgamma"]}, cost)
