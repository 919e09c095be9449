"""Public checks of the graded functions. Each prints ``All tests passed.`` or raises an
``AssertionError`` that says what is wrong (type, key, shape, dtype or value).

Expected values come from the course's recipe (the seed and formula the exercise states),
so the checks also run on other layer sizes: the hidden tests use that.
"""

import contextlib
import io
import warnings

import numpy as np

from helpers import gradcheck, nn

PASSED = "All tests passed."


def assert_array(name, got, expected, atol=1e-8):
    """Raise AssertionError naming ``name`` unless ``got`` matches ``expected``."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{name} should be a numpy array, got {type(got).__name__}.")
    if got.shape != expected.shape:
        raise AssertionError(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if not np.issubdtype(got.dtype, np.floating):
        raise AssertionError(f"{name} has dtype {got.dtype}, expected a float dtype.")
    if not np.allclose(got, expected, atol=atol, rtol=1e-6):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        raise AssertionError(
            f"{name} has wrong values: at index {tuple(int(i) for i in worst)} "
            f"got {got[worst]:.8g}, expected {expected[worst]:.8g}."
        )


def assert_parameters(got, expected, where):
    """Compare a parameter dict with the expected one, key by key."""
    if not isinstance(got, dict):
        raise AssertionError(f"{where} should return a dict, got {type(got).__name__}.")
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if missing or extra:
        raise AssertionError(
            f"{where}: wrong keys. Missing: {missing or 'none'}; unexpected: {extra or 'none'}."
        )
    for key in expected:
        assert_array(f"{where}: {key}", got[key], expected[key])


def _expected_init(layers_dims, weight_scale):
    """What an initializer following the course's recipe returns (``nn.seeded_initialization``)."""
    return nn.seeded_initialization(layers_dims, weight_scale)


def _check_initializer(target, layers_dims, weight_scale):
    layers_dims = list(layers_dims)
    name = getattr(target, "__name__", "the initializer")
    got = _call(target, list(layers_dims))
    assert_parameters(got, _expected_init(layers_dims, weight_scale), f"{name}({layers_dims})")
    print(PASSED)


def initialize_parameters_zeros_test(target, layers_dims=(3, 2, 1)):
    """Every W_l and b_l is zeros of the right shape."""
    _check_initializer(target, layers_dims, lambda n_prev: 0.0)


def initialize_parameters_random_test(target, layers_dims=(3, 2, 1)):
    """W_l = randn(n_l, n_{l-1}) * 10 after np.random.seed(3); b_l zeros."""
    _check_initializer(target, layers_dims, lambda n_prev: 10.0)


def initialize_parameters_he_test(target, layers_dims=(2, 4, 1)):
    """W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}) after np.random.seed(3); b_l zeros."""
    _check_initializer(target, layers_dims, lambda n_prev: np.sqrt(2.0 / n_prev))


# ---------------------------------------------------------------- Gradient Checking (week 1)

GOOD = "Your backward propagation works perfectly fine!"
BAD = "There is a mistake in the backward propagation!"


def _called(target, *args, **kwargs):
    """Call target; return (result, what it printed on stdout).

    Warnings and stderr output it produces are reported on stdout as a note: on stderr they
    would make nbgrader fail the test cell although the answer is right.
    """
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          warnings.catch_warnings(record=True) as caught):  # fmt: skip
        warnings.simplefilter("always")
        result = target(*args, **kwargs)
    noise = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    if noise:
        print(
            f"Note: your code wrote this on stderr (it does not change the result):\n"
            f"{noise.strip()[:500]}"
        )
    return result, out.getvalue()


def _call(target, *args, **kwargs):
    """Call target as ``_called`` does, letting its own prints through."""
    result, printed = _called(target, *args, **kwargs)
    print(printed, end="")
    return result


def _assert_python_float(where, value):
    if type(value) is not float:  # np.float64 is a float subclass, but prints differently
        raise AssertionError(
            f"{where} should return a Python float, got {type(value).__name__}; "
            "use float(...) on the result."
        )


