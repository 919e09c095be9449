"""Regularization (week 1): the public checks, the pretrained grid (lambda x keep_prob x
iterations) and the explorer of ``notebooks/week1/regularization.ipynb``."""

import matplotlib.pyplot as plt
import numpy as np

from helpers import checking, data, grids, nn, plots
from helpers.explorer import Explorer, LiveFigure, choice_slider, iterations_slider

# ---------------------------------------------------------------- checks


def regularization_case(seed=1, m=5):
    """The course's case: np.random.seed(seed), X = randn(3, m), then W1 (2, 3), b1, W2 (3, 2),
    b2, W3 (1, 3), b3 from randn; Y = [[1, 1, 0, 1, 0]] (repeated to m)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(3, m)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 2), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    parameters = {k: rng.randn(*shape) for k, shape in shapes.items()}
    Y = np.resize([1, 1, 0, 1, 0], (1, m))
    return X, Y, parameters


def dropout_backward_case(seed=1, keep_prob=0.8, m=5):
    """Inputs of the dropout backward pass: X, Y, parameters of ``regularization_case`` and a
    cache in the course's layout (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3),
    whose Z_l and masks D_l are drawn (``RandomState(seed + 100)``), A_l = relu(Z_l) D_l /
    keep_prob and A3 = sigmoid(Z3): any such cache tests the backward formulas."""
    X, Y, parameters = regularization_case(seed, m)
    rng = np.random.RandomState(seed + 100)
    cache = []
    for l, units in ((1, 2), (2, 3)):
        Z = rng.randn(units, m)
        D = (rng.rand(units, m) < keep_prob).astype(np.int64)
        cache += [Z, D, nn.relu(Z) * D / keep_prob, parameters[f"W{l}"], parameters[f"b{l}"]]
    Z3 = rng.randn(1, m)
    return X, Y, (*cache, Z3, nn.sigmoid(Z3), parameters["W3"], parameters["b3"])


def compute_cost_with_regularization_test(target, seed=1, lambd=0.1):
    """Cross-entropy plus lambd / (2m) * sum of squared weights, as a number."""
    X, Y, parameters = regularization_case(seed)
    want = checking.expected(
        "regularization.compute_cost_with_regularization", seed=seed, lambd=lambd
    )
    A3, _ = nn.forward_propagation(X, parameters)
    cross_entropy = want[1]  # the cost at lambd = 0

    def l2_term_hint(got):  # the L2 term the learner added, against the one asked for
        ratio = (got - cross_entropy) / (want[0] - cross_entropy)
        if np.isclose(ratio, 0, atol=1e-6):
            return "the L2 term is missing"
        if np.isclose(ratio, 2):
            return "the L2 term is twice as large: lambd / (2m), not lambd / m"
        return f"the L2 term is {ratio:.3g} × as large: lambd / (2m) × the sum over every W_l"

    for lam, value in zip((0.0, lambd), want[::-1], strict=True):  # the cross-entropy first
        checking.assert_close(
            f"compute_cost_with_regularization(lambd={lam})",
            checking.call(target, A3, Y, parameters, lam),
            value,
            rtol=1e-6,
            hint=l2_term_hint if lam else None,
        )
    print(checking.PASSED)


def backward_propagation_with_regularization_test(target, seed=1, lambd=0.7):
    """dW_l gains lambd / m * W_l; db_l does not change. Derived to round-off."""
    X, Y, parameters = regularization_case(seed)
    want = checking.expected(
        "regularization.backward_propagation_with_regularization", seed=seed, lambd=lambd
    )
    _, cache = nn.forward_propagation(X, parameters)
    keys = ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    grads = checking.call(target, X, Y, cache, lambd)
    where = f"backward_propagation_with_regularization(lambd={lambd})"

    def mistake():  # against the learner's own gradients at lambd = 0
        return _l2_gradient_mistake(grads, checking.called(target, X, Y, cache, 0.0)[0], want)

    with checking.explained(mistake):
        checking.assert_dict(where, grads, want, keys, exact=True)
    print(checking.PASSED)


def _l2_gradient_mistake(grads, plain, want):
    """What the L2 part of the learner's gradients gets wrong, measured against their own
    gradients at lambd = 0 (no number: a hidden case must not tell its answer); None if it
    is not that."""
    if not (isinstance(grads, dict) and isinstance(plain, dict)):
        return None
    try:
        if any(not np.allclose(grads[f"db{l}"], plain[f"db{l}"]) for l in (1, 2, 3)):
            return "db_l changed with lambd: the L2 term goes into dW_l only."
        ratios = {
            l: checking.constant_factor(
                np.asarray(grads[f"dW{l}"]) - plain[f"dW{l}"], want[f"dW{l}"] - plain[f"dW{l}"]
            )
            for l in (1, 2, 3)
        }
    except (KeyError, TypeError, ValueError):
        return None
    if ratios[1] is not None and all(np.isclose(r, ratios[1]) for r in ratios.values() if r):
        if np.isclose(ratios[1], 0.5):
            return (
                "Each dW_l's L2 term is half of lambd / m × W_l: lambd / (2m) is the "
                "cost's factor; its derivative is lambd / m × W_l."
            )
        return "Each dW_l's L2 term is off by the same factor: it is lambd / m × W_l."
    return None


def forward_propagation_with_dropout_test(target, seed=1, keep_prob=0.7, mask_seed=1):
    """Inverted dropout on both hidden layers, masks drawn after np.random.seed(mask_seed);
    the course's cache layout (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)."""
    X, _, parameters = regularization_case(seed)
    A3, cache = checking.expected(
        "regularization.forward_propagation_with_dropout",
        seed=seed,
        keep_prob=keep_prob,
        mask_seed=mask_seed,
    )
    where = f"forward_propagation_with_dropout(keep_prob={keep_prob}, seed={mask_seed})"
    result = checking.call(target, X, parameters, keep_prob, seed=mask_seed)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{where} should return (A3, cache).")
    got_A3, got_cache = result
    checking.assert_array(f"{where}: A3", got_A3, A3)
    names = "Z1 D1 A1 W1 b1 Z2 D2 A2 W2 b2 Z3 A3 W3 b3".split()
    if not isinstance(got_cache, tuple) or len(got_cache) != len(names):
        raise AssertionError(f"{where}: cache should be the tuple ({', '.join(names)}).")
    for name, got, want in zip(names, got_cache, cache, strict=True):
        if name.startswith("D"):  # masks: any numeric 0/1 array of the right shape
            got = np.asarray(got, dtype=float)
            want = np.asarray(want, dtype=float)
        checking.assert_array(f"{where}: cache {name}", got, want)
    print(checking.PASSED)


