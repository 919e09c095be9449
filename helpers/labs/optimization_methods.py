"""Optimization Methods (week 2): the public checks, the compute behind the experiments
and the explorers of ``notebooks/week2/optimization_methods.ipynb``.

- ``ewa``: exponentially weighted averages of a series, with or without bias correction;
- ``SURFACES`` and ``loss_surface_paths``: gd, momentum, RMSprop, Adam on 2-D loss surfaces
  (an elongated bowl, a saddle with its plateau, Rosenbrock's valley), trained ahead;
- ``decay_schedules``: the lecture's learning-rate decays, side by side;
- ``explorer_grid``: the lab's [2, 5, 2, 1] moons model trained with mini-batches for every
  optimizer setting the optimizer explorer offers, trained ahead (``tools.precompute``).
"""

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from helpers import checking, data, grids, nn, plots
from helpers.explorer import WIDE, Explorer, LiveFigure, choice_slider, log_slider

# ---------------------------------------------------------------- checks


def optimization_case(seed=2, layers=(3, 2, 3)):
    """Parameters W_l (n_l, n_{l-1}), b_l (n_l, 1) and gradients dW_l, db_l from
    np.random.seed(seed) and randn, for a net with ``layers`` sizes; plus a velocity v
    (randn) and a squared-gradient average s (randn squared), keyed like the gradients."""
    rng = np.random.RandomState(seed)
    parameters, grads, v, s = {}, {}, {}, {}
    for l in range(1, len(layers)):
        for name, shape in ((f"W{l}", (layers[l], layers[l - 1])), (f"b{l}", (layers[l], 1))):
            parameters[name] = rng.randn(*shape)
            grads["d" + name] = rng.randn(*shape)
            v["d" + name] = rng.randn(*shape)
            s["d" + name] = rng.randn(*shape) ** 2
    return parameters, grads, v, s


def _expected(exercise, **case):
    return checking.expected(f"optimization_methods.{exercise}", **case)


def update_parameters_with_gd_test(target, seed=2, layers=(3, 2, 3), learning_rate=0.01):
    """W_l -= learning_rate * dW_l and b_l -= learning_rate * db_l for every layer."""
    parameters, grads, _, _ = optimization_case(seed, layers)
    want = _expected(
        "update_parameters_with_gd", seed=seed, layers=layers, learning_rate=learning_rate
    )
    got = checking.call(target, *checking.copies(parameters, grads), learning_rate)
    checking.assert_dict(
        f"update_parameters_with_gd(learning_rate={learning_rate})",
        got,
        want,
        list(want),
        what="the parameters",
    )
    print(checking.PASSED)


