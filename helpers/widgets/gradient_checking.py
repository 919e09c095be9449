"""Explorer of the Gradient Checking lab (week 1): epsilon x planted bug."""

import matplotlib.pyplot as plt
import numpy as np

from helpers import checks, gradcheck, nn, plots
from helpers.widgets.common import _show

EPSILONS = 10.0 ** np.arange(-1, -12.5, -0.5)  # 1e-1 ... 1e-12, half a decade apart


def epsilon_sweep(check_fn, bug="none", case=None, epsilons=EPSILONS):
    """Relative difference (len(epsilons),) that ``check_fn`` (the learner's
    ``gradient_check_n``) reports at each epsilon, for the backward pass with the planted
    ``bug`` (a key of ``gradcheck.PLANTED_BUGS``; "none" is the correct pass).

    ``case`` is (X, Y, parameters); default: the lab's ``checks.gradient_check_n_case()``.
    """
    X, Y, parameters = case if case is not None else checks.gradient_check_n_case()
    correct = nn.backward_propagation(X, Y, nn.forward_propagation(X, parameters)[1])
    gradients = gradcheck.PLANTED_BUGS[bug](correct)
    return np.array([check_fn(parameters, gradients, X, Y, epsilon=e) for e in epsilons])


def epsilon_summary(sweep, epsilon, epsilons=EPSILONS):
    """One line: each curve's relative difference at the grid epsilon nearest ``epsilon``."""
    at = int(np.argmin(np.abs(np.log10(epsilons) - np.log10(epsilon))))
    values = ", ".join(f"{name} {curve[at]:.1e}" for name, curve in sweep.items())
    return f"epsilon = {epsilons[at]:.0e}: {values}"


def draw_epsilon_sweep(sweep, epsilon, epsilons=EPSILONS):
    """Log-log plot of each curve of ``sweep`` (label -> ``epsilon_sweep`` result) against
    epsilon, marking ``epsilon``."""
    fig, ax = plt.subplots(figsize=(7.5, 4))
    at = int(np.argmin(np.abs(np.log10(epsilons) - np.log10(epsilon))))
    for name, values in sweep.items():
        line = ax.plot(epsilons, np.maximum(values, 1e-17), marker=".", label=name)[0]
        ax.plot(epsilons[at], max(values[at], 1e-17), "o", ms=10, color=line.get_color())
    plots.log_scale(ax, "both")
    ax.axhline(gradcheck.THRESHOLD, color="grey", ls="--", lw=1, label="threshold 2e-7")
    ax.axvline(epsilon, color="black", lw=0.8)
    ax.invert_xaxis()
    ax.set_xlabel("epsilon (smaller to the right)")
    ax.set_ylabel("relative difference")
    ax.legend(fontsize="small", loc="lower left")
    ax.set_title(epsilon_summary(sweep, epsilon, epsilons), fontsize="medium")
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
    return fig


def gradient_check_explorer(check_fn, case=None):
    """Explorer of the Gradient Checking lab: epsilon (log slider) and a planted bug.

    ``check_fn`` is the learner's ``gradient_check_n``. The sweep over all epsilons is
    computed once per curve and cached; the slider only moves the marker. Returns the widget.
    """
    import ipywidgets as w

    bugs = [name for name in gradcheck.PLANTED_BUGS if name != "none"]
    bug = w.Dropdown(
        options=bugs,
        value=bugs[2],
        description="planted bug",
        style={"description_width": "initial"},
        layout={"width": "340px"},
    )
    epsilon = w.FloatLogSlider(
        value=1e-7,
        base=10,
        min=-12,
        max=-1,
        step=0.5,
        description="epsilon",
        continuous_update=False,
        readout_format=".0e",
    )
    out, status = w.Output(), w.Label()
    sweeps = {}

    def redraw(_=None):
        try:
            for name in ("none", bug.value):
                if name not in sweeps:
                    sweeps[name] = epsilon_sweep(check_fn, name, case)
        except NotImplementedError:
            status.value = "gradient_check_n is not implemented yet: finish that exercise first."
            out.clear_output()
            return
        curves = {"correct": sweeps["none"], bug.value: sweeps[bug.value]}
        _show(out, draw_epsilon_sweep(curves, epsilon.value))
        status.value = epsilon_summary(curves, epsilon.value)

    for control in (bug, epsilon):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([bug, epsilon]), status, out])
