"""Explorer of the Initialization lab (week 1): initializer x weight scale x iterations."""

import matplotlib.pyplot as plt

from helpers import data, nn, plots
from helpers.widgets.common import _iterations_slider, _show

INIT_LAYERS = [2, 10, 5, 1]  # the lab's model
PROBE_LAYERS = [2] + [50] * 10 + [1]  # a deeper net of the same kind, to see signals vanish
INIT_ITERATIONS = 15000
INIT_SNAPSHOT_EVERY = 500


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
    spread = nn.layer_activation_std(train_X, scaled(init_fn(list(PROBE_LAYERS)), scale))
    return {
        "snapshots": {0: scaled(init_fn(list(INIT_LAYERS)), scale)},
        "costs": [],
        "spread": spread,
    }


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
            INIT_SNAPSHOT_EVERY,
            record_every=100,
        )
        run["costs"] += costs
        done += INIT_SNAPSHOT_EVERY
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


def draw_initialization(run, iterations, circles, label):
    """Three panels: decision boundary, cost curve up to ``iterations``, activation spread.

    Draws the latest snapshot at or before ``iterations`` and says so when training is
    still to come. Returns the figure and the accuracies shown.
    """
    train_X, train_Y, _, _ = circles
    shown = max(i for i in run["snapshots"] if i <= iterations)
    acc = initialization_metrics(run, shown, circles)
    params = run["snapshots"][shown]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.15, top=0.82, wspace=0.28)
    state = f"after {shown} iterations" + ("" if shown == iterations else " (training…)")
    plots.plot_decision_boundary(
        lambda P: nn.predict(P, params), train_X, train_Y, title=state, ax=axes[0]
    )
    plots.plot_costs(run["costs"][: shown // 100], ax=axes[1], title="cost")
    plots.plot_layer_spread(
        {label: run["spread"]},
        ax=axes[2],
        title=f"at init, {len(PROBE_LAYERS) - 2} hidden layers of 50",
    )
    fig.suptitle(f"{label}: train accuracy {acc['train']:.3f}, test accuracy {acc['test']:.3f}")
    return fig, acc


def initialization_explorer(initializers, circles=None, start=None):
    """Explorer of the Initialization lab: initializer, weight scale (log), iterations.

    ``initializers`` maps a label to a function ``layers_dims -> parameters`` (the learner's
    own); ``start`` is the label shown first (default: the first one). Returns the widget:
    a notebook cell ending with this call shows it. Runs are cached per (initializer, scale)
    with a snapshot every 500 iterations, so moving the iterations slider back or revisiting
    a setting only redraws. A new setting redraws at once with what is known (the spread at
    initialization), trains, then redraws again.
    """
    import ipywidgets as w

    circles = circles if circles is not None else data.load_circles()
    choice = w.Dropdown(
        options=list(initializers),
        value=start or next(iter(initializers)),
        description="initializer",
    )
    scale = w.FloatLogSlider(
        value=1.0,
        base=10,
        min=-2,
        max=2,
        step=0.25,
        description="weights ×",
        continuous_update=False,
    )
    iterations = _iterations_slider(INIT_ITERATIONS, INIT_SNAPSHOT_EVERY)
    out, status = w.Output(), w.Label()
    runs = {}

    def show(run, label):
        fig, acc = draw_initialization(run, iterations.value, circles, label)
        shown = max(i for i in run["snapshots"] if i <= iterations.value)
        _show(out, fig)  # the figure first: the status line never runs ahead of it
        status.value = (
            f"{label} after {shown} iterations: train accuracy {acc['train']:.3f}, "
            f"test accuracy {acc['test']:.3f}"
            + ("" if shown == iterations.value else " (training…)")
        )

    def redraw(_=None):
        key, label = (choice.value, scale.value), f"{choice.value} × {scale.value:g}"
        try:
            if key not in runs:
                runs[key] = initialization_run(initializers[choice.value], scale.value, circles)
        except NotImplementedError:
            status.value = f"'{choice.value}' is not implemented yet: finish that exercise first."
            out.clear_output()
            return
        run = runs[key]
        if max(run["snapshots"]) < iterations.value:
            show(run, label)
            train_run(run, iterations.value, circles)
        show(run, label)

    for control in (choice, scale, iterations):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([choice, scale, iterations]), status, out])
