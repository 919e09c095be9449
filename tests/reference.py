"""Reference solutions the tests grade the checks and explorers against."""

import numpy as np

from helpers import gradcheck, nn


def seeded_initializer(weight_scale):
    """The course's recipe: np.random.seed(3), W_l = randn(n_l, n_{l-1}) * weight_scale(n_{l-1})."""

    def initialize(layers_dims):
        np.random.seed(3)
        parameters = {}
        for l in range(1, len(layers_dims)):
            n, n_prev = layers_dims[l], layers_dims[l - 1]
            parameters[f"W{l}"] = np.random.randn(n, n_prev) * weight_scale(n_prev)
            parameters[f"b{l}"] = np.zeros((n, 1))
        return parameters

    return initialize


ZEROS = seeded_initializer(lambda n_prev: 0.0)
RANDOM = seeded_initializer(lambda n_prev: 10.0)
HE = seeded_initializer(lambda n_prev: np.sqrt(2 / n_prev))


# ---------------------------------------------------------------- Gradient Checking

GOOD = "Your backward propagation works perfectly fine!"
BAD = "There is a mistake in the backward propagation!"


def forward_propagation(x, theta):
    return theta * x


def backward_propagation(x, theta):
    return x


def verdict(difference, print_msg):
    if print_msg:
        print(f"{BAD if difference > 2e-7 else GOOD} difference = {difference:.3e}")
    return difference


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = np.linalg.norm(grad - gradapprox) / (
        np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    )
    return verdict(float(difference), print_msg)


def forward_propagation_n(X, Y, parameters):
    A3, cache = nn.forward_propagation(X, parameters)
    return nn.compute_cost(A3, Y), cache


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta, _ = gradcheck.dictionary_to_vector(parameters)
    grad = gradcheck.gradients_to_vector(gradients)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        theta_plus = np.copy(theta)
        theta_plus[i] += epsilon
        J_plus, _ = forward_propagation_n(
            X, Y, gradcheck.vector_to_dictionary(theta_plus, parameters)
        )
        theta_minus = np.copy(theta)
        theta_minus[i] -= epsilon
        J_minus, _ = forward_propagation_n(
            X, Y, gradcheck.vector_to_dictionary(theta_minus, parameters)
        )
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    difference = np.linalg.norm(grad - gradapprox) / (
        np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    )
    return verdict(float(difference), print_msg)
