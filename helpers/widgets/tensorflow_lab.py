"""Explorer of the TensorFlow lab (week 3): the SIGNS network trained on demand (numpy twin)."""

import matplotlib.pyplot as plt
import numpy as np

from helpers import data, plots
from helpers.widgets.common import WIDE, _show

SIGNS_REGULARIZERS = {"none": {}, "L2 (λ = 1)": {"l2": 1.0},
                      "dropout (keep_prob 0.9)": {"keep_prob": 0.9}}  # fmt: skip
SIGNS_EPOCHS = 60  # the explorer's budget; the lab trains 100 epochs


_SIGNS_RUNS = {}  # (data source, learning rate, mini-batch, regularizer) -> run


def signs_run(signs, learning_rate, batch_size, regularizer):
    """``signs_net.train`` for ``SIGNS_EPOCHS`` epochs at one setting, cached per setting."""
    from helpers import signs_net

    key = (signs.source, learning_rate, batch_size, regularizer)
    if key not in _SIGNS_RUNS:
        X, test_X = signs_net.flatten_images(signs.train_x), signs_net.flatten_images(signs.test_x)
        _SIGNS_RUNS[key] = signs_net.train(
            X, signs.train_y, test_X, signs.test_y, learning_rate, SIGNS_EPOCHS, batch_size,
            **SIGNS_REGULARIZERS[regularizer],
        )  # fmt: skip
    return _SIGNS_RUNS[key]


def signs_summary(run, epochs, label):
    """One line: the setting and its accuracies after ``epochs`` epochs."""
    return (
        f"{label}: after {epochs} epochs train accuracy {run['train_acc'][epochs - 1]:.3f}, "
        f"test accuracy {run['test_acc'][epochs - 1]:.3f}"
    )


def draw_signs(run, epochs, signs, label, shown=8):
    """Accuracy per epoch (train / test) and up to ``shown`` misclassified test images."""
    fig = plt.figure(figsize=(11, 3.6))
    grid = fig.add_gridspec(2, 6, left=0.06, right=0.99, bottom=0.14, top=0.86, wspace=0.15)
    ax = fig.add_subplot(grid[:, :2])
    done = np.arange(1, epochs + 1)
    ax.plot(done, run["train_acc"][:epochs], label="train")
    ax.plot(done, run["test_acc"][:epochs], label="test")
    ax.set_ylim(0, 1)
    ax.set_xlabel("epoch")
    ax.set_title("accuracy")
    ax.legend(loc="lower right")
    pred = run["test_pred"][epochs - 1]
    wrong = np.flatnonzero(pred != signs.test_y)[:shown]
    axes = [fig.add_subplot(grid[r, 2 + c]) for r in range(2) for c in range(4)]
    titles = [f"said {pred[i]}, is {signs.test_y[i]}" for i in wrong]
    plots.plot_images(signs.test_x[wrong], titles, axes=axes)
    fig.suptitle(f"{label}; test images it gets wrong ({int(np.sum(pred != signs.test_y))} of "
                 f"{len(pred)})", fontsize="medium")  # fmt: skip
    return fig


def signs_explorer(signs=None):
    """Explorer of the TensorFlow lab: learning rate (log), epochs, mini-batch size and a
    regularizer, on the SIGNS set with the lab's network in numpy. A new setting trains
    ``SIGNS_EPOCHS`` epochs (a few seconds), then every epoch count is a lookup."""
    import ipywidgets as w

    signs = signs if signs is not None else data.load_signs()
    lr = w.FloatLogSlider(
        value=1e-4, base=10, min=-5, max=-2, step=0.25, description="learning rate",
        continuous_update=False, style=WIDE,
    )  # fmt: skip
    epochs = w.IntSlider(
        value=SIGNS_EPOCHS, min=5, max=SIGNS_EPOCHS, step=5, description="epochs",
        continuous_update=False,
    )  # fmt: skip
    batch = w.SelectionSlider(
        options=[16, 32, 64, 128], value=32, description="mini-batch", continuous_update=False
    )
    regularizer = w.Dropdown(options=list(SIGNS_REGULARIZERS), description="regularizer")
    out, status = w.Output(), w.Label()

    def redraw(_=None):
        label = f"lr {lr.value:.2g}, mini-batch {batch.value}, {regularizer.value}"
        status.value = f"{label}: training…"
        run = signs_run(signs, lr.value, batch.value, regularizer.value)
        _show(out, draw_signs(run, epochs.value, signs, label))
        status.value = signs_summary(run, epochs.value, label)

    for control in (lr, epochs, batch, regularizer):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([lr, epochs, batch, regularizer]), status, out])
