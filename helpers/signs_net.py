"""The TensorFlow lab's network in numpy (float32), for the SIGNS explorer.

[12288, 25, 12, 6] LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> softmax, Adam on mini-batches
in the data's order (as the lab's ``model``), optional L2 or inverted dropout (first hidden
layer). A few seconds
for a few dozen epochs on a 2-core CPU, so the explorer can train a setting when asked.
"""

import numpy as np

from helpers import optim

LAYERS = [12288, 25, 12, 6]


def flatten_images(images):
    """(m, 64, 64, 3) uint8 -> X (12288, m) float32 in [0, 1] (the lab's ``normalize``)."""
    return (images.reshape(len(images), -1).T / np.float32(255)).astype(np.float32)


def glorot_normal(layers=LAYERS, seed=1):
    """Flat float32 parameters (1, n): W_l ~ N(0, 2 / (fan_in + fan_out)), b_l = 0."""
    rng = np.random.RandomState(seed)
    parts = []
    for l in range(1, len(layers)):
        n, n_prev = layers[l], layers[l - 1]
        parts += [rng.randn(n * n_prev) * np.sqrt(2 / (n + n_prev)), np.zeros(n)]
    return np.concatenate(parts)[None].astype(np.float32)


def logits(X, p, keep=None, rng=None):
    """Logits (1, 6, m) and the hidden activations [A1, A2]; with ``keep`` < 1, inverted
    dropout on the first hidden layer (25 units; the 12 of the second are too few to drop)."""
    A1 = np.maximum(p["W1"] @ X + p["b1"], 0)
    if keep is not None and keep < 1:
        A1 = A1 * (rng.rand(*A1.shape) < keep) / np.float32(keep)
    A2 = np.maximum(p["W2"] @ A1 + p["b2"], 0)
    return p["W3"] @ A2 + p["b3"], [A1, A2]


def train(X, Y, test_X, test_Y, learning_rate=1e-3, epochs=40, batch_size=32, l2=0.0,
          keep_prob=1.0, seed=1):  # fmt: skip
    """Train; X (12288, m) float32, Y (m,) labels. Returns a dict: ``train_acc``, ``test_acc``
    (epochs,) measured after each epoch, ``costs`` (epochs,) without the L2 term, and
    ``test_pred`` (epochs, m_test): the predicted classes after each epoch."""
    theta = glorot_normal(seed=seed)
    grads = np.zeros_like(theta)
    p, dp = optim.stacked_views(theta, LAYERS), optim.stacked_views(grads, LAYERS)
    v, s = np.zeros_like(theta), np.zeros_like(theta)
    rule = optim.UpdateRule([optim.Setting("adam", learning_rate)], epsilon=1e-7)
    rng = np.random.RandomState(seed)
    onehot = np.eye(6, dtype=np.float32)[Y].T
    m, t = X.shape[1], 0
    scale = np.float32(1 / keep_prob)
    out = {"train_acc": [], "test_acc": [], "costs": [], "test_pred": []}
    for _ in range(epochs):
        total = 0.0
        for k in range(0, m, batch_size):
            Xb, Yb = X[:, k : k + batch_size], onehot[:, k : k + batch_size]
            Z, (A1, A2) = logits(Xb, p, keep_prob, rng)
            Z = Z - Z.max(axis=1, keepdims=True)
            P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
            total -= float(np.sum(Yb * np.log(np.maximum(P, 1e-30))))
            dZ = P - Yb  # the summed loss: no 1 / m
            for l, A_prev in ((3, A2), (2, A1), (1, Xb)):
                np.matmul(dZ, np.swapaxes(A_prev, -1, -2), out=dp[f"W{l}"])
                dp[f"W{l}"] += np.float32(l2 * len(Xb[0]) / m) * p[f"W{l}"]
                np.sum(dZ, axis=-1, keepdims=True, out=dp[f"b{l}"])
                if l > 1:  # A_prev > 0: ReLU on (and kept); dropout scaled A1 by 1 / keep
                    dZ = (np.swapaxes(p[f"W{l}"], 1, 2) @ dZ) * (A_prev > 0)
                    dZ = dZ * scale if l == 2 else dZ
            t += 1
            rule.step(theta, v, s, grads, np.float32(learning_rate), t)
        out["costs"].append(total / m)
        for name, data, labels in (("train_acc", X, Y), ("test_acc", test_X, test_Y)):
            pred = np.argmax(logits(data, p)[0][0], axis=0)
            out[name].append(float(np.mean(pred == labels)))
        out["test_pred"].append(pred)
    return {k: np.asarray(v) for k, v in out.items()}