def mini_batches_case(seed=1, n_x=5, m=148):
    """X = randn(n_x, m), Y = (randn(1, m) < 0.5) as int from np.random.seed(seed)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_x, m)
    Y = (rng.randn(1, m) < 0.5).astype(np.int64)
    return X, Y


def random_mini_batches_test(target, seed=1, n_x=5, m=148, mini_batch_size=64, shuffle_seed=0):
    """Shuffle columns with np.random.permutation after np.random.seed(shuffle_seed), cut into
    mini-batches of mini_batch_size; the last holds the remainder (if any)."""
    X, Y = mini_batches_case(seed, n_x, m)
    want = _expected(
        "random_mini_batches",
        seed=seed,
        n_x=n_x,
        m=m,
        mini_batch_size=mini_batch_size,
        shuffle_seed=shuffle_seed,
    )
    where = f"random_mini_batches(X {X.shape}, Y {Y.shape}, {mini_batch_size}, seed={shuffle_seed})"
    got = checking.call(target, X.copy(), Y.copy(), mini_batch_size, shuffle_seed)
    if not isinstance(got, list):
        raise AssertionError(f"{where} should return a list, got {type(got).__name__}.")
    if len(got) != len(want):
        raise AssertionError(f"{where} returned {len(got)} mini-batches, expected {len(want)}.")
    for i, (batch, (want_X, want_Y)) in enumerate(zip(got, want, strict=True)):
        batch = tuple(batch) if isinstance(batch, list) else batch
        got_X, got_Y = checking.unpack(f"{where}: mini-batch {i}", batch, ["X", "Y"])
        for name, g, w in (("X", got_X, want_X), ("Y", got_Y, want_Y)):
            g = np.asarray(g, dtype=float) if isinstance(g, np.ndarray) else g
            checking.assert_array(f"{where}: mini-batch {i} {name}", g, w.astype(float))
    print(checking.PASSED)


def initialize_velocity_test(target, seed=2, layers=(3, 2, 3)):
    """v["dW_l"], v["db_l"]: zeros shaped like W_l, b_l."""
    parameters, _, _, _ = optimization_case(seed, layers)
    want = _expected("initialize_velocity", seed=seed, layers=layers)
    got = checking.call(target, *checking.copies(parameters))
    checking.assert_dict("initialize_velocity", got, want, list(want), what="the result")
    print(checking.PASSED)


def update_parameters_with_momentum_test(
    target, seed=2, layers=(3, 2, 3), beta=0.9, learning_rate=0.01
):
    """v = beta v + (1 - beta) dW; W -= learning_rate * v (and the same for b)."""
    parameters, grads, v, _ = optimization_case(seed, layers)
    want_p, want_v = _expected(
        "update_parameters_with_momentum",
        seed=seed,
        layers=layers,
        beta=beta,
        learning_rate=learning_rate,
    )
    where = f"update_parameters_with_momentum(beta={beta}, learning_rate={learning_rate})"
    got = checking.call(target, *checking.copies(parameters, grads, v), beta, learning_rate)
    got_p, got_v = checking.unpack(where, got, ["parameters", "v"])
    checking.assert_dict(where, got_v, want_v, list(want_v), what="v")
    checking.assert_dict(where, got_p, want_p, list(want_p), what="the parameters")
    print(checking.PASSED)


def update_parameters_with_rmsprop_test(
    target, seed=2, layers=(3, 2, 3), beta2=0.999, learning_rate=0.01, epsilon=1e-8
):
    """s = beta2 s + (1 - beta2) dW^2; W -= learning_rate * dW / (sqrt(s) + epsilon)."""
    parameters, grads, _, s = optimization_case(seed, layers)
    case = dict(seed=seed, layers=layers, beta2=beta2, learning_rate=learning_rate)
    want_p, want_s = _expected("update_parameters_with_rmsprop", **case, epsilon=epsilon)
    where = f"update_parameters_with_rmsprop(beta2={beta2}, learning_rate={learning_rate})"
    got = checking.call(
        target, *checking.copies(parameters, grads, s), beta2, learning_rate, epsilon
    )
    got_p, got_s = checking.unpack(where, got, ["parameters", "s"])
    checking.assert_dict(where, got_s, want_s, list(want_s), what="s")
    checking.assert_dict(where, got_p, want_p, list(want_p), what="the parameters")
    print(checking.PASSED)


def initialize_adam_test(target, seed=2, layers=(3, 2, 3)):
    """v and s: dicts of zeros shaped like the parameters, keyed dW_l, db_l."""
    parameters, _, _, _ = optimization_case(seed, layers)
    want_v, want_s = _expected("initialize_adam", seed=seed, layers=layers)
    v, s = checking.unpack(
        "initialize_adam", checking.call(target, *checking.copies(parameters)), ["v", "s"]
    )
    checking.assert_dict("initialize_adam: v", v, want_v, list(want_v), what="the result")
    checking.assert_dict("initialize_adam: s", s, want_s, list(want_s), what="the result")
    print(checking.PASSED)


def update_parameters_with_adam_test(
    target,
    seed=2,
    layers=(3, 2, 3),
    t=2,
    learning_rate=0.02,
    beta1=0.8,
    beta2=0.888,
    epsilon=1e-2,
):
    """v, s as momentum and RMSprop; v_corrected = v / (1 - beta1^t), s_corrected likewise;
    W -= learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)."""
    parameters, grads, v, s = optimization_case(seed, layers)
    case = dict(seed=seed, layers=layers, t=t, learning_rate=learning_rate, beta1=beta1)
    want = _expected("update_parameters_with_adam", **case, beta2=beta2, epsilon=epsilon)
    where = f"update_parameters_with_adam(t={t}, beta1={beta1}, beta2={beta2})"
    got = checking.call(
        target, *checking.copies(parameters, grads, v, s), t, learning_rate, beta1, beta2, epsilon
    )
    names = ["parameters", "v", "s", "v_corrected", "s_corrected"]
    got = checking.unpack(where, got, names)
    for k in (1, 2, 3, 4, 0):  # the averages first: a wrong v explains wrong parameters
        checking.assert_dict(where, got[k], want[k], list(want[k]), what=names[k])
    print(checking.PASSED)


def update_lr_test(target, cases=((0.5, 2, 1), (0.5, 0, 1), (0.3, 10, 0.5))):
    """learning_rate0 / (1 + decay_rate * epoch_num)."""
    for (lr0, epoch, rate), value in zip(cases, _expected("update_lr", cases=cases), strict=True):
        checking.assert_close(
            f"update_lr({lr0}, epoch_num={epoch}, decay_rate={rate})",
            checking.call(target, lr0, epoch, rate),
            value,
        )
    print(checking.PASSED)


def schedule_lr_decay_test(
    target, cases=((0.5, 100, 1, 1000), (0.5, 1000, 1, 1000), (0.3, 2500, 0.5, 1000))
):
    """learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))."""
    want = _expected("schedule_lr_decay", cases=cases)
    for (lr0, epoch, rate, interval), value in zip(cases, want, strict=True):
        checking.assert_close(
            f"schedule_lr_decay({lr0}, epoch_num={epoch}, decay_rate={rate}, "
            f"time_interval={interval})",
            checking.call(target, lr0, epoch, rate, interval),
            value,
        )
    print(checking.PASSED)


# ---------------------------------------------------------------- exponentially weighted averages


def temperature_series(days=365, seed=0):
    """A year of noisy daily temperatures (°C), the lectures' London example: (days,) float64."""
    rng = np.random.RandomState(seed)
    day = np.arange(days)
    season = 11 - 7 * np.cos(2 * np.pi * (day - 15) / 365)
    return season + 2.0 * np.sin(2 * np.pi * day / 29) + 2.5 * rng.randn(days)