def backward_propagation_with_dropout_test(target, seed=1, keep_prob=0.8):
    """Gradients through the same masks, scaled by 1 / keep_prob; dA1 and dA2 included.
    Derived to round-off."""
    X, Y, cache = dropout_backward_case(seed, keep_prob)
    want = checking.expected(
        "regularization.backward_propagation_with_dropout", seed=seed, keep_prob=keep_prob
    )
    grads = checking.call(target, X, Y, tuple(np.copy(c) for c in cache), keep_prob)
    keys = ["dW3", "db3", "dA2", "dW2", "db2", "dA1", "dW1", "db1"]
    checking.assert_dict(
        f"backward_propagation_with_dropout(keep_prob={keep_prob})", grads, want, keys, exact=True
    )
    print(checking.PASSED)


# ---------------------------------------------------------------- the explorer's grid

LAMBDAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.7, 1.0, 3.0, 10.0, 20.0, 30.0)
KEEP_PROBS = (0.5, 0.6, 0.7, 0.8, 0.86, 0.9, 0.95, 1.0)
LAYERS = [2, 20, 3, 1]
LEARNING_RATE = 0.3
ITERATIONS = 30000
SNAPSHOT_EVERY = 1000  # the explorer's iterations slider
# Parameter snapshots of the grid: every 100 iterations for the first 3000, where the plain
# network's dev cost turns (early stopping must see its minimum), then every SNAPSHOT_EVERY.
SNAPSHOTS = sorted({*range(0, 3000, 100), *range(0, ITERATIONS + 1, SNAPSHOT_EVERY)})
DROPOUT_MASKS = "fresh"  # a new mask every iteration (real dropout), not the course's one mask


def regularization_settings():
    """The explorer's settings (lambda, keep_prob): every lambda without dropout, then every
    keep_prob < 1 without L2 (the lab never uses both at once)."""
    return [(lam, 1.0) for lam in LAMBDAS] + [(0.0, kp) for kp in KEEP_PROBS if kp < 1]


def regularization_init(layers_dims):
    """The lab's start of the [2, 20, 3, 1] net: the course's randn / sqrt(n_prev) draws
    after np.random.seed(3), biases 0 (provided data: ``nn.start_weights``)."""
    return nn.start_weights("regularization", layers_dims)


def regularization_recipe():
    """How the grid trains (``tools.stacked``): the lab's model at every explorer setting,
    full-batch gradient descent with a new dropout mask every iteration, parameter snapshots
    at ``SNAPSHOTS``."""
    settings = [
        grids.Setting("gd", LEARNING_RATE, l2=lam, keep_prob=kp)
        for lam, kp in regularization_settings()
    ]
    return grids.Recipe(
        LAYERS,
        settings,
        ITERATIONS,
        dropout=DROPOUT_MASKS,
        dropout_seed=1,
        record_every=None,
        observe_at=SNAPSHOTS,
    )


