"""Many settings of one network at once: the stacked trainer behind every explorer grid.

K copies of a fully connected ReLU network, one per ``Setting`` (optimizer, learning rate,
L2, keep_prob ...), train side by side. Their parameters live in one flat array theta
(K, n); ``views`` shows it as W_l (K, n_l, n_{l-1}) and b_l (K, n_l, 1), so each layer is one
batched matmul for all K settings and one ``UpdateRule`` moves every setting. Any leading
axes work in ``forward`` and ``predict`` (snapshots (S, K, ...) included).

One update rule covers the four optimizers of week 2, written as the course writes each:

    v = beta1 v + (1 - beta1) g              (gd: beta1 = 0, so v = g; RMSprop: beta1 = 0)
    s = beta2 s + (1 - beta2) g^2            (RMSprop and Adam only)
    theta -= lr * v_hat / (sqrt(s_hat) + eps)  (gd and momentum: no denominator;
                                             only Adam corrects the bias: v / (1 - beta1^t))

It trains every explorer grid and experiment that ships as data (``tools.precompute``).
Instructors' side only: it holds the week-2 update rules and batch norm, the labs' answers,
so it is not installed, not in the learners' image and not in the grading sandbox.
"""

import numpy as np

from helpers import nn
from helpers.grids import DECAYS, EPSILON, OPTIMIZERS, Recipe, Setting  # noqa: F401 (re-exported)


def decayed_rate(learning_rate0, epoch, decay, decay_rate=1.0, time_interval=1000):
    """Learning rate after ``epoch`` (the course's ``update_lr`` / ``schedule_lr_decay``).

    ``learning_rate0`` and ``decay`` may be arrays (K,) of settings. Returns the same shape.
    """
    lr0, decay = np.asarray(learning_rate0, dtype=np.float64), np.asarray(decay)
    every_epoch = lr0 / (1 + decay_rate * epoch)
    scheduled = lr0 / (1 + decay_rate * np.floor(epoch / time_interval))
    return np.where(decay == DECAYS[1], every_epoch, np.where(decay == DECAYS[2], scheduled, lr0))


class UpdateRule:
    """The update rule of K stacked settings: coefficient columns (K, 1)."""

    def __init__(self, settings, epsilon=EPSILON):
        kind = np.array([s.optimizer for s in settings])
        column = lambda values: np.asarray(values, dtype=np.float64)[:, None]  # noqa: E731
        self.beta1 = column(
            np.where(np.isin(kind, ("momentum", "adam")), [s.beta for s in settings], 0.0)
        )
        self.beta2 = column([s.beta2 for s in settings])
        self.scaled = np.isin(kind, ("rmsprop", "adam"))[:, None]
        self.adam = (kind == "adam")[:, None]
        self.epsilon = column([epsilon if s.epsilon is None else s.epsilon for s in settings])
        self.plain = bool(np.all(kind == "gd"))  # v = g, no s: theta -= lr * g

    def step(self, theta, v, s, g, learning_rate, t):
        """One update of theta, v, s (K, n) in place from gradients g (K, n); step number t."""
        if self.plain:
            theta -= learning_rate * g
            return
        v *= self.beta1
        v += (1 - self.beta1) * g
        s *= self.beta2
        s += (1 - self.beta2) * g * g
        v_hat = v / np.where(self.adam, 1 - self.beta1**t, 1.0)
        s_hat = s / np.where(self.adam, 1 - self.beta2**t, 1.0)
        theta -= learning_rate * v_hat / np.where(self.scaled, np.sqrt(s_hat) + self.epsilon, 1.0)


# ---------------------------------------------------------------- the stacked network


def depth(params):
    """The number of layers L of a parameter dict: its keys W1 ... WL (other keys ignored)."""
    return sum(1 for k in params if k[0] == "W" and k[1:].isdigit())


