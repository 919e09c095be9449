"""Batch Normalization and softmax (week 3): the public checks, the compute behind the
experiments and the explorer of ``notebooks/week3/batch_normalization.ipynb``.

Shapes follow the course: Z is (units, m), one column per example of the mini-batch; gamma,
beta, mu and var are (units, 1); Y is one-hot (classes, m). Gradients are the true ones:
``dZ_tilde`` is dJ/dZ_tilde for the cost J, with the 1/m of a mean cost already in it.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullLocator

from helpers import checking, data, grids, nn, plots
from helpers.explorer import WIDE, Explorer, LiveFigure, choice_slider

# ---------------------------------------------------------------- checks


def _expected(exercise, **case):
    return checking.expected(f"batch_normalization.{exercise}", **case)


def batchnorm_case(seed=1, units=3, m=4):
    """Z = randn(units, m) * 3 + 2 (far from normalized), gamma = randn(units, 1),
    beta = randn(units, 1), from ``np.random.RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    Z = rng.randn(units, m) * 3 + 2
    return Z, rng.randn(units, 1), rng.randn(units, 1)


def batchnorm_backward_case(seed=2, units=3, m=5, epsilon=1e-8):
    """dZ_tilde (units, m) and a forward cache (Z, Z_norm, mu, var, gamma, epsilon) of Z drawn
    uniform in [-1, 5) (not ``batchnorm_case``'s normal draws), from ``RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    Z, gamma = rng.rand(units, m) * 6 - 1, rng.rand(units, 1) + 0.5
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    cache = (Z, (Z - mu) / np.sqrt(var + epsilon), mu, var, gamma, epsilon)
    return rng.randn(units, m), cache


def running_averages_case(units=3, steps=3, seed=3):
    """``steps`` batch statistics (mu (units, 1), var (units, 1)) from ``RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    return [(rng.randn(units, 1), rng.rand(units, 1) + 0.5) for _ in range(steps)]


def inference_case(seed=4, units=3, m=1):
    """Z, gamma, beta of ``batchnorm_case`` and running_mu, running_var (units, 1)."""
    rng = np.random.RandomState(seed + 100)
    return (*batchnorm_case(seed, units, m), rng.randn(units, 1), rng.rand(units, 1) + 0.5)


def softmax_case(seed=5, classes=4, m=3):
    """Logits Z = 2 randn(classes, m) from ``RandomState(seed)``."""
    return np.random.RandomState(seed).randn(classes, m) * 2


def labelled_case(seed=6, classes=4, m=5):
    """Logits Z = 2 randn(classes, m) and one-hot labels Y (classes, m)."""
    rng = np.random.RandomState(seed)
    return rng.randn(classes, m) * 2, np.eye(classes)[:, rng.randint(classes, size=m)]


MISTAKES = {
    "axis": "the mean and variance must be taken over the m examples of each unit: axis=1",
    "unbiased": "use the biased variance, dividing by m (np.var), as the lecture does, not m - 1",
}


def _name_mistake(where, got, want, mistakes):
    """Raise with the hint of the usual mistake (``mistakes``: name -> hint, the answer key's
    ``"mistake: <name>"`` values in ``want``) that ``got`` shows, if any."""
    for name, hint in mistakes.items():
        if checking.shows(got, want[f"mistake: {name}"]):
            raise AssertionError(f"{where}: {hint}.")


def _assert_bn_cache(where, got, want):
    """``got`` is batchnorm_forward's cache (Z, Z_norm, mu, var, gamma, epsilon) ``want``."""
    names = ("Z", "Z_norm", "mu", "var", "gamma", "epsilon")
    got = checking.unpack(where, got, names)
    for name, value, expected in zip(names, got, want, strict=True):
        if name == "epsilon":
            checking.assert_close(f"{where} epsilon", value, expected)
        else:
            checking.assert_array(f"{where} {name}", value, expected)


