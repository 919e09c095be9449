import numpy as np
import pytest
from reference import HE, RANDOM, ZEROS, seeded_initializer

from helpers import checks

CHECKS = [
    (checks.initialize_parameters_zeros_test, ZEROS),
    (checks.initialize_parameters_random_test, RANDOM),
    (checks.initialize_parameters_he_test, HE),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS)
@pytest.mark.parametrize("dims", [None, (5, 7, 3, 1), (4, 1)])
def test_correct_solutions_pass(check, solution, dims, capsys):
    check(solution) if dims is None else check(solution, layers_dims=dims)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_expected_values_are_the_courses_published_ones():
    # Printed by the course for initialize_parameters_random([3, 2, 1]) and _he([2, 4, 1]).
    random = checks._expected_init([3, 2, 1], lambda n: 10.0)
    np.testing.assert_allclose(
        random["W1"],
        [[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]],
        atol=5e-9,
    )
    np.testing.assert_allclose(random["W2"], [[-0.82741481, -6.27000677]], atol=5e-9)
    he = checks._expected_init([2, 4, 1], lambda n: np.sqrt(2 / n))
    np.testing.assert_allclose(
        he["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], atol=5e-9
    )


def wrong_scale(layers_dims):
    return seeded_initializer(lambda n: 1.0)(layers_dims)


def transposed(layers_dims):
    return {k: v.T for k, v in HE(layers_dims).items()}


def no_seed(layers_dims):
    p = {}
    for l in range(1, len(layers_dims)):
        p[f"W{l}"] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        p[f"b{l}"] = np.zeros((layers_dims[l], 1))
    return p


def missing_b2(layers_dims):
    p = ZEROS(layers_dims)
    del p["b2"]
    return p


def int_zeros(layers_dims):
    return {k: v.astype(np.int64) for k, v in ZEROS(layers_dims).items()}


def as_list(layers_dims):
    return list(ZEROS(layers_dims).values())


def only_two_layers(layers_dims):
    return HE(layers_dims[:3])


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            checks.initialize_parameters_random_test,
            wrong_scale,
            r"W1 has wrong values: at index \(1, 0\) got -1\.8634927, expected -18\.634927",
        ),
        (
            checks.initialize_parameters_he_test,
            transposed,
            r"W1 has shape \(2, 4\), expected \(4, 2\)",
        ),
        (checks.initialize_parameters_zeros_test, missing_b2, r"wrong keys\. Missing: \['b2'\]"),
        (
            checks.initialize_parameters_zeros_test,
            int_zeros,
            r"W1 has dtype int64, expected a float dtype",
        ),
        (checks.initialize_parameters_zeros_test, as_list, r"should return a dict, got list"),
        (checks.initialize_parameters_he_test, only_two_layers, r"Missing: \['W3', 'b3'\]"),
    ],
)
def test_wrong_solutions_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target, layers_dims=(2, 4, 3, 1)) if "two_layers" in target.__name__ else check(
            target
        )


def test_values_that_ignore_the_seed_fail():
    # Without np.random.seed(3) the draws are another stream: the check must notice.
    np.random.seed(99)
    with pytest.raises(AssertionError, match="wrong values"):
        checks.initialize_parameters_random_test(no_seed)


def test_non_array_value_is_named():
    with pytest.raises(AssertionError, match=r"W1 should be a numpy array, got list"):
        checks.assert_array("W1", [[0.0]], np.zeros((1, 1)))


# ---------------------------------------------------------------- Gradient Checking

import reference  # noqa: E402