def _assert_close(name, got, expected, rtol=1e-7, atol=0.0):
    if not isinstance(got, (int, float, np.floating, np.integer)) or np.ndim(got):
        raise AssertionError(f"{name} should be a number, got {type(got).__name__}.")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise AssertionError(f"{name} is {got!r}, expected {expected!r}.")


def forward_propagation_test(target, cases=((2.0, 4.0), (-3.0, 0.5))):
    """J = theta * x for scalar x and theta."""
    for x, theta in cases:
        _assert_close(
            f"forward_propagation(x={x}, theta={theta})", _call(target, x, theta), theta * x
        )
    print(PASSED)


def backward_propagation_test(target, cases=((2.0, 4.0), (-3.0, 0.5))):
    """dJ/dtheta = x."""
    for x, theta in cases:
        _assert_close(f"backward_propagation(x={x}, theta={theta})", _call(target, x, theta), x)
    print(PASSED)


def _expected_difference_1d(x, theta, epsilon):
    gradapprox = ((theta + epsilon) * x - (theta - epsilon) * x) / (2 * epsilon)
    return gradcheck.relative_difference(np.array(x), np.array(gradapprox))


def gradient_check_test(target, x=2.0, theta=4.0, epsilon=1e-7):
    """Returns the relative difference as a Python float, below 2e-7, and prints the verdict."""
    where = f"gradient_check({x}, {theta})"
    difference, printed = _called(target, x, theta, epsilon=epsilon, print_msg=True)
    _assert_python_float(where, difference)
    expected = _expected_difference_1d(x, theta, epsilon)
    _assert_close(where, difference, expected, rtol=1e-3, atol=1e-12)
    if GOOD not in printed:
        raise AssertionError(
            f"{where} with print_msg=True should print {GOOD!r}; it printed {printed!r}."
        )
    _, printed = _called(target, x, theta, epsilon=epsilon)
    if printed:
        raise AssertionError(f"{where} printed {printed!r} although print_msg=False.")
    print(PASSED)


def gradient_check_n_case(seed=1, layers=(4, 5, 3, 1), m=3):
    """The course's test case: X (4, 3), Y (1, 3) and random parameters of a [4, 5, 3, 1] net."""
    rng = np.random.RandomState(seed)
    X = rng.randn(layers[0], m)
    Y = (np.arange(m) % 3 != 2).astype(np.int64).reshape(1, m)  # [1, 1, 0, ...] as the course
    parameters = {}
    for layer in range(1, len(layers)):
        parameters[f"W{layer}"] = rng.randn(layers[layer], layers[layer - 1])
        parameters[f"b{layer}"] = rng.randn(layers[layer], 1)
    return X, Y, parameters


def _cost(X, Y):
    return lambda parameters: nn.compute_cost(nn.forward_propagation(X, parameters)[0], Y)


def gradient_check_n_test(target, seed=1, bugs=("none", "dW2 × 2", "db1 × 4")):
    """The learner's check passes correct gradients and flags each planted bug, with the
    course's relative difference; at epsilon 1e-3 it must match the two-sided difference."""
    X, Y, parameters = gradient_check_n_case(seed)
    _, cache = nn.forward_propagation(X, parameters)
    correct = nn.backward_propagation(X, Y, cache)
    cases = [(bug, 1e-7) for bug in bugs] + [("none", 1e-3)]
    for bug, epsilon in cases:
        gradients = gradcheck.PLANTED_BUGS[bug](correct)
        approx = gradcheck.numerical_gradient(_cost(X, Y), parameters, epsilon)
        expected = gradcheck.relative_difference(gradcheck.gradients_to_vector(gradients), approx)
        where = "gradient_check_n with " + ("correct gradients" if bug == "none" else f"bug {bug}")
        where += f" and epsilon={epsilon:g}" if epsilon != 1e-7 else ""
        difference, printed = _called(
            target, parameters, gradients, X, Y, epsilon=epsilon, print_msg=True
        )
        _assert_python_float(where, difference)
        if bug == "none" and epsilon == 1e-7:  # round-off territory: same size, under 2e-7
            if not difference < gradcheck.THRESHOLD:
                raise AssertionError(
                    f"{where} returned {difference:.3e}, expected below 2e-7 "
                    f"(about {expected:.2e})."
                )
            _assert_close(where, difference, expected, rtol=0.5)
        else:  # the bug or the truncation error dominates: a two-sided difference gives this
            _assert_close(where, difference, expected, rtol=1e-2)
        verdict = GOOD if bug == "none" else BAD
        if verdict not in printed:
            raise AssertionError(f"{where} should print {verdict!r}; it printed {printed!r}.")
    print(PASSED)