def batchnorm_forward_test(target, seed=1, units=3, m=4, epsilon=1e-8):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta, and the cache
    (Z, Z_norm, mu, var, gamma, epsilon)."""
    Z, gamma, beta = batchnorm_case(seed, units, m)
    want = _expected("batchnorm_forward", seed=seed, units=units, m=m, epsilon=epsilon)
    where = f"batchnorm_forward(Z of shape {Z.shape}, epsilon={epsilon:g})"
    result = checking.call(target, Z.copy(), gamma.copy(), beta.copy(), epsilon)
    Z_tilde, got_cache = checking.unpack(where, result, ("Z_tilde", "cache"))
    _name_mistake(where, Z_tilde, want, MISTAKES)
    checking.assert_array(f"{where}: Z_tilde", Z_tilde, want["Z_tilde"])
    _assert_bn_cache(f"{where}: cache", got_cache, want["cache"])
    print(checking.PASSED)


def batchnorm_backward_test(target, seed=2, units=3, m=5, epsilon=1e-8):
    """dZ, dgamma = sum(dZ_tilde * Z_norm), dbeta = sum(dZ_tilde), each over the examples;
    derived to round-off."""
    dZ_tilde, cache = batchnorm_backward_case(seed, units, m, epsilon)
    want = _expected("batchnorm_backward", seed=seed, units=units, m=m, epsilon=epsilon)
    where = f"batchnorm_backward(dZ_tilde of shape {dZ_tilde.shape})"
    result = checking.call(
        target, dZ_tilde.copy(), tuple(np.copy(c) for c in cache[:5]) + (epsilon,)
    )
    got = checking.unpack(where, result, ("dZ", "dgamma", "dbeta"))
    constant = want["mistake: constant statistics"]
    if checking.shows(got[0], constant):
        raise AssertionError(
            f"{where}: dZ treats mu and var as constants; they depend on every example "
            "of the batch, so dZ has two more terms (see the formula above the exercise)."
        )
    for name, value, w in zip(("dZ", "dgamma", "dbeta"), got, want["gradients"], strict=True):
        checking.assert_gradient(f"{where}: {name}", value, w)
    print(checking.PASSED)


def update_running_averages_test(target, momentum=0.9, units=3, steps=3, seed=3):
    """running = momentum * running + (1 - momentum) * batch value, for mu and var, from the
    start running_mu = 0, running_var = 1 (as Keras starts)."""
    want = _expected(
        "update_running_averages", momentum=momentum, units=units, steps=steps, seed=seed
    )
    running = (np.zeros((units, 1)), np.ones((units, 1)))
    batches = running_averages_case(units, steps, seed)
    for step, ((mu, var), expected) in enumerate(zip(batches, want, strict=True)):
        where = f"update_running_averages(momentum={momentum:g}), step {step + 1}"
        result = checking.call(target, *(np.copy(a) for a in (*running, mu, var)), momentum)
        got = checking.unpack(where, result, ("running_mu", "running_var"))
        for name, value, w in zip(("running_mu", "running_var"), got, expected, strict=True):
            checking.assert_array(f"{where}: {name}", value, w)
        running = expected
    print(checking.PASSED)


def batchnorm_inference_test(target, seed=4, units=3, m=1, epsilon=1e-8):
    """Z_tilde = gamma * (Z - running_mu) / sqrt(running_var + epsilon) + beta: the running
    averages, not the batch's own statistics (a single example, m = 1, must work)."""
    Z, gamma, beta, running_mu, running_var = inference_case(seed, units, m)
    want = _expected("batchnorm_inference", seed=seed, units=units, m=m, epsilon=epsilon)
    where = f"batchnorm_inference(Z of shape {Z.shape})"
    got = checking.call(target, Z.copy(), gamma, beta, running_mu, running_var, epsilon)
    checking.assert_array(where, got, want)
    print(checking.PASSED)


def softmax_test(target, seed=5, classes=4, m=3):
    """Column-wise softmax; logits of 1000 must not overflow."""
    Z = softmax_case(seed, classes, m)
    want = _expected("softmax", seed=seed, classes=classes, m=m)
    cases = {"Z": Z, "Z + 1000 (large logits)": Z + 1000.0}
    for (name, case), expected in zip(cases.items(), want["values"], strict=True):
        where = f"softmax({name}, shape {case.shape})"
        got = checking.call(target, case.copy())
        if isinstance(got, np.ndarray) and got.shape == case.shape:
            if not np.all(np.isfinite(got)):
                raise AssertionError(
                    f"{where} gives inf or nan: exp overflows. Subtract each column's maximum "
                    "before np.exp (softmax does not change)."
                )
            if np.allclose(got, want["mistake: rows"]):
                raise AssertionError(f"{where}: normalize each column (one example): axis=0.")
        checking.assert_array(where, got, expected)
    print(checking.PASSED)


