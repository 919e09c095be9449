"""The course's solutions of the numpy labs: the answer key (``tools.answer_key``) answers
every check from them, the tests drive the explorers with them, and the bench uses them.
Instructors' side only: never installed, never in the learners' image or the grading sandbox.

The graded functions are the solved labs' solution cells (``tools.solutions``: their one
copy), here as ``reference.<name>``; this module adds what the instructor's side needs
beyond them: the seeded initializer recipe the provided starts come from, numerical
gradients, and the course's Regularization model."""

import numpy as np

from helpers import gradcheck, nn
from tools.solutions import solutions

LABS = (
    "week1/initialization.ipynb",
    "week1/gradient_checking.ipynb",
    "week1/regularization.ipynb",
    "week2/optimization_methods.ipynb",
    "week3/batch_normalization.ipynb",
    "week3/hyperparameter_tuning.ipynb",
)
SOLUTIONS = {}  # name -> the graded function, as its solved lab defines it
for _lab in LABS:
    for _name, _function in solutions(_lab).items():
        if _name in SOLUTIONS:
            raise ValueError(f"{_lab} and another lab both grade a function named {_name}")
        SOLUTIONS[_name] = _function
globals().update(SOLUTIONS)

# ---------------------------------------------------------------- Initialization


def seeded_initialization(layers_dims, scale, seed=3):
    """The course's initializer recipe, any depth: seed, then layer by layer
    W_l = randn(n_l, n_{l-1}) scaled, b_l = zeros((n_l, 1)).

    ``scale`` is a number (the draw is multiplied by it) or a rule ``scale(draw, n_prev, n)``
    (``he_scale``, ``lecun_scale``, ``glorot_scale``). Drawn from its own
    ``RandomState(seed)``: the numbers of ``np.random.seed(seed)`` then ``np.random.randn``,
    the global generator left as it was. Makes the labs' provided starts (``nn.STARTS``)."""
    rule = scale if callable(scale) else (lambda draw, n_prev, n: draw * scale)
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        parameters[f"W{l}"] = rule(rng.randn(n, n_prev), n_prev, n)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def he_scale(draw, n_prev, n):
    """He et al. (2015), for ReLU layers: Var(W) = 2 / n_prev."""
    return draw * np.sqrt(2 / n_prev)


def lecun_scale(draw, n_prev, n):
    """Var(W) = 1 / n_prev (LeCun's rule; the course calls it Xavier), as the course writes
    it: randn / sqrt(n_prev)."""
    return draw / np.sqrt(n_prev)


def glorot_scale(draw, n_prev, n):
    """Glorot & Bengio (2010): Var(W) = 2 / (n_prev + n), untruncated."""
    return draw * np.sqrt(2 / (n + n_prev))


START_RULES = {"regularization": lecun_scale, "moons": he_scale, "signs": glorot_scale}


def provided_start(name):
    """The start ``nn.start_weights(name, ...)`` ships, drawn again (seed 3; SIGNS: seed 1)."""
    layers, _ = nn.STARTS_OF[name]
    rule = START_RULES.get(name.split("-")[0], he_scale)
    return seeded_initialization(layers, rule, seed=1 if name == "signs" else 3)


ZEROS, RANDOM = SOLUTIONS["initialize_parameters_zeros"], SOLUTIONS["initialize_parameters_random"]
HE = SOLUTIONS["initialize_parameters_he"]


# ---------------------------------------------------------------- Gradient Checking


def relative_difference(grad, gradapprox):
    """||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2), a Python float."""
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator) if denominator else 0.0


def numerical_gradient(cost_fn, parameters, epsilon=1e-7):
    """Two-sided differences of ``cost_fn`` (parameter dict -> float) as a vector (n, 1)."""
    theta, _ = gradcheck.dictionary_to_vector(parameters)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = epsilon
        plus = cost_fn(gradcheck.vector_to_dictionary(theta + step, parameters))
        minus = cost_fn(gradcheck.vector_to_dictionary(theta - step, parameters))
        gradapprox[i] = (plus - minus) / (2 * epsilon)
    return gradapprox


GOOD = "Your backward propagation works perfectly fine!"
BAD = "There is a mistake in the backward propagation!"


def verdict(difference, print_msg):
    """What the lab's gradient checks print, and their return value (the tests' planted bugs)."""
    if print_msg:
        print(f"{BAD if difference > 2e-7 else GOOD} difference = {difference:.3e}")
    return difference


def forward_propagation_n(X, Y, parameters):
    """The cost of the lab's 3-layer network and its cache (the lab provides it)."""
    A3, cache = nn.forward_propagation(X, parameters)
    return nn.compute_cost(A3, Y), cache


# ---------------------------------------------------------------- Regularization


def REGULARIZATION_INIT(layers_dims):  # noqa: N802 - randn / sqrt(n_prev), as the course
    return seeded_initialization(layers_dims, lecun_scale)


def regularization_model(X, Y, learning_rate=0.3, num_iterations=30000, lambd=0.0, keep_prob=1.0):
    """The course's model of the Regularization lab, on the lab's solutions."""
    forward_propagation_with_dropout = SOLUTIONS["forward_propagation_with_dropout"]
    backward_propagation_with_dropout = SOLUTIONS["backward_propagation_with_dropout"]
    backward_propagation_with_regularization = SOLUTIONS["backward_propagation_with_regularization"]
    parameters = REGULARIZATION_INIT([X.shape[0], 20, 3, 1])
    for _ in range(num_iterations):
        if keep_prob < 1:
            A3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
        else:
            A3, cache = nn.forward_propagation(X, parameters)
            grads = (
                backward_propagation_with_regularization(X, Y, cache, lambd)
                if lambd
                else nn.backward_propagation(X, Y, cache)
            )
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters
