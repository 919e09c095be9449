"""Hyperparameter Tuning (week 3): the public checks, the response map and the explorer of
``notebooks/week3/hyperparameter_tuning.ipynb``.

A sampler takes a ``numpy.random.Generator`` and draws with one call of ``rng.uniform``, so
that a check can replay the same draws from a generator with the same seed. A *box* maps each
hyperparameter's name to its range ``(low, high)``; *trials* map each name to an array
(trials,) of values, one per trial; a trial's *score* is its dev-set cost (lower is better).

The model tuned is the Optimization Methods lab's moons network ([2, 5, 2, 1], He start, Adam,
mini-batches of 64) trained for ``EPOCHS`` epochs; its response map is that model trained at
81 learning rates x 21 Adam epsilons (``response_map``, made by ``make datasets``).
"""

from math import isqrt

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullLocator

from helpers import checking, data, errors, grids, nn
from helpers.explorer import WIDE, Explorer, LiveFigure, choice_slider

# ---------------------------------------------------------------- checks


LINEAR = (
    "samples on a linear scale: most draws land in the top decade. Draw the exponent r uniformly "
    "instead (see the formula above the exercise)."
)
BETA_HINT = (
    "Draw 1 - β on a log scale instead: r uniform in [log10(1 - high), log10(1 - low)], "
    "β = 1 - 10**r."
)
BETA_MISTAKES = {
    "mistake: linear": (
        "samples β on a linear scale: 9 draws in 10 land in [0.9, 0.99], where β averages only "
        f"10 to 100 values, and the range 0.99 ... 0.999 gets 1 in 10. {BETA_HINT}"
    ),
    "mistake: beta on a log scale": (
        "draws β itself on a log scale, which on [0.9, 0.999] is nearly linear: what matters is "
        f"1 - β (how many values β averages, about 1 / (1 - β)). {BETA_HINT}"
    ),
}


