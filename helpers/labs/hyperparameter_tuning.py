"""Hyperparameter tuning (week 3): the public checks of the samplers of
``notebooks/week3/hyperparameter_tuning.ipynb`` (issue #17; the lab itself is not written yet).

A sampler takes a ``numpy.random.Generator`` and draws with one call of ``rng.uniform``, so
that a check can replay the same draws from a generator with the same seed.
"""

import numpy as np

from helpers import checking


def log_uniform_reference(low, high, size, rng):
    """10 ** r with r = rng.uniform(log10 low, log10 high, size): (size,) values in [low, high],
    as many in each decade."""
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def beta_reference(low, high, size, rng):
    """1 - 10 ** r with r = rng.uniform(log10(1 - high), log10(1 - low), size): beta in
    [low, high] with 1 - beta log-uniform, so 0.9 ... 0.99 gets as many as 0.99 ... 0.999."""
    return 1 - 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)


def _check_sampler(where, got, expected, low, high, seed, linear):
    """Shape, dtype and range first, then the usual mistakes, then the values."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{where} should return a numpy array, got {type(got).__name__}.")
    if got.shape != expected.shape:
        raise AssertionError(f"{where} has shape {got.shape}, expected {expected.shape}.")
    if not np.all((got >= low) & (got <= high)):
        raise AssertionError(f"{where}: values fall outside [{low:g}, {high:g}].")
    if np.allclose(got, linear(np.random.default_rng(seed))):
        raise AssertionError(
            f"{where} samples on a linear scale: most draws land in the top decade. Draw the "
            "exponent r uniformly instead (see the formula above the exercise)."
        )
    if not np.allclose(got, expected, rtol=1e-12, atol=0):
        raise AssertionError(
            f"{where}: the values differ from one rng.uniform(...) call on the generator you "
            "were given (use rng, not np.random, and draw the exponent in one call)."
        )


def _sampler_test(target, name, reference, low, high, size, seed):
    """Call ``target`` as ``name(low, high, size, rng)`` and compare with ``reference``."""
    where = f"{name}({low:g}, {high:g}, size={size}, rng)"
    expected = reference(low, high, size, np.random.default_rng(seed))
    got = checking.call(target, low, high, size, np.random.default_rng(seed))
    _check_sampler(where, got, expected, low, high, seed,
                   lambda rng: rng.uniform(low, high, size))  # fmt: skip
    print(checking.PASSED)


def sample_log_uniform_test(target, low=1e-4, high=1.0, size=5, seed=0):
    """10 ** r, r uniform in [log10 low, log10 high], drawn with one rng.uniform call."""
    _sampler_test(target, "sample_log_uniform", log_uniform_reference, low, high, size, seed)


def sample_beta_test(target, low=0.9, high=0.999, size=5, seed=0):
    """1 - 10 ** r, r uniform in [log10(1 - high), log10(1 - low)], one rng.uniform call."""
    _sampler_test(target, "sample_beta", beta_reference, low, high, size, seed)


def decade_counts(values, low, high):
    """How many of ``values`` fall in each decade [10^k, 10^(k+1)) from low to high: (decades,)."""
    edges = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    return np.histogram(values, bins=edges)[0]