def _keys(L, batchnorm):
    """The order of theta: W1, b1, ..., WL, bL, then (batch norm) gamma1, beta1, ... of the
    hidden layers 1 ... L - 1."""
    keys = [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"]
    return keys + ([f"{k}{l}" for l in range(1, L) for k in ("gamma", "beta")] if batchnorm else [])


def flatten(parameters):
    """Parameters W1, b1, ..., WL, bL (and gamma_l, beta_l when present) -> theta (1, n) in
    ``views``' order."""
    keys = _keys(depth(parameters), "gamma1" in parameters)
    return np.concatenate([np.ravel(parameters[k]) for k in keys])[None]


def views(theta, layers, batchnorm=False):
    """Views of ``theta`` (K, n) as stacked W_l (K, n_l, n_{l-1}), b_l (K, n_l, 1) and, with
    ``batchnorm``, gamma_l and beta_l (K, n_l, 1) of each hidden layer."""
    K, out, at = theta.shape[0], {}, 0
    for key in _keys(len(layers) - 1, batchnorm):
        l = int(key.lstrip("Wabegmt"))  # W3, b3, gamma3, beta3 -> 3
        shape = (layers[l], layers[l - 1]) if key[0] == "W" else (layers[l], 1)
        size = shape[0] * shape[1]
        out[key] = theta[:, at : at + size].reshape(K, *shape)
        at += size
    return out


def forward(X, params, masks=None, epsilon=EPSILON, batch_stats=None):
    """LINEAR -> RELU hidden layers, then a LINEAR output, for stacked ``params``.

    X (n_x, m); W_l (..., n_l, n_{l-1}). ``masks`` maps a hidden layer l to its inverted
    dropout mask (0 or 1 / keep_prob) that scales A_l. With batch norm (``gamma1`` in
    ``params``) each hidden Z_l becomes gamma_l Z_norm + beta_l before the ReLU, normalized
    with the running averages ``mean_l`` and ``var_l`` of ``params`` when it has them (test
    time), else with the statistics of this batch, stored in ``batch_stats`` (a dict, when
    given) as l -> (Z_norm, mu, var). Returns the activations [X, A1, ..., A_{L-1}] and the
    output logits Z_L (..., n_L, m).
    """
    L = depth(params)
    A = [X]
    for l in range(1, L):
        Z = params[f"W{l}"] @ A[-1] + params[f"b{l}"]
        if "gamma1" in params:
            if f"mean{l}" in params:
                mu, var = params[f"mean{l}"], params[f"var{l}"]
            else:
                mu, var = Z.mean(axis=-1, keepdims=True), Z.var(axis=-1, keepdims=True)
            Z_norm = (Z - mu) / np.sqrt(var + epsilon)
            if batch_stats is not None:
                batch_stats[l] = (Z_norm, mu, var)
            Z = params[f"gamma{l}"] * Z_norm + params[f"beta{l}"]
        A_l = nn.relu(Z)
        A.append(A_l * masks[l] if masks and l in masks else A_l)
    return A, params[f"W{L}"] @ A[-1] + params[f"b{L}"]


def batchnorm_backward(dZ_tilde, Z_norm, var, gamma, epsilon=EPSILON):
    """dZ, dgamma, dbeta of a batch-norm layer (stacked: (..., n, b)) from dJ/dZ_tilde."""
    b = dZ_tilde.shape[-1]
    dgamma = np.sum(dZ_tilde * Z_norm, axis=-1, keepdims=True)
    dbeta = np.sum(dZ_tilde, axis=-1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    dZ = (
        b * dZ_norm
        - dZ_norm.sum(axis=-1, keepdims=True)
        - Z_norm * np.sum(dZ_norm * Z_norm, axis=-1, keepdims=True)
    ) / (b * np.sqrt(var + epsilon))
    return dZ, dgamma, dbeta


def log_softmax(Z):
    """log softmax over the classes (axis -2) of logits Z (..., classes, m), stable."""
    Z = Z - Z.max(axis=-2, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=-2, keepdims=True))


def predict(X, params, output="sigmoid"):
    """Labels (..., m): probability above 0.5 ("sigmoid") or the likeliest class ("softmax")."""
    Z = forward(X, params)[1]
    if output == "softmax":
        return np.argmax(Z, axis=-2)
    return (nn.sigmoid(Z[..., 0, :]) > 0.5).astype(np.int64)


def summed_cross_entropy(P, Y):
    """Binary cross-entropy summed over the examples (last axis) of probabilities P and
    labels Y, P clipped to [EPS, 1 - EPS] as in ``nn.compute_cost``; shape P.shape[:-1]."""
    P = np.clip(P, nn.EPS, 1 - nn.EPS)
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=-1)


