"""The explorers' pretrained grids: plan the settings, train them in chunks, cache, view.

A grid is every setting an explorer offers, trained ahead by the stacked trainer
(``helpers.stacked``) so that moving a slider is a lookup. ``make datasets`` trains them
once per machine (``python -m tools.precompute``); a grid not cached yet is trained on first
use. Settings are always the second axis of a trained array (after snapshots or records).
"""

import hashlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from helpers import data


def train_in_chunks(train_part, settings, workers=2):
    """``train_part(chunk)`` on ``workers`` contiguous chunks of ``settings`` in parallel
    processes (``train_part`` must be picklable: a module-level function or a partial of
    one), concatenated back in the settings' order along axis 1."""
    size = -(-len(settings) // workers)
    chunks = [settings[i : i + size] for i in range(0, len(settings), size)]
    with ProcessPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(train_part, chunks))
    return {k: np.concatenate([part[k] for part in parts], axis=1) for k in parts[0]}


def cached(name, inputs, compute, cache_dir=None):
    """``compute()`` (a dict of arrays), cached as ``<cache_dir>/<name>-<key>.npz``.

    The key is a checksum of ``inputs`` (arrays or numbers that determine the result), so a
    change of data or settings computes afresh. ``cache_dir`` defaults to ``datasets/cache/``.
    """
    key = hashlib.sha256()
    for a in inputs:
        key.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    path = Path(cache_dir or data.data_dir() / "cache") / f"{name}-{key.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as stored:
            return dict(stored)
    arrays = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return arrays


def position(settings, setting):
    """Index of ``setting`` in ``settings``; a ValueError naming the choices if absent."""
    try:
        return list(settings).index(setting)
    except ValueError:
        raise ValueError(
            f"{setting!r} is not in this grid; it holds {len(settings)} "
            "settings (see the explorer's sliders)"
        ) from None