# ---------------------------------------------------------------- Regularization (week 1)


def regularization_case(seed=1, m=5):
    """The course's case: np.random.seed(seed), X = randn(3, m), then W1 (2, 3), b1, W2 (3, 2),
    b2, W3 (1, 3), b3 from randn; Y = [[1, 1, 0, 1, 0]] (repeated to m)."""
    np.random.seed(seed)
    X = np.random.randn(3, m)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 2), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    parameters = {k: np.random.randn(*shape) for k, shape in shapes.items()}
    Y = np.resize([1, 1, 0, 1, 0], (1, m))
    return X, Y, parameters


def _l2(parameters):
    return sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, len(parameters) // 2 + 1))


def _dropout_forward(X, parameters, keep_prob):
    """The course's recipe: np.random.seed(1), then a rand mask per hidden layer."""
    np.random.seed(1)
    A, cache = X, []
    for l in (1, 2):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        D = (np.random.rand(*Z.shape) < keep_prob).astype(int)
        A = nn.relu(Z) * D / keep_prob
        cache += [Z, D, A, W, b]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z3 = W3 @ A + b3
    A3 = nn.sigmoid(Z3)
    return A3, (*cache, Z3, A3, W3, b3)


def compute_cost_with_regularization_test(target, seed=1, lambd=0.1):
    """Cross-entropy plus lambd / (2m) * sum of squared weights, as a number."""
    X, Y, parameters = regularization_case(seed)
    A3, _ = nn.forward_propagation(X, parameters)
    for lam in (lambd, 0.0):
        expected = nn.compute_cost(A3, Y) + lam / (2 * Y.shape[1]) * _l2(parameters)
        _assert_close(
            f"compute_cost_with_regularization(lambd={lam})",
            _call(target, A3, Y, parameters, lam),
            expected,
            rtol=1e-6,
        )
    print(PASSED)


def _compare_gradients(where, grads, expected, keys, what="the gradients"):
    if not isinstance(grads, dict):
        raise AssertionError(f"{where} should return a dict, got {type(grads).__name__}.")
    missing = [k for k in keys if k not in grads]
    if missing:
        raise AssertionError(f"{where}: missing key(s) {missing} in {what}.")
    for key in keys:
        assert_array(
            f"{where}: {key}",
            np.asarray(grads[key], dtype=float)
            if isinstance(grads[key], np.ndarray)
            else grads[key],
            expected[key],
        )


def backward_propagation_with_regularization_test(target, seed=1, lambd=0.7):
    """dW_l gains lambd / m * W_l; db_l does not change."""
    X, Y, parameters = regularization_case(seed)
    _, cache = nn.forward_propagation(X, parameters)
    expected = nn.backward_propagation(X, Y, cache)
    for l in (1, 2, 3):
        expected[f"dW{l}"] = expected[f"dW{l}"] + lambd / X.shape[1] * parameters[f"W{l}"]
    keys = ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    grads = _call(target, X, Y, cache, lambd)
    _compare_gradients(
        f"backward_propagation_with_regularization(lambd={lambd})", grads, expected, keys
    )
    print(PASSED)


