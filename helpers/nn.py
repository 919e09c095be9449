"""Provided (non-graded) numpy building blocks of the week-1 and week-2 labs.

The network is the course's LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID model.
Shapes: X (n_x, m), Y (1, m), W_l (n_l, n_{l-1}), b_l (n_l, 1).
The cache is the course's tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``, so the
graded backward passes of the Regularization and Gradient Checking labs can unpack it.
"""

from pathlib import Path

import numpy as np

EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS] inside the cost only
KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")  # the 3-layer net's parameters, in train's order


STARTS = Path(__file__).with_name("starts.npz")  # tools/answer_key.py builds it


def start_weights(name, layers_dims):
    """The provided starting weights ``name`` of a ``layers_dims`` network, as the course draws
    them (seed 3, randn, scaled; see ``STARTS_OF``), stored as data: a fresh dict of float64
    W_l (n_l, n_{l-1}), b_l (n_l, 1). Raises ValueError naming the sizes that exist."""
    if name not in STARTS_OF or list(layers_dims) != list(STARTS_OF[name][0]):
        known = ", ".join(f"{k} {list(v[0])}" for k, v in STARTS_OF.items())
        raise ValueError(
            f"no provided start {name!r} for layers {list(layers_dims)}; there are: {known}"
        )
    with np.load(STARTS, allow_pickle=False) as stored:
        prefix = f"{name}/"
        return {k[len(prefix) :]: stored[k].copy() for k in stored.files if k.startswith(prefix)}


# Week 2's moons network: the Optimization lab trains it, the Tuning lab maps its dev cost.
MOONS_LAYERS = [2, 5, 2, 1]
MOONS_SHUFFLE_SEED = 10  # its mini-batches: seed 10, then seed + 1 before each epoch


