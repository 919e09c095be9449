"""Train what the labs show as data (``make datasets``): ``python -m tools.precompute``.

The explorers' grids and the experiments a lab reads instead of training in the learner's
kernel (the stacked trainer, ``tools.stacked``, holds the week-2 update rules and batch
norm: answers, so it stays on the instructors' side). Each result is cached in
``datasets/cache/`` under a checksum of what it depends on (the lab's ``*_inputs``,
``helpers.grids.cache_path``), so this trains only what changed; the labs read the files
(``helpers.grids.load``) and say how to build one that is missing.
"""

import hashlib
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

from helpers import data, grids, nn
from helpers.labs import (
    batch_normalization,
    hyperparameter_tuning,
    optimization_methods,
    regularization,
)
from tools import reference, stacked

TRAINER_FILES = (Path(stacked.__file__), Path(__file__))


def trainer_version():
    """What ``helpers.grids.TRAINER`` must be: a checksum of the trainer's code
    (``TRAINER_FILES``), its blank lines, comment lines and line endings left out. Read as
    text, not parsed, so that every Python version the course runs on computes the same."""
    key = hashlib.sha256()
    for path in TRAINER_FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [
            line.rstrip() for line in lines if line.strip() and not line.lstrip().startswith("#")
        ]
        key.update("\n".join(kept).encode())
    return key.hexdigest()[:12]


def stale_trainer():
    """None, or what to do when ``grids.TRAINER`` is not the trainer's code's version."""
    version = trainer_version()
    if grids.TRAINER == version:
        return None
    return (
        f"tools/stacked.py or tools/precompute.py changed since the grids' version was set: "
        f'set TRAINER = "{version}" in helpers/grids.py (every grid is then trained anew)'
    )


def cached(name, inputs, compute, cache_dir=None):
    """``compute()`` (a dict of arrays), stored where ``helpers.grids.load`` reads it; an
    existing file is reused."""
    path = grids.cache_path(name, inputs, cache_dir)
    if path.exists():
        with np.load(path) as stored:
            return dict(stored)
    arrays = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return arrays


def train_in_chunks(train_part, settings, workers=2):
    """``train_part(chunk)`` on ``workers`` contiguous chunks of ``settings`` in parallel
    processes (``train_part`` must be picklable: a module-level function or a partial of
    one), concatenated back in the settings' order along axis 1."""
    size = -(-len(settings) // workers)
    chunks = [settings[i : i + size] for i in range(0, len(settings), size)]
    with ProcessPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(train_part, chunks))
    return {k: np.concatenate([part[k] for part in parts], axis=1) for k in parts[0]}


# ---------------------------------------------------------------- Regularization


def _train_part(settings, X, Y, recipe, start):
    """``recipe`` trained on a chunk of its settings (``train_in_chunks``)."""
    return stacked.train(X, Y, recipe.replace(settings=settings), start)


def train_regularization_grid(train_X, train_Y, dev_X, dev_Y, workers=2):
    """The lab's model at every explorer setting (see ``regularization.regularization_grid``
    for the arrays), split over ``workers`` processes."""
    lab = regularization
    recipe, start = lab.regularization_recipe(), lab.regularization_init(lab.LAYERS)
    train_part = partial(_train_part, X=train_X, Y=train_Y, recipe=recipe, start=start)
    grid = train_in_chunks(train_part, recipe.settings, workers)
    del grid["costs"]  # empty: nothing is recorded while training (record_every=None)
    for split, X, Y in (("train", train_X, train_Y), ("dev", dev_X, dev_Y)):
        probabilities = nn.sigmoid(stacked.forward(X, grid)[1][..., 0, :])  # (S, K, m)
        grid[f"{split}_cost"] = stacked.summed_cross_entropy(probabilities, Y) / X.shape[1]
        grid[f"{split}_acc"] = np.mean((probabilities > 0.5) == Y, axis=-1)
    grid["norms"] = np.stack([np.linalg.norm(grid[f"W{l}"], axis=(2, 3)) for l in (1, 2, 3)], -1)
    grid["settings"] = np.array(lab.regularization_settings())
    grid["iterations"] = np.array(lab.SNAPSHOTS)
    return grid


