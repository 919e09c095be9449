"""Optimization Methods (week 2): the compute behind the lab's experiments and explorers.

- ``ewa``: exponentially weighted averages of a series, with or without bias correction;
- ``SURFACES`` and ``optimizer_paths``: gd / momentum / RMSprop / Adam on 2-D loss surfaces;
- ``train_grid``: the lab's [2, 5, 2, 1] moons model trained with mini-batches for many
  optimizer settings at once (stacked weights), what the optimizer explorer shows.

One update rule covers the four optimizers (``Setting``), written as the course writes each:

    v = beta1 v + (1 - beta1) g              (gd: beta1 = 0, so v = g; RMSprop: beta1 = 0)
    s = beta2 s + (1 - beta2) g^2            (RMSprop and Adam only)
    theta -= lr * v_hat / (sqrt(s_hat) + eps)  (gd and momentum: no denominator;
                                             only Adam corrects the bias: v / (1 - beta1^t))

Plain numpy, no widgets; ``helpers.widgets`` draws it.
"""

from dataclasses import dataclass

import numpy as np

from helpers import nn

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DECAYS = ("none", "every epoch", "every 1000 epochs")  # update_lr / schedule_lr_decay, rate 1
MOONS_LAYERS = [2, 5, 2, 1]
EPSILON = 1e-8


@dataclass(frozen=True)
class Setting:
    """One optimizer setting. ``beta`` is momentum's beta and Adam's beta1; ``beta2`` is
    RMSprop's and Adam's; ``decay`` is one of ``DECAYS`` (decay rate 1)."""

    optimizer: str
    learning_rate: float
    beta: float = 0.9
    beta2: float = 0.999
    decay: str = "none"

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {DECAYS}, not {self.decay!r}")

    @property
    def label(self):
        betas = {
            "gd": "",
            "momentum": f", β {self.beta:g}",
            "rmsprop": f", β2 {self.beta2:g}",
            "adam": f", β1 {self.beta:g}, β2 {self.beta2:g}",
        }[self.optimizer]
        decay = "" if self.decay == "none" else f", lr decay {self.decay}"
        return f"{self.optimizer}, lr {self.learning_rate:g}{betas}{decay}"


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
        self.epsilon = epsilon

    def step(self, theta, v, s, g, learning_rate, t):
        """One update of theta, v, s (K, n) in place from gradients g (K, n); step number t."""
        v *= self.beta1
        v += (1 - self.beta1) * g
        s *= self.beta2
        s += (1 - self.beta2) * g * g
        v_hat = v / np.where(self.adam, 1 - self.beta1**t, 1.0)
        s_hat = s / np.where(self.adam, 1 - self.beta2**t, 1.0)
        theta -= learning_rate * v_hat / np.where(self.scaled, np.sqrt(s_hat) + self.epsilon, 1.0)


# ---------------------------------------------------------------- exponentially weighted averages


def temperature_series(days=365, seed=0):
    """A year of noisy daily temperatures (°C), the lectures' London example: (days,) float64."""
    rng = np.random.RandomState(seed)
    day = np.arange(days)
    season = 11 - 7 * np.cos(2 * np.pi * (day - 15) / 365)
    return season + 2.0 * np.sin(2 * np.pi * day / 29) + 2.5 * rng.randn(days)