def forward_propagation_with_dropout_test(target, seed=1, keep_prob=0.7):
    """Inverted dropout on both hidden layers; the course's cache layout
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)."""
    X, _, parameters = regularization_case(seed)
    A3, cache = _dropout_forward(X, parameters, keep_prob)
    where = f"forward_propagation_with_dropout(keep_prob={keep_prob})"
    result = _call(target, X, parameters, keep_prob)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{where} should return (A3, cache).")
    got_A3, got_cache = result
    assert_array(f"{where}: A3", got_A3, A3)
    names = "Z1 D1 A1 W1 b1 Z2 D2 A2 W2 b2 Z3 A3 W3 b3".split()
    if not isinstance(got_cache, tuple) or len(got_cache) != len(names):
        raise AssertionError(f"{where}: cache should be the tuple ({', '.join(names)}).")
    for name, got, want in zip(names, got_cache, cache, strict=True):
        if name.startswith("D"):  # masks: any numeric 0/1 array of the right shape
            got = np.asarray(got, dtype=float)
            want = want.astype(float)
        assert_array(f"{where}: cache {name}", got, want)
    print(PASSED)


def backward_propagation_with_dropout_test(target, seed=1, keep_prob=0.8):
    """Gradients through the same masks, scaled by 1 / keep_prob; dA1 and dA2 included."""
    X, Y, parameters = regularization_case(seed)
    _, cache = _dropout_forward(X, parameters, keep_prob)
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    m = X.shape[1]
    dZ3 = (A3 - Y) / m
    dA2 = W3.T @ (A3 - Y) * D2 / keep_prob
    dZ2 = dA2 * (A2 > 0)
    dA1 = W2.T @ dZ2 * D1 / keep_prob
    dZ1 = dA1 * (A1 > 0)
    expected = {
        "dW3": dZ3 @ A2.T, "db3": dZ3.sum(axis=1, keepdims=True), "dA2": dA2,
        "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m, "dA1": dA1,
        "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
    }  # fmt: skip
    grads = _call(target, X, Y, cache, keep_prob)
    _compare_gradients(
        f"backward_propagation_with_dropout(keep_prob={keep_prob})", grads, expected, list(expected)
    )
    print(PASSED)


# ---------------------------------------------------------------- Optimization Methods (week 2)


def optimization_case(seed=2, layers=(3, 2, 3)):
    """Parameters W_l (n_l, n_{l-1}), b_l (n_l, 1) and gradients dW_l, db_l from
    np.random.seed(seed) and randn, for a net with ``layers`` sizes; plus a velocity v
    (randn) and a squared-gradient average s (randn squared), keyed like the gradients."""
    np.random.seed(seed)
    parameters, grads, v, s = {}, {}, {}, {}
    for l in range(1, len(layers)):
        for name, shape in ((f"W{l}", (layers[l], layers[l - 1])), (f"b{l}", (layers[l], 1))):
            parameters[name] = np.random.randn(*shape)
            grads["d" + name] = np.random.randn(*shape)
            v["d" + name] = np.random.randn(*shape)
            s["d" + name] = np.random.randn(*shape) ** 2
    return parameters, grads, v, s


def _copies(*dicts):
    """Fresh copies, so a function that updates its inputs in place cannot fool the check."""
    return [{k: np.array(a) for k, a in d.items()} for d in dicts]


def _returns(where, result, names):
    """Unpack a tuple result of len(names), or say what the function should return."""
    if not (isinstance(result, tuple) and len(result) == len(names)):
        raise AssertionError(f"{where} should return the tuple ({', '.join(names)}).")
    return result


def update_parameters_with_gd_test(target, seed=2, layers=(3, 2, 3), learning_rate=0.01):
    """W_l -= learning_rate * dW_l and b_l -= learning_rate * db_l for every layer."""
    parameters, grads, _, _ = optimization_case(seed, layers)
    expected = {k: p - learning_rate * grads["d" + k] for k, p in parameters.items()}
    got = _call(target, *_copies(parameters, grads), learning_rate)
    _compare_gradients(
        f"update_parameters_with_gd(learning_rate={learning_rate})",
        got, expected, list(expected), what="the parameters",
    )  # fmt: skip
    print(PASSED)


