"""Hyperparameter tuning samplers (helpers.labs.hyperparameter_tuning): their checks against
the learner-style solutions, the usual mistakes, and what log-scale sampling buys."""

import numpy as np
import pytest

from helpers.labs import hyperparameter_tuning as lab
from tools import reference


@pytest.mark.parametrize(
    ("low", "high", "size", "seed"), [(1e-4, 1.0, 5, 0), (1e-3, 0.3, 12, 7), (0.5, 5.0, 1, 3)]
)
def test_log_uniform_solution_passes(low, high, size, seed, capsys):
    lab.sample_log_uniform_test(reference.sample_log_uniform, low, high, size, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize(
    ("low", "high", "size", "seed"), [(0.9, 0.999, 5, 0), (0.8, 0.99, 9, 4), (0.99, 0.9999, 3, 1)]
)
def test_beta_solution_passes(low, high, size, seed, capsys):
    lab.sample_beta_test(reference.sample_beta, low, high, size, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


def linear(low, high, size, rng):
    return rng.uniform(low, high, size)


def global_generator(low, high, size, rng):
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)


def as_list(low, high, size, rng):
    return list(reference.sample_log_uniform(low, high, size, rng))


def one_too_many(low, high, size, rng):
    return reference.sample_log_uniform(low, high, size + 1, rng)


def beta_itself_log_uniform(low, high, size, rng):  # beta log-uniform, not 1 - beta
    return reference.sample_log_uniform(low, high, size, rng)


MISTAKES = [
    (lab.sample_log_uniform_test, linear, "samples on a linear scale"),
    (lab.sample_log_uniform_test, global_generator, "use rng, not np.random"),
    (lab.sample_log_uniform_test, as_list, "should return a numpy array"),
    (lab.sample_log_uniform_test, one_too_many, r"has shape \(6,\), expected \(5,\)"),
    (lab.sample_beta_test, linear, "samples on a linear scale"),
    (lab.sample_beta_test, beta_itself_log_uniform, "differ from one rng.uniform"),
]


@pytest.mark.parametrize(("check", "target", "message"), MISTAKES)
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_log_scale_gives_every_decade_its_share_and_linear_does_not():
    rng = np.random.default_rng(0)
    log_draws = reference.sample_log_uniform(1e-4, 1.0, 4000, rng)
    linear_draws = rng.uniform(1e-4, 1.0, 4000)
    log_counts = lab.decade_counts(log_draws, 1e-4, 1.0)
    assert len(log_counts) == 4
    assert np.all(np.abs(log_counts - 1000) < 100)  # about a quarter in each decade
    linear_counts = lab.decade_counts(linear_draws, 1e-4, 1.0)
    assert linear_counts[-1] > 0.85 * 4000  # 90% land in [0.1, 1]
    betas = reference.sample_beta(0.9, 0.999, 4000, np.random.default_rng(1))
    between = np.histogram(betas, bins=[0.9, 0.99, 0.999])[0]
    assert abs(between[0] - between[1]) < 200  # 0.9 ... 0.99 as often as 0.99 ... 0.999