def _check_sampler(where, got, expected, low, high, mistakes):
    """Shape, dtype and range first, then the usual mistakes ({draws: message}), then the
    values."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{where} should return a numpy array, got {type(got).__name__}.")
    if got.shape != expected.shape:
        raise AssertionError(f"{where} has shape {got.shape}, expected {expected.shape}.")
    if not np.all((got >= low) & (got <= high)):
        raise AssertionError(f"{where}: values fall outside [{low:g}, {high:g}].")
    for draws, message in mistakes:
        if np.allclose(got, draws):
            raise AssertionError(f"{where} {message}")
    if not np.allclose(got, expected, rtol=1e-12, atol=0):
        raise AssertionError(
            f"{where}: the values differ from one rng.uniform(...) call on the generator you "
            "were given (use rng, not np.random, and draw the exponent in one call)."
        )


def _sampler_test(target, name, low, high, size, seed, hints):
    """Call ``target`` as ``name(low, high, size, rng)`` and compare with the expected draws;
    ``hints``: {mistake's key in the expected data: message}."""
    where = f"{name}({low:g}, {high:g}, size={size}, rng)"
    want = checking.expected(
        f"hyperparameter_tuning.{name}", low=low, high=high, size=size, seed=seed
    )
    got = checking.call(target, low, high, size, np.random.default_rng(seed))
    mistakes = [(want[key], message) for key, message in hints.items()]
    _check_sampler(where, got, want["values"], low, high, mistakes)
    print(checking.PASSED)


def sample_log_uniform_test(target, low=1e-4, high=1.0, size=5, seed=0):
    """10 ** r, r uniform in [log10 low, log10 high], drawn with one rng.uniform call."""
    _sampler_test(target, "sample_log_uniform", low, high, size, seed, {"mistake: linear": LINEAR})


def sample_beta_test(target, low=0.9, high=0.999, size=5, seed=0):
    """1 - 10 ** r, r uniform in [log10(1 - high), log10(1 - low)], one rng.uniform call."""
    _sampler_test(target, "sample_beta", low, high, size, seed, BETA_MISTAKES)


def decade_counts(values, low, high):
    """How many of ``values`` fall in each decade [10^k, 10^(k+1)) from low to high: (decades,)."""
    edges = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    return np.histogram(values, bins=edges)[0]


BOX = {"learning_rate": (1e-4, 1.0), "epsilon": (1e-8, 1e-3)}  # the lab's search box


def random_trials_test(target, box=None, trials=6, seed=0):
    """A dict name -> (trials,) array: one ``sample_log_uniform(low, high, trials, rng)`` per
    hyperparameter, in the box's order, all from the one ``rng``."""
    box = dict(box or BOX)
    want = checking.expected(
        "hyperparameter_tuning.random_trials", box=box, trials=trials, seed=seed
    )
    where = f"random_trials(box with {', '.join(box)}, trials={trials}, rng)"
    got = checking.call(target, dict(box), trials, np.random.default_rng(seed))
    if not isinstance(got, dict) or list(got) != list(box):
        raise AssertionError(
            f"{where} should return a dict with the box's keys in its order, {list(box)}; "
            f"got {list(got) if isinstance(got, dict) else type(got).__name__}."
        )
    reversed_order = want["mistake: reversed order"]
    if len(box) > 1 and all(
        isinstance(got[n], np.ndarray)
        and got[n].shape == (trials,)
        and np.allclose(got[n], reversed_order[n])
        for n in box
    ):
        raise AssertionError(f"{where}: sample the hyperparameters in the box's order.")
    for name, (low, high) in box.items():
        _check_sampler(
            f"{where}[{name!r}]",
            got[name],
            want["trials"][name],
            low,
            high,
            [(want["mistake: linear"][name], LINEAR)],
        )
    print(checking.PASSED)


def zoom_box_case(trials=8, seed=1):
    """Trials over BOX (values evenly spaced on the log scale, shuffled) and their scores
    (uniform in [0.1, 0.7]), from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    sampled = {
        name: np.geomspace(low, high, trials)[rng.permutation(trials)]
        for name, (low, high) in BOX.items()
    }
    return sampled, rng.uniform(0.1, 0.7, trials)


def _same_box(got, box):
    """Whether ``got`` holds each of box's (low, high) pairs, as tuples."""
    return all(
        isinstance(got.get(n), tuple) and len(got[n]) == 2 and np.allclose(got[n], box[n])
        for n in box
    )


def _assert_pair(where, value):
    if not (isinstance(value, tuple) and len(value) == 2):
        raise AssertionError(f"{where} should be a tuple (low, high).")


def _assert_range(where, value, want):
    """``value`` (low, high) is ``want`` (low, high), to round-off."""
    for part, got_value, want_value in zip(("low", "high"), value, want, strict=True):
        checking.assert_close(f"{where} {part}", got_value, want_value, rtol=1e-12)


def zoom_box_test(target, trials=8, keep=3, seed=1):
    """The box (name -> (low, high)) spanned by the ``keep`` lowest-scoring trials."""
    sampled, scores = zoom_box_case(trials, seed)
    want = checking.expected("hyperparameter_tuning.zoom_box", trials=trials, keep=keep, seed=seed)
    expected, highest = want["box"], want["mistake: highest"]
    where = f"zoom_box(trials, scores, keep={keep}) with {trials} trials"
    got = checking.call(target, {k: v.copy() for k, v in sampled.items()}, scores.copy(), keep)
    if not isinstance(got, dict) or list(got) != list(BOX):
        raise AssertionError(f"{where} should return a dict with the keys {list(BOX)}.")
    for k, box in want["mistake: miscounted"].items():
        if _same_box(got, box):
            raise AssertionError(
                f"{where}: it spans the best {k} trials; keep exactly {keep} "
                "(np.argsort(scores)[:keep])."
            )
    for name, want_box in expected.items():
        value = got[name]
        _assert_pair(f"{where}[{name!r}]", value)
        if np.allclose(value, highest[name]) and not np.allclose(value, want_box):
            raise AssertionError(
                f"{where}: it kept the trials with the highest scores. A score is a dev cost: "
                "the best trials have the lowest (np.argsort sorts from lowest)."
            )
        _assert_range(f"{where}[{name!r}]", value, want_box)
    print(checking.PASSED)


def history_case(rounds=1, trials=12, seed=2):
    """``rounds`` finished rounds over BOX, each a dict: box, trials (values evenly spaced on
    the log scale, shuffled) and scores (uniform in [0.1, 0.7]); round r from
    ``default_rng(seed + r)``."""
    history = []
    for r in range(rounds):
        sampled, scores = zoom_box_case(trials, seed + r)
        history.append({"box": dict(BOX), "trials": sampled, "scores": scores})
    return history


def next_box_test(target, rounds=1, trials=12, keep=0.2, seed=2):
    """The whole box before any round; then zoom_box of all the trials so far, keeping the
    best ``keep`` fraction of them (rounded, at least 2)."""
    history = history_case(rounds, trials, seed)
    case = dict(rounds=rounds, trials=trials, keep=keep, seed=seed)
    want = checking.expected("hyperparameter_tuning.next_box", **case)
    where = f"next_box(history of {rounds} round(s) of {trials} trials, BOX, keep={keep})"
    sent = [
        {"box": dict(h["box"]), "trials": dict(h["trials"]), "scores": h["scores"].copy()}
        for h in history
    ]
    got = checking.call(target, sent, dict(BOX), keep)
    if not isinstance(got, dict) or list(got) != list(BOX):
        raise AssertionError(f"{where} should return a dict with the keys {list(BOX)}.")
    mistakes = {
        "last round only": "zoom on the trials of every round so far, not the last round's only",
        "fewer than 2": "keep at least 2 trials: a box around one trial has no width",
        "whole box": "after a round, zoom: the next box is the one around the best trials",
    }
    for name, hint in mistakes.items():
        wrong = want.get(f"mistake: {name}")
        if wrong is not None and not _same_box(wrong, want["box"]) and _same_box(got, wrong):
            raise AssertionError(f"{where}: {hint}.")
    for name, want_box in want["box"].items():
        value = got[name]
        _assert_pair(f"{where}[{name!r}]", value)
        _assert_range(f"{where}[{name!r}]", value, want_box)
    print(checking.PASSED)


# ---------------------------------------------------------------- the response map

EPOCHS = 100  # each trial's training budget: 100 epochs of mini-batches of 64 (500 Adam steps)
BATCH_SIZE = 64
MAP_RATES = 10 ** np.linspace(-4, 0, 81)  # 20 per decade, over BOX
MAP_EPSILONS = 10 ** np.linspace(-8, -3, 21)  # 4 per decade


def moons_splits():
    """train_X (2, 300), train_Y, dev_X (2, 200), dev_Y: the tuning lab tunes on the dev set
    (its test set, ``data.load_moons()[2:]``, waits for the end)."""
    train_X, train_Y = data.load_moons()[:2]
    return (train_X, train_Y, *data.load_moons_dev())


def cost_and_accuracy(params, X, Y):
    """Cost (cross-entropy, mean over the m examples) and accuracy on X (2, m), Y (1, m) of K
    stacked networks (parameters (..., K, ...)): two arrays (..., K)."""
    P, labels = nn.sigmoid(nn.deep_forward(X, params)[1][..., 0, :]), Y[0]
    clipped = np.clip(P, nn.EPS, 1 - nn.EPS)
    cost = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped), axis=-1)
    return cost, np.mean((P > 0.5) == labels, axis=-1)