def regularization_grid_inputs(goalkeeper):
    """What the grid depends on (its cache key): the data, the recipe and the start."""
    goalkeeper = grids.data_set(goalkeeper, "goalkeeper")
    return (*goalkeeper, regularization_recipe(), *regularization_init(LAYERS).values())


def regularization_grid(goalkeeper=None, cache_dir=None):
    """The explorer's grid on the goalkeeper set (or the four arrays of another 2-D set),
    trained ahead by ``make datasets``: a dict of arrays, ``settings`` (K, 2) (lambda,
    keep_prob), ``iterations`` (S,), parameter snapshots ``W1`` ... ``b3`` (S, K, ...),
    ``train_cost``, ``dev_cost`` (no dropout, no L2 term), ``train_acc``, ``dev_acc`` (S, K)
    and ``norms`` (S, K, 3): the Frobenius norms of W1, W2, W3."""
    arrays = goalkeeper if goalkeeper is not None else data.load_goalkeeper()
    return grids.load("regularization", regularization_grid_inputs(arrays), cache_dir)


def _setting_index(grid, lambd, keep_prob):
    return grids.position(map(tuple, grid["settings"].tolist()), (lambd, keep_prob))


def regularization_view(grid, lambd, keep_prob, iterations):
    """What the explorer shows at one setting: parameters, accuracies, norms, curves, and the
    setting (``lambd``, ``keep_prob``, ``iteration``: the snapshot shown)."""
    k = _setting_index(grid, lambd, keep_prob)
    s = int(np.flatnonzero(grid["iterations"] == iterations)[0])
    return {
        "parameters": {f"{w}{l}": grid[f"{w}{l}"][s, k] for l in (1, 2, 3) for w in "Wb"},
        "train_acc": float(grid["train_acc"][s, k]),
        "dev_acc": float(grid["dev_acc"][s, k]),
        "norms": grid["norms"][s, k],
        "plain_norms": grid["norms"][s, 0],
        "train_curve": grid["train_acc"][: s + 1, k],
        "dev_curve": grid["dev_acc"][: s + 1, k],
        "iterations": grid["iterations"][: s + 1],
        "lambd": lambd,
        "keep_prob": keep_prob,
        "iteration": iterations,
    }


GOALKEEPER_BASELINE = 0.075  # Bayes error of data.make_goalkeeper (label noise), measured
# (``tools.datasets.make_goalkeeper``)


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


RECIPE = {  # the lectures' basic recipe: what to try next for each verdict of ``diagnose``
    "high bias": "bigger network, train longer or regularize less",
    "high variance": "more data or more regularization",
    "high bias and high variance": "fix bias first, then variance",
    "fine": "compare it with the others on the dev set",
}


def regularization_summary(view, lambd, keep_prob, iterations):
    """One line: the setting, its accuracies, the bias / variance verdict and what to try."""
    verdict = diagnose(1 - view["train_acc"], 1 - view["dev_acc"])
    return (
        f"λ = {lambd:g}, keep_prob = {keep_prob:g}, {iterations} iterations: "
        f"train {view['train_acc']:.3f}, dev {view['dev_acc']:.3f} → {verdict}: {RECIPE[verdict]}"
    )


class RegularizationFigure:
    """The explorer's live figure, three panels: decision boundary, train / dev accuracy so
    far, weight norm per layer next to the unregularized run's (axes fixed over the grid)."""

    def __init__(self, grid, goalkeeper):
        train_X, train_Y = goalkeeper[:2]
        self.live, axes = LiveFigure.subplots(1, 3, figsize=(13, 3.8), width_ratios=[1.2, 1, 0.8])
        self.live.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.76, wspace=0.3)
        self.regions = plots.DecisionRegions(axes[0], train_X, train_Y)
        axes[0].set_title("decision boundary (training set)")
        ax = axes[1]
        self.curves = [ax.plot([], [], label=split)[0] for split in ("train", "dev")]
        ax.set(
            ylim=(0.45, 1.0), xlim=(0, grid["iterations"][-1]), xlabel="iteration", title="accuracy"
        )
        accuracy_legend = ax.legend(loc="lower right")
        ax, layers = axes[2], np.arange(1, 4)
        self.plain = ax.bar(
            layers - 0.2, np.zeros(3), width=0.4, color="lightgrey", label="no regularization"
        )
        self.bars = ax.bar(layers + 0.2, np.zeros(3), width=0.4, label="this setting")
        ax.set_xticks(layers, [f"$W^{{[{l}]}}$" for l in layers])
        ax.set(title="weight norm $\\|W\\|_F$", ylim=(0, 1.1 * grid["norms"].max()))
        norm_legend = ax.legend(fontsize="small")
        self.title = self.live.fig.suptitle(" \n ")
        self.live.moving = [
            *self.regions.artists,
            *self.curves,
            accuracy_legend,
            *self.plain,
            *self.bars,
            norm_legend,
            self.title,
        ]

    def update(self, view):
        """Draw a ``regularization_view``; returns the ``LiveFigure``."""
        lambd, keep_prob = view["lambd"], view["keep_prob"]
        self.regions.update(lambda P: nn.predict(P, view["parameters"]))
        for line, split in zip(self.curves, ("train", "dev"), strict=True):
            line.set_data(view["iterations"], view[f"{split}_curve"])
        for bars, norms in ((self.plain, view["plain_norms"]), (self.bars, view["norms"])):
            for bar, norm in zip(bars, norms, strict=True):
                bar.set_height(norm)
        train_err, dev_err = 1 - view["train_acc"], 1 - view["dev_acc"]
        self.title.set_text(
            f"λ = {lambd:g}, keep_prob = {keep_prob:g}: train accuracy {view['train_acc']:.3f}, "
            f"dev accuracy {view['dev_acc']:.3f}\n"
            f"train error {train_err:.1%}, dev error {dev_err:.1%} → {diagnose(train_err, dev_err)}"
        )
        return self.live

    def status(self, view):
        return regularization_summary(view, view["lambd"], view["keep_prob"], view["iteration"])