def compute_softmax_cost_test(target, seed=6, classes=4, m=5):
    """Mean over the examples of -sum_k y_k log softmax(z)_k, a Python float, finite for
    logits of 1000."""
    Z, Y = labelled_case(seed, classes, m)
    want = _expected("compute_softmax_cost", seed=seed, classes=classes, m=m)
    cases = {"Z": Z, "Z * 1000 (large logits)": Z * 1000.0}
    for (name, case), expected in zip(cases.items(), want, strict=True):
        where = f"compute_softmax_cost({name}, Y), shape {case.shape}"
        got = checking.call(target, case.copy(), Y.copy())
        if isinstance(got, (float, np.floating)) and not np.isfinite(got):
            raise AssertionError(
                f"{where} is {got}: log(softmax) underflows to log(0). Use log-sum-exp: "
                "-log softmax(z)_k = log sum_j exp(z_j - max z) + max z - z_k."
            )
        if isinstance(got, (float, np.floating)) and np.isclose(got, expected * m):
            raise AssertionError(f"{where}: take the mean over the {m} examples, not the sum.")
        checking.assert_python_float(where, got)
        checking.assert_close(where, got, expected, rtol=1e-9)
    print(checking.PASSED)


def softmax_backward_test(target, seed=7, classes=4, m=5):
    """dZ = (softmax(Z) - Y) / m, the gradient of the mean cost; derived to round-off."""
    Z, Y = labelled_case(seed, classes, m)
    want = _expected("softmax_backward", seed=seed, classes=classes, m=m)
    where = f"softmax_backward(Z, Y), shape {Z.shape}"
    got = checking.call(target, Z.copy(), Y.copy())
    if checking.shows(got, want * m):
        raise AssertionError(f"{where}: divide by m = {m}: the cost is a mean over the examples.")
    checking.assert_gradient(where, got, want)
    print(checking.PASSED)


