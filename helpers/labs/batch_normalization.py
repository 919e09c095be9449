"""Batch Normalization and softmax (week 3): the public checks and the compute behind the
experiments of ``notebooks/week3/batch_normalization.ipynb`` (in progress: issue #16).

Shapes follow the course: Z is (units, m), one column per example of the mini-batch; gamma,
beta, mu and var are (units, 1); Y is one-hot (classes, m). Gradients are the true ones:
``dZ_tilde`` is dJ/dZ_tilde for the cost J, with the 1/m of a mean cost already in it.
"""

import numpy as np

from helpers import checking

# ---------------------------------------------------------------- the lab's recipes


def batchnorm_reference(Z, gamma, beta, epsilon=1e-8):
    """Z_tilde (units, m) and the cache (Z, Z_norm, mu, var, gamma, epsilon): mean and biased
    variance of each unit over the m examples, Z_norm = (Z - mu) / sqrt(var + epsilon)."""
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, epsilon)


def batchnorm_backward_reference(dZ_tilde, cache):
    """(dZ, dgamma, dbeta) from dJ/dZ_tilde (units, m): the mean and variance depend on every
    example, so dZ = (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm Z_norm)) / (m sigma)."""
    Z, Z_norm, _, var, gamma, epsilon = cache
    m = Z.shape[1]
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (
        m * dZ_norm
        - dZ_norm.sum(axis=1, keepdims=True)
        - Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True)
    ) / (m * np.sqrt(var + epsilon))
    return dZ, dgamma, dbeta


def softmax_reference(Z):
    """Column-wise softmax of Z (classes, m), shifted by each column's maximum (no overflow)."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def log_sum_exp(Z):
    """log sum_k exp(Z_k) of each column of Z (classes, m), computed stably: (1, m)."""
    top = Z.max(axis=0, keepdims=True)
    return top + np.log(np.sum(np.exp(Z - top), axis=0, keepdims=True))


def softmax_cost_reference(Z, Y):
    """Mean over the m examples of -sum_k y_k log softmax(z)_k = log-sum-exp(z) - y . z."""
    return float(np.mean(log_sum_exp(Z) - np.sum(Y * Z, axis=0, keepdims=True)))


# ---------------------------------------------------------------- checks


def batchnorm_case(seed=1, units=3, m=4):
    """Z = randn(units, m) * 3 + 2 (far from normalized), gamma = randn(units, 1),
    beta = randn(units, 1), from ``np.random.RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    Z = rng.randn(units, m) * 3 + 2
    return Z, rng.randn(units, 1), rng.randn(units, 1)


def _statistics_hint(where, Z, got, gamma, beta, epsilon):
    """Name the usual mistake when ``got`` matches it: statistics over the wrong axis, or
    the unbiased variance."""
    mistakes = {
        "the mean and variance must be taken over the m examples of each unit: axis=1": (
            Z - Z.mean(axis=0, keepdims=True)
        )
        / np.sqrt(Z.var(axis=0, keepdims=True) + epsilon),
        "use the biased variance, dividing by m (np.var), as the lecture does, not m - 1": (
            Z - Z.mean(axis=1, keepdims=True)
        )
        / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + epsilon),
    }
    for hint, Z_norm in mistakes.items():
        wrong = gamma * Z_norm + beta
        if isinstance(got, np.ndarray) and got.shape == wrong.shape and np.allclose(got, wrong):
            raise AssertionError(f"{where}: {hint}.")