def early_stopping(grid, lambd=0.0, keep_prob=1.0):
    """Early stopping read off one setting's run in the grid: the snapshot with the lowest dev
    cost. A dict: ``iteration``, ``train_acc``, ``dev_acc``, ``dev_cost`` there, and the same
    at the end of training as ``final_iteration``, ``final_train_acc``, ... ."""
    k = _setting_index(grid, lambd, keep_prob)

    def at(s):
        values = {key: float(grid[key][s, k]) for key in ("train_acc", "dev_acc", "dev_cost")}
        return {"iteration": int(grid["iterations"][s]), **values}

    final = {f"final_{key}": value for key, value in at(-1).items()}
    return at(int(np.argmin(grid["dev_cost"][:, k]))) | final


def draw_early_stopping(grid, lambd=0.0, keep_prob=1.0):
    """Two panels over training: train / dev cost and train / dev accuracy of one setting,
    with a line where the dev cost is lowest (where early stopping would stop); iterations on
    a log scale from 100, so that the first few thousand, where the dev cost turns, show."""
    k, stop = _setting_index(grid, lambd, keep_prob), early_stopping(grid, lambd, keep_prob)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, what in zip(axes, ("cost", "acc"), strict=True):
        for split in ("train", "dev"):
            ax.plot(grid["iterations"], grid[f"{split}_{what}"][:, k], label=split)
        ax.axvline(stop["iteration"], color="grey", linestyle="--", label="lowest dev cost")
        ax.set_xscale("symlog", linthresh=100)  # the early turn spread out, 0 still shown
        ax.set_xlim(0, grid["iterations"][-1])
        ax.set_xlabel("iteration (log scale from 100)")
        ax.set_title("cost (no regularization term)" if what == "cost" else "accuracy")
    axes[1].set_ylim(0.45, 1.0)
    axes[0].legend()
    fig.suptitle(f"λ = {lambd:g}, keep_prob = {keep_prob:g}")
    fig.tight_layout()


def regularization_explorer(goalkeeper=None, **start):
    """Explorer of the Regularization lab: lambda (0 and 1e-3 ... 30), keep_prob, iterations
    (``start`` sets lambd, keep_prob, iterations).

    Every setting is trained ahead (``regularization_grid``, cached on disk), so each move is
    a lookup and a redraw. L2 and dropout are used one at a time, as in the lab: choosing one
    resets the other. Returns the explorer (a cell shows it).
    """
    goalkeeper = goalkeeper if goalkeeper is not None else data.load_goalkeeper()
    grid = regularization_grid(goalkeeper)
    controls = {
        "lambd": choice_slider(LAMBDAS, 0.0, "λ (L2)"),
        "keep_prob": choice_slider(KEEP_PROBS, 1.0, "keep_prob"),
        "iterations": iterations_slider(ITERATIONS, SNAPSHOT_EVERY),
    }

    def view(lambd, keep_prob, iterations):
        return regularization_view(grid, lambd, keep_prob, iterations)

    def one_at_a_time(moved, values):  # choosing one regularizer resets the other
        if values["lambd"] == 0 or values["keep_prob"] == 1:
            return {}
        return {"keep_prob": 1.0} if moved == "lambd" else {"lambd": 0.0}

    return Explorer(
        controls,
        view,
        RegularizationFigure(grid, goalkeeper),
        adjust=one_at_a_time,
        start=start,
        call="lab.regularization_explorer(",
    )