def _output_gradient(Z, Y, output, with_loss):
    """dZ of the summed loss for logits Z (K, n_L, b), and (if ``with_loss``) that loss (K,)."""
    if output == "softmax":
        log_p = log_softmax(Z)
        return np.exp(log_p) - Y, -np.sum(Y * log_p, axis=(-2, -1)) if with_loss else None
    A = nn.sigmoid(Z)
    if not with_loss:
        return A - Y, None
    return A - Y, summed_cross_entropy(A[:, 0], Y)


def _masks(rng, keep, layers, columns, dtype):
    """Inverted dropout masks {l: (K, n_l, columns)} for the hidden ``layers``: one uniform
    draw per layer (n_l, columns) shared by the K settings, kept where below keep (K, 1, 1)."""
    masks = {}
    for l, n in layers:
        kept = rng.rand(n, columns) < keep
        masks[l] = np.where(kept, (1 / keep).astype(dtype), dtype.type(0))
    return masks


def train(X, Y, recipe, start, observe=None):
    """Train one copy of the network per ``Setting`` of ``recipe`` (a ``Recipe``), all in one
    stacked pass.

    X (n_x, m) and Y ((1, m) labels for ``output="sigmoid"``, (classes, m) one-hot for
    "softmax") in the dtype training runs in; ``start``: the parameters every copy starts
    from (dict W1, b1, ...). Each epoch visits the examples in mini-batches of ``batch_size``
    (None: all m at once; the last batch holds the remainder), in data order or, with
    ``shuffle_seed``, in the order of ``RandomState(shuffle_seed + 1 + epoch).permutation(m)``
    (the course's reseeding).

    ``loss``: "mean" over the mini-batch (the course's cost) or "sum" (the TensorFlow lab's
    total loss). ``dropout``: "fresh" masks every step from ``RandomState(dropout_seed)``, or
    "fixed": one mask per hidden layer over all m examples drawn once (what the course's
    ``np.random.seed(1)`` inside the forward pass does; full batch only), on
    ``dropout_layers`` (default: every hidden layer). The decayed learning rate of epoch i is
    used from epoch i + 1.

    ``batchnorm``: batch norm on every hidden layer (on Z, before the ReLU; ``bn_epsilon``),
    gamma_l and beta_l trained with the same rule (from ``start``'s, or 1 and 0), the running
    averages ``mean_l`` and ``var_l`` of each batch's mu and var kept with ``bn_momentum``
    (from 0 and 1, as Keras starts); observed parameters include them, so ``forward`` and
    ``predict`` use them. (``epsilon`` is the optimizers'.)

    Returns a dict: ``costs`` (R, K), the summed loss of each recorded epoch (0,
    record_every, ...; None: none) over m, before each step and without the L2 term; and for
    each ``observe_at`` epoch count e (0: the start), what ``observe(e, params)`` returned
    (default: a copy of the parameters), stacked to (len(observe_at), K, ...).
    """
    r, dtype = recipe, X.dtype
    layers, settings, batchnorm, dropout = r.layers, r.settings, r.batchnorm, r.dropout
    K, m, L = len(settings), X.shape[1], len(layers) - 1
    batch_size = r.batch_size or m
    if batchnorm:
        start = {
            f"{k}{l}": np.full((layers[l], 1), float(k == "gamma"))
            for l in range(1, L)
            for k in ("gamma", "beta")
        } | start
    theta = np.tile(flatten(start).astype(dtype), (K, 1))
    grads, v, s = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    p, dp = views(theta, layers, batchnorm), views(grads, layers, batchnorm)
    running = (
        {
            f"{k}{l}": np.full((K, layers[l], 1), float(k == "var"), dtype=dtype)
            for l in range(1, L)
            for k in ("mean", "var")
        }
        if batchnorm
        else {}
    )
    batch_stats = {} if batchnorm else None
    rule = UpdateRule(settings, r.epsilon)
    column = lambda name: np.array([getattr(st, name) for st in settings])[:, None, None]  # noqa: E731
    keep, l2 = column("keep_prob"), column("l2")
    lr0, decay = (
        np.array([st.learning_rate for st in settings]),
        np.array([st.decay for st in settings]),
    )
    decaying = bool(np.any(decay != "none"))
    hidden = [(l, layers[l]) for l in (r.dropout_layers or range(1, L))]
    rng = np.random.RandomState(r.dropout_seed)
    masks, dropping, penalized = None, bool(np.any(keep < 1)), bool(np.any(l2))
    if dropping and dropout == "fixed":
        if batch_size != m:
            raise ValueError("dropout='fixed' draws one mask over all examples: full batch only")
        masks = _masks(rng, keep, hidden, m, dtype)
    observe = observe or (lambda epoch, params: {k: a.copy() for k, a in params.items()})
    observed = {e: observe(0, p | running) for e in r.observe_at if e == 0}
    lr, t, costs = lr0[:, None].astype(dtype), 0, []
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(r.epochs):
            order = (
                None
                if r.shuffle_seed is None
                else (np.random.RandomState(r.shuffle_seed + 1 + epoch).permutation(m))
            )
            record = r.record_every is not None and epoch % r.record_every == 0
            total = np.zeros(K)
            for first in range(0, m, batch_size):
                batch = (
                    slice(first, first + batch_size)
                    if order is None
                    else (order[first : first + batch_size])
                )
                Xb, Yb = X[:, batch], Y[:, batch]
                b = Xb.shape[1]
                if dropping and dropout == "fresh":
                    masks = _masks(rng, keep, hidden, b, dtype)
                A, Z = forward(Xb, p, masks, r.bn_epsilon, batch_stats)
                for l, (_, mu, var) in (batch_stats or {}).items():
                    running[f"mean{l}"] *= r.bn_momentum
                    running[f"mean{l}"] += (1 - r.bn_momentum) * mu
                    running[f"var{l}"] *= r.bn_momentum
                    running[f"var{l}"] += (1 - r.bn_momentum) * var
                dZ, summed = _output_gradient(Z, Yb, r.output, record)
                if record:
                    total += summed
                # The cost is J = (1/m) sum_i L_i + lambda / (2m) sum ||W||^2. A mini-batch of b
                # examples estimates it by its mean loss plus the same L2 term, so dW gains
                # lambda / m * W ("mean", the course's cost). The summed loss is b times that
                # estimate (the TensorFlow lab's total loss): dW gains lambda * b / m * W.
                if r.loss == "mean":
                    dZ, l2_factor = dZ / b, l2 / m
                else:
                    l2_factor = l2 * b / m
                for l in range(L, 0, -1):
                    np.matmul(dZ, np.swapaxes(A[l - 1], -1, -2), out=dp[f"W{l}"])
                    if penalized:
                        dp[f"W{l}"] += l2_factor * p[f"W{l}"]
                    np.sum(dZ, axis=-1, keepdims=True, out=dp[f"b{l}"])
                    # Back to layer l - 1, whose output was A = relu(Z) * D (D: 0 or 1/keep):
                    # dZ = (W^T dZ) * relu'(Z) * D. Where D keeps a unit, A > 0 exactly when
                    # Z > 0, so (A > 0) is relu'(Z) there; dropped units get 0 from D anyway.
                    if l > 1:
                        dZ = (np.swapaxes(p[f"W{l}"], -1, -2) @ dZ) * (A[l - 1] > 0)
                        if masks and l - 1 in masks:
                            dZ = dZ * masks[l - 1]
                        if batchnorm:  # dZ was dJ/dZ_tilde: back through the normalization
                            Z_norm, _, var = batch_stats[l - 1]
                            dZ, dp[f"gamma{l - 1}"][...], dp[f"beta{l - 1}"][...] = (
                                batchnorm_backward(
                                    dZ, Z_norm, var, p[f"gamma{l - 1}"], r.bn_epsilon
                                )
                            )
                t += 1
                rule.step(theta, v, s, grads, lr, t)
            if record:
                costs.append(total / m)
            if decaying:
                lr = decayed_rate(lr0, epoch, decay)[:, None].astype(dtype)
            if epoch + 1 in r.observe_at:
                observed[epoch + 1] = observe(epoch + 1, p | running)
    out = {"costs": np.array(costs).reshape(len(costs), K)}
    for key in next(iter(observed.values()), {}):
        out[key] = np.stack([observed[e][key] for e in r.observe_at])
    return out
