"""Explorers of the Optimization Methods lab (week 2): EWA, 2-D losses, the moons grid."""

import matplotlib.pyplot as plt
import numpy as np

from helpers import data, nn, optim, plots
from helpers.widgets.common import WIDE, _show

EWA_BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99)


def ewa_summary(series, beta, bias_correction):
    """One line: the window the average spans and how far off its first week is."""
    averaged = optim.ewa(series, beta, bias_correction)
    first_week = float(np.mean(np.abs(averaged[:7] - series[:7])))
    window = "1 day" if beta == 0 else f"about {1 / (1 - beta):.0f} days"
    return (
        f"β = {beta:g}{' with' if bias_correction else ', no'} bias correction: averages over "
        f"{window}; first week off the data by {first_week:.1f} °C on average"
    )


def draw_ewa(series, betas, bias_correction=False, ax=None):
    """The noisy series (dots) and its exponentially weighted average for each beta."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 3.6))
    else:
        fig = ax.figure
    days = np.arange(1, len(series) + 1)
    ax.plot(days, series, ".", color="0.6", markersize=4, label="daily temperature")
    for beta in betas:
        ax.plot(days, optim.ewa(series, beta, bias_correction), lw=2, label=f"β = {beta:g}")
    ax.set_xlabel("day")
    ax.set_ylabel("°C")
    ax.set_title(f"exponentially weighted averages, {'with' if bias_correction else 'no'} "
                 "bias correction")  # fmt: skip
    ax.legend(fontsize="small", loc="upper left")
    return fig


def ewa_explorer(series=None):
    """Explorer of exponentially weighted averages: beta and bias correction over a year of
    noisy temperatures (``optim.temperature_series``). Returns the widget."""
    import ipywidgets as w

    series = optim.temperature_series() if series is None else series
    beta = w.SelectionSlider(
        options=[(f"{b:g}", b) for b in EWA_BETAS], value=0.9, description="β",
        continuous_update=False,
    )  # fmt: skip
    corrected = w.Checkbox(value=False, description="bias correction")
    out, status = w.Output(), w.Label()

    def redraw(_=None):
        _show(out, draw_ewa(series, [beta.value], corrected.value))
        status.value = ewa_summary(series, beta.value, corrected.value)

    for control in (beta, corrected):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([beta, corrected]), status, out])


PATH_STEPS = 300


def path_settings(learning_rate, beta, beta2=0.999):
    """The four optimizers at one learning rate (beta for momentum and Adam's beta1)."""
    return [
        optim.Setting("gd", learning_rate),
        optim.Setting("momentum", learning_rate, beta=beta),
        optim.Setting("rmsprop", learning_rate, beta2=beta2),
        optim.Setting("adam", learning_rate, beta=beta, beta2=beta2),
    ]


def path_summary(settings, losses):
    """One line: each optimizer's final loss on the surface ("diverged" if above the start)."""
    finals = ", ".join(
        f"{s.optimizer} {'diverged' if loss[-1] > loss[0] else f'{loss[-1]:.2g}'}"
        for s, loss in zip(settings, losses, strict=True)
    )
    return f"loss after {losses.shape[1] - 1} steps: {finals}"


def draw_paths(surface, settings, paths, losses):
    """Two panels: the paths on the contour plot, and loss per step (log scale)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.4, 1]})
    plots.plot_loss_surface(surface, ax=left)
    plots.plot_paths(paths, [s.optimizer for s in settings], ax=left)
    left.set_title(surface.name)
    for s, loss in zip(settings, losses, strict=True):
        right.plot(np.maximum(loss, 1e-12), label=s.optimizer)
    plots.log_scale(right)
    right.set_xlabel("step")
    right.set_title("loss")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.18)
    return fig


def loss_surface_explorer():
    """Explorer of the four optimizers on 2-D losses: surface, learning rate (log), beta.

    Each move recomputes the 4 paths of ``PATH_STEPS`` steps (a few ms) and redraws.
    """
    import ipywidgets as w

    surface = w.Dropdown(options=list(optim.SURFACES), description="loss")
    lr = w.FloatLogSlider(
        value=0.1, base=10, min=-4, max=0, step=0.25, description="learning rate",
        continuous_update=False, style=WIDE,
    )  # fmt: skip
    beta = w.SelectionSlider(
        options=[(f"{b:g}", b) for b in EWA_BETAS], value=0.9, description="β / β1",
        continuous_update=False,
    )  # fmt: skip
    out, status = w.Output(), w.Label()

    def redraw(_=None):
        s = optim.SURFACES[surface.value]
        settings = path_settings(lr.value, beta.value)
        paths, losses = optim.optimizer_paths(s, settings, PATH_STEPS)
        _show(out, draw_paths(s, settings, paths, losses))
        status.value = path_summary(settings, losses)

    for control in (surface, lr, beta):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([surface, lr, beta]), status, out])


def optimizer_summary(view, setting, batch_size):
    """One line: the setting, its final cost and its accuracies."""
    return (
        f"{setting.label}, mini-batch {batch_size}: cost {view['cost'][-1]:.3f} after "
        f"{optim.EPOCHS[batch_size]} epochs, train accuracy "
        f"{view['train_acc']:.3f}, test accuracy {view['test_acc']:.3f}"
    )


def draw_optimizer(view, setting, batch_size, moons):
    """Two panels: cost per epoch of the four optimizers at the same learning rate, betas,
    decay and batch size (the chosen one bold), and the chosen one's decision boundary."""
    train_X, train_Y, _, _ = moons
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, curve in view["curves"].items():
        chosen = name == setting.optimizer
        left.plot(view["epochs"], curve, lw=2.5 if chosen else 1, alpha=1 if chosen else 0.6,
                  label=name)  # fmt: skip
    left.set_ylim(0, 0.8)
    left.set_xlabel("epoch")
    left.set_title(f"cost, lr {setting.learning_rate:g}, mini-batch {batch_size}")
    left.legend(fontsize="small")
    params = view["parameters"]
    plots.plot_decision_boundary(
        lambda P: nn.predict(P, params), train_X, train_Y,
        title=f"{setting.optimizer}: train {view['train_acc']:.3f}, test {view['test_acc']:.3f}",
        ax=right,
    )  # fmt: skip
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.92, wspace=0.2)
    return fig


