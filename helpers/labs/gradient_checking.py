"""Gradient Checking (week 1): the public checks, planted bugs and the epsilon explorer of
``notebooks/week1/gradient_checking.ipynb``. The checking tools themselves (flattening,
numerical gradient, block report) are shared: ``helpers.gradcheck``."""

import numpy as np

from helpers import checking, errors, gradcheck, nn, plots
from helpers.explorer import WIDE, Explorer, LiveFigure, log_slider

# ---------------------------------------------------------------- checks

GOOD = "Your backward propagation works perfectly fine!"
BAD = "There is a mistake in the backward propagation!"


def forward_propagation_test(target, cases=((2.0, 4.0), (-3.0, 0.5))):
    """J = theta * x for scalar x and theta."""
    want = checking.expected("gradient_checking.forward_propagation", cases=cases)
    for (x, theta), value in zip(cases, want, strict=True):
        checking.assert_close(
            f"forward_propagation(x={x}, theta={theta})", checking.call(target, x, theta), value
        )
    print(checking.PASSED)


def backward_propagation_test(target, cases=((2.0, 4.0), (-3.0, 0.5))):
    """dJ/dtheta = x, derived (to round-off), not estimated."""
    want = checking.expected("gradient_checking.backward_propagation", cases=cases)
    for (x, theta), value in zip(cases, want, strict=True):
        checking.assert_close(
            f"backward_propagation(x={x}, theta={theta})",
            checking.call(target, x, theta),
            value,
            rtol=checking.GRADIENT_RTOL,
            atol=checking.GRADIENT_ATOL * abs(value),
        )
    print(checking.PASSED)


TWO_SIDED = "the two-sided difference is (J(θ + ε) - J(θ - ε)) / (2ε)"


def _two_sided_hint(difference):
    """A relative difference of 1/3: the estimate is twice or half the gradient."""
    if np.isclose(difference, 1 / 3, rtol=1e-3):
        return f"1/3 comes from an estimate twice or half the gradient: {TWO_SIDED}"
    return None


def gradient_check_test(target, x=2.0, theta=4.0, epsilon=1e-7):
    """Returns the relative difference as a Python float, below 2e-7, and prints the verdict."""
    where = f"gradient_check({x}, {theta})"
    want = checking.expected("gradient_checking.gradient_check", x=x, theta=theta, epsilon=epsilon)
    difference, printed = checking.called(target, x, theta, epsilon=epsilon, print_msg=True)
    checking.assert_python_float(where, difference)
    checking.assert_close(where, difference, want, rtol=1e-3, atol=1e-12, hint=_two_sided_hint)
    if GOOD not in printed:
        raise AssertionError(
            f"{where} with print_msg=True should print {GOOD!r}; it printed {printed!r}."
        )
    _, printed = checking.called(target, x, theta, epsilon=epsilon)
    if printed:
        raise AssertionError(f"{where} printed {printed!r} although print_msg=False.")
    print(checking.PASSED)


def gradient_check_n_case(seed=1, layers=(4, 5, 3, 1), m=3):
    """The course's test case: X (4, 3), Y (1, 3) and random parameters of a [4, 5, 3, 1] net."""
    rng = np.random.RandomState(seed)
    X = rng.randn(layers[0], m)
    Y = (np.arange(m) % 3 != 2).astype(np.int64).reshape(1, m)  # [1, 1, 0, ...] as the course
    parameters = {}
    for layer in range(1, len(layers)):
        parameters[f"W{layer}"] = rng.randn(layers[layer], layers[layer - 1])
        parameters[f"b{layer}"] = rng.randn(layers[layer], 1)
    return X, Y, parameters


def gradient_check_n_test(target, seed=1, bugs=("none", "dW2 × 2", "db1 × 4")):
    """The learner's check passes correct gradients and flags each planted bug, with the
    course's relative difference; at epsilon 1e-3 it must match the two-sided difference."""
    X, Y, parameters = gradient_check_n_case(seed)
    want = checking.expected("gradient_checking.gradient_check_n", seed=seed, bugs=bugs)
    _, cache = nn.forward_propagation(X, parameters)
    correct = nn.backward_propagation(X, Y, cache)
    cases = [(bug, 1e-7) for bug in bugs] + [("none", 1e-3)]
    for (bug, epsilon), expected in zip(cases, want, strict=True):
        gradients = PLANTED_BUGS[bug](correct)
        where = "gradient_check_n with " + ("correct gradients" if bug == "none" else f"bug {bug}")
        where += f" and epsilon={epsilon:g}" if epsilon != 1e-7 else ""
        difference, printed = checking.called(
            target, parameters, gradients, X, Y, epsilon=epsilon, print_msg=True
        )
        checking.assert_python_float(where, difference)
        if bug == "none" and epsilon == 1e-7:  # round-off territory: same size, under 2e-7
            if not difference < gradcheck.THRESHOLD:
                hint = _two_sided_hint(difference)
                raise AssertionError(
                    f"{where} returned {difference:.3e}, expected below 2e-7 "
                    f"(about {expected:.2e}{f'; {hint}' if hint else ''})."
                )
            checking.assert_close(where, difference, expected, rtol=0.5)
        else:  # the bug or the truncation error dominates: a two-sided difference gives this
            hint = (
                (lambda _: f"at this epsilon the estimate's own error shows: {TWO_SIDED}")
                if (bug == "none")
                else None
            )
            checking.assert_close(where, difference, expected, rtol=1e-2, hint=hint)
        verdict = GOOD if bug == "none" else BAD
        if verdict not in printed:
            raise AssertionError(f"{where} should print {verdict!r}; it printed {printed!r}.")
    print(checking.PASSED)