def ewa(series, beta, bias_correction=False):
    """v_t = beta v_{t-1} + (1 - beta) theta_t from v_0 = 0, for t = 1..n; with
    ``bias_correction``, v_t / (1 - beta^t). ``series`` (n,) -> (n,) float64."""
    series = np.asarray(series, dtype=np.float64)
    out, v = np.empty_like(series), 0.0
    for t, theta in enumerate(series, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


# ---------------------------------------------------------------- 2-D loss surfaces


@dataclass(frozen=True)
class Surface:
    """A 2-D loss: ``f(x, y)``, its gradient, where paths start, the plotting window."""

    name: str
    f: object
    grad: object
    start: tuple
    minimum: tuple
    xlim: tuple
    ylim: tuple


def _quadratic(x, y):
    return 0.05 * x**2 + 2.0 * y**2


def _quadratic_grad(x, y):
    return 0.1 * x, 4.0 * y


def _saddle(x, y):
    return 0.5 * x**2 + 0.25 * (y**2 - 1) ** 2


def _saddle_grad(x, y):
    return x, y * (y**2 - 1)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


SURFACES = {
    "elongated bowl": Surface(
        "elongated bowl: 0.05 x² + 2 y²",
        _quadratic,
        _quadratic_grad,
        start=(-9.0, 1.5),
        minimum=(0.0, 0.0),
        xlim=(-10, 2),
        ylim=(-2, 2),
    ),
    "saddle": Surface(  # zero gradient at (0, 0), a saddle; minima at (0, 1) and (0, -1)
        "saddle: x²/2 + (y² - 1)²/4",
        _saddle,
        _saddle_grad,
        start=(-2.5, 1e-3),
        minimum=(0.0, 1.0),
        xlim=(-3, 3),
        ylim=(-1.5, 1.5),
    ),
    "Rosenbrock": Surface(
        "Rosenbrock: (1 - x)² + 100 (y - x²)²",
        _rosenbrock,
        _rosenbrock_grad,
        start=(-1.2, 1.0),
        minimum=(1.0, 1.0),
        xlim=(-2, 2),
        ylim=(-1, 3),
    ),
}


# ---------------------------------------------------------------- learning-rate schedules


def decay_schedules(
    update_lr, learning_rate0, epochs, decay_rate=1.0, base=0.95, k=1.0, halve_every=10
):
    """The lecture's learning-rate decays over epochs 1 ... ``epochs`` (arrays (epochs,)):
    the learner's ``update_lr`` (1 / (1 + decay_rate * epoch)), base ** epoch, k / sqrt(epoch)
    (each times ``learning_rate0``) and a staircase that halves it every ``halve_every``."""
    epoch = np.arange(1, epochs + 1, dtype=np.float64)
    return {
        f"1 / (1 + {decay_rate:g} epoch) (your update_lr)": np.array(
            [update_lr(learning_rate0, e, decay_rate) for e in epoch], dtype=np.float64
        ),
        f"{base:g}^epoch": learning_rate0 * base**epoch,
        f"{k:g} / sqrt(epoch)": learning_rate0 * k / np.sqrt(epoch),
        f"staircase: halve every {halve_every}": learning_rate0 * 0.5 ** (epoch // halve_every),
    }


def draw_decay_schedules(update_lr, learning_rate0=0.2, epochs=50, ax=None):
    """Plot ``decay_schedules`` (learning rate against epoch, one line each)."""
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    epoch = np.arange(1, epochs + 1)
    for label, rates in decay_schedules(update_lr, learning_rate0, epochs).items():
        steps = "steps-post" if label.startswith("staircase") else "default"
        ax.plot(epoch, rates, drawstyle=steps, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate α")
    ax.set_title(f"learning-rate decay from α0 = {learning_rate0:g}")
    ax.legend()


# ---------------------------------------------------------------- the moons model, many settings

MOONS_LAYERS = nn.MOONS_LAYERS
SHUFFLE_SEED = nn.MOONS_SHUFFLE_SEED  # the lab's model: seed = 10, then seed + 1 before each epoch


def moons_start(layers_dims=MOONS_LAYERS):
    """The lab's start of the [2, 5, 2, 1] moons net: the course's He draws (seed 3,
    randn * sqrt(2 / n_prev)), biases 0; provided data (``nn.start_weights``)."""
    return nn.start_weights("moons", layers_dims)


LEARNING_RATES = (0.0001, 0.0003, 0.0007, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
BETAS = (0.5, 0.9, 0.99)  # momentum's beta, Adam's beta1
BETA2S = (0.99, 0.999)  # RMSprop's and Adam's beta2
BATCH_SIZES = (1, 16, 64, 300)
EPOCHS = {1: 500, 16: 5000, 64: 5000, 300: 5000}  # batch 1 makes 300 updates an epoch
RECORDS = 50  # cost points per curve


def explorer_settings():
    """Every setting the optimizer explorer offers (324): each optimizer at each learning
    rate, with each beta it uses, and each decay."""
    settings = []
    for decay in grids.DECAYS:
        for lr in LEARNING_RATES:
            settings.append(grids.Setting("gd", lr, decay=decay))
            settings += [grids.Setting("momentum", lr, beta=b, decay=decay) for b in BETAS]
            settings += [grids.Setting("rmsprop", lr, beta2=b2, decay=decay) for b2 in BETA2S]
            settings += [
                grids.Setting("adam", lr, beta=b, beta2=b2, decay=decay)
                for b in BETAS
                for b2 in BETA2S
            ]
    return settings


SETTINGS = explorer_settings()


def explorer_recipe(batch_size):
    """How the grid trains at one mini-batch size (``tools.stacked``): the lab's ``model``
    (He start, reshuffled mini-batches) at every setting, ``RECORDS`` costs per curve."""
    epochs = EPOCHS[batch_size]
    return grids.Recipe(
        MOONS_LAYERS,
        SETTINGS,
        epochs,
        batch_size=batch_size,
        shuffle_seed=SHUFFLE_SEED,
        record_every=epochs // RECORDS,
        observe_at=(epochs,),
    )


def explorer_grid_inputs(moons):
    """What the optimizer grid depends on (its cache key): data, recipes, start."""
    moons = grids.data_set(moons, "moons")
    return (*moons, *map(explorer_recipe, BATCH_SIZES), *moons_start().values())


def explorer_grid(moons=None, cache_dir=None):
    """The optimizer explorer's grid on the moons set (or the four arrays of another 2-D
    set), trained ahead by ``make datasets``. A dict of arrays, K = len(SETTINGS),
    B = len(BATCH_SIZES): ``costs`` (B, RECORDS, K), ``epochs`` (B, RECORDS),
    ``train_acc`` / ``test_acc`` (B, K) and the final parameters ``W1`` ... ``b3`` (B, K, ...)."""
    arrays = moons if moons is not None else data.load_moons()
    return grids.load("optimizers", explorer_grid_inputs(arrays), cache_dir)


def grid_view(grid, setting, batch_size):
    """What the explorer shows for one setting and batch size: its cost curve, accuracies,
    parameters, and the curves of the four optimizers at the same learning rate, betas,
    decay and batch size (a dict)."""
    b, k = BATCH_SIZES.index(batch_size), grids.position(SETTINGS, setting)
    same = {}
    for name in grids.OPTIMIZERS:
        other = grids.Setting(
            name,
            setting.learning_rate,
            beta=setting.beta if name in ("momentum", "adam") else 0.9,
            beta2=setting.beta2 if name in ("rmsprop", "adam") else 0.999,
            decay=setting.decay,
        )
        same[name] = grid["costs"][b, :, grids.position(SETTINGS, other)]
    return {
        "epochs": grid["epochs"][b],
        "cost": grid["costs"][b, :, k],
        "curves": same,
        "train_acc": float(grid["train_acc"][b, k]),
        "test_acc": float(grid["test_acc"][b, k]),
        "parameters": {key: grid[key][b, k] for key in ("W1", "b1", "W2", "b2", "W3", "b3")},
        "setting": setting,
        "batch": batch_size,
    }


# ---------------------------------------------------------------- explorers

EWA_BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99)


def ewa_summary(series, beta, bias_correction):
    """One line: the window the average spans and how far off its first week is."""
    averaged = ewa(series, beta, bias_correction)
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
        ax.plot(days, ewa(series, beta, bias_correction), lw=2, label=f"β = {beta:g}")
    ax.set_xlabel("day")
    ax.set_ylabel("°C")
    ax.set_title(
        f"exponentially weighted averages, {'with' if bias_correction else 'no'} bias correction"
    )
    ax.legend(fontsize="small", loc="upper left")
    return fig


class EwaFigure:
    """The EWA explorer's live figure: the series (drawn once) and one average over it."""

    def __init__(self, series):
        self.series, days = series, np.arange(1, len(series) + 1)
        self.live, (ax,) = LiveFigure.subplots(1, 1, figsize=(9, 3.6))
        ax.plot(days, series, ".", color="0.6", markersize=4, label="daily temperature")
        (self.line,) = ax.plot(days, ewa(series, 0.9), lw=2, label="weighted average")
        ax.set(
            xlabel="day",
            ylabel="°C",
            xlim=(0, len(series) + 1),
            ylim=(min(0.0, series.min()) - 2, series.max() + 2),
        )
        legend = ax.legend(fontsize="small", loc="upper left")
        self.title = ax.set_title(" ")
        self.live.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9)
        self.live.moving = [self.line, self.title, legend]  # the legend over the line

    def update(self, view):
        """Draw the average of ``view`` (``beta``, ``corrected``); returns the ``LiveFigure``."""
        beta, bias_correction = view["beta"], view["corrected"]
        self.line.set_ydata(ewa(self.series, beta, bias_correction))
        self.title.set_text(
            f"exponentially weighted average, β = {beta:g}, "
            f"{'with' if bias_correction else 'no'} bias correction"
        )
        return self.live

    def status(self, view):
        return ewa_summary(self.series, view["beta"], view["corrected"])


def ewa_explorer(series=None, **start):
    """Explorer of exponentially weighted averages: beta and bias correction over a year of
    noisy temperatures (``temperature_series``); ``start`` sets beta, corrected. Returns the
    explorer (a cell shows it)."""
    import ipywidgets as w

    series = temperature_series() if series is None else series
    controls = {
        "beta": choice_slider(EWA_BETAS, 0.9, "β"),
        "corrected": w.Checkbox(value=False, description="bias correction"),
    }

    def view(beta, corrected):
        return {"beta": beta, "corrected": corrected}

    return Explorer(controls, view, EwaFigure(series), start=start, call="lab.ewa_explorer(")


PATH_STEPS = 300
PATH_RATES = 10.0 ** np.arange(-4, 0.01, 0.25)  # the learning-rate slider's values


def loss_surface_inputs():
    """What the paths depend on (their cache key)."""
    return (
        [(*s.start, *s.minimum, *s.xlim, *s.ylim) for s in SURFACES.values()],
        [s.name.encode() for s in SURFACES.values()],
        PATH_RATES,
        EWA_BETAS,
        [PATH_STEPS],
    )


def loss_surface_paths(cache_dir=None):
    """The four optimizers' paths on every surface at every (learning rate, beta) of the
    explorer, trained ahead by ``make datasets``: ``paths`` (surfaces, rates, betas, 4,
    steps + 1, 2) and ``losses`` (surfaces, rates, betas, 4, steps + 1)."""
    return grids.load("loss-surfaces", loss_surface_inputs(), cache_dir)


def paths_at(paths, surface, learning_rate, beta):
    """(points (4, steps + 1, 2), losses (4, steps + 1)) of one explorer setting."""
    i = list(SURFACES).index(surface)
    j = int(np.argmin(np.abs(np.log10(PATH_RATES) - np.log10(learning_rate))))
    if not np.isclose(PATH_RATES[j], learning_rate, rtol=1e-6):
        raise ValueError(f"learning rate {learning_rate:g} is not on the explorer's slider")
    k = grids.position(EWA_BETAS, beta)
    return paths["paths"][i, j, k], paths["losses"][i, j, k]


def path_settings(learning_rate, beta, beta2=0.999):
    """The four optimizers at one learning rate (beta for momentum and Adam's beta1)."""
    return [
        grids.Setting("gd", learning_rate),
        grids.Setting("momentum", learning_rate, beta=beta),
        grids.Setting("rmsprop", learning_rate, beta2=beta2),
        grids.Setting("adam", learning_rate, beta=beta, beta2=beta2),
    ]


def path_summary(settings, losses):
    """One line: each optimizer's final loss on the surface ("diverged" if above the start)."""
    finals = ", ".join(
        f"{s.optimizer} {'diverged' if loss[-1] > loss[0] else f'{loss[-1]:.2g}'}"
        for s, loss in zip(settings, losses, strict=True)
    )
    return f"loss after {losses.shape[1] - 1} steps: {finals}"


class PathsFigure:
    """The loss-surface explorer's live figure for one surface: the paths on its bands (drawn
    once), and the loss per step on a log axis whose range is fixed per surface."""

    def __init__(self, surface, names=grids.OPTIMIZERS, steps=PATH_STEPS):
        self.live, (left, right) = LiveFigure.subplots(1, 2, figsize=(11, 4), width_ratios=[1.4, 1])
        plots.plot_loss_surface(surface, ax=left)
        left.set_title(surface.name)
        self.paths = [left.plot([], [], lw=1.6, label=name)[0] for name in names]
        left.plot(*surface.start, marker="o", color="k", linestyle="none")
        legend = left.legend(fontsize="small", loc="lower right")
        self.losses = [right.plot([], [], label=name)[0] for name in names]
        plots.log_scale(right)
        start = float(surface.f(*surface.start))
        right.set(xlabel="step", title="loss", xlim=(0, steps), ylim=(1e-12, 100 * start))
        self.live.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.18)
        self.live.moving = [*self.paths, legend, *self.losses]

    def update(self, paths, losses):
        """Draw the paths (4, steps + 1, 2) and their losses (4, steps + 1)."""
        for line, path in zip(self.paths, paths, strict=True):
            line.set_data(path[:, 0], path[:, 1])
        for line, loss in zip(self.losses, losses, strict=True):
            line.set_data(np.arange(len(loss)), np.maximum(loss, 1e-12))
        return self.live


class SurfacesFigure:
    """The loss-surface explorer's figure: a ``PathsFigure`` per surface, made when first
    shown; draws a view of ``loss_surface_explorer``."""

    def __init__(self):
        self.figures = {}

    def update(self, view):
        surface = view["surface"]
        if surface not in self.figures:
            self.figures[surface] = PathsFigure(SURFACES[surface])
        return self.figures[surface].update(view["paths"], view["losses"])

    def status(self, view):
        return path_summary(view["settings"], view["losses"])


def loss_surface_explorer(**start):
    """Explorer of the four optimizers on 2-D losses: surface, learning rate (log), beta;
    ``start`` sets surface, lr, beta.

    The paths are trained ahead (``loss_surface_paths``); a move looks them up and redraws.
    """
    import ipywidgets as w

    controls = {
        "surface": w.Dropdown(options=list(SURFACES), description="loss"),
        "lr": log_slider(0.1, -4, 0, 0.25, "learning rate", style=WIDE),
        "beta": choice_slider(EWA_BETAS, 0.9, "β / β1"),
    }
    trained = loss_surface_paths()

    def view(surface, lr, beta):
        paths, losses = paths_at(trained, surface, lr, beta)
        return {
            "surface": surface,
            "settings": path_settings(lr, beta),
            "paths": paths,
            "losses": losses,
        }

    return Explorer(
        controls, view, SurfacesFigure(), start=start, call="lab.loss_surface_explorer("
    )


def optimizer_summary(view, setting, batch_size):
    """One line: the setting, its final cost and its accuracies."""
    return (
        f"{setting.label}, mini-batch {batch_size}: cost {view['cost'][-1]:.3f} after "
        f"{EPOCHS[batch_size]} epochs, train accuracy "
        f"{view['train_acc']:.3f}, test accuracy {view['test_acc']:.3f}"
    )


class OptimizerFigure:
    """The moons explorer's live figure: cost per epoch of the four optimizers at the same
    learning rate, betas, decay and batch size (the chosen one bold), and the chosen one's
    decision boundary over the training set."""

    def __init__(self, moons):
        train_X, train_Y = moons[:2]
        self.live, (left, right) = LiveFigure.subplots(1, 2, figsize=(11, 4))
        self.curves = {name: left.plot([], [], label=name)[0] for name in grids.OPTIMIZERS}
        left.set(xlabel="epoch", xlim=(0, max(EPOCHS.values())), ylim=(0, 0.8))
        legend = left.legend(fontsize="small")
        self.cost_title = left.set_title(" ")
        self.regions = plots.DecisionRegions(right, train_X, train_Y)
        self.boundary_title = right.set_title(" ")
        self.live.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.92, wspace=0.2)
        self.live.moving = [
            *self.curves.values(),
            legend,
            self.cost_title,
            *self.regions.artists,
            self.boundary_title,
        ]

    def update(self, view):
        """Draw a ``grid_view``; returns the ``LiveFigure``."""
        setting, batch_size = view["setting"], view["batch"]
        for name, line in self.curves.items():
            chosen = name == setting.optimizer
            line.set_data(view["epochs"], view["curves"][name])
            line.set(lw=2.5 if chosen else 1, alpha=1 if chosen else 0.6)
        self.cost_title.set_text(f"cost, lr {setting.learning_rate:g}, mini-batch {batch_size}")
        self.regions.update(lambda P: nn.predict(P, view["parameters"]))
        self.boundary_title.set_text(
            f"{setting.optimizer}: train {view['train_acc']:.3f}, test {view['test_acc']:.3f}"
        )
        return self.live

    def status(self, view):
        return optimizer_summary(view, view["setting"], view["batch"])