def trials_recipe(learning_rates, epsilons, epochs=EPOCHS):
    """How trials train (``tools.stacked``): the moons network with Adam at each
    (learning rate, epsilon), mini-batches of ``BATCH_SIZE`` reshuffled every epoch."""
    pairs = zip(np.ravel(learning_rates), np.ravel(epsilons), strict=True)
    return grids.Recipe(
        nn.MOONS_LAYERS,
        [grids.Setting("adam", float(a), epsilon=float(e)) for a, e in pairs],
        epochs,
        batch_size=BATCH_SIZE,
        shuffle_seed=nn.MOONS_SHUFFLE_SEED,
        record_every=None,
        observe_at=(epochs,),
    )


def panda_recipe(learning_rate, epochs, day):
    """How day ``day`` (0, 1, ...) of the panda trains: one model with Adam, from the previous
    day's weights, its mini-batches in an order of that day's own, a cost every epoch."""
    return grids.Recipe(
        nn.MOONS_LAYERS,
        [grids.Setting("adam", learning_rate)],
        epochs,
        batch_size=BATCH_SIZE,
        shuffle_seed=nn.MOONS_SHUFFLE_SEED + day,
        observe_at=(epochs,),
    )


def response_map_inputs(splits):
    """What the map depends on (its cache key): data, the recipe of its trials, the start."""
    rates, epsilons = np.meshgrid(MAP_RATES, MAP_EPSILONS, indexing="ij")
    return (
        *grids.data_set(splits, "moons_splits"),
        trials_recipe(rates, epsilons),
        *nn.start_weights("moons", nn.MOONS_LAYERS).values(),
    )