# name -> (layer sizes, how the course draws them); what the labs start from
STARTS_OF = {
    "regularization": ([2, 20, 3, 1], "randn / sqrt(n_prev)"),
    "moons": (MOONS_LAYERS, "randn * sqrt(2 / n_prev)"),
    **{f"spirals-{d}": ([2, *[16] * d, 3], "randn * sqrt(2 / n_prev)") for d in (2, 6, 10)},
    "signs": ([12288, 25, 12, 6], "randn * sqrt(2 / (n_prev + n)), seed 1"),
}


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
    # ndarray.sum, not np.sum: the same reduction without the wrapper's per-call cost
    dZ3 = (A3 - Y) / m
    dW3 = dZ3 @ A2.T
    db3 = dZ3.sum(axis=1, keepdims=True)
    dA2 = W3.T @ dZ3
    dZ2 = dA2 * (A2 > 0)
    dW2 = dZ2 @ A1.T
    db2 = dZ2.sum(axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = dZ1 @ X.T
    db1 = dZ1.sum(axis=1, keepdims=True)
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


def deep_forward(X, parameters):
    """LINEAR -> RELU hidden layers, then a LINEAR output, any depth L (keys W1 ... WL).

    X (n_x, m); W_l (..., n_l, n_{l-1}), any leading axes. Returns the activations
    [X, A1, ..., A_{L-1}] and the output Z_L (..., n_L, m)."""
    L = sum(1 for k in parameters if k[0] == "W" and k[1:].isdigit())
    A = [X]
    for l in range(1, L):
        A.append(relu(parameters[f"W{l}"] @ A[-1] + parameters[f"b{l}"]))
    return A, parameters[f"W{L}"] @ A[-1] + parameters[f"b{L}"]


def compute_cost(A3, Y):
    """Mean cross-entropy, a Python float; finite even where A3 is exactly 0 or 1."""
    A = np.clip(A3, EPS, 1 - EPS)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


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

    The same arithmetic as ``forward_propagation``, ``backward_propagation`` and
    ``W -= learning_rate * dW`` step by step (bit for bit: tests/test_nn.py), with fewer
    calls: the parameters and the gradients each live in one flat array, the gradients are
    written in place, so a step is one update of all of them.
    """
    [trained] = _train_stacked(
        [(X, parameters, learning_rate)], Y, num_iterations, record_every, print_every
    )
    return trained


def train_together(runs, Y, num_iterations=15000, record_every=100):
    """Several runs of ``train`` side by side, in one pass: ``runs`` is a list of
    (X (n_x, m), parameters, learning_rate) of one network (the same layer sizes and m), Y (1, m)
    their labels. Returns [(parameters, costs)], one per run, in order: for each run, bit for bit
    what ``train`` returns for it alone (tests/test_nn.py).

    Each layer is one batched matmul for all K runs, so the Python and numpy call overhead of
    a step is paid once: four runs take about twice as long as one, not four times.
    Used by the Initialization lab's raw vs normalized inputs (four runs).
    """
    return _train_stacked(runs, Y, num_iterations, record_every, print_every=0)


def _train_stacked(runs, Y, num_iterations, record_every, print_every):
    """``train_together``'s loop: the K runs' parameters in one array theta (K, n), seen as
    W_l (K, n_l, n_{l-1}) and b_l (K, n_l, 1), X (K, n_x, m); one run as 2-D arrays.
    ``print_every`` prints the first run's cost."""
    if not runs:
        raise ValueError("no runs to train: give a list of (X, parameters, learning_rate)")
    shapes = {k: np.shape(runs[0][1][k]) for k in KEYS}
    want_X = (shapes["W1"][1], np.shape(Y)[1])
    for r, (X, parameters, _) in enumerate(runs):
        got = {k: np.shape(parameters[k]) for k in KEYS}
        if got != shapes or np.shape(X) != want_X:
            raise ValueError(
                f"run {r + 1} does not fit: parameters {got}, X {np.shape(X)}, Y {np.shape(Y)};"
                f" every run needs parameters {shapes} and X {want_X} (Y's"
                f" {np.shape(Y)[1]} columns)"
            )
    single = len(runs) == 1  # one run computes on 2-D arrays, its X as given
    X = np.asarray(runs[0][0]) if single else np.stack([r[0] for r in runs])
    XT = X.swapaxes(-1, -2)
    theta = np.array(
        [
            np.concatenate([np.ravel(np.asarray(start[k], dtype=np.float64)) for k in KEYS])
            for _, start, _ in runs
        ]
    )
    learning_rate = np.array([[float(r[2])] for r in runs])  # (K, 1)
    gradient = np.empty_like(theta)
    p, g = (_views(a, shapes, stacked=not single) for a in (theta, gradient))
    m, costs = X.shape[-1], [[] for _ in runs]
    with np.errstate(over="ignore"):  # the sigmoid saturates to exactly 0 or 1 (see sigmoid)
        for i in range(num_iterations):
            Z1 = p["W1"] @ X
            Z1 += p["b1"]
            A1 = np.maximum(0, Z1, out=Z1)
            Z2 = p["W2"] @ A1
            Z2 += p["b2"]
            A2 = np.maximum(0, Z2, out=Z2)
            Z3 = p["W3"] @ A2
            Z3 += p["b3"]
            A3 = 1.0 / (1.0 + np.exp(-Z3))
            if i % record_every == 0 or (print_every and i % print_every == 0):
                cost = [compute_cost(a3, Y) for a3 in A3.reshape(len(runs), *np.shape(Y))]
                if i % record_every == 0:
                    for recorded, c in zip(costs, cost, strict=True):
                        recorded.append(c)
                if print_every and i % print_every == 0:
                    print(f"Cost after iteration {i}: {cost[0]:.6f}")
            dZ3 = A3 - Y
            dZ3 /= m
            np.matmul(dZ3, A2.swapaxes(-1, -2), out=g["W3"])
            dZ3.sum(axis=-1, keepdims=True, out=g["b3"])
            dZ2 = p["W3"].swapaxes(-1, -2) @ dZ3
            dZ2 *= A2 > 0
            np.matmul(dZ2, A1.swapaxes(-1, -2), out=g["W2"])
            dZ2.sum(axis=-1, keepdims=True, out=g["b2"])
            dZ1 = p["W2"].swapaxes(-1, -2) @ dZ2
            dZ1 *= A1 > 0
            np.matmul(dZ1, XT, out=g["W1"])
            dZ1.sum(axis=-1, keepdims=True, out=g["b1"])
            gradient *= learning_rate
            theta -= gradient
    trained = _views(theta, shapes)
    return [({k: v[r].copy() for k, v in trained.items()}, costs[r]) for r in range(len(runs))]


def _views(flat, shapes, stacked=True):
    """Views of the rows of ``flat`` (K, n) as named arrays, in the order of ``shapes`` (name
    -> shape): each (K, *shape), or with ``stacked=False`` (one row) the shape alone. Writing
    to a view writes ``flat``."""
    lead, out, at = flat.shape[:1] if stacked else (), {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        out[name] = flat[:, at : at + size].reshape(*lead, *shape)
        at += size
    return out