def optimizer_explorer(moons=None, **start):
    """Explorer of the Optimization Methods lab on the moons: optimizer, learning rate,
    beta / beta1, beta2, mini-batch size and learning-rate decay (``start`` sets any of
    optimizer, decay, lr, beta, beta2, batch).

    Every setting is trained ahead (``explorer_grid``, cached on disk), so each move is a
    lookup and a redraw. Controls an optimizer does not use are greyed out.
    """
    import ipywidgets as w

    moons = moons if moons is not None else data.load_moons()
    grid = explorer_grid(moons)
    controls = {
        "optimizer": w.ToggleButtons(
            options=grids.OPTIMIZERS, value="adam", description="optimizer"
        ),
        "decay": w.ToggleButtons(options=grids.DECAYS, value="none", description="lr decay"),
        "lr": choice_slider(LEARNING_RATES, 0.0007, "learning rate", style=WIDE),
        "beta": choice_slider(BETAS, 0.9, "β / β1"),
        "beta2": choice_slider(BETA2S, 0.999, "β2"),
        "batch": choice_slider(BATCH_SIZES, 64, "mini-batch"),
    }

    def used(optimizer, **_):  # the betas an optimizer has
        return {
            "beta": optimizer in ("momentum", "adam"),
            "beta2": optimizer in ("rmsprop", "adam"),
        }

    def view(optimizer, decay, lr, beta, beta2, batch):
        has = used(optimizer)
        setting = grids.Setting(
            optimizer,
            lr,
            beta=beta if has["beta"] else 0.9,
            beta2=beta2 if has["beta2"] else 0.999,
            decay=decay,
        )
        return grid_view(grid, setting, batch)

    return Explorer(
        controls,
        view,
        OptimizerFigure(moons),
        enabled=used,
        rows=[["optimizer"], ["decay"], ["lr", "beta", "beta2", "batch"]],
        start=start,
        call="lab.optimizer_explorer(",
    )