def response_map(splits=None, cache_dir=None):
    """The moons network trained with Adam at every (learning rate, epsilon) of MAP_RATES x
    MAP_EPSILONS (100 epochs each), trained ahead by ``make datasets``: ``dev_cost`` and
    ``dev_acc`` (81, 21)."""
    splits = splits if splits is not None else moons_splits()
    return grids.load("tuning", response_map_inputs(splits), cache_dir)


class MapReader:
    """A trial's dev cost (and accuracy) read off the response map: linear interpolation in
    (log10 learning rate, log10 epsilon) between the four trained neighbours."""

    def __init__(self, surface):
        from scipy.interpolate import RegularGridInterpolator

        axes = (np.log10(MAP_RATES), np.log10(MAP_EPSILONS))
        self.surface = surface
        self._cost = RegularGridInterpolator(axes, surface["dev_cost"])
        self._acc = RegularGridInterpolator(axes, surface["dev_acc"])

    def _points(self, learning_rate, epsilon):
        return np.column_stack([np.log10(np.ravel(learning_rate)), np.log10(np.ravel(epsilon))])

    def __call__(self, learning_rate, epsilon):
        """Dev costs (trials,) of the trials; ``evaluate(**trials)``."""
        return self._cost(self._points(learning_rate, epsilon))

    def accuracy(self, learning_rate, epsilon):
        return self._acc(self._points(learning_rate, epsilon))

    def best(self):
        """(dev cost, learning rate, epsilon) of the map's best trained point."""
        i, j = np.unravel_index(np.argmin(self.surface["dev_cost"]), self.surface["dev_cost"].shape)
        return float(self.surface["dev_cost"][i, j]), float(MAP_RATES[i]), float(MAP_EPSILONS[j])


# ---------------------------------------------------------------- search strategies

STRATEGIES = ("grid", "random", "coarse to fine")
SCALES = ("log", "linear")


PLACEMENTS = ("ends", "centres")  # where a grid's k values of a range go