def mini_batches_case(seed=1, n_x=5, m=148):
    """X = randn(n_x, m), Y = (randn(1, m) < 0.5) as int from np.random.seed(seed)."""
    np.random.seed(seed)
    X = np.random.randn(n_x, m)
    Y = (np.random.randn(1, m) < 0.5).astype(np.int64)
    return X, Y


def random_mini_batches_test(target, seed=1, n_x=5, m=148, mini_batch_size=64, shuffle_seed=0):
    """Shuffle columns with np.random.permutation after np.random.seed(shuffle_seed), cut into
    mini-batches of mini_batch_size; the last holds the remainder (if any)."""
    X, Y = mini_batches_case(seed, n_x, m)
    np.random.seed(shuffle_seed)
    order = np.random.permutation(m)
    starts = range(0, m, mini_batch_size)
    expected = [(X[:, order[k : k + mini_batch_size]], Y[:, order[k : k + mini_batch_size]])
                for k in starts]  # fmt: skip
    where = f"random_mini_batches(X {X.shape}, Y {Y.shape}, {mini_batch_size}, seed={shuffle_seed})"
    got = _call(target, X.copy(), Y.copy(), mini_batch_size, shuffle_seed)
    if not isinstance(got, list):
        raise AssertionError(f"{where} should return a list, got {type(got).__name__}.")
    if len(got) != len(expected):
        raise AssertionError(f"{where} returned {len(got)} mini-batches, expected {len(expected)}.")
    for i, (batch, (want_X, want_Y)) in enumerate(zip(got, expected, strict=True)):
        batch = tuple(batch) if isinstance(batch, list) else batch
        got_X, got_Y = _returns(f"{where}: mini-batch {i}", batch, ["X", "Y"])
        for name, g, w in (("X", got_X, want_X), ("Y", got_Y, want_Y)):
            g = np.asarray(g, dtype=float) if isinstance(g, np.ndarray) else g
            assert_array(f"{where}: mini-batch {i} {name}", g, w.astype(float))
    print(PASSED)


def _zeros_like_grads(where, got, parameters):
    expected = {"d" + k: np.zeros_like(p) for k, p in parameters.items()}
    _compare_gradients(where, got, expected, list(expected), what="the result")


def initialize_velocity_test(target, seed=2, layers=(3, 2, 3)):
    """v["dW_l"], v["db_l"]: zeros shaped like W_l, b_l."""
    parameters, _, _, _ = optimization_case(seed, layers)
    _zeros_like_grads("initialize_velocity", _call(target, *_copies(parameters)), parameters)
    print(PASSED)


def update_parameters_with_momentum_test(
    target, seed=2, layers=(3, 2, 3), beta=0.9, learning_rate=0.01
):
    """v = beta v + (1 - beta) dW; W -= learning_rate * v (and the same for b)."""
    parameters, grads, v, _ = optimization_case(seed, layers)
    new_v = {k: beta * v[k] + (1 - beta) * g for k, g in grads.items()}
    expected = {k: p - learning_rate * new_v["d" + k] for k, p in parameters.items()}
    where = f"update_parameters_with_momentum(beta={beta}, learning_rate={learning_rate})"
    got = _call(target, *_copies(parameters, grads, v), beta, learning_rate)
    got_p, got_v = _returns(where, got, ["parameters", "v"])
    _compare_gradients(where, got_v, new_v, list(new_v), what="v")
    _compare_gradients(where, got_p, expected, list(expected), what="the parameters")
    print(PASSED)