@pytest.mark.parametrize(
    ("check", "solution"),
    [
        (checks.forward_propagation_test, reference.forward_propagation),
        (checks.backward_propagation_test, reference.backward_propagation),
        (checks.gradient_check_test, reference.gradient_check),
        (checks.gradient_check_n_test, reference.gradient_check_n),
    ],
)
def test_gradient_checking_solutions_pass(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_course_1d_difference():
    # The course prints 2.919335883291695e-10 for gradient_check(2, 4).
    assert reference.gradient_check(2, 4) == pytest.approx(2.919335883291695e-10, rel=1e-9)


def test_course_nd_case_and_buggy_difference():
    X, Y, params = checks.gradient_check_n_case()
    assert X.shape == (4, 3) and Y.tolist() == [[1, 1, 0]] and params["W2"].shape == (3, 5)
    grads = reference.nn.backward_propagation(X, Y, reference.nn.forward_propagation(X, params)[1])
    buggy = reference.gradcheck.PLANTED_BUGS["dW2 × 2 and db1 × 4 (the lab's)"](grads)
    # The course prints 0.2850931567761623 for its buggy backward pass.
    assert reference.gradient_check_n(params, buggy, X, Y) == pytest.approx(
        0.2850931567761623, rel=1e-9
    )


def without_half(x, theta, epsilon=1e-7, print_msg=False):
    approx = (
        reference.forward_propagation(x, theta + epsilon)
        - reference.forward_propagation(x, theta - epsilon)
    ) / epsilon
    return reference.verdict(float(abs(x - approx) / (abs(x) + abs(approx))), print_msg)


def numpy_float(x, theta, epsilon=1e-7, print_msg=False):
    return np.float64(reference.gradient_check(x, theta, epsilon, print_msg))


def silent(x, theta, epsilon=1e-7, print_msg=False):
    return reference.gradient_check(x, theta, epsilon, print_msg=False)


def one_sided_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta, _ = reference.gradcheck.dictionary_to_vector(parameters)
    grad = reference.gradcheck.gradients_to_vector(gradients)
    J, _ = reference.forward_propagation_n(X, Y, parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus = np.copy(theta)
        plus[i] += epsilon
        approx[i] = (
            reference.forward_propagation_n(
                X, Y, reference.gradcheck.vector_to_dictionary(plus, parameters)
            )[0]
            - J
        ) / epsilon
    return reference.verdict(reference.gradcheck.relative_difference(grad, approx), print_msg)


def always_fine_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    return reference.verdict(0.0, print_msg)


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            checks.forward_propagation_test,
            lambda x, theta: theta + x,
            r"forward_propagation\(x=2\.0, theta=4\.0\) is 6\.0, expected 8\.0",
        ),
        (
            checks.backward_propagation_test,
            lambda x, theta: theta,
            r"backward_propagation\(x=2\.0, theta=4\.0\) is 4\.0, expected 2\.0",
        ),
        (checks.backward_propagation_test, lambda x, theta: [x], r"should be a number, got list"),
        (checks.gradient_check_test, without_half, r"gradient_check\(2\.0, 4\.0\) is 0\.333"),
        (checks.gradient_check_test, numpy_float, r"should return a Python float, got float64"),
        (
            checks.gradient_check_test,
            silent,
            r"with print_msg=True should print 'Your backward propagation works perfectly fine!'",
        ),
        (
            checks.gradient_check_n_test,
            one_sided_n,
            r"gradient_check_n with correct gradients and epsilon=0\.001 is 1\.9\d*e-05, expected 1\.6\d*e-08",
        ),
        (
            checks.gradient_check_n_test,
            always_fine_n,
            r"gradient_check_n with correct gradients is 0\.0, expected 1\.19",
        ),
    ],
)
def test_gradient_checking_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


# ---------------------------------------------------------------- Regularization

REGULARIZATION = [
    (checks.compute_cost_with_regularization_test, reference.compute_cost_with_regularization),
    (
        checks.backward_propagation_with_regularization_test,
        reference.backward_propagation_with_regularization,
    ),
    (checks.forward_propagation_with_dropout_test, reference.forward_propagation_with_dropout),
    (checks.backward_propagation_with_dropout_test, reference.backward_propagation_with_dropout),
]