def layer_case(seed=8, units=4, units_prev=3, m=6):
    """A_prev = ReLU(randn(units_prev, m)) (some zeros, like a ReLU layer's output),
    W = randn(units, units_prev), gamma uniform in [0.5, 1.5), beta = randn (units, 1), from
    ``np.random.RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    A_prev = np.maximum(0, rng.randn(units_prev, m))
    return A_prev, rng.randn(units, units_prev), rng.rand(units, 1) + 0.5, rng.randn(units, 1)


def layer_backward_case(seed=9, units=4, units_prev=3, m=6, epsilon=1e-8):
    """dA (units, m) and a layer cache (A_prev, W, Z_tilde, bn_cache) of uniform draws (not
    ``layer_case``'s): A_prev in [0, 2), W in [-1, 1), gamma in [0.5, 1.5), beta in [-0.5, 0.5),
    from ``RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    A_prev, W = rng.rand(units_prev, m) * 2, rng.rand(units, units_prev) * 2 - 1
    gamma, beta = rng.rand(units, 1) + 0.5, rng.rand(units, 1) - 0.5
    Z = W @ A_prev
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    bn_cache = (Z, Z_norm, mu, var, gamma, epsilon)
    return rng.randn(units, m), (A_prev, W, gamma * Z_norm + beta, bn_cache)


LAYER_MISTAKES = {
    "no relu": "apply the ReLU to Z_tilde: A = max(0, Z_tilde)",
    "relu first": (
        "batch norm goes between Z = W A_prev and the activation: normalize Z, then apply the ReLU"
    ),
}


def batchnorm_layer_forward_test(target, seed=8, units=4, units_prev=3, m=6, epsilon=1e-8):
    """A = ReLU(batch norm of W A_prev), and the cache (A_prev, W, Z_tilde, bn_cache)."""
    A_prev, W, gamma, beta = layer_case(seed, units, units_prev, m)
    case = dict(seed=seed, units=units, units_prev=units_prev, m=m, epsilon=epsilon)
    want = _expected("batchnorm_layer_forward", **case)
    where = f"batchnorm_layer_forward(A_prev of shape {A_prev.shape}, W of shape {W.shape})"
    result = checking.call(target, A_prev.copy(), W.copy(), gamma.copy(), beta.copy(), epsilon)
    A, cache = checking.unpack(where, result, ("A", "cache"))
    _name_mistake(where, A, want, LAYER_MISTAKES)
    checking.assert_array(f"{where}: A", A, want["A"])
    names = ("A_prev", "W", "Z_tilde", "bn_cache")
    cache = checking.unpack(f"{where}: cache", cache, names)
    for name, got, value in zip(names[:3], cache, want["cache"], strict=False):
        checking.assert_array(f"{where}: cache {name}", got, value)
    _assert_bn_cache(f"{where}: bn_cache (batchnorm_forward's cache)", cache[3], want["cache"][3])
    print(checking.PASSED)


def batchnorm_layer_backward_test(target, seed=9, units=4, units_prev=3, m=6, epsilon=1e-8):
    """dA_prev = W^T dZ, dW = dZ A_prev^T (no 1/m: dA holds it), dgamma, dbeta, with dZ from
    batchnorm_backward of dA * (Z_tilde > 0); derived to round-off."""
    dA, cache = layer_backward_case(seed, units, units_prev, m, epsilon)
    case = dict(seed=seed, units=units, units_prev=units_prev, m=m, epsilon=epsilon)
    want = _expected("batchnorm_layer_backward", **case)
    where = f"batchnorm_layer_backward(dA of shape {dA.shape})"
    A_prev, W, Z_tilde, bn_cache = cache
    bn_sent = tuple(np.copy(c) for c in bn_cache[:5]) + (epsilon,)
    result = checking.call(target, dA.copy(), (A_prev.copy(), W.copy(), Z_tilde.copy(), bn_sent))
    names = ("dA_prev", "dW", "dgamma", "dbeta")
    got = checking.unpack(where, result, names)
    mistakes = {
        "no relu": "multiply dA by the ReLU's derivative (Z_tilde > 0) before batchnorm_backward",
        "divided by m": (
            f"do not divide by m = {m}: dA is dJ/dA itself, with the mean's 1/m already in it"
        ),
    }
    _name_mistake(where, got[1], want, mistakes)
    for name, value, w in zip(names, got, want["gradients"], strict=True):
        checking.assert_gradient(f"{where}: {name}", value, w)
    print(checking.PASSED)


# ---------------------------------------------------------------- a deep network, with and without


WIDTH = 16  # units of every hidden layer
DEPTHS = (2, 6, 10)  # hidden layers
LEARNING_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BATCH_SIZES = (16, 64, 300)  # 300: the whole training set (batch gradient descent)
EPOCHS = 300
OBSERVE_EVERY = 10
BN_MOMENTUM = 0.9  # of the running averages (Keras: 0.99)
UNIT = (-1, 0)  # whose input the covariate-shift picture follows: the last hidden layer's first


def one_hot(Y, classes=3):
    """Labels (1, m) -> one-hot (classes, m)."""
    return np.eye(classes)[:, np.ravel(Y)]


def deep_layers(depth):
    """[2, 16, ..., 16, 3]: ``depth`` hidden ReLU layers and a softmax output of 3 classes."""
    return [2, *[WIDTH] * depth, 3]


def deep_start(depth):
    """The start of ``deep_layers(depth)``: He draws (seed 3), biases 0 (``nn.start_weights``)."""
    return nn.start_weights(f"spirals-{depth}", deep_layers(depth))


def grid_groups():
    """The explorer's runs: one stacked pass of every learning rate per (depth, batch norm,
    batch size)."""
    return [(d, bn, b) for d in DEPTHS for bn in (False, True) for b in BATCH_SIZES]


def batchnorm_recipe(depth, batchnorm, batch_size, rates=LEARNING_RATES, epochs=EPOCHS):
    """How one group of the grid trains (``tools.stacked``): gradient descent on
    ``deep_layers(depth)`` at every learning rate, mini-batches reshuffled every epoch,
    observed every ``OBSERVE_EVERY`` epochs."""
    return grids.Recipe(
        deep_layers(depth),
        [grids.Setting("gd", r) for r in rates],
        epochs,
        batch_size=batch_size,
        shuffle_seed=0,
        output="softmax",
        batchnorm=batchnorm,
        bn_momentum=BN_MOMENTUM,
        record_every=None,
        observe_at=range(0, epochs + 1, OBSERVE_EVERY),
    )


def batchnorm_grid_inputs(spirals):
    """What the explorer's grid depends on (its cache key): data, recipes, starts, and the
    unit whose input it follows."""
    return (
        *grids.data_set(spirals, "spirals"),
        *(batchnorm_recipe(*group) for group in grid_groups()),
        *(a for depth in DEPTHS for a in deep_start(depth).values()),
        UNIT,
    )


def batchnorm_grid(spirals=None, cache_dir=None):
    """The explorer's runs on the spirals (``grid_groups``: depth x batch norm x mini-batch,
    every learning rate), trained ahead by ``make datasets``: one key per array and group,
    ``"<depth>/<bn>/<batch>/<name>"`` (``grid_run`` takes one group's)."""
    spirals = spirals if spirals is not None else data.load_spirals()
    return grids.load("batchnorm", batchnorm_grid_inputs(spirals), cache_dir)


# ---------------------------------------------------------------- batch norm in a network

NETWORK = {"hidden": (16, 16), "learning_rate": 0.01, "epochs": 100, "batch_size": 64}
ADAM = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}  # the lecture's defaults