def update_parameters_with_rmsprop_test(
    target, seed=2, layers=(3, 2, 3), beta2=0.999, learning_rate=0.01, epsilon=1e-8
):
    """s = beta2 s + (1 - beta2) dW^2; W -= learning_rate * dW / (sqrt(s) + epsilon)."""
    parameters, grads, _, s = optimization_case(seed, layers)
    new_s = {k: beta2 * s[k] + (1 - beta2) * g**2 for k, g in grads.items()}
    expected = {
        k: p - learning_rate * grads["d" + k] / (np.sqrt(new_s["d" + k]) + epsilon)
        for k, p in parameters.items()
    }
    where = f"update_parameters_with_rmsprop(beta2={beta2}, learning_rate={learning_rate})"
    got = _call(target, *_copies(parameters, grads, s), beta2, learning_rate, epsilon)
    got_p, got_s = _returns(where, got, ["parameters", "s"])
    _compare_gradients(where, got_s, new_s, list(new_s), what="s")
    _compare_gradients(where, got_p, expected, list(expected), what="the parameters")
    print(PASSED)


def initialize_adam_test(target, seed=2, layers=(3, 2, 3)):
    """v and s: dicts of zeros shaped like the parameters, keyed dW_l, db_l."""
    parameters, _, _, _ = optimization_case(seed, layers)
    v, s = _returns("initialize_adam", _call(target, *_copies(parameters)), ["v", "s"])
    _zeros_like_grads("initialize_adam: v", v, parameters)
    _zeros_like_grads("initialize_adam: s", s, parameters)
    print(PASSED)


def update_parameters_with_adam_test(
    target, seed=2, layers=(3, 2, 3), t=2, learning_rate=0.02, beta1=0.8, beta2=0.888,
    epsilon=1e-2,
):  # fmt: skip
    """v, s as momentum and RMSprop; v_corrected = v / (1 - beta1^t), s_corrected likewise;
    W -= learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)."""
    parameters, grads, v, s = optimization_case(seed, layers)
    new_v = {k: beta1 * v[k] + (1 - beta1) * g for k, g in grads.items()}
    new_s = {k: beta2 * s[k] + (1 - beta2) * g**2 for k, g in grads.items()}
    v_hat = {k: a / (1 - beta1**t) for k, a in new_v.items()}
    s_hat = {k: a / (1 - beta2**t) for k, a in new_s.items()}
    expected = {
        k: p - learning_rate * v_hat["d" + k] / (np.sqrt(s_hat["d" + k]) + epsilon)
        for k, p in parameters.items()
    }
    where = f"update_parameters_with_adam(t={t}, beta1={beta1}, beta2={beta2})"
    got = _call(target, *_copies(parameters, grads, v, s), t, learning_rate, beta1, beta2, epsilon)
    names = ["parameters", "v", "s", "v_corrected", "s_corrected"]
    got_p, got_v, got_s, got_vc, got_sc = _returns(where, got, names)
    states = {"v": (got_v, new_v), "s": (got_s, new_s)}
    states |= {"v_corrected": (got_vc, v_hat), "s_corrected": (got_sc, s_hat)}
    for name, (g, want) in states.items():
        _compare_gradients(where, g, want, list(want), what=name)
    _compare_gradients(where, got_p, expected, list(expected), what="the parameters")
    print(PASSED)


def update_lr_test(target, cases=((0.5, 2, 1), (0.5, 0, 1), (0.3, 10, 0.5))):
    """learning_rate0 / (1 + decay_rate * epoch_num)."""
    for lr0, epoch, rate in cases:
        _assert_close(
            f"update_lr({lr0}, epoch_num={epoch}, decay_rate={rate})",
            _call(target, lr0, epoch, rate),
            lr0 / (1 + rate * epoch),
        )
    print(PASSED)


def schedule_lr_decay_test(
    target, cases=((0.5, 100, 1, 1000), (0.5, 1000, 1, 1000), (0.3, 2500, 0.5, 1000))
):
    """learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))."""
    for lr0, epoch, rate, interval in cases:
        _assert_close(
            f"schedule_lr_decay({lr0}, epoch_num={epoch}, decay_rate={rate}, "
            f"time_interval={interval})",
            _call(target, lr0, epoch, rate, interval),
            lr0 / (1 + rate * np.floor(epoch / interval)),
        )
    print(PASSED)