def optimizer_explorer(moons=None):
    """Explorer of the Optimization Methods lab on the moons: optimizer, learning rate,
    beta / beta1, beta2, mini-batch size and learning-rate decay.

    Every setting is trained ahead (``optim.explorer_grid``, cached on disk), so each move
    is a lookup and a redraw. Controls an optimizer does not use are greyed out.
    """
    import ipywidgets as w

    moons = moons if moons is not None else data.load_moons()
    grid = optim.explorer_grid(moons)
    optimizer = w.ToggleButtons(options=optim.OPTIMIZERS, value="adam", description="optimizer")
    decay = w.ToggleButtons(options=optim.DECAYS, value="none", description="lr decay")
    lr = w.SelectionSlider(
        options=[(f"{v:g}", v) for v in optim.LEARNING_RATES], value=0.0007,
        description="learning rate", continuous_update=False, style=WIDE,
    )  # fmt: skip
    beta = w.SelectionSlider(
        options=[(f"{v:g}", v) for v in optim.BETAS], value=0.9, description="β / β1",
        continuous_update=False,
    )  # fmt: skip
    beta2 = w.SelectionSlider(
        options=[(f"{v:g}", v) for v in optim.BETA2S], value=0.999, description="β2",
        continuous_update=False,
    )  # fmt: skip
    batch = w.SelectionSlider(
        options=optim.BATCH_SIZES, value=64, description="mini-batch", continuous_update=False
    )
    out, status = w.Output(), w.Label()

    def redraw(_=None):
        beta.disabled = optimizer.value in ("gd", "rmsprop")
        beta2.disabled = optimizer.value in ("gd", "momentum")
        setting = optim.Setting(
            optimizer.value, lr.value,
            beta=0.9 if beta.disabled else beta.value,
            beta2=0.999 if beta2.disabled else beta2.value,
            decay=decay.value,
        )  # fmt: skip
        view = optim.grid_view(grid, setting, batch.value)
        _show(out, draw_optimizer(view, setting, batch.value, moons))
        status.value = optimizer_summary(view, setting, batch.value)

    for control in (optimizer, decay, lr, beta, beta2, batch):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([optimizer, decay, w.HBox([lr, beta, beta2, batch]), status, out])