def network_start(layers, seed=1):
    """He-initialized W1..WL; gamma1.. = 1 and beta1.. = 0 (n_l, 1) for the hidden layers,
    which have no b; bL = 0 for the softmax output; from ``RandomState(seed)``."""
    rng, L = np.random.RandomState(seed), len(layers) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.randn(layers[l], layers[l - 1]) * np.sqrt(2 / layers[l - 1])
        if l < L:
            params[f"gamma{l}"], params[f"beta{l}"] = (
                np.ones((layers[l], 1)),
                np.zeros((layers[l], 1)),
            )
        else:
            params[f"b{l}"] = np.zeros((layers[l], 1))
    return params


def train_batchnorm_network(
    spirals,
    layer_forward,
    layer_backward,
    softmax_backward,
    compute_softmax_cost,
    update_running_averages,
    seed=1,
    **settings,
):
    """Train hidden ReLU layers with batch norm (``layer_forward`` / ``layer_backward``, yours)
    and a softmax output on the spirals with Adam on every W, gamma, beta and the output's b;
    mini-batches reshuffled every epoch, running averages of each layer's mu and var.
    ``settings`` override ``NETWORK``. Returns (network: the parameters and mean1, var1, ...,
    costs (epochs,): each epoch's mean mini-batch cost)."""
    settings = {**NETWORK, **settings}
    X, Y = spirals[0], one_hot(spirals[1])
    layers = (X.shape[0], *settings["hidden"], Y.shape[0])
    L, m, rate = len(layers) - 1, X.shape[1], settings["learning_rate"]
    params = network_start(layers, seed)
    running = {}
    for l in range(1, L):
        running[f"mean{l}"], running[f"var{l}"] = np.zeros((layers[l], 1)), np.ones((layers[l], 1))
    v = {k: np.zeros_like(a) for k, a in params.items()}
    s = {k: np.zeros_like(a) for k, a in params.items()}
    beta1, beta2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]
    rng, t, costs = np.random.RandomState(seed), 0, []
    for _ in range(settings["epochs"]):
        order, total = rng.permutation(m), 0.0
        for start in range(0, m, settings["batch_size"]):
            batch = order[start : start + settings["batch_size"]]
            A, caches = X[:, batch], []
            for l in range(1, L):
                A, cache = layer_forward(
                    A, params[f"W{l}"], params[f"gamma{l}"], params[f"beta{l}"]
                )
                caches.append(cache)
                mu, var = cache[3][2], cache[3][3]  # batchnorm_forward's cache: Z, Z_norm, mu, var
                running[f"mean{l}"], running[f"var{l}"] = update_running_averages(
                    running[f"mean{l}"], running[f"var{l}"], mu, var, BN_MOMENTUM
                )
            Z = params[f"W{L}"] @ A + params[f"b{L}"]
            total += compute_softmax_cost(Z, Y[:, batch]) * len(batch)
            dZ = softmax_backward(Z, Y[:, batch])
            grads = {f"W{L}": dZ @ A.T, f"b{L}": dZ.sum(axis=1, keepdims=True)}
            dA = params[f"W{L}"].T @ dZ
            for l in range(L - 1, 0, -1):
                dA, grads[f"W{l}"], grads[f"gamma{l}"], grads[f"beta{l}"] = layer_backward(
                    dA, caches[l - 1]
                )
            t += 1
            for k, g in grads.items():  # Adam; its beta1 and beta2 are not batch norm's beta
                v[k] = beta1 * v[k] + (1 - beta1) * g
                s[k] = beta2 * s[k] + (1 - beta2) * g**2
                params[k] -= rate * (v[k] / (1 - beta1**t)) / (np.sqrt(s[k] / (1 - beta2**t)) + eps)
        costs.append(total / m)
    return params | running, np.array(costs)