def ewa(series, beta, bias_correction=False):
    """v_t = beta v_{t-1} + (1 - beta) theta_t from v_0 = 0, for t = 1..n; with
    ``bias_correction``, v_t / (1 - beta^t). ``series`` (n,) -> (n,) float64."""
    series = np.asarray(series, dtype=np.float64)
    out, v = np.empty_like(series), 0.0
    for t, theta in enumerate(series, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


# ---------------------------------------------------------------- 2-D loss surfaces


@dataclass(frozen=True)
class Surface:
    """A 2-D loss: ``f(x, y)``, its gradient, where paths start, the plotting window."""

    name: str
    f: object
    grad: object
    start: tuple
    minimum: tuple
    xlim: tuple
    ylim: tuple


def _quadratic(x, y):
    return 0.05 * x**2 + 2.0 * y**2


def _quadratic_grad(x, y):
    return 0.1 * x, 4.0 * y


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


SURFACES = {
    "elongated bowl": Surface(
        "elongated bowl: 0.05 x² + 2 y²", _quadratic, _quadratic_grad,
        start=(-9.0, 1.5), minimum=(0.0, 0.0), xlim=(-10, 2), ylim=(-2, 2),
    ),
    "Rosenbrock": Surface(
        "Rosenbrock: (1 - x)² + 100 (y - x²)²", _rosenbrock, _rosenbrock_grad,
        start=(-1.2, 1.0), minimum=(1.0, 1.0), xlim=(-2, 2), ylim=(-1, 3),
    ),
}  # fmt: skip


def optimizer_paths(surface, settings, steps=200):
    """Run every ``Setting`` on ``surface`` from its start, all at once.

    Returns the points visited (K, steps + 1, 2) and the losses (K, steps + 1). A path that
    blows up stops where it leaves a window 10x the plot's (its last point is repeated).
    """
    rule = UpdateRule(settings)
    K = len(settings)
    theta = np.tile(np.asarray(surface.start, dtype=np.float64), (K, 1))
    v, s = np.zeros_like(theta), np.zeros_like(theta)
    lr = np.array([[st.learning_rate] for st in settings])
    bound = 10 * max(np.ptp(surface.xlim), np.ptp(surface.ylim))
    path = np.empty((K, steps + 1, 2))
    path[:, 0] = theta
    alive = np.ones((K, 1), dtype=bool)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = np.column_stack(surface.grad(theta[:, 0], theta[:, 1]))
            rule.step(theta, v, s, np.where(alive, g, 0.0), np.where(alive, lr, 0.0), t)
            alive &= np.all(np.abs(theta - surface.minimum) < bound, axis=1, keepdims=True)
            theta = np.where(alive, theta, path[:, t - 1])
            path[:, t] = theta
        losses = surface.f(path[..., 0], path[..., 1])
    return path, losses


# ---------------------------------------------------------------- the moons model, many settings


def he_initialization(layers_dims, seed=3):
    """The lab's start: seed 3, W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}), b_l = 0."""
    return nn.seeded_initialization(layers_dims, lambda n_prev: np.sqrt(2 / n_prev), seed)


def stacked_views(flat, layers_dims):
    """Views of ``flat`` (K, n) as stacked W_l (K, n_l, n_{l-1}) and b_l (K, n_l, 1)."""
    K, views, at = flat.shape[0], {}, 0
    for l in range(1, len(layers_dims)):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        views[f"W{l}"] = flat[:, at : at + n * n_prev].reshape(K, n, n_prev)
        at += n * n_prev
        views[f"b{l}"] = flat[:, at : at + n].reshape(K, n, 1)
        at += n
    return views


def _forward(X, p, L):
    """Activations [X, A1, ..., AL] of the stacked net; AL (K, 1, m)."""
    A = [X]
    for l in range(1, L + 1):
        Z = p[f"W{l}"] @ A[-1] + p[f"b{l}"]
        A.append(nn.sigmoid(Z) if l == L else nn.relu(Z))
    return A


def train_grid(X, Y, settings, batch_size=64, num_epochs=5000, record_every=100, seed=10):
    """Train the [2, 5, 2, 1] moons model once per ``Setting``, all in one stacked pass.

    Follows the lab's ``model``: He initialization (seed 3); before epoch i the examples are
    shuffled with ``np.random.seed(seed + 1 + i)``; mini-batches of ``batch_size`` (the last
    holds the remainder); Adam's step t counts mini-batches; the decayed learning rate of
    epoch i is used from epoch i + 1. X (2, m), Y (1, m).
    Returns a dict: ``costs`` (R, K), the mean cross-entropy over each recorded epoch
    (0, record_every, ...), and the final parameters ``W1`` ... ``b3`` (K, ...).
    """
    layers, L, K, m = MOONS_LAYERS, len(MOONS_LAYERS) - 1, len(settings), X.shape[1]
    start = he_initialization(layers)
    theta = np.tile(np.concatenate([start[k].ravel() for k in start]), (K, 1))
    grads = np.zeros_like(theta)
    p, dp = stacked_views(theta, layers), stacked_views(grads, layers)
    v, s = np.zeros_like(theta), np.zeros_like(theta)
    rule = UpdateRule(settings)
    lr0 = np.array([st.learning_rate for st in settings])
    decay = np.array([st.decay for st in settings])
    lr, t, costs = lr0[:, None], 0, []
    state = np.random.get_state()
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(num_epochs):
            np.random.seed(seed + 1 + epoch)
            order = np.random.permutation(m)
            record = epoch % record_every == 0
            total = np.zeros(K)
            for k in range(0, m, batch_size):
                batch = order[k : k + batch_size]
                Xb, Yb = X[:, batch], Y[:, batch]
                A = _forward(Xb, p, L)
                if record:
                    AL = np.clip(A[-1][:, 0], nn.EPS, 1 - nn.EPS)
                    total -= np.sum(Yb * np.log(AL) + (1 - Yb) * np.log(1 - AL), axis=1)
                dZ = (A[-1] - Yb) / Xb.shape[1]
                for l in range(L, 0, -1):
                    np.matmul(dZ, np.swapaxes(A[l - 1], 1, 2) if l > 1 else Xb.T, out=dp[f"W{l}"])
                    np.sum(dZ, axis=2, keepdims=True, out=dp[f"b{l}"])
                    if l > 1:
                        dZ = (np.swapaxes(p[f"W{l}"], 1, 2) @ dZ) * (A[l - 1] > 0)
                t += 1
                rule.step(theta, v, s, grads, lr, t)
            if record:
                costs.append(total / m)
            lr = decayed_rate(lr0, epoch, decay)[:, None]
    np.random.set_state(state)
    final = {k: view.copy() for k, view in p.items()}
    return {"costs": np.array(costs), **final}


def predict_grid(grid, X):
    """Labels (K, m) of every trained setting of ``grid`` on X (2, m)."""
    L = len(MOONS_LAYERS) - 1
    return (_forward(X, grid, L)[-1][:, 0] > 0.5).astype(np.int64)


# ---------------------------------------------------------------- the optimizer explorer's grid

LEARNING_RATES = (0.0001, 0.0003, 0.0007, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
BETAS = (0.5, 0.9, 0.99)  # momentum's beta, Adam's beta1
BETA2S = (0.99, 0.999)  # RMSprop's and Adam's beta2
BATCH_SIZES = (1, 16, 64, 300)
EPOCHS = {1: 500, 16: 5000, 64: 5000, 300: 5000}  # batch 1 makes 300 updates an epoch
RECORDS = 50  # cost points per curve


def explorer_settings():
    """Every setting the optimizer explorer offers (324): each optimizer at each learning
    rate, with each beta it uses, and each decay."""
    settings = []
    for decay in DECAYS:
        for lr in LEARNING_RATES:
            settings.append(Setting("gd", lr, decay=decay))
            settings += [Setting("momentum", lr, beta=b, decay=decay) for b in BETAS]
            settings += [Setting("rmsprop", lr, beta2=b2, decay=decay) for b2 in BETA2S]
            settings += [
                Setting("adam", lr, beta=b, beta2=b2, decay=decay) for b in BETAS for b2 in BETA2S
            ]
    return settings


_POSITION = {setting: k for k, setting in enumerate(explorer_settings())}  # column in the grid


def _train_part(args):
    X, Y, settings, batch_size = args
    epochs = EPOCHS[batch_size]
    return train_grid(X, Y, settings, batch_size, epochs, record_every=epochs // RECORDS)


def train_explorer_grid(train_X, train_Y, test_X, test_Y, workers=2):
    """Train every explorer setting at every batch size, split over ``workers`` processes.

    Returns a dict of arrays, K = len(explorer_settings()), B = len(BATCH_SIZES):
    ``costs`` (B, RECORDS, K), ``epochs`` (B, RECORDS), ``train_acc`` / ``test_acc`` (B, K)
    and the final parameters ``W1`` ... ``b3`` (B, K, ...).
    """
    from concurrent.futures import ProcessPoolExecutor

    settings = explorer_settings()
    half = len(settings) // 2
    tasks = [
        (train_X, train_Y, part, b)
        for b in BATCH_SIZES
        for part in (settings[:half], settings[half:])
    ]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_train_part, tasks))
    grids = [
        {k: np.concatenate([first[k], second[k]], axis=-1 if k == "costs" else 0) for k in first}
        for first, second in zip(parts[::2], parts[1::2], strict=True)
    ]
    out = {k: np.stack([g[k] for g in grids]) for k in grids[0]}
    for name, X, Y in (("train_acc", train_X, train_Y), ("test_acc", test_X, test_Y)):
        out[name] = np.stack([np.mean(predict_grid(g, X) == Y, axis=1) for g in grids])
    out["epochs"] = np.stack([np.arange(RECORDS) * (EPOCHS[b] // RECORDS) for b in BATCH_SIZES])
    return out


def explorer_grid(moons=None, cache_dir=None):
    """``train_explorer_grid`` on the moons set (or the four arrays of another 2-D set),
    cached in ``datasets/cache/`` (``make datasets`` trains it ahead of time, about a minute)."""
    from helpers import data

    arrays = moons if moons is not None else data.load_moons()
    settings = explorer_settings()
    inputs = (
        *arrays,
        [(s.learning_rate, s.beta, s.beta2) for s in settings],
        [f"{s.optimizer}/{s.decay}".encode() for s in settings],
        [(b, EPOCHS[b]) for b in BATCH_SIZES],
        [RECORDS],
    )
    return data.cached_arrays("optimizers", inputs, lambda: train_explorer_grid(*arrays), cache_dir)


def grid_view(grid, setting, batch_size):
    """What the explorer shows for one setting and batch size: its cost curve, accuracies,
    parameters, and the curves of the four optimizers at the same learning rate, betas,
    decay and batch size (a dict)."""
    b, k = BATCH_SIZES.index(batch_size), _POSITION[setting]
    same = {}
    for name in OPTIMIZERS:
        other = Setting(
            name,
            setting.learning_rate,
            beta=setting.beta if name in ("momentum", "adam") else 0.9,
            beta2=setting.beta2 if name in ("rmsprop", "adam") else 0.999,
            decay=setting.decay,
        )
        same[name] = grid["costs"][b, :, _POSITION[other]]
    return {
        "epochs": grid["epochs"][b],
        "cost": grid["costs"][b, :, k],
        "curves": same,
        "train_acc": float(grid["train_acc"][b, k]),
        "test_acc": float(grid["test_acc"][b, k]),
        "parameters": {key: grid[key][b, k] for key in ("W1", "b1", "W2", "b2", "W3", "b3")},
    }