def _axis(low, high, count, scale, placement="ends"):
    """``count`` values from low to high, evenly spaced on ``scale``: the two ends included,
    or each at the centre of one of ``count`` equal cells."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, not {placement!r}")
    start, stop = (np.log10(low), np.log10(high)) if scale == "log" else (low, high)
    if placement == "centres":
        half = (stop - start) / (2 * count)
        start, stop = start + half, stop - half
    values = np.linspace(start, stop, count)
    return 10.0**values if scale == "log" else values


def grid_trials(box, trials, scale="log", placement="ends"):
    """The k x k grid (k = floor(sqrt(trials))) over a two-hyperparameter box, evenly spaced
    on ``scale``, its values at the ends of each range and between (``"ends"``) or at the
    centres of k equal cells (``"centres"``): name -> (k * k,)."""
    k = isqrt(trials)
    axes = [_axis(low, high, k, scale, placement) for low, high in box.values()]
    return {name: a.ravel() for name, a in zip(box, np.meshgrid(*axes, indexing="ij"), strict=True)}


def scaled_trials(box, trials, rng, scale="log", sample=None):
    """``sample(box, trials, rng)`` (log scale: the learner's ``random_trials``) or one
    rng.uniform per range (linear)."""
    if scale == "log":
        if sample is None:
            raise ValueError(
                "random trials on the log scale need your random_trials: pass sample=random_trials"
            )
        return sample(box, trials, rng)
    return {name: rng.uniform(low, high, trials) for name, (low, high) in box.items()}


def coarse_to_fine(evaluate, box, trials, rng, scale="log", rounds=2, sample=None, next_box=None):
    """``rounds`` random rounds sharing ``trials``, each in ``next_box(history, box)`` (the
    learner's: the whole box, then the box of the best trials so far). A list of rounds, each
    a dict: box, trials, scores."""
    if next_box is None:
        raise ValueError("coarse to fine needs your next_box: pass next_box=next_box")
    history = []
    per_round = np.diff(np.linspace(0, trials, rounds + 1).round().astype(int))
    for count in per_round:
        round_box = next_box(history, box)
        sampled = scaled_trials(round_box, int(count), rng, scale, sample)
        history.append({"box": round_box, "trials": sampled, "scores": evaluate(**sampled)})
    return history


def search(
    evaluate,
    strategy,
    trials,
    seed=0,
    scale="log",
    box=None,
    sample=None,
    next_box=None,
    placement="ends",
):
    """One search of ``strategy`` on the box (default BOX) with ``default_rng(seed)``, random
    trials from ``sample`` and coarse to fine's boxes from ``next_box`` (yours, in the lab),
    a grid's values placed
    by ``placement``: a list of rounds (box, trials, scores), one round except for coarse to
    fine."""
    box, rng = box or BOX, np.random.default_rng(seed)
    if strategy == "coarse to fine":
        return coarse_to_fine(evaluate, box, trials, rng, scale, sample=sample, next_box=next_box)
    if strategy == "grid":
        sampled = grid_trials(box, trials, scale, placement)
    else:
        sampled = scaled_trials(box, trials, rng, scale, sample)
    return [{"box": box, "trials": sampled, "scores": evaluate(**sampled)}]


def scores_of(history):
    """Every trial's score (n,), in the order tried."""
    return np.concatenate([h["scores"] for h in history])


def values_tried(history, name):
    """Every value of hyperparameter ``name`` the search tried (n,), in order."""
    return np.concatenate([h["trials"][name] for h in history])


def best_trial(history):
    """(score, name -> value) of the lowest-scoring trial."""
    scores = scores_of(history)
    k = int(np.argmin(scores))
    return float(scores[k]), {
        name: float(values_tried(history, name)[k]) for name in history[0]["trials"]
    }


BUDGETS = (4, 9, 16, 25, 36, 49, 64)


def compare_strategies(evaluate, sample, next_box, budgets=BUDGETS, seeds=range(100), scale="log"):
    """Best dev cost found per budget: grid (one value), and the median over ``seeds`` of
    random and coarse to fine (with the learner's ``sample`` = random_trials and
    ``next_box``), with how often each beats the grid: a dict of (budgets,) arrays."""
    out = {
        "grid": np.array([best_trial(search(evaluate, "grid", n, scale=scale))[0] for n in budgets])
    }
    for strategy in STRATEGIES[1:]:
        best = np.array(
            [
                [
                    best_trial(
                        search(evaluate, strategy, n, s, scale, sample=sample, next_box=next_box)
                    )[0]
                    for s in seeds
                ]
                for n in budgets
            ]
        )
        out[strategy] = np.median(best, axis=1)
        out[f"{strategy} beats grid"] = np.mean(best < out["grid"][:, None], axis=1)
    return out


# ---------------------------------------------------------------- pandas and caviar


PANDA_DAYS = [(0.001, 40), (0.01, 30), (0.3, 15), (0.03, 15)]  # (learning rate, epochs)


def tuning_experiments_inputs(splits):
    """What the lab's trainings depend on (their cache key): the map's, the panda's days and
    the searches run."""
    return (
        *response_map_inputs(splits),
        *(panda_recipe(*days, day) for day, days in enumerate(PANDA_DAYS)),
        "strategies x 100 seeds, random 25, coarse to fine 25",
    )


def experiments(splits=None, cache_dir=None):
    """The lab's real trainings, trained ahead by ``make datasets`` (the stacked trainer holds
    Adam, week 2's answer): ``panda/...``, ``caviar/...`` and ``final/...`` arrays."""
    splits = splits if splits is not None else moons_splits()
    return grids.load("tuning-experiments", tuning_experiments_inputs(splits), cache_dir)


def strategy_comparison():
    """``compare_strategies`` on the map with the course's solutions of random_trials and
    next_box, computed ahead by ``make datasets`` (100 seeds per budget): a dict of
    (budgets,) arrays."""
    return grids.section(experiments(), "strategies/")


def babysit(days):
    """The panda: one model trained day after day, ``days`` a list of (learning rate, epochs)
    chosen by watching its curve; each day resumes from the previous day's weights (Adam's
    averages restart, as when training is resumed from saved weights). Trained ahead for
    ``PANDA_DAYS``. A dict: ``cost`` (total epochs,) on the training set, ``dev_cost``
    (days,) at the end of each day, and ``ends`` (days,), the epoch each day ends at."""
    if [tuple(d) for d in days] != PANDA_DAYS:
        raise ValueError(f"the panda is trained ahead for the days {PANDA_DAYS} only")
    return grids.section(experiments(), "panda/")


def draw_babysitting(run, days):
    """The panda's training cost over the epochs, each day's learning rate written on it."""
    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.plot(np.arange(len(run["cost"])), run["cost"])
    starts = np.concatenate([[0], run["ends"][:-1]])
    for (rate, _), start, end, dev in zip(days, starts, run["ends"], run["dev_cost"], strict=True):
        ax.axvline(start, color="gray", lw=0.8, ls=":")
        ax.text(
            (start + end) / 2,
            0.98,
            f"α = {rate:g}\ndev {dev:.3f}",
            ha="center",
            va="top",
            transform=ax.get_xaxis_transform(),
            fontsize=9,
        )
    ax.set(xlabel="epoch", ylabel="cost (training set)", ylim=(0, 0.8))
    ax.set_title("Babysitting one model: the learning rate changed each day")
    fig.tight_layout()


def _same_trials(trials, stored, what):
    names = ("learning_rate", "epsilon")
    if not all(
        np.shape(trials[n]) == np.shape(stored[n]) and np.allclose(trials[n], stored[n])
        for n in names
    ):
        raise ValueError(
            f"{what} were trained ahead for the course's trials (random search, 25 trials, "
            "seed 0); yours differ: check random_trials, zoom_box and next_box first"
        )


def caviar(trials):
    """The caviar strategy: every trial trained at once in one stacked pass, and the first 5
    one model at a time, timed when ``make datasets`` trained them. Returns (dict:
    ``dev_cost``, ``dev_acc`` (trials,), models per second stacked, one at a time)."""
    results = experiments()
    _same_trials(trials, grids.section(results, "caviar/trials/"), "the caviar's models")
    stacked_rate, one_by_one_rate = results["caviar/rates"]
    out = {k: results[f"caviar/{k}"] for k in ("dev_cost", "dev_acc")}
    return out, float(stacked_rate), float(one_by_one_rate)


def trained_choice(chosen):
    """The network of the setting chosen on dev (a dict learning_rate, epsilon), trained
    ahead: parameters (1, ...) and ``dev_cost``, ``dev_acc`` (1,)."""
    results = experiments()
    stored = {k: np.atleast_1d(v) for k, v in grids.section(results, "final/chosen/").items()}
    _same_trials({k: np.atleast_1d(v) for k, v in chosen.items()}, stored, "the final network")
    return {
        k: v for k, v in grids.section(results, "final/").items() if not k.startswith("chosen/")
    }


# ---------------------------------------------------------------- pictures


COST_TICKS = (0.1, 0.15, 0.2, 0.3, 0.5, 0.7)
RATE_TICKS = (1e-4, 1e-3, 0.01, 0.1, 1.0)
COLORS = {"grid": "tab:blue", "random": "tab:orange", "coarse to fine": "tab:purple"}


def draw_map(surface, ax=None):
    """The response map: dev cost at every (learning rate, epsilon), log axes, green = low,
    with its colour bar."""
    ax = ax or plt.subplots(figsize=(6.4, 4))[1]
    mesh = ax.pcolormesh(
        MAP_RATES,
        MAP_EPSILONS,
        surface["dev_cost"].T,
        cmap="RdYlGn_r",
        norm=LogNorm(0.1, 0.7),
        shading="nearest",
        rasterized=True,
    )
    ax.set(xscale="log", yscale="log", xlabel="learning rate α", ylabel="Adam's ε")
    # Plain labels and no minor ticks: mathtext labels and minor ticks took 2/3 of a redraw.
    ax.set_xticks(RATE_TICKS, labels=[f"{t:g}" for t in RATE_TICKS])
    ax.set_yticks(MAP_EPSILONS[::4], labels=[f"1e{k}" for k in range(-8, -2)])
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_locator(NullLocator())
    bar = ax.figure.colorbar(mesh, ax=ax, label="dev cost", pad=0.02)
    bar.set_ticks(COST_TICKS, labels=[f"{t:g}" for t in COST_TICKS])
    bar.minorticks_off()


def draw_strategies(evaluate, histories):
    """One map per search (strategy -> history), its trials and best (a star) on it."""
    fig, axes = plt.subplots(1, len(histories), figsize=(5.6 * len(histories), 3.8))
    for ax, (strategy, history) in zip(np.atleast_1d(axes), histories.items(), strict=True):
        draw_map(evaluate.surface, ax)
        draw_trials(ax, history, COLORS[strategy])
        cost = best_trial(history)[0]
        ax.set_title(f"{strategy}: {len(scores_of(history))} trials, best dev cost {cost:.3f}")
    fig.tight_layout()


class TrialsLayer:
    """The trials of a search on the map ``ax``: up to ``rounds`` rounds of points (earlier
    rounds faint), the last coarse-to-fine round's box, and the best trial as a star.
    ``artists`` lists them; ``update(history, color)`` shows one search."""

    def __init__(self, ax, rounds=2):
        self.rounds = [
            ax.scatter([], [], s=22, ec="black", lw=0.5, zorder=3) for _ in range(rounds)
        ]
        self.box = ax.add_patch(Rectangle((1e-4, 1e-8), 0, 0, fill=False, ec="black", lw=1.5))
        self.star = ax.scatter([], [], marker="*", s=260, color="gold", ec="black", zorder=4)
        self.artists = [*self.rounds, self.box, self.star]

    def update(self, history, color):
        for r, dots in enumerate(self.rounds):
            dots.set_visible(r < len(history))
            if r < len(history):
                dots.set_offsets(np.column_stack(list(history[r]["trials"].values())))
                dots.set_facecolor(color)
                dots.set_alpha(0.5 if r < len(history) - 1 else 1.0)
        self.box.set_visible(len(history) > 1)
        if len(history) > 1:
            (x0, x1), (y0, y1) = history[-1]["box"].values()
            self.box.set_bounds(x0, y0, x1 - x0, y1 - y0)
        self.star.set_offsets([list(best_trial(history)[1].values())])


def draw_trials(ax, history, color):
    """The trials of a search on the map (see ``TrialsLayer``)."""
    TrialsLayer(ax, len(history)).update(history, color)


def tuning_runs(evaluate, budget, sample, next_box, seed=0, scale="log"):
    """What the explorer shows: the search of every strategy at one budget, seed and scale,
    with the learner's ``sample`` (random_trials) and ``next_box``: strategy -> list
    of rounds."""
    return {
        name: search(evaluate, name, budget, seed, scale, sample=sample, next_box=next_box)
        for name in STRATEGIES
    }


class SearchFigure:
    """The explorer's live figure. Left: the map (drawn once) with the trials of the chosen
    strategy, each coarse-to-fine round's box and the best trial (a star); right: the best dev
    cost found so far against the number of trials, every strategy (the chosen one bold)."""

    def __init__(self, evaluate):
        self.live, (left, right) = LiveFigure.subplots(
            1, 2, figsize=(11, 4), width_ratios=(1.15, 1)
        )
        self.live.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.28)
        self.evaluate = evaluate
        draw_map(evaluate.surface, left)
        self.trials = TrialsLayer(left)
        self.title = left.set_title(" ")
        self.curves = {
            name: right.step([], [], where="post", color=COLORS[name], label=name)[0]
            for name in STRATEGIES
        }
        right.axhline(evaluate.best()[0], color="gray", ls="--", lw=1, label="the map's best")
        right.set(
            xlabel="trials",
            ylabel="best dev cost so far",
            xlim=(0, max(BUDGETS) + 1),
            ylim=(0.1, 0.7),
            title="best found so far (the chosen one bold)",
        )
        legend = right.legend(loc="upper right")
        self.live.moving = [*self.trials.artists, self.title, *self.curves.values(), legend]

    def update(self, view):
        """Show ``view["runs"]`` (strategy -> rounds, from ``tuning_runs``) with
        ``view["strategy"]`` chosen; returns the ``LiveFigure``."""
        runs, strategy = view["runs"], view["strategy"]
        history = runs[strategy]
        self.trials.update(history, COLORS[strategy])
        self.title.set_text(f"{strategy}: {len(scores_of(history))} trials")
        for name, line in self.curves.items():
            best = np.minimum.accumulate(scores_of(runs[name]))
            line.set_data(np.arange(1, len(best) + 1), best)
            line.set(lw=2.5 if name == strategy else 1.2, alpha=1.0 if name == strategy else 0.45)
        return self.live

    def status(self, view):
        history = view["runs"][view["strategy"]]
        return search_summary(self.evaluate, history, view["strategy"], view["scale"])


def search_summary(evaluate, history, strategy, scale):
    """One line: strategy, scale, trials, the best trial and its dev accuracy (from the map)."""
    cost, best = best_trial(history)
    accuracy = float(evaluate.accuracy(*best.values())[0])
    return (
        f"{strategy}, {scale} scale, {len(scores_of(history))} trials: best dev cost {cost:.3f} "
        f"(≈ {accuracy:.0%} accurate) at α = {best['learning_rate']:.3g}, "
        f"ε = {best['epsilon']:.1e}; "
        f"the map's best {evaluate.best()[0]:.3f}"
    )


def draw_sampling_scales(sample_log_uniform, sample_beta, size=1000, seed=0):
    """How ``size`` draws spread: the learning rate per decade of [1e-4, 1] and beta in
    0.9 ... 0.99 against 0.99 ... 0.999, on a linear scale and with the given samplers."""
    rng = np.random.default_rng(seed)
    rates = {"linear": rng.uniform(1e-4, 1, size), "log": sample_log_uniform(1e-4, 1, size, rng)}
    betas = {"linear": rng.uniform(0.9, 0.999, size), "log": sample_beta(0.9, 0.999, size, rng)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    width = 0.38
    for i, scale in enumerate(("linear", "log")):
        counts = decade_counts(rates[scale], 1e-4, 1)
        left.bar(np.arange(4) + (i - 0.5) * width, counts, width, label=f"{scale} scale")
        halves = [np.sum(betas[scale] < 0.99), np.sum(betas[scale] >= 0.99)]
        right.bar(np.arange(2) + (i - 0.5) * width, halves, width, label=f"{scale} scale")
    left.set_xticks(range(4), ["1e-4 … 1e-3", "1e-3 … 0.01", "0.01 … 0.1", "0.1 … 1"])
    left.set(ylabel=f"draws of {size}", title="learning rate α in [1e-4, 1]")
    right.set_xticks(
        range(2),
        ["0.9 … 0.99\n(averages about 10 to 100 values)", "0.99 … 0.999\n(about 100 to 1000)"],
    )
    right.set(title="β in [0.9, 0.999]")
    left.legend()
    fig.tight_layout()
    return rates, betas


# ---------------------------------------------------------------- the explorer


def tuning_explorer(surface=None, random_trials=None, next_box=None, **start):
    """Explorer of the Hyperparameter Tuning lab: budget x strategy x scale x seed on the
    response map (``response_map``); trials are read off the map and drawn by the learner's
    ``random_trials`` and ``next_box`` (default: as the notebook defines them when used;
    until both are written and run, the status line says which to finish). ``start`` sets
    controls (budget, seed, strategy, scale). Returns the explorer (a cell shows it)."""
    import ipywidgets as w

    evaluate = MapReader(surface if surface is not None else response_map())
    random_trials = random_trials or errors.notebook_function("random_trials")
    next_box = next_box or errors.notebook_function("next_box")
    controls = {
        "budget": choice_slider(BUDGETS, 25, "trials", style=WIDE),
        "seed": choice_slider(tuple(range(10)), 0, "seed"),
        "strategy": w.ToggleButtons(options=STRATEGIES, value="random", description="strategy"),
        "scale": w.ToggleButtons(options=SCALES, value="log", description="scale"),
    }

    def view(budget, seed, strategy, scale):
        runs = tuning_runs(evaluate, budget, random_trials, next_box, seed, scale)
        return {"runs": runs, "strategy": strategy, "scale": scale}

    return Explorer(
        controls,
        view,
        SearchFigure(evaluate),
        rows=[["budget", "seed"], ["strategy"], ["scale"]],
        start=start,
        call="lab.tuning_explorer(",
    )