def grid_run(grid, depth, batchnorm, batch_size):
    """One group's arrays, without its key prefix."""
    return grids.section(grid, f"{depth}/{int(batchnorm)}/{batch_size}/")


def largest_stable_rate(run, threshold=0.9):
    """The largest learning rate whose final training accuracy is at least ``threshold``
    (None when none is)."""
    good = [
        r for r, acc in zip(LEARNING_RATES, run["train_acc"][-1], strict=True) if acc >= threshold
    ]
    return max(good) if good else None


def comparison_table(grid, depth, batch_size):
    """Lines: each learning rate's final training cost and test accuracy, without and with
    batch norm ("diverged" for a cost that is not finite)."""
    runs = [grid_run(grid, depth, bn, batch_size) for bn in (False, True)]
    lines = [f"{'learning rate':>13s}   {'without batch norm':>22s}   {'with batch norm':>22s}"]
    for k, rate in enumerate(LEARNING_RATES):
        cells = [
            f"cost {run['cost'][-1, k]:6.3f}, test {run['test_acc'][-1, k]:4.0%}"
            if np.isfinite(run["cost"][-1, k])
            else f"{'diverged':>22s}"
            for run in runs
        ]
        lines.append(f"{rate:13g}   {cells[0]:>22s}   {cells[1]:>22s}")
    return lines


def _curve(ax, epochs, values, **style):
    ax.plot(epochs, np.where(np.isfinite(values), values, np.nan), **style)


