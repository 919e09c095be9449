"""Slider explorers. Each has a plain compute function (tested by pytest), a draw function
(matplotlib, no widgets) and the ``*_explorer`` that wires sliders to them; a notebook cell
is one call of the explorer.
"""

import matplotlib.pyplot as plt
import numpy as np

from helpers import checks, data, gradcheck, nn, optim, plots


def _iterations_slider(maximum, step):
    """The explorers' iterations slider: 0 ... maximum in snapshot steps, starting at the end."""
    import ipywidgets as w

    return w.IntSlider(
        value=maximum,
        min=0,
        max=maximum,
        step=step,
        description="iterations",
        continuous_update=False,
    )


def figure_png(fig):
    """PNG bytes of ``fig`` as laid out (explorer figures set their margins, so the inline
    backend's tight-bbox pass, a second full draw, is not needed); the figure is freed."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _show(out, fig):
    """Replace what the Output widget ``out`` shows with ``fig``."""
    from IPython.display import Image, clear_output, display

    png = figure_png(fig)
    with out:
        clear_output(wait=True)
        display(Image(data=png, format="png"))


# ---------------------------------------------------------------- Initialization (week 1)

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


# ---------------------------------------------------------------- Gradient Checking (week 1)

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


# ---------------------------------------------------------------- Regularization (week 1)

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


# ---------------------------------------------------------------- Optimization Methods (week 2)

EWA_BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99)
WIDE = {"description_width": "initial"}  # a slider label shown in full


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


# ---------------------------------------------------------------- TensorFlow / SIGNS (week 3)

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


def main(argv=None):
    """``python -m helpers.widgets precompute``: train the explorers' grids ahead of time."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpers.widgets")
    parser.add_argument("command", choices=["precompute"])
    parser.parse_args(argv)
    grid = regularization_grid()
    print(f"regularization explorer: {len(grid['settings'])} settings ready")
    grid = optim.explorer_grid()
    print(
        f"optimizer explorer: {grid['costs'].shape[-1]} settings × {len(optim.BATCH_SIZES)} "
        "mini-batch sizes ready"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
