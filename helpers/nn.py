"""Provided (non-graded) numpy building blocks of the week-1 and week-2 labs.

The network is the course's LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID model.
Shapes: X (n_x, m), Y (1, m), W_l (n_l, n_{l-1}), b_l (n_l, 1).
The cache is the course's tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``, so the
graded backward passes of the Regularization and Gradient Checking labs can unpack it.
"""

import numpy as np

EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS] inside the cost only


def seeded_initialization(layers_dims, weight_scale, seed=3):
    """The course's recipe: ``np.random.seed(seed)``, then W_l = randn(n_l, n_{l-1}) *
    weight_scale(n_{l-1}) layer by layer, b_l = zeros((n_l, 1)). Drawn from its own
    RandomState, so the global numpy seed is left as it was. Used by the week-1 checks and
    the week-2 lab's He start."""
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        parameters[f"W{l}"] = rng.randn(n, n_prev) * weight_scale(n_prev)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def sigmoid(z):
    """Elementwise 1 / (1 + exp(-z)); saturates to exactly 0 or 1 without overflow warnings."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    """Elementwise max(0, z)."""
    return np.maximum(0, z)


def forward_propagation(X, parameters):
    """Forward pass of the 3-layer net. Returns A3 (1, m) and the course's cache tuple."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = W1 @ X + b1
    A1 = relu(Z1)
    Z2 = W2 @ A1 + b2
    A2 = relu(Z2)
    Z3 = W3 @ A2 + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation(X, Y, cache):
    """Gradients of the mean cross-entropy cost: dict with dZ3, dW3, db3, dA2, ... db1."""
    m = X.shape[1]
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    dZ3 = (A3 - Y) / m
    dW3 = dZ3 @ A2.T
    db3 = np.sum(dZ3, axis=1, keepdims=True)
    dA2 = W3.T @ dZ3
    dZ2 = dA2 * (A2 > 0)
    dW2 = dZ2 @ A1.T
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {
        "dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
        "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
        "dZ1": dZ1, "dW1": dW1, "db1": db1,
    }  # fmt: skip


def compute_cost(A3, Y):
    """Mean cross-entropy, a Python float; finite even where A3 is exactly 0 or 1."""
    A = np.clip(A3, EPS, 1 - EPS)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step: W_l -= lr * dW_l, b_l -= lr * db_l. Returns a new dict."""
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}


def predict(X, parameters):
    """Labels (1, m) int64: 1 where the net's probability is above 0.5."""
    A3, _ = forward_propagation(X, parameters)
    return (A3 > 0.5).astype(np.int64)


def accuracy(X, Y, parameters):
    """Fraction of examples of X (n_x, m) whose predicted label equals Y (1, m)."""
    return float(np.mean(predict(X, parameters) == Y))


def train(
    X, Y, parameters, learning_rate=0.01, num_iterations=15000, record_every=100, print_every=0
):
    """Batch gradient descent on the 3-layer net.

    Returns the trained parameters and the costs recorded every ``record_every`` iterations
    (iteration 0 included). Prints ``Cost after iteration i: c`` every ``print_every``
    iterations when it is positive. Used by the Initialization lab and its explorer.
    """
    parameters = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    costs = []
    for i in range(num_iterations):
        A3, cache = forward_propagation(X, parameters)
        if i % record_every == 0 or (print_every and i % print_every == 0):
            cost = compute_cost(A3, Y)
            if i % record_every == 0:
                costs.append(cost)
            if print_every and i % print_every == 0:
                print(f"Cost after iteration {i}: {cost:.6f}")
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def layer_activation_std(X, parameters):
    """Standard deviation of the post-ReLU activations of each hidden layer, for any depth.

    Used by the Initialization explorer to show vanishing / exploding signals at init.
    Returns a float array (L - 1,) for an L-layer parameter dict.
    """
    L = len(parameters) // 2
    A, stds = X, []
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(1, L):
            A = relu(parameters[f"W{layer}"] @ A + parameters[f"b{layer}"])
            stds.append(float(np.std(A)))
    return np.array(stds)


def train_grid(
    X,
    Y,
    parameters,
    lambdas,
    keep_probs,
    learning_rate=0.3,
    num_iterations=30000,
    snapshot_every=1000,
    dropout_seed=1,
):
    """Train one copy of the 3-layer net per setting (lambdas[k], keep_probs[k]), all at once.

    The K copies start from the same ``parameters`` and are stacked: W_l becomes
    (K, n_l, n_{l-1}), so each step is one batched matmul per layer for every setting.
    L2 adds lambda / m * W_l to dW_l; dropout scales by the masks the Regularization lab's
    ``forward_propagation_with_dropout`` draws (``np.random.seed(dropout_seed)``, then
    ``rand`` per hidden layer, the same masks at every step). Used by the Regularization
    explorer. Returns {key: (S, K, ...)} snapshots at iterations 0, snapshot_every, ...,
    num_iterations, and the matching costs (S, K) without the L2 term.
    """
    lambdas = np.asarray(lambdas, dtype=np.float64)
    keep = np.asarray(keep_probs, dtype=np.float64)[:, None, None]
    K, m = len(lambdas), X.shape[1]
    stacked = {
        k: np.repeat(np.asarray(v, dtype=np.float64)[None], K, axis=0)
        for k, v in parameters.items()
    }
    W1, b1, W2, b2, W3, b3 = (stacked[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    state = np.random.get_state()
    np.random.seed(dropout_seed)
    D1 = (np.random.rand(W1.shape[1], m) < keep) / keep
    D2 = (np.random.rand(W2.shape[1], m) < keep) / keep
    np.random.set_state(state)
    decay = (lambdas / m)[:, None, None]
    snapshots, costs = [], []
    for i in range(num_iterations + 1):
        A1 = relu(W1 @ X + b1) * D1
        A2 = relu(W2 @ A1 + b2) * D2
        A3 = sigmoid(W3 @ A2 + b3)
        if i % snapshot_every == 0:
            snapshots.append({k: v.copy() for k, v in stacked.items()})  # updated in place
            costs.append([compute_cost(A3[k], Y) for k in range(K)])
        if i == num_iterations:
            break
        dZ3 = (A3 - Y) / m
        dZ2 = (W3.transpose(0, 2, 1) @ dZ3) * D2 * (A2 > 0)
        dZ1 = (W2.transpose(0, 2, 1) @ dZ2) * D1 * (A1 > 0)
        W3 -= learning_rate * (dZ3 @ A2.transpose(0, 2, 1) + decay * W3)
        W2 -= learning_rate * (dZ2 @ A1.transpose(0, 2, 1) + decay * W2)
        W1 -= learning_rate * (dZ1 @ X.T + decay * W1)
        b3 -= learning_rate * dZ3.sum(axis=2, keepdims=True)
        b2 -= learning_rate * dZ2.sum(axis=2, keepdims=True)
        b1 -= learning_rate * dZ1.sum(axis=2, keepdims=True)
    grid = {k: np.stack([s[k] for s in snapshots]) for k in stacked}
    return grid, np.array(costs)
