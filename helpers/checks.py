"""Public checks of the graded functions. Each prints ``All tests passed.`` or raises an
``AssertionError`` that says what is wrong (type, key, shape, dtype or value).

Expected values come from the course's recipe (the seed and formula the exercise states),
so the checks also run on other layer sizes: the hidden tests use that.
"""

import numpy as np

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
    """The course's recipe: np.random.seed(3), then W_l = randn(n_l, n_{l-1}) * scale(n_{l-1})
    layer by layer, b_l = zeros((n_l, 1))."""
    rng = np.random.RandomState(3)
    expected = {}
    for layer in range(1, len(layers_dims)):
        n, n_prev = layers_dims[layer], layers_dims[layer - 1]
        expected[f"W{layer}"] = rng.randn(n, n_prev) * weight_scale(n_prev)
        expected[f"b{layer}"] = np.zeros((n, 1))
    return expected


def _check_initializer(target, layers_dims, weight_scale):
    layers_dims = list(layers_dims)
    name = getattr(target, "__name__", "the initializer")
    got = target(list(layers_dims))
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
