"""Initialization (week 1): the public checks and the explorer (initializer x weight scale x
iterations) of ``notebooks/week1/initialization.ipynb``."""

import numpy as np

from helpers import checking, data, errors, nn, plots
from helpers.explorer import Explorer, LiveFigure, iterations_slider, log_slider

# ---------------------------------------------------------------- checks


def _check_initializer(target, exercise, layers_dims, seeded=True):
    layers_dims = tuple(layers_dims)
    want = checking.expected(f"initialization.{exercise}", layers_dims=layers_dims)
    got = checking.call(target, list(layers_dims))
    with checking.explained(lambda: _seed_mistake(target, layers_dims, got) if seeded else None):
        checking.assert_parameters(got, want, f"{exercise}({list(layers_dims)})")
    print(checking.PASSED)


def _seed_mistake(target, layers_dims, got):
    """What is wrong with the seeding of an initializer whose values are wrong, if it shows:
    other draws on a second call (no seed), or each layer's draws starting the same stream
    again (the seed inside the loop). None otherwise."""
    if not isinstance(got, dict):
        return None
    again = checking.called(target, list(layers_dims))[0]
    if isinstance(again, dict) and any(
        not np.array_equal(np.asarray(got[k]), np.asarray(again[k])) for k in got if k in again
    ):
        return (
            "A second call returns other weights: call np.random.seed(3) once, at the start "
            "of the function, so that the same dims always give the same weights."
        )
    first, second = (np.asarray(got.get(k, ())).ravel() for k in ("W1", "W2"))
    n = min(first.size, second.size)
    if n >= 2 and first[0] and np.allclose(second[:n] * first[0], first[:n] * second[0]):
        return (
            "W2 starts with the same random numbers as W1: np.random.seed(3) is called inside "
            "the loop. Call it once, before the loop, so that each layer draws the next numbers."
        )
    return None


def initialize_parameters_zeros_test(target, layers_dims=(3, 2, 1)):
    """Every W_l and b_l is zeros of the right shape."""
    _check_initializer(target, "initialize_parameters_zeros", layers_dims, seeded=False)


def initialize_parameters_random_test(target, layers_dims=(3, 2, 1)):
    """W_l = randn(n_l, n_{l-1}) * 10 after np.random.seed(3); b_l zeros."""
    _check_initializer(target, "initialize_parameters_random", layers_dims)


def initialize_parameters_he_test(target, layers_dims=(2, 4, 1)):
    """W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}) after np.random.seed(3); b_l zeros."""
    _check_initializer(target, "initialize_parameters_he", layers_dims)


# ---------------------------------------------------------------- compute

LAYERS = [2, 10, 5, 1]  # the lab's model
PROBE_LAYERS = [2] + [50] * 10 + [1]  # a deeper net of the same kind, to see signals vanish
ITERATIONS = 15000
SNAPSHOT_EVERY = 500


