"""Explorer of the Regularization lab (week 1): lambda x keep_prob x iterations (pretrained)."""

import matplotlib.pyplot as plt
import numpy as np

from helpers import data, nn, plots
from helpers.widgets.common import _iterations_slider, _show

LAMBDAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.7, 1.0, 3.0, 10.0)
KEEP_PROBS = (0.5, 0.6, 0.7, 0.8, 0.86, 0.9, 0.95, 1.0)
REG_LAYERS = [2, 20, 3, 1]
REG_ITERATIONS = 30000
REG_SNAPSHOT_EVERY = 1000


def regularization_settings():
    """The explorer's settings (lambda, keep_prob): every lambda without dropout, then every
    keep_prob < 1 without L2 (the lab never uses both at once)."""
    return [(lam, 1.0) for lam in LAMBDAS] + [(0.0, kp) for kp in KEEP_PROBS if kp < 1]


def regularization_init(layers_dims):
    """The Regularization lab's start: np.random.seed(3), W_l = randn / sqrt(n_{l-1}), b_l = 0."""
    np.random.seed(3)
    return {
        k: v
        for l in range(1, len(layers_dims))
        for k, v in (
            (f"W{l}", np.random.randn(layers_dims[l], layers_dims[l - 1])
             / np.sqrt(layers_dims[l - 1])),
            (f"b{l}", np.zeros((layers_dims[l], 1))),
        )
    }  # fmt: skip


def _train_settings(args):
    X, Y, settings = args
    lambdas, keep_probs = zip(*settings, strict=True)
    return nn.train_grid(
        X,
        Y,
        regularization_init(REG_LAYERS),
        lambdas,
        keep_probs,
        learning_rate=0.3,
        num_iterations=REG_ITERATIONS,
        snapshot_every=REG_SNAPSHOT_EVERY,
    )


def train_regularization_grid(train_X, train_Y, test_X, test_Y, workers=2):
    """Train the lab's model at every explorer setting, split over ``workers`` processes.

    Returns a dict of arrays: ``settings`` (K, 2), ``iterations`` (S,), parameter snapshots
    ``W1`` ... ``b3`` (S, K, ...), ``costs``, ``train_acc``, ``test_acc`` (S, K) and
    ``norms`` (S, K, 3): the Frobenius norm of W1, W2, W3.
    """
    from concurrent.futures import ProcessPoolExecutor

    settings = regularization_settings()
    chunks = [settings[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_train_settings, [(train_X, train_Y, c) for c in chunks]))
    order = np.argsort([i for w in range(workers) for i in range(w, len(settings), workers)])
    grid = {k: np.concatenate([p[0][k] for p in parts], axis=1)[:, order] for k in parts[0][0]}
    grid["costs"] = np.concatenate([p[1] for p in parts], axis=1)[:, order]
    for name, X, Y in (("train_acc", train_X, train_Y), ("test_acc", test_X, test_Y)):
        grid[name] = np.mean(_grid_predict(grid, X) == Y, axis=-1)
    grid["norms"] = np.stack([np.linalg.norm(grid[f"W{l}"], axis=(2, 3)) for l in (1, 2, 3)], -1)
    grid["settings"] = np.array(settings)
    grid["iterations"] = np.arange(0, REG_ITERATIONS + 1, REG_SNAPSHOT_EVERY)
    return grid


def _grid_predict(grid, X):
    """Labels (S, K, m) of every snapshot of every setting on X (2, m)."""
    A = X
    for l in (1, 2):
        A = nn.relu(grid[f"W{l}"] @ A + grid[f"b{l}"])
    return (grid["W3"] @ A + grid["b3"] > 0)[..., 0, :].astype(np.int64)


def regularization_grid(circles_like=None, cache_dir=None):
    """``train_regularization_grid`` on the goalkeeper set (or ``circles_like``: the four
    arrays of another set), cached in ``datasets/cache/`` by a checksum of data and settings,
    so it is trained once per machine (``make datasets`` does it ahead of time)."""
    arrays = circles_like if circles_like is not None else data.load_goalkeeper()
    inputs = (*arrays, regularization_settings(), [REG_ITERATIONS, REG_SNAPSHOT_EVERY])
    return data.cached_arrays(
        "regularization", inputs, lambda: train_regularization_grid(*arrays), cache_dir
    )


def regularization_view(grid, lambd, keep_prob, iterations):
    """What the explorer shows at one setting: parameters, accuracies, norms, curves."""
    k = int(
        np.flatnonzero((grid["settings"][:, 0] == lambd) & (grid["settings"][:, 1] == keep_prob))[0]
    )
    s = int(np.flatnonzero(grid["iterations"] == iterations)[0])
    return {
        "parameters": {f"{w}{l}": grid[f"{w}{l}"][s, k] for l in (1, 2, 3) for w in "Wb"},
        "train_acc": float(grid["train_acc"][s, k]), "test_acc": float(grid["test_acc"][s, k]),
        "norms": grid["norms"][s, k], "plain_norms": grid["norms"][s, 0],
        "train_curve": grid["train_acc"][: s + 1, k], "test_curve": grid["test_acc"][: s + 1, k],
        "iterations": grid["iterations"][: s + 1],
    }  # fmt: skip