def regularization_grid(goalkeeper=None, cache_dir=None):
    arrays = goalkeeper if goalkeeper is not None else data.load_goalkeeper()
    inputs = regularization.regularization_grid_inputs(arrays)
    return cached("regularization", inputs, lambda: train_regularization_grid(*arrays), cache_dir)


# ---------------------------------------------------------------- Optimization Methods


def train_explorer_grid(train_X, train_Y, test_X, test_Y, workers=2):
    """Every optimizer explorer setting at every batch size (``explorer_grid`` says the
    arrays), split over ``workers`` processes."""
    lab = optimization_methods
    parts = []
    for b in lab.BATCH_SIZES:
        recipe = lab.explorer_recipe(b)
        train_part = partial(
            _train_part, X=train_X, Y=train_Y, recipe=recipe, start=lab.moons_start()
        )
        part = train_in_chunks(train_part, recipe.settings, workers)
        parts.append({k: v if k == "costs" else v[0] for k, v in part.items()})
    out = {k: np.stack([part[k] for part in parts]) for k in parts[0]}
    for name, X, Y in (("train_acc", train_X, train_Y), ("test_acc", test_X, test_Y)):
        out[name] = np.mean(stacked.predict(X, out) == Y, axis=-1)
    out["epochs"] = np.stack(
        [np.arange(lab.RECORDS) * (lab.EPOCHS[b] // lab.RECORDS) for b in lab.BATCH_SIZES]
    )
    return out


def explorer_grid(moons=None, cache_dir=None):
    arrays = moons if moons is not None else data.load_moons()
    inputs = optimization_methods.explorer_grid_inputs(arrays)
    return cached("optimizers", inputs, lambda: train_explorer_grid(*arrays), cache_dir)


def optimizer_paths(surface, settings, steps=200):
    """Run every ``Setting`` on ``surface`` from its start, all at once.

    Returns the points visited (K, steps + 1, 2) and the losses (K, steps + 1). A path that
    blows up stops where it leaves a window 10x the plot's (its last point is repeated).
    """
    rule = stacked.UpdateRule(settings)
    K = len(settings)
    theta = np.tile(np.asarray(surface.start, dtype=np.float64), (K, 1))
    v, s = np.zeros_like(theta), np.zeros_like(theta)
    lr = np.array([[st.learning_rate] for st in settings])
    bound = 10 * max(np.ptp(surface.xlim), np.ptp(surface.ylim))
    path = np.empty((K, steps + 1, 2))
    path[:, 0] = theta
    alive = np.ones((K, 1), dtype=bool)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = np.column_stack(surface.grad(theta[:, 0], theta[:, 1]))
            rule.step(theta, v, s, np.where(alive, g, 0.0), np.where(alive, lr, 0.0), t)
            alive &= np.all(np.abs(theta - surface.minimum) < bound, axis=1, keepdims=True)
            theta = np.where(alive, theta, path[:, t - 1])
            path[:, t] = theta
        losses = surface.f(path[..., 0], path[..., 1])
    return path, losses


def train_loss_surfaces():
    """The loss-surface explorer's paths: every surface x learning rate x beta x optimizer."""
    lab = optimization_methods
    shape = (len(lab.SURFACES), len(lab.PATH_RATES), len(lab.EWA_BETAS), 4)
    paths = np.empty((*shape, lab.PATH_STEPS + 1, 2))
    losses = np.empty((*shape, lab.PATH_STEPS + 1))
    for i, surface in enumerate(lab.SURFACES.values()):
        settings = [
            s
            for lr in lab.PATH_RATES
            for beta in lab.EWA_BETAS
            for s in lab.path_settings(float(lr), beta)
        ]
        path, loss = optimizer_paths(surface, settings, lab.PATH_STEPS)
        paths[i] = path.reshape(*shape[1:], *path.shape[1:])
        losses[i] = loss.reshape(*shape[1:], loss.shape[-1])
    return {"paths": paths, "losses": losses}


def loss_surface_paths(cache_dir=None):
    inputs = optimization_methods.loss_surface_inputs()
    return cached("loss-surfaces", inputs, train_loss_surfaces, cache_dir)


# ---------------------------------------------------------------- Batch Normalization


def unit_input(X, params, layer):
    """The input of the ReLUs of hidden ``layer`` (..., n_l, m): Z_l, or with batch norm
    gamma Z_norm + beta, normalized with the statistics of X as one batch."""
    below = {f"{k}{l}": params[f"{k}{l}"] for l in range(1, layer + 1) for k in "Wb"}
    below |= {
        f"{k}{l}": params[f"{k}{l}"]
        for l in range(1, layer)
        for k in ("gamma", "beta")
        if f"{k}{l}" in params
    }
    Z = stacked.forward(X, below)[1]  # layer ``layer`` as a linear output: its Z
    if f"gamma{layer}" not in params:
        return Z
    mu, var = Z.mean(axis=-1, keepdims=True), Z.var(axis=-1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + stacked.EPSILON)
    return params[f"gamma{layer}"] * Z_norm + params[f"beta{layer}"]


def _observer(spirals):
    """What the runs record every ``OBSERVE_EVERY`` epochs, for K settings at once: the cost
    and accuracy on the training set (one batch of 300, its own statistics), the test
    accuracy (running averages: test time), the spread (std) of each hidden layer's
    activations, and the 15th, 50th and 85th percentiles of ``UNIT``'s input."""
    lab = batch_normalization
    train_X, train_Y, test_X, test_Y = spirals

    def observe(epoch, params):
        trained = {k: v for k, v in params.items() if not k.startswith(("mean", "var"))}
        A, Z = stacked.forward(train_X, trained)
        with np.errstate(all="ignore"):
            log_p = stacked.log_softmax(Z)
            depth = len(A) - 1
            inputs = unit_input(train_X, trained, depth + 1 + lab.UNIT[0])[..., lab.UNIT[1], :]
            return {
                "cost": -np.mean(np.sum(lab.one_hot(train_Y) * log_p, axis=-2), axis=-1),
                "train_acc": np.mean(np.argmax(Z, axis=-2) == train_Y, axis=-1),
                "test_acc": np.mean(stacked.predict(test_X, params, "softmax") == test_Y, -1),
                "spread": np.stack([a.std(axis=(-2, -1)) for a in A[1:]], axis=-1),
                "unit": np.percentile(inputs, (15, 50, 85), axis=-1).T,
            }

    return observe


def train_deep(spirals, depth, batchnorm, batch_size, rates=None, epochs=None):
    """``batchnorm_recipe`` from ``deep_start(depth)``: a dict of (R, K, ...) arrays every
    ``OBSERVE_EVERY`` epochs (see ``_observer``) and ``epochs`` (R,)."""
    lab = batch_normalization
    rates, epochs = rates or lab.LEARNING_RATES, epochs or lab.EPOCHS
    recipe = lab.batchnorm_recipe(depth, batchnorm, batch_size, rates, epochs)
    train_X, train_Y = spirals[:2]
    start = lab.deep_start(depth)
    out = stacked.train(train_X, lab.one_hot(train_Y), recipe, start, _observer(spirals))
    del out["costs"]
    return out | {"epochs": np.array(recipe.observe_at)}


def _train_group(group, spirals):
    return train_deep(spirals, *group)


def train_batchnorm_grid(spirals, workers=2):
    """Every group of ``grid_groups``, on ``workers`` processes: a dict with one key per array
    and group, ``"<depth>/<bn>/<batch>/<name>"``."""
    groups = batch_normalization.grid_groups()
    with ProcessPoolExecutor(workers) as pool:
        runs = list(pool.map(partial(_train_group, spirals=spirals), groups))
    return {
        f"{d}/{int(bn)}/{b}/{k}": v
        for (d, bn, b), run in zip(groups, runs, strict=True)
        for k, v in run.items()
    }


def batchnorm_grid(spirals=None, cache_dir=None):
    spirals = spirals if spirals is not None else data.load_spirals()
    inputs = batch_normalization.batchnorm_grid_inputs(spirals)
    return cached("batchnorm", inputs, lambda: train_batchnorm_grid(spirals), cache_dir)


# ---------------------------------------------------------------- Hyperparameter tuning


def train_trials(learning_rate, epsilon, splits=None, epochs=None, workers=1):
    """Train one network per trial (Adam at ``learning_rate[k]``, ``epsilon[k]``) in one stacked
    pass (on ``workers`` processes): dict of ``dev_cost`` and ``dev_acc`` (K,) and the trained
    parameters (K, ...)."""
    lab = hyperparameter_tuning
    train_X, train_Y, dev_X, dev_Y = splits if splits is not None else lab.moons_splits()
    recipe = lab.trials_recipe(learning_rate, epsilon, epochs or lab.EPOCHS)
    start = optimization_methods.moons_start()
    train_part = partial(_train_part, X=train_X, Y=train_Y, recipe=recipe, start=start)
    if workers > 1:
        out = train_in_chunks(train_part, recipe.settings, workers)
    else:
        out = train_part(recipe.settings)
    out = {k: v[0] for k, v in out.items() if k != "costs"}  # nothing recorded
    out["dev_cost"], out["dev_acc"] = lab.cost_and_accuracy(out, dev_X, dev_Y)
    return out


def train_response_map(splits, workers=2):
    """``train_trials`` at every (learning rate, epsilon) of MAP_RATES x MAP_EPSILONS:
    ``dev_cost`` and ``dev_acc`` (81, 21)."""
    lab = hyperparameter_tuning
    rates, epsilons = np.meshgrid(lab.MAP_RATES, lab.MAP_EPSILONS, indexing="ij")
    out = train_trials(rates, epsilons, splits, workers=workers)
    shape = rates.shape
    return {"dev_cost": out["dev_cost"].reshape(shape), "dev_acc": out["dev_acc"].reshape(shape)}


def response_map(splits=None, cache_dir=None):
    lab = hyperparameter_tuning
    splits = splits if splits is not None else lab.moons_splits()
    return cached(
        "tuning", lab.response_map_inputs(splits), lambda: train_response_map(splits), cache_dir
    )


def babysit(days, splits=None):
    """The panda: one model trained day after day, ``days`` a list of (learning rate, epochs);
    each day resumes from the previous day's weights (Adam's averages restart, as when
    training is resumed from saved weights). A dict: ``cost`` (total epochs,) on the training
    set, ``dev_cost`` (days,) at the end of each day, and ``ends`` (days,)."""
    lab = hyperparameter_tuning
    train_X, train_Y, dev_X, dev_Y = splits if splits is not None else lab.moons_splits()
    params, costs, dev, ends = optimization_methods.moons_start(), [], [], []
    for day, (rate, epochs) in enumerate(days):
        out = stacked.train(train_X, train_Y, lab.panda_recipe(rate, epochs, day), params)
        params = {k: v[0, 0] for k, v in out.items() if k != "costs"}
        costs.append(out["costs"][:, 0])
        dev.append(float(lab.cost_and_accuracy(params, dev_X, dev_Y)[0]))
        ends.append(sum(len(c) for c in costs))
    return {"cost": np.concatenate(costs), "dev_cost": np.array(dev), "ends": np.array(ends)}


def caviar(trials, splits=None, one_by_one=5):
    """The caviar strategy: every trial trained at once (``train_trials``, one stacked pass),
    timed, and the first ``one_by_one`` trials trained one model at a time for comparison, both
    in this one process (like for like). Returns (dict of ``train_trials``, models per second
    stacked, models per second one at a time)."""
    start = time.perf_counter()
    out = train_trials(trials["learning_rate"], trials["epsilon"], splits)
    stacked_rate = len(out["dev_cost"]) / (time.perf_counter() - start)
    start = time.perf_counter()
    for k in range(one_by_one):
        train_trials(trials["learning_rate"][k : k + 1], trials["epsilon"][k : k + 1], splits)
    return out, stacked_rate, one_by_one / (time.perf_counter() - start)


def tuning_experiments(splits=None, surface=None):
    """The Tuning lab's trainings and searches, with the course's solutions of random_trials
    and next_box: the strategies compared on the map, the panda (``PANDA_DAYS``), the caviar
    (the 25 trials of random search, seed 0, trained at once and timed) and the network of
    the setting coarse to fine chooses (25 trials, seed 0)."""
    lab = hyperparameter_tuning
    splits = splits if splits is not None else lab.moons_splits()
    evaluate = lab.MapReader(surface if surface is not None else response_map(splits))
    panda = babysit(lab.PANDA_DAYS, splits)
    random = lab.search(evaluate, "random", 25, seed=0, sample=reference.random_trials)
    trials = random[0]["trials"]
    out, stacked_rate, one_by_one_rate = caviar(trials, splits)
    fine = lab.search(
        evaluate,
        "coarse to fine",
        25,
        seed=0,
        sample=reference.random_trials,
        next_box=reference.next_box,
    )
    chosen = lab.best_trial(fine)[1]
    final = train_trials([chosen["learning_rate"]], [chosen["epsilon"]], splits)
    table = lab.compare_strategies(evaluate, reference.random_trials, reference.next_box)
    return (
        {f"strategies/{k}": v for k, v in table.items()}
        | {f"panda/{k}": v for k, v in panda.items()}
        | {f"caviar/trials/{k}": v for k, v in trials.items()}
        | {
            "caviar/dev_cost": out["dev_cost"],
            "caviar/dev_acc": out["dev_acc"],
            "caviar/rates": np.array([stacked_rate, one_by_one_rate]),
        }
        | {f"final/chosen/{k}": np.array(v) for k, v in chosen.items()}
        | {f"final/{k}": v for k, v in final.items()}
    )


def tuning_results(splits=None, cache_dir=None):
    lab = hyperparameter_tuning
    splits = splits if splits is not None else lab.moons_splits()
    return cached(
        "tuning-experiments",
        lab.tuning_experiments_inputs(splits),
        lambda: tuning_experiments(splits),
        cache_dir,
    )


# ---------------------------------------------------------------- TensorFlow introduction


def signs_explorer_start(signs=None, cache_dir=None):
    """The SIGNS explorer's opening setting, trained as the kernel would (``train_signs``,
    TensorFlow seeded and deterministic as ``helpers.setup`` leaves it), so that Run All
    shows it at once instead of training it for 15 to 20 s."""
    import helpers
    from helpers.labs import tensorflow_introduction as lab

    signs = signs if signs is not None else data.load_signs()
    setting = tuple(lab.SIGNS_START.values())

    def train():
        helpers.setup(seed=1, tensorflow=True)
        return lab.train_setting(signs, *setting)

    inputs = lab.signs_run_inputs(signs, *setting)

    return cached("signs-explorer", inputs, train, cache_dir)


# ---------------------------------------------------------------- all of them


def main():
    stale = stale_trainer()
    if stale:
        sys.exit(f"tools.precompute: {stale}")
    grid = regularization_grid()
    print(f"regularization explorer: {len(grid['settings'])} settings ready")
    grid = explorer_grid()
    print(
        f"optimizer explorer: {grid['costs'].shape[-1]} settings × "
        f"{len(optimization_methods.BATCH_SIZES)} mini-batch sizes ready"
    )
    paths = loss_surface_paths()
    print(f"loss-surface explorer: {np.prod(paths['losses'].shape[:4])} paths ready")
    batchnorm_grid()
    print(
        f"batch norm explorer: {len(batch_normalization.grid_groups())} runs × "
        f"{len(batch_normalization.LEARNING_RATES)} learning rates ready"
    )
    surface = response_map()
    print(f"tuning response map: {surface['dev_cost'].size} settings ready")
    tuning_results()
    print("tuning experiments (panda, caviar, the chosen setting) ready")
    signs_explorer_start()
    print("SIGNS explorer: its opening setting ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