def layer_activation_std(X, parameters):
    """Standard deviation of the post-ReLU activations of each hidden layer, any depth.

    Shows vanishing / exploding signals at initialization (the lab and its explorer).
    Returns a float array (L - 1,) for an L-layer parameter dict.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        hidden = nn.deep_forward(X, parameters)[0][1:]
        return np.array([float(np.std(A)) for A in hidden])


def layer_gradient_spread(X, Y, parameters):
    """Backpropagation at initialization through a ReLU net of any depth with a sigmoid output
    and the mean cross-entropy cost (X (n_x, m), Y (1, m)).

    Returns the standard deviation of dA^[l], the gradient of the cost with respect to each
    hidden layer's activations (L - 1,), and the Frobenius norm of each dW^[l] (L,), layer 1
    first. Shows vanishing / exploding gradients (the lab's Section 7).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        A, Z_out = nn.deep_forward(X, parameters)
        dZ = (nn.sigmoid(Z_out) - Y) / X.shape[1]
        dA_std, dW_norm = [], []
        for l in range(len(A), 0, -1):
            dW_norm.append(float(np.linalg.norm(dZ @ A[l - 1].T)))
            if l > 1:
                dA = parameters[f"W{l}"].T @ dZ
                dA_std.append(float(np.std(dA)))
                dZ = dA * (A[l - 1] > 0)
    return np.array(dA_std[::-1]), np.array(dW_norm[::-1])


def scaled(parameters, scale):
    """Parameters with every W_l multiplied by ``scale`` (biases unchanged)."""
    return {k: v * scale if k.startswith("W") else v for k, v in parameters.items()}


def initialization_run(init_fn, scale=1.0, circles=None):
    """Start a run of the [2, 10, 5, 1] net from ``scale`` x ``init_fn(layers)``; no training yet.

    Returns a dict: ``snapshots`` {iteration: parameters}, ``costs`` (every 100 iterations),
    ``spread``: std of activations per hidden layer (10,) of the deep probe net
    ``PROBE_LAYERS`` at initialization. ``train_run`` extends it.
    """
    train_X = (circles if circles is not None else data.load_circles())[0]
    spread = layer_activation_std(train_X, scaled(init_fn(list(PROBE_LAYERS)), scale))
    return {"snapshots": {0: scaled(init_fn(list(LAYERS)), scale)}, "costs": [], "spread": spread}


def train_run(run, iterations, circles=None, learning_rate=0.01):
    """Train ``run`` on, snapshot by snapshot, until it has a snapshot at ``iterations``."""
    train_X, train_Y, _, _ = circles if circles is not None else data.load_circles()
    done = max(run["snapshots"])
    while done < iterations:
        params, costs = nn.train(
            train_X,
            train_Y,
            run["snapshots"][done],
            learning_rate,
            SNAPSHOT_EVERY,
            record_every=100,
        )
        run["costs"] += costs
        done += SNAPSHOT_EVERY
        run["snapshots"][done] = params
    return run


def initialization_metrics(run, iterations, circles=None):
    """Train / test accuracy of ``run`` after ``iterations`` (a snapshot it has)."""
    train_X, train_Y, test_X, test_Y = circles if circles is not None else data.load_circles()
    params = run["snapshots"][iterations]
    return {
        "train": nn.accuracy(train_X, train_Y, params),
        "test": nn.accuracy(test_X, test_Y, params),
    }


# ---------------------------------------------------------------- explorer


class InitializationFigure:
    """The explorer's live figure, three panels with fixed axes: decision boundary, cost curve
    up to the iterations shown, and the spread of the activations at initialization."""

    def __init__(self, circles):
        train_X, train_Y = circles[:2]
        self.circles = circles
        self.live, axes = LiveFigure.subplots(1, 3, figsize=(13, 3.6))
        self.live.fig.subplots_adjust(left=0.05, right=0.98, bottom=0.15, top=0.82, wspace=0.28)
        self.regions = plots.DecisionRegions(axes[0], train_X, train_Y)
        self.state = axes[0].set_title(" ")
        (self.cost,) = axes[1].plot([], [])
        plots.log_scale(axes[1])
        axes[1].set(
            xlim=(0, ITERATIONS), ylim=(1e-3, 1e2), xlabel="iteration", ylabel="cost", title="cost"
        )
        (self.spread,) = axes[2].plot([], [], marker="o")
        plots.log_scale(axes[2])
        axes[2].set(
            xlim=(0.5, len(PROBE_LAYERS) - 0.5),
            ylim=(SPREAD_FLOOR, 1 / SPREAD_FLOOR),
            xlabel="hidden layer",
            ylabel="std of activations",
            title=f"at init, {len(PROBE_LAYERS) - 2} hidden layers of 50",
        )
        axes[2].axhline(1.0, color="grey", lw=0.8, ls=":")
        self.title = self.live.fig.suptitle(" ")
        self.live.moving = [*self.regions.artists, self.state, self.cost, self.spread, self.title]

    def update(self, view):
        """Draw an ``initialization_view``; returns the ``LiveFigure``."""
        run, shown, acc = view["run"], view["shown"], view["accuracy"]
        params = run["snapshots"][shown]
        self.regions.update(lambda P: nn.predict(P, params))
        self.state.set_text(f"after {shown} iterations" + ("" if view["done"] else " (training…)"))
        costs = np.asarray(run["costs"][: shown // 100])
        self.cost.set_data(np.arange(len(costs)) * 100, costs)
        stds = np.clip(
            np.nan_to_num(np.asarray(run["spread"]), nan=np.inf), SPREAD_FLOOR, 1 / SPREAD_FLOOR
        )  # beyond the axis: drawn on its edge
        self.spread.set_data(np.arange(1, len(stds) + 1), stds)
        self.title.set_text(
            f"{view['label']}: train accuracy {acc['train']:.3f}, test accuracy {acc['test']:.3f}"
        )
        return self.live

    def status(self, view):
        acc = view["accuracy"]
        return (
            f"{view['label']} after {view['shown']} iterations: train accuracy "
            f"{acc['train']:.3f}, test accuracy {acc['test']:.3f}"
            + ("" if view["done"] else " (training…)")
        )


def initialization_view(run, iterations, label, circles=None):
    """What the explorer shows of ``run`` at ``iterations``: its latest snapshot at or before
    them (``shown``; ``done`` when that is ``iterations``), its ``accuracy`` there."""
    shown = max(i for i in run["snapshots"] if i <= iterations)
    accuracy = initialization_metrics(run, shown, circles)
    return {
        "run": run,
        "label": label,
        "shown": shown,
        "done": shown == iterations,
        "accuracy": accuracy,
    }


def setting_label(name, scale):
    """How the explorer names a setting: "He", "He, weights × 10" (the scale on the
    initializer's own weights, which may carry a scale of their own: "random × 10")."""
    return name if scale == 1 else f"{name}, weights × {scale:g}"


SPREAD_FLOOR = 1e-12  # all-zero activations are drawn here (as in plots.plot_layer_spread)


INITIALIZER_NAMES = {  # the explorer's initializers: the lab's functions, by label
    "zeros": "initialize_parameters_zeros",
    "random × 10": "initialize_parameters_random",
    "He": "initialize_parameters_he",
    "Xavier": "initialize_parameters_xavier",
}


def initialization_explorer(initializers=None, circles=None, start=None, **settings):
    """Explorer of the Initialization lab: initializer, weight scale (log), iterations.

    ``initializers`` maps a label to a function ``layers_dims -> parameters`` (default: the
    learner's own functions of ``INITIALIZER_NAMES``, as the notebook defines them when used);
    ``start`` is the label shown first (default: the first one); ``settings`` sets name,
    scale, iterations. Returns the explorer (a cell shows it).
    It runs only the learner's functions: one not written or not run yet gets a status
    line naming the exercise (``errors.explorer_waits``).
    Runs are cached per (initializer, scale) with a snapshot every 500 iterations, so moving
    the iterations slider back or revisiting a setting only redraws. A new setting redraws
    at once with what is known (the spread at initialization), trains (in the background
    when a browser shows the explorer), then redraws again.
    """
    import ipywidgets as w

    circles = circles if circles is not None else data.load_circles()
    if initializers is None:
        initializers = {k: errors.notebook_function(f) for k, f in INITIALIZER_NAMES.items()}
    controls = {
        "name": w.Dropdown(
            options=list(initializers),
            value=start or next(iter(initializers)),
            description="initializer",
        ),
        "scale": log_slider(1.0, -2, 2, 0.25, "weights ×"),
        "iterations": iterations_slider(ITERATIONS, SNAPSHOT_EVERY),
    }
    controls["scale"].continuous_update = False  # a new scale trains: one run per release
    runs = {}  # (name, scale) -> its run, trained so far

    def run_of(name, scale):
        if (name, scale) not in runs:  # the spread at initialization, known at once
            runs[name, scale] = initialization_run(initializers[name], scale, circles)
        return runs[name, scale]

    def view(name, scale, iterations):
        return initialization_view(
            run_of(name, scale), iterations, setting_label(name, scale), circles
        )

    def trains(name, scale, iterations):
        return (name, scale) not in runs or max(runs[name, scale]["snapshots"]) < iterations

    def train(name, scale, iterations):
        run = run_of(name, scale)  # a copy trained on, swapped in whole
        copy = {**run, "snapshots": dict(run["snapshots"]), "costs": list(run["costs"])}
        runs[name, scale] = train_run(copy, iterations, circles)

    return Explorer(
        controls,
        view,
        InitializationFigure(circles),
        trains=trains,
        train=train,
        start=settings,
        call="lab.initialization_explorer(",
    )