# Planted bugs for the explorer and the tests: each maps correct gradients to buggy ones.
PLANTED_BUGS = {
    "none": lambda g: g,
    "dW2 × 2": lambda g: {**g, "dW2": 2 * g["dW2"]},
    "db1 × 4": lambda g: {**g, "db1": 4 * g["db1"]},
    "dW2 × 2 and db1 × 4 (the lab's)": lambda g: {**g, "dW2": 2 * g["dW2"], "db1": 4 * g["db1"]},
    "db3 without the 1/m": lambda g: {**g, "db3": g["db3"] * g["dZ3"].shape[1]},
    "dW1 with the wrong sign": lambda g: {**g, "dW1": -g["dW1"]},
}


# ---------------------------------------------------------------- explorer


EPSILONS = 10.0 ** np.arange(-1, -12.5, -0.5)  # 1e-1 ... 1e-12, half a decade apart


def epsilon_sweep(check_fn, bug="none", case=None, epsilons=EPSILONS):
    """Relative difference (len(epsilons),) that ``check_fn`` (the learner's
    ``gradient_check_n``) reports at each epsilon, for the backward pass with the planted
    ``bug`` (a key of ``PLANTED_BUGS``; "none" is the correct pass).

    ``case`` is (X, Y, parameters); default: the lab's ``gradient_check_n_case()``.
    """
    X, Y, parameters = case if case is not None else gradient_check_n_case()
    correct = nn.backward_propagation(X, Y, nn.forward_propagation(X, parameters)[1])
    gradients = PLANTED_BUGS[bug](correct)
    return np.array([check_fn(parameters, gradients, X, Y, epsilon=e) for e in epsilons])


def epsilon_summary(sweep, epsilon, epsilons=EPSILONS):
    """One line: each curve's relative difference at the grid epsilon nearest ``epsilon``."""
    at = int(np.argmin(np.abs(np.log10(epsilons) - np.log10(epsilon))))
    values = ", ".join(f"{name} {curve[at]:.1e}" for name, curve in sweep.items())
    return f"epsilon = {epsilons[at]:.0e}: {values}"


class EpsilonFigure:
    """The explorer's live figure: the relative difference against epsilon (log-log, epsilon
    decreasing to the right), correct and with the planted bug, a marker at the chosen
    epsilon, the threshold."""

    def __init__(self, epsilons=EPSILONS):
        self.live, (ax,) = LiveFigure.subplots(1, 1, figsize=(7.5, 4))
        self.epsilons = epsilons
        self.lines = [ax.plot([], [], marker=".", label=name)[0] for name in ("correct", "bug")]
        self.marks = [ax.plot([], [], "o", ms=10, color=line.get_color())[0] for line in self.lines]
        plots.log_scale(ax, "both")
        ax.axhline(gradcheck.THRESHOLD, color="grey", ls="--", lw=1, label="threshold 2e-7")
        ax.set(
            xlim=(epsilons.max() * 2, epsilons.min() / 2),
            ylim=(1e-17, 10),
            xlabel="epsilon (smaller to the right)",
            ylabel="relative difference",
        )
        self.at = ax.axvline(epsilons[0], color="black", lw=0.8)  # after the limits are set
        self.legend = ax.legend(fontsize="small", loc="lower left")
        self.title = ax.set_title(" ", fontsize="medium")
        self.live.fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
        self.live.moving = [*self.lines, *self.marks, self.at, self.legend, self.title]

    def update(self, view):
        """``view``: ``curves`` (label -> ``epsilon_sweep`` result, the correct one first) and
        ``epsilon``."""
        sweep, epsilon = view["curves"], view["epsilon"]
        at = int(np.argmin(np.abs(np.log10(self.epsilons) - np.log10(epsilon))))
        for line, mark, text, (name, values) in zip(
            self.lines, self.marks, self.legend.get_texts(), sweep.items(), strict=False
        ):
            line.set_data(self.epsilons, np.maximum(values, 1e-17))
            mark.set_data([self.epsilons[at]], [max(values[at], 1e-17)])
            text.set_text(name)
        self.at.set_xdata([epsilon, epsilon])
        self.title.set_text(self.status(view))
        return self.live

    def status(self, view):
        return epsilon_summary(view["curves"], view["epsilon"], self.epsilons)


def gradient_check_explorer(check_fn=None, case=None, **start):
    """Explorer of the Gradient Checking lab: epsilon (log slider) and a planted bug.

    ``check_fn`` is the learner's ``gradient_check_n`` (default: as the notebook defines it
    when used); until it is written and run, the status line says so. The
    sweep over all epsilons is computed once per curve and cached; the slider only moves
    the marker. ``start`` sets bug, epsilon. Returns the
    explorer (a cell shows it).
    """
    import ipywidgets as w

    check_fn = check_fn or errors.notebook_function("gradient_check_n")
    bugs = [name for name in PLANTED_BUGS if name != "none"]
    controls = {
        "bug": w.Dropdown(
            options=bugs,
            value=bugs[2],
            description="planted bug",
            style=WIDE,
            layout={"width": "340px"},
        ),
        "epsilon": log_slider(1e-7, -12, -1, 0.5, "epsilon", readout_format=".0e"),
    }
    sweeps = {}  # planted bug -> its sweep, computed once

    def view(bug, epsilon):
        for name in ("none", bug):
            if name not in sweeps:
                sweeps[name] = epsilon_sweep(check_fn, name, case)
        return {"curves": {"correct": sweeps["none"], bug: sweeps[bug]}, "epsilon": epsilon}

    return Explorer(
        controls, view, EpsilonFigure(), start=start, call="lab.gradient_check_explorer("
    )