@pytest.mark.parametrize(("check", "solution"), REGULARIZATION)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_regularization_solutions_pass(check, solution, seed, capsys):
    check(solution, seed=seed)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_regularization_cases_give_the_courses_published_numbers():
    np.random.seed(1)  # the course's cost case draws the parameters first (no X)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 2), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    cost_params = {k: np.random.randn(*shape) for k, shape in shapes.items()}
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    X, Y, params = checks.regularization_case()
    assert reference.compute_cost_with_regularization(a3, Y, cost_params, 0.1) == pytest.approx(
        1.78648594516, abs=1e-10
    )
    grads = reference.backward_propagation_with_regularization(
        X, Y, reference.nn.forward_propagation(X, params)[1], 0.7
    )
    np.testing.assert_allclose(
        grads["dW1"],
        [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        atol=5e-9,
    )
    np.testing.assert_allclose(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]], atol=5e-9)
    A3, _ = reference.forward_propagation_with_dropout(X, params, 0.7)
    np.testing.assert_allclose(
        A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=5e-9
    )


def test_dropout_backward_reference_agrees_with_gradient_checking():
    # With the masks fixed (seed 1 at every pass) the dropout net is a plain function of its
    # parameters, so the numerical gradient is an independent check of the reference.
    X, Y, params = checks.regularization_case(seed=2)

    def cost(p):
        return reference.nn.compute_cost(
            reference.forward_propagation_with_dropout(X, p, 0.6)[0], Y
        )

    grads = reference.backward_propagation_with_dropout(
        X, Y, reference.forward_propagation_with_dropout(X, params, 0.6)[1], 0.6
    )
    approx = reference.gradcheck.numerical_gradient(cost, params, 1e-6)
    assert (
        reference.gradcheck.relative_difference(
            reference.gradcheck.gradients_to_vector(grads), approx
        )
        < 1e-7
    )


def l2_without_half(A3, Y, parameters, lambd):
    return reference.compute_cost_with_regularization(A3, Y, parameters, 2 * lambd)


def l2_on_biases_too(X, Y, cache, lambd):
    grads = reference.backward_propagation_with_regularization(X, Y, cache, lambd)
    grads["db1"] = grads["db1"] + lambd / X.shape[1] * cache[3]
    return grads


def dropout_without_scaling(X, parameters, keep_prob=0.5):
    A3, cache = reference.forward_propagation_with_dropout(X, parameters, keep_prob=keep_prob)
    np.random.seed(1)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    D1 = (np.random.rand(*Z1.shape) < keep_prob).astype(int)
    return A3, (Z1, D1, reference.nn.relu(Z1) * D1, *cache[3:])


def backward_ignoring_masks(X, Y, cache, keep_prob):
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    ones = (np.ones_like(D1), np.ones_like(D2))
    return reference.backward_propagation_with_dropout(
        X, Y, (Z1, ones[0], A1, W1, b1, Z2, ones[1], A2, W2, b2, Z3, A3, W3, b3), 1.0
    )


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            checks.compute_cost_with_regularization_test,
            l2_without_half,
            r"compute_cost_with_regularization\(lambd=0\.1\) is",
        ),
        (
            checks.backward_propagation_with_regularization_test,
            l2_on_biases_too,
            r"db1 has wrong values",
        ),
        (
            checks.forward_propagation_with_dropout_test,
            dropout_without_scaling,
            r"cache A1 has wrong values",
        ),
        (
            checks.backward_propagation_with_dropout_test,
            backward_ignoring_masks,
            r"dW3 has wrong values|dA2 has wrong values|dW2 has wrong values",
        ),
        (
            checks.forward_propagation_with_dropout_test,
            lambda X, p, k: reference.forward_propagation_with_dropout(X, p, k)[0],
            r"should return \(A3, cache\)",
        ),
        (
            checks.backward_propagation_with_dropout_test,
            lambda X, Y, c, k: [],
            r"should return a dict, got list",
        ),
    ],
)
def test_regularization_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_stderr_and_warnings_from_a_correct_answer_do_not_fail_the_check(capsys):
    import sys
    import warnings

    def noisy_he(layers_dims):
        warnings.warn("a library warning", RuntimeWarning, stacklevel=1)
        print("debug print", file=sys.stderr)
        print("my own print")
        return HE(layers_dims)

    checks.initialize_parameters_he_test(noisy_he)
    out, err = capsys.readouterr()
    assert err == ""
    assert (
        "my own print" in out
        and "RuntimeWarning: a library warning" in out
        and "debug print" in out
    )
    assert out.endswith("All tests passed.\n")