GOALKEEPER_BASELINE = 0.075  # Bayes error of data.make_goalkeeper (label noise), measured


def diagnose(train_error, dev_error, baseline=GOALKEEPER_BASELINE, tolerance=0.03):
    """Name the regime from train / dev error, as in the lectures: avoidable bias is
    train_error - baseline, variance is dev_error - train_error; each is high above
    ``tolerance``. Returns "high bias", "high variance", "high bias and high variance" or "fine".
    """
    bias = train_error - baseline > tolerance
    variance = dev_error - train_error > tolerance
    if bias and variance:
        return "high bias and high variance"
    return "high bias" if bias else "high variance" if variance else "fine"


def regularization_summary(view, lambd, keep_prob, iterations):
    """One line: the setting, its accuracies and the bias / variance verdict."""
    train_err, dev_err = 1 - view["train_acc"], 1 - view["test_acc"]
    return (
        f"λ = {lambd:g}, keep_prob = {keep_prob:g}, {iterations} iterations: "
        f"train accuracy {view['train_acc']:.3f}, test accuracy {view['test_acc']:.3f} "
        f"→ {diagnose(train_err, dev_err)}"
    )


def draw_regularization(view, lambd, keep_prob, goalkeeper):
    """Three panels: decision boundary, train / test accuracy so far, weight norm per layer."""
    train_X, train_Y, _, _ = goalkeeper
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1.2, 1, 0.8]})
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.8, wspace=0.3)
    params = view["parameters"]
    plots.plot_decision_boundary(
        lambda P: nn.predict(P, params),
        train_X,
        train_Y,
        title="decision boundary (training set)",
        ax=axes[0],
    )
    ax = axes[1]
    ax.plot(view["iterations"], view["train_curve"], label="train")
    ax.plot(view["iterations"], view["test_curve"], label="test")
    ax.set_ylim(0.45, 1.0)
    ax.set_xlabel("iteration")
    ax.set_title("accuracy")
    ax.legend(loc="lower right")
    ax = axes[2]
    layers = np.arange(1, 4)
    ax.bar(
        layers - 0.2, view["plain_norms"], width=0.4, color="lightgrey", label="no regularization"
    )
    ax.bar(layers + 0.2, view["norms"], width=0.4, label="this setting")
    ax.set_xticks(layers, [f"$W^{{[{l}]}}$" for l in layers])
    ax.set_title("weight norm $\\|W\\|_F$")
    ax.legend(fontsize="small")
    train_err, dev_err = 1 - view["train_acc"], 1 - view["test_acc"]
    fig.suptitle(
        f"λ = {lambd:g}, keep_prob = {keep_prob:g}: train accuracy {view['train_acc']:.3f}, "
        f"test accuracy {view['test_acc']:.3f}\n"
        f"train error {train_err:.1%}, dev error {dev_err:.1%} → {diagnose(train_err, dev_err)}"
    )
    return fig


def regularization_explorer(goalkeeper=None):
    """Explorer of the Regularization lab: lambda (0 and 1e-3 ... 10), keep_prob, iterations.

    Every setting is trained ahead (``regularization_grid``, cached on disk), so each move is
    a lookup and a redraw. L2 and dropout are used one at a time, as in the lab: choosing one
    resets the other. Returns the widget.
    """
    import ipywidgets as w

    goalkeeper = goalkeeper if goalkeeper is not None else data.load_goalkeeper()
    grid = regularization_grid(goalkeeper)
    lambd = w.SelectionSlider(
        options=[(f"{v:g}", v) for v in LAMBDAS],
        value=0.0,
        description="λ (L2)",
        continuous_update=False,
    )
    keep = w.SelectionSlider(
        options=[(f"{v:g}", v) for v in KEEP_PROBS],
        value=1.0,
        description="keep_prob",
        continuous_update=False,
    )
    iterations = _iterations_slider(REG_ITERATIONS, REG_SNAPSHOT_EVERY)
    out, status = w.Output(), w.Label()

    def redraw(change=None):
        if change is not None and change["new"] != change["old"]:
            if change["owner"] is lambd and lambd.value != 0 and keep.value != 1:
                keep.value = 1.0  # one regularizer at a time; this change redraws
                return
            if change["owner"] is keep and keep.value != 1 and lambd.value != 0:
                lambd.value = 0.0
                return
        view = regularization_view(grid, lambd.value, keep.value, iterations.value)
        _show(out, draw_regularization(view, lambd.value, keep.value, goalkeeper))
        status.value = regularization_summary(view, lambd.value, keep.value, iterations.value)

    for control in (lambd, keep, iterations):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([lambd, keep, iterations]), status, out])
