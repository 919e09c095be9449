"""The course's solutions of the numpy labs, written as a learner would: the answer key
(``tools.answer_key``) answers every check from them, the tests drive the explorers with
them, and the bench uses them. Instructors' side only: never installed, never in the
learners' image or the grading sandbox."""

import numpy as np

from helpers import gradcheck, nn

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


def initialize_parameters_zeros(layers_dims):
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        scale = np.sqrt(2 / layers_dims[l - 1])
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * scale
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


ZEROS, RANDOM = initialize_parameters_zeros, initialize_parameters_random
HE = initialize_parameters_he


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


# ---------------------------------------------------------------- Regularization


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    l2 = sum(np.sum(np.square(parameters[f"W{l}"])) for l in (1, 2, 3))
    return nn.compute_cost(A3, Y) + lambd / (2 * m) * l2


def backward_propagation_with_regularization(X, Y, cache, lambd):
    m = X.shape[1]
    grads = nn.backward_propagation(X, Y, cache)
    W = {"W1": cache[2], "W2": cache[6], "W3": cache[10]}
    for key, value in W.items():
        grads["d" + key] = grads["d" + key] + lambd / m * value
    return grads


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5, seed=1):
    np.random.seed(seed)
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = W1 @ X + b1
    A1 = nn.relu(Z1)
    D1 = (np.random.rand(*A1.shape) < keep_prob).astype(int)
    A1 = A1 * D1 / keep_prob
    Z2 = W2 @ A1 + b2
    A2 = nn.relu(Z2)
    D2 = (np.random.rand(*A2.shape) < keep_prob).astype(int)
    A2 = A2 * D2 / keep_prob
    Z3 = W3 @ A2 + b3
    A3 = nn.sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    dZ3 = A3 - Y
    dW3 = dZ3 @ A2.T / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m
    dA2 = W3.T @ dZ3 * D2 / keep_prob
    dZ2 = dA2 * (A2 > 0)
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2 * D1 / keep_prob
    dZ1 = dA1 * (A1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {
        "dZ3": dZ3,
        "dW3": dW3,
        "db3": db3,
        "dA2": dA2,
        "dZ2": dZ2,
        "dW2": dW2,
        "db2": db2,
        "dA1": dA1,
        "dZ1": dZ1,
        "dW1": dW1,
        "db1": db1,
    }


def REGULARIZATION_INIT(layers_dims):  # noqa: N802 - randn / sqrt(n_prev), as the course
    return seeded_initialization(layers_dims, lecun_scale)


def regularization_model(X, Y, learning_rate=0.3, num_iterations=30000, lambd=0.0, keep_prob=1.0):
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


# ---------------------------------------------------------------- Optimization Methods


def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, m))
    batches = []
    for k in range(m // mini_batch_size):
        part = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        batches.append((shuffled_X[:, part], shuffled_Y[:, part]))
    if m % mini_batch_size:
        rest = slice(m // mini_batch_size * mini_batch_size, m)
        batches.append((shuffled_X[:, rest], shuffled_Y[:, rest]))
    return batches


def initialize_velocity(parameters):
    return {"d" + k: np.zeros(p.shape) for k, p in parameters.items()}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    for k in parameters:
        v["d" + k] = beta * v["d" + k] + (1 - beta) * grads["d" + k]
        parameters[k] = parameters[k] - learning_rate * v["d" + k]
    return parameters, v


def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    for k in parameters:
        g = grads["d" + k]
        s["d" + k] = beta2 * s["d" + k] + (1 - beta2) * np.square(g)
        parameters[k] = parameters[k] - learning_rate * g / (np.sqrt(s["d" + k]) + epsilon)
    return parameters, s


def initialize_adam(parameters):
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    v_corrected, s_corrected = {}, {}
    for k in parameters:
        d = "d" + k
        v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
        v_corrected[d] = v[d] / (1 - beta1**t)
        s[d] = beta2 * s[d] + (1 - beta2) * np.square(grads[d])
        s_corrected[d] = s[d] / (1 - beta2**t)
        parameters[k] = parameters[k] - learning_rate * v_corrected[d] / (
            np.sqrt(s_corrected[d]) + epsilon
        )
    return parameters, v, s, v_corrected, s_corrected


def update_lr(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))


# ---------------------------------------------------------------- Batch Normalization and softmax


def batchnorm_forward(Z, gamma, beta, epsilon=1e-8):
    m = Z.shape[1]
    mu = 1 / m * np.sum(Z, axis=1, keepdims=True)
    var = 1 / m * np.sum((Z - mu) ** 2, axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, (Z, Z_norm, mu, var, gamma, epsilon)


def batchnorm_backward(dZ_tilde, cache):
    """Step by step through the graph Z -> mu, var -> Z_norm -> Z_tilde."""
    Z, Z_norm, mu, var, gamma, epsilon = cache
    m = Z.shape[1]
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    inv_std = 1 / np.sqrt(var + epsilon)
    dvar = np.sum(dZ_norm * (Z - mu), axis=1, keepdims=True) * -0.5 * inv_std**3
    dmu = np.sum(-dZ_norm * inv_std, axis=1, keepdims=True) + dvar * np.mean(
        -2 * (Z - mu), axis=1, keepdims=True
    )
    dZ = dZ_norm * inv_std + dvar * 2 * (Z - mu) / m + dmu / m
    return dZ, dgamma, dbeta


def update_running_averages(running_mu, running_var, mu, var, momentum=0.9):
    return momentum * running_mu + (1 - momentum) * mu, momentum * running_var + (
        1 - momentum
    ) * var


def batchnorm_inference(Z, gamma, beta, running_mu, running_var, epsilon=1e-8):
    return gamma * (Z - running_mu) / np.sqrt(running_var + epsilon) + beta


def batchnorm_layer_forward(A_prev, W, gamma, beta, epsilon=1e-8):
    Z = W @ A_prev
    Z_tilde, bn_cache = batchnorm_forward(Z, gamma, beta, epsilon)
    return np.maximum(0, Z_tilde), (A_prev, W, Z_tilde, bn_cache)


def batchnorm_layer_backward(dA, cache):
    A_prev, W, Z_tilde, bn_cache = cache
    dZ, dgamma, dbeta = batchnorm_backward(dA * (Z_tilde > 0), bn_cache)
    return W.T @ dZ, dZ @ A_prev.T, dgamma, dbeta


def softmax(Z):
    T = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return T / np.sum(T, axis=0, keepdims=True)


def compute_softmax_cost(Z, Y):
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
    return float(-np.sum(Y * log_softmax) / Z.shape[1])


def softmax_backward(Z, Y):
    return (softmax(Z) - Y) / Z.shape[1]


# ---------------------------------------------------------------- Hyperparameter tuning


def sample_log_uniform(low, high, size, rng):
    r = rng.uniform(np.log10(low), np.log10(high), size)
    return 10**r


def sample_beta(low, high, size, rng):
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return 1 - 10**r


def random_trials(box, trials, rng):
    return {name: sample_log_uniform(low, high, trials, rng) for name, (low, high) in box.items()}


def zoom_box(trials, scores, keep):
    best = np.argsort(scores, kind="stable")[:keep]
    return {
        name: (float(np.min(values[best])), float(np.max(values[best])))
        for name, values in trials.items()
    }


def next_box(history, box, keep=0.2):
    if not history:
        return box
    trials = {name: np.concatenate([r["trials"][name] for r in history]) for name in box}
    scores = np.concatenate([r["scores"] for r in history])
    return zoom_box(trials, scores, max(2, round(keep * len(scores))))