def draw_comparison(grid, depth, batch_size, rates=(0.1, 1.0)):
    """Cost on the training set over the epochs, without and with batch norm, one line per
    learning rate of ``rates``."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    for ax, bn in zip(axes, (False, True), strict=True):
        run = grid_run(grid, depth, bn, batch_size)
        for rate in rates:
            _curve(
                ax, run["epochs"], run["cost"][:, LEARNING_RATES.index(rate)], label=f"α = {rate:g}"
            )
        ax.set_title(f"{depth} hidden layers, {'with' if bn else 'without'} batch norm")
        ax.set_xlabel("epoch")
        ax.legend()
    plots.log_scale(axes[0])
    axes[0].set_ylabel("cost (training set)")
    fig.tight_layout()


def draw_unit_input(grid, depth, batch_size, rate):
    """The covariate-shift picture: the 15th, 50th and 85th percentiles of one unit's input
    (the last hidden layer's first unit) over training, without and with batch norm."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
    k = LEARNING_RATES.index(rate)
    for ax, bn in zip(axes, (False, True), strict=True):
        run = grid_run(grid, depth, bn, batch_size)
        low, mid, high = run["unit"][:, k].T
        ax.fill_between(run["epochs"], low, high, alpha=0.3, label="15th to 85th percentile")
        ax.plot(run["epochs"], mid, label="median")
        what = "γ z_norm + β" if bn else "z"
        ax.set_title(f"{'with' if bn else 'without'} batch norm: input {what} of one unit")
        ax.set_xlabel("epoch")
    axes[0].legend()
    fig.tight_layout()


# ---------------------------------------------------------------- the explorer


def batchnorm_view(grid, depth, batchnorm, batch_size, rate):
    """What the explorer shows: both runs (without, with batch norm) at one setting, and
    the setting (``depth``, ``batchnorm``, ``batch``, ``rate``)."""
    k = LEARNING_RATES.index(rate)
    runs = {bn: grid_run(grid, depth, bn, batch_size) for bn in (False, True)}
    return {
        "epochs": runs[False]["epochs"],
        "depth": depth,
        "batchnorm": batchnorm,
        "batch": batch_size,
        "rate": rate,
        **{
            f"{key}_{int(bn)}": run[key][:, k]
            for bn, run in runs.items()
            for key in ("cost", "train_acc", "test_acc", "spread")
        },
    }


def _result(view, bn):
    cost = view[f"cost_{int(bn)}"][-1]
    if not np.isfinite(cost) or cost > 1.09:  # ln 3 = 1.0986: a uniform guess
        return "diverged" if not np.isfinite(cost) else f"stuck (cost {cost:.3f} ≈ ln 3)"
    return f"cost {cost:.3f}, test accuracy {view[f'test_acc_{int(bn)}'][-1]:.2f}"


def batchnorm_summary(view, depth, batch_size, rate):
    """One line: the setting, then the result without and with batch norm."""
    return (
        f"{depth} hidden layers, mini-batch {batch_size}, α = {rate:g}: "
        f"without batch norm {_result(view, False)}; with {_result(view, True)}"
    )


class BatchnormFigure:
    """The explorer's live figure, two panels: training cost over epochs (the chosen setting
    bold, the other batch-norm choice faint), and the spread of each hidden layer's
    activations after training, without and with batch norm."""

    def __init__(self):
        self.live, (left, right) = LiveFigure.subplots(1, 2, figsize=(11, 3.8))
        self.live.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.22)
        self.costs, self.spreads = {}, {}
        for bn, color in ((False, "tab:red"), (True, "tab:blue")):
            label = "with batch norm" if bn else "without"
            self.costs[bn] = left.plot([], [], color=color, label=label)[0]
            self.spreads[bn] = right.plot([], [], marker="o", color=color, label=label)[0]
        for ax in (left, right):
            plots.log_scale(ax)
            ax.yaxis.set_minor_locator(NullLocator())  # minor ticks: half of a full draw
        left.set(
            ylim=(1e-3, 10), xlim=(0, EPOCHS), xlabel="epoch", title="cost on the training set"
        )
        legend = left.legend(loc="lower left")
        right.set(
            ylim=(1e-3, 1e3),
            xlim=(0.5, max(DEPTHS) + 0.5),
            xlabel="hidden layer",
            title="spread (std) of the activations after training",
        )
        self.title = self.live.fig.suptitle(" ")
        self.live.moving = [*self.costs.values(), legend, *self.spreads.values(), self.title]

    def update(self, view):
        """Draw a ``batchnorm_view`` and its ``depth``, ``batch``, ``rate``; returns the
        ``LiveFigure``."""
        depth, batch_size, rate = view["depth"], view["batch"], view["rate"]
        for bn in (False, True):
            chosen = bn == view["batchnorm"]
            cost, spread = view[f"cost_{int(bn)}"], view[f"spread_{int(bn)}"][-1]
            self.costs[bn].set_data(view["epochs"], np.where(np.isfinite(cost), cost, np.nan))
            self.spreads[bn].set_data(
                np.arange(1, len(spread) + 1), np.where(np.isfinite(spread), spread, np.nan)
            )
            for line in (self.costs[bn], self.spreads[bn]):
                line.set(lw=2.4 if chosen else 1.0, alpha=1.0 if chosen else 0.5)
        self.title.set_text(
            f"{depth} hidden layers of {WIDTH}, mini-batch {batch_size}, α = {rate:g}"
        )
        return self.live

    def status(self, view):
        return batchnorm_summary(view, view["depth"], view["batch"], view["rate"])


def batchnorm_explorer(spirals=None, **start):
    """Explorer of the Batch Normalization lab: learning rate x depth x batch norm x mini-batch
    size, every setting trained ahead (``batchnorm_grid``); the other batch-norm choice is
    drawn faint beside the chosen one. ``start`` sets rate, depth, batch, batchnorm. Returns
    the explorer (a cell shows it)."""
    import ipywidgets as w

    grid = batchnorm_grid(spirals)
    controls = {
        "rate": choice_slider(LEARNING_RATES, 0.1, "learning rate", style=WIDE),
        "depth": choice_slider(DEPTHS, 6, "hidden layers", style=WIDE),
        "batch": choice_slider(BATCH_SIZES, 64, "mini-batch"),
        "batchnorm": w.ToggleButtons(
            options=[("without", False), ("with batch norm", True)],
            value=True,
            description="batch norm",
        ),
    }

    def view(rate, depth, batch, batchnorm):
        return batchnorm_view(grid, depth, batchnorm, batch, rate)

    return Explorer(
        controls,
        view,
        BatchnormFigure(),
        rows=[["rate", "depth", "batch"], ["batchnorm"]],
        start=start,
        call="lab.batchnorm_explorer(",
    )
