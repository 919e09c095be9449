"""The explorers' pretrained grids, as the labs read them: the settings, the cached files.

A grid is every setting an explorer offers (or an experiment a lab shows), trained ahead by
the instructors' stacked trainer (``tools.stacked``, ``tools.precompute``) so that moving a
slider is a lookup. ``make datasets`` trains them once per machine; a lab whose grid is not
built says so and how to build it. Settings are the second axis of a trained array (after
snapshots or records).
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import data

BUILD = "make datasets"  # what trains the grids (python -m tools.precompute)
# The version of the code that trains them (tools/stacked.py and tools/precompute.py; blank and
# comment lines aside), part of every grid's key: a grid trained by other code is never read.
# tools.precompute refuses to train while it is stale, and says the value to set.
TRAINER = "974b14b16e96"


OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
DECAYS = ("none", "every epoch", "every 1000 epochs")  # update_lr / schedule_lr_decay, rate 1
EPSILON = 1e-8


@dataclass(frozen=True)
class Setting:
    """One copy's hyperparameters. ``beta`` is momentum's beta and Adam's beta1; ``beta2`` is
    RMSprop's and Adam's; ``decay`` is one of ``DECAYS`` (decay rate 1); ``l2`` is lambda;
    ``keep_prob`` is dropout's (1: no dropout); ``epsilon`` is RMSprop's and Adam's (None: the
    one ``train`` is given)."""

    optimizer: str
    learning_rate: float
    beta: float = 0.9
    beta2: float = 0.999
    decay: str = "none"
    l2: float = 0.0
    keep_prob: float = 1.0
    epsilon: float | None = None

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {DECAYS}, not {self.decay!r}")
        if not 0 < self.keep_prob <= 1:
            raise ValueError(f"keep_prob must be in (0, 1], not {self.keep_prob!r}")

    @property
    def label(self):
        betas = {
            "gd": "",
            "momentum": f", β {self.beta:g}",
            "rmsprop": f", β2 {self.beta2:g}",
            "adam": f", β1 {self.beta:g}, β2 {self.beta2:g}",
        }[self.optimizer]
        decay = "" if self.decay == "none" else f", lr decay {self.decay}"
        epsilon = "" if self.epsilon is None else f", ε {self.epsilon:g}"
        return f"{self.optimizer}, lr {self.learning_rate:g}{betas}{epsilon}{decay}"


@dataclass(frozen=True)
class Recipe:
    """One stacked training, whole (``tools.stacked.train`` runs it from a start): the network
    ``layers`` [n_x, ..., n_L], one ``Setting`` per copy, ``epochs``; mini-batches of
    ``batch_size`` (None: all examples), reshuffled with ``shuffle_seed`` (None: data order);
    ``output`` "sigmoid" or "softmax"; ``loss`` "mean" (the course's cost) or "sum";
    ``dropout`` "fresh" (a new mask every step from ``dropout_seed``) or "fixed" (one mask, the
    course's), on ``dropout_layers`` (None: every hidden layer); the optimizers' ``epsilon``;
    a cost recorded every ``record_every`` epochs (None: none); parameters observed after each
    epoch count of ``observe_at``; batch norm on every hidden layer (``batchnorm``,
    ``bn_momentum``, ``bn_epsilon``). Part of a grid's cache key (``key``): a grid trained by
    another recipe is never read."""

    layers: tuple
    settings: tuple
    epochs: int
    batch_size: int | None = None
    shuffle_seed: int | None = None
    output: str = "sigmoid"
    loss: str = "mean"
    dropout: str = "fresh"
    dropout_seed: int = 1
    dropout_layers: tuple | None = None
    epsilon: float = EPSILON
    record_every: int | None = 1
    observe_at: tuple = ()
    batchnorm: bool = False
    bn_momentum: float = 0.9
    bn_epsilon: float = EPSILON

    def __post_init__(self):
        for name in ("layers", "settings", "observe_at", "dropout_layers"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        for name, allowed in (
            ("output", ("sigmoid", "softmax")),
            ("loss", ("mean", "sum")),
            ("dropout", ("fresh", "fixed")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        if not all(isinstance(s, Setting) for s in self.settings):
            raise TypeError("settings must be Setting objects")

    def key(self):
        """The recipe as canonical JSON bytes: equal recipes, equal bytes, on every Python."""
        plain = json.dumps(dataclasses.asdict(self), sort_keys=True, default=_plain)
        return plain.encode()

    def replace(self, **changes):
        """This recipe with some fields changed (e.g. a chunk of its settings)."""
        return dataclasses.replace(self, **changes)


def _plain(value):
    """A numpy scalar as the Python number JSON writes."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"a recipe holds numbers, strings and tuples, not {type(value).__name__}")


def cache_path(name, inputs, cache_dir=None):
    """Where grid ``name`` is cached: ``<cache_dir>/<name>-<key>.npz``, the key a checksum of
    ``TRAINER`` and ``inputs`` (the ``Recipe`` of each training, and arrays or numbers that
    determine the result: data, starts), so a change of trainer, data or recipe names another
    file. ``cache_dir`` defaults to ``datasets/cache/``."""
    key = hashlib.sha256(TRAINER.encode())
    for a in inputs:
        if isinstance(a, Recipe):
            key.update(a.key())
            continue
        a = np.asarray(a)
        if a.dtype == object:  # its bytes would be addresses: a new key every run
            raise TypeError(f"a cache input must be numbers, strings or bytes, not {a.dtype}")
        key.update(np.ascontiguousarray(a).tobytes())
    return Path(cache_dir or data.data_dir() / "cache") / f"{name}-{key.hexdigest()[:16]}.npz"


def data_set(arrays, name):
    """``arrays`` as the data part of a grid's key, checked first: the four 2-D arrays of a
    data set (X, Y of its training set, then of its dev or test set, as ``data.load_moons()``
    returns them); a TypeError saying so for anything else."""
    if not (
        isinstance(arrays, tuple | list)
        and len(arrays) == 4
        and all(isinstance(a, np.ndarray) and a.ndim == 2 for a in arrays)
    ):
        raise TypeError(
            f"{name} must be the four 2-D arrays of a data set (train_X, train_Y, X, Y), "
            f"not {type(arrays).__name__}"
        )
    return tuple(arrays)


class GridMissing(FileNotFoundError):
    """A grid the lab reads has not been trained on this machine (or for this data)."""


def load(name, inputs, cache_dir=None):
    """The cached grid ``name`` for ``inputs`` (a dict of arrays); GridMissing says how to
    build it."""
    path = cache_path(name, inputs, cache_dir)
    if not path.exists():
        raise GridMissing(
            f"the {name} results are not built for this data yet ({path.name} is missing in "
            f"{path.parent}): run `{BUILD}` in the course folder (a few minutes, once)"
        )
    with np.load(path) as stored:
        return dict(stored)


def section(arrays, prefix):
    """The arrays of a file's ``prefix`` ("group/" keys), without the prefix."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def position(settings, setting):
    """Index of ``setting`` (a number, a tuple or a ``Setting``: hashable) in ``settings``; a
    ValueError naming the choices if absent."""
    try:
        hash(setting)
    except TypeError:
        raise TypeError(
            f"a setting is a number, a tuple or a Setting, not {type(setting).__name__}"
        ) from None
    try:
        return list(settings).index(setting)
    except ValueError:
        raise ValueError(
            f"{setting!r} is not in this grid; it holds {len(settings)} "
            "settings (see the explorer's sliders)"
        ) from None