def batchnorm_forward_test(target, seed=1, units=3, m=4, epsilon=1e-8):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta, and the cache
    (Z, Z_norm, mu, var, gamma, epsilon)."""
    Z, gamma, beta = batchnorm_case(seed, units, m)
    expected, cache = batchnorm_reference(Z, gamma, beta, epsilon)
    where = f"batchnorm_forward(Z of shape {Z.shape}, epsilon={epsilon:g})"
    result = checking.call(target, Z.copy(), gamma.copy(), beta.copy(), epsilon)
    Z_tilde, got_cache = checking.unpack(where, result, ("Z_tilde", "cache"))
    _statistics_hint(where, Z, Z_tilde, gamma, beta, epsilon)
    checking.assert_array(f"{where}: Z_tilde", Z_tilde, expected)
    names = ("Z", "Z_norm", "mu", "var", "gamma", "epsilon")
    got_cache = checking.unpack(f"{where}: cache", got_cache, names)
    for name, got, want in zip(names, got_cache, cache, strict=True):
        if name == "epsilon":
            checking.assert_close(f"{where}: cache epsilon", got, want)
        else:
            checking.assert_array(f"{where}: cache {name}", got, want)
    print(checking.PASSED)


def batchnorm_backward_test(target, seed=2, units=3, m=5, epsilon=1e-8):
    """dZ, dgamma = sum(dZ_tilde * Z_norm), dbeta = sum(dZ_tilde), each over the examples."""
    Z, gamma, beta = batchnorm_case(seed, units, m)
    _, cache = batchnorm_reference(Z, gamma, beta, epsilon)
    dZ_tilde = np.random.RandomState(seed + 100).randn(units, m)
    expected = batchnorm_backward_reference(dZ_tilde, cache)
    where = f"batchnorm_backward(dZ_tilde of shape {dZ_tilde.shape})"
    result = checking.call(
        target, dZ_tilde.copy(), tuple(np.copy(c) for c in cache[:5]) + (epsilon,)
    )
    got = checking.unpack(where, result, ("dZ", "dgamma", "dbeta"))
    if isinstance(got[0], np.ndarray) and got[0].shape == Z.shape:
        as_if_constant = dZ_tilde * gamma / np.sqrt(cache[3] + epsilon)
        if np.allclose(got[0], as_if_constant):
            raise AssertionError(
                f"{where}: dZ treats mu and var as constants; they depend on every example "
                "of the batch, so dZ has two more terms (see the formula above the exercise)."
            )
    for name, value, want in zip(("dZ", "dgamma", "dbeta"), got, expected, strict=True):
        checking.assert_array(f"{where}: {name}", value, want)
    print(checking.PASSED)


def update_running_averages_test(target, momentum=0.9, units=3, steps=3, seed=3):
    """running = momentum * running + (1 - momentum) * batch value, for mu and var, from the
    start running_mu = 0, running_var = 1 (as Keras starts)."""
    rng = np.random.RandomState(seed)
    running = (np.zeros((units, 1)), np.ones((units, 1)))
    for step in range(steps):
        mu, var = rng.randn(units, 1), rng.rand(units, 1) + 0.5
        expected = tuple(
            momentum * r + (1 - momentum) * b for r, b in zip(running, (mu, var), strict=True)
        )
        where = f"update_running_averages(momentum={momentum:g}), step {step + 1}"
        result = checking.call(target, *(np.copy(a) for a in (*running, mu, var)), momentum)
        got = checking.unpack(where, result, ("running_mu", "running_var"))
        for name, value, want in zip(("running_mu", "running_var"), got, expected, strict=True):
            checking.assert_array(f"{where}: {name}", value, want)
        running = expected
    print(checking.PASSED)


def batchnorm_inference_test(target, seed=4, units=3, m=1, epsilon=1e-8):
    """Z_tilde = gamma * (Z - running_mu) / sqrt(running_var + epsilon) + beta: the running
    averages, not the batch's own statistics (a single example, m = 1, must work)."""
    Z, gamma, beta = batchnorm_case(seed, units, m)
    rng = np.random.RandomState(seed + 100)
    running_mu, running_var = rng.randn(units, 1), rng.rand(units, 1) + 0.5
    expected = gamma * (Z - running_mu) / np.sqrt(running_var + epsilon) + beta
    where = f"batchnorm_inference(Z of shape {Z.shape})"
    got = checking.call(target, Z.copy(), gamma, beta, running_mu, running_var, epsilon)
    checking.assert_array(where, got, expected)
    print(checking.PASSED)


def softmax_test(target, seed=5, classes=4, m=3):
    """Column-wise softmax; logits of 1000 must not overflow."""
    Z = np.random.RandomState(seed).randn(classes, m) * 2
    cases = {"Z": Z, "Z + 1000 (large logits)": Z + 1000.0}
    for name, case in cases.items():
        where = f"softmax({name}, shape {case.shape})"
        got = checking.call(target, case.copy())
        expected = softmax_reference(case)
        if isinstance(got, np.ndarray) and got.shape == case.shape:
            if not np.all(np.isfinite(got)):
                raise AssertionError(
                    f"{where} gives inf or nan: exp overflows. Subtract each column's maximum "
                    "before np.exp (softmax does not change)."
                )
            if np.allclose(got, softmax_reference(case.T).T):
                raise AssertionError(f"{where}: normalize each column (one example): axis=0.")
        checking.assert_array(where, got, expected)
    print(checking.PASSED)


def _one_hot(labels, classes):
    return np.eye(classes)[:, labels]


def compute_softmax_cost_test(target, seed=6, classes=4, m=5):
    """Mean over the examples of -sum_k y_k log softmax(z)_k, a Python float, finite for
    logits of 1000."""
    rng = np.random.RandomState(seed)
    Z, Y = rng.randn(classes, m) * 2, _one_hot(rng.randint(classes, size=m), classes)
    for name, case in {"Z": Z, "Z * 1000 (large logits)": Z * 1000.0}.items():
        where = f"compute_softmax_cost({name}, Y), shape {case.shape}"
        got = checking.call(target, case.copy(), Y.copy())
        expected = softmax_cost_reference(case, Y)
        if isinstance(got, (float, np.floating)) and not np.isfinite(got):
            raise AssertionError(
                f"{where} is {got}: log(softmax) underflows to log(0). Use log-sum-exp: "
                "-log softmax(z)_k = log sum_j exp(z_j - max z) + max z - z_k."
            )
        if isinstance(got, (float, np.floating)) and np.isclose(got, expected * m):
            raise AssertionError(f"{where}: take the mean over the {m} examples, not the sum.")
        checking.assert_python_float(where, got)
        checking.assert_close(where, got, expected, rtol=1e-9)
    print(checking.PASSED)


def softmax_backward_test(target, seed=7, classes=4, m=5):
    """dZ = (softmax(Z) - Y) / m, the gradient of the mean cost."""
    rng = np.random.RandomState(seed)
    Z, Y = rng.randn(classes, m) * 2, _one_hot(rng.randint(classes, size=m), classes)
    where = f"softmax_backward(Z, Y), shape {Z.shape}"
    got = checking.call(target, Z.copy(), Y.copy())
    expected = (softmax_reference(Z) - Y) / m
    if isinstance(got, np.ndarray) and got.shape == Z.shape and np.allclose(got, expected * m):
        raise AssertionError(f"{where}: divide by m = {m}: the cost is a mean over the examples.")
    checking.assert_array(where, got, expected)
    print(checking.PASSED)
