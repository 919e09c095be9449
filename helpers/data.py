"""Datasets of the labs: deterministic generators, HDF5 files, validating loaders.

Files use the course's HDF5 schema, examples as rows: ``train_set_x`` (m, features),
``train_set_y`` (m,), ``test_set_x``, ``test_set_y``. Loaders return the course's
column layout: X (features, m), Y (1, m).

Command line (what ``make datasets`` runs)::

    python -m helpers.data build [NAME ...] [--force]   # make missing files
    python -m helpers.data check                         # verify files against generators
"""

import argparse
import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

REBUILD_HINT = "Rebuild it with `make datasets`."
SCHEMA_HINT = "Pass a file in the course's schema (see datasets/README.md)."
SPLIT_KEYS = ("train_set_x", "train_set_y", "test_set_x", "test_set_y")


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or not in the expected schema."""


def _default_dir():
    return Path(__file__).resolve().parent.parent / "datasets"


def data_dir():
    """Folder of the project's datasets (``$COURSE_DATA_DIR`` overrides it)."""
    return Path(os.environ.get("COURSE_DATA_DIR", _default_dir()))


# ---------------------------------------------------------------- generators


def make_circles():
    """The course's circles set (Initialization lab), rows as examples.

    300 train points (``np.random.seed(1)``) and 100 test points (``np.random.seed(2)``),
    each from ``sklearn.datasets.make_circles(n_samples, noise=.05)``, as the course does.
    Returns a dict in file schema: x (m, 2) float64, y (m,) int64.
    """
    from sklearn.datasets import make_circles as sk_make_circles

    return _sklearn_points(sk_make_circles, (("train", 1, 300), ("test", 2, 100)), noise=0.05)


def _sklearn_points(make, splits, **options):
    """The course's recipe: for each (split, seed, m), ``np.random.seed(seed)`` then
    ``make(n_samples=m, **options)``. A dict in file schema: x (m, 2) float64, y (m,) int64."""
    arrays = {}
    for split, seed, m in splits:
        np.random.seed(seed)
        x, y = make(n_samples=m, **options)
        arrays[f"{split}_set_x"] = x.astype(np.float64)
        arrays[f"{split}_set_y"] = y.astype(np.int64)
    arrays["list_classes"] = np.array([0, 1], dtype=np.int64)
    return arrays


def make_goalkeeper(seed=2, noise=0.06, flip=0.04):
    """A 2-D set in the spirit of the course's goalkeeper set (Regularization lab).

    Positions on the field, x1 in [-0.6, 0.3], x2 in [-0.66, 0.57]; label 1 (the French
    player heads the ball) above a wavy line, with Gaussian noise of std ``noise`` on x2 and a
    fraction ``flip`` of labels flipped (the outliers an unregularized net chases). 211 train
    and 200 test points from one ``np.random.RandomState(seed)``; the seed was picked so that
    the lab's unregularized [2, 20, 3, 1] net overfits and L2 and dropout close the gap.
    Returns a dict in file schema: x (m, 2) float64, y (m,) int64.
    """
    rng = np.random.RandomState(seed)
    arrays = {}
    for split, m in (("train", 211), ("test", 200)):
        x = np.column_stack([rng.uniform(-0.6, 0.3, m), rng.uniform(-0.66, 0.57, m)])
        boundary = 0.12 * np.sin(7 * x[:, 0] + 1) + 0.2 * x[:, 0] - 0.05
        y = (x[:, 1] + noise * rng.randn(m) > boundary).astype(np.int64)
        flipped = rng.rand(m) < flip
        y[flipped] = 1 - y[flipped]
        arrays[f"{split}_set_x"], arrays[f"{split}_set_y"] = x, y
    arrays["list_classes"] = np.array([0, 1], dtype=np.int64)
    return arrays


def make_moons():
    """The course's moons set (Optimization Methods lab), rows as examples.

    300 train points from ``np.random.seed(3)`` and ``sklearn.datasets.make_moons(300,
    noise=.2)``, as the course does; the project adds 100 test points (``np.random.seed(4)``)
    so the explorer can show how a boundary generalizes.
    Returns a dict in file schema: x (m, 2) float64, y (m,) int64.
    """
    from sklearn.datasets import make_moons as sk_make_moons

    return _sklearn_points(sk_make_moons, (("train", 3, 300), ("test", 4, 100)), noise=0.2)


def make_signs():
    """The TensorFlow lab's SIGNS-style images (see ``helpers.signs``), seed 0."""
    from helpers import signs

    return signs.make_signs(seed=0)


@dataclass(frozen=True)
class DatasetSpec:
    """How to make and check one dataset file."""

    name: str
    filename: str
    make: Callable[[], dict]
    features: int | tuple  # shape of one example of *_set_x
    classes: tuple  # allowed label values
    sha256: str | None = None  # known checksum: a file that has it needs no regeneration

    @property
    def path(self):
        return data_dir() / self.filename


DATASETS = {
    "circles": DatasetSpec("circles", "circles.h5", make_circles, features=2, classes=(0, 1)),
    "goalkeeper": DatasetSpec(
        "goalkeeper", "goalkeeper.h5", make_goalkeeper, features=2, classes=(0, 1)
    ),
    "moons": DatasetSpec("moons", "moons.h5", make_moons, features=2, classes=(0, 1)),
    "signs": DatasetSpec(
        "signs",
        "signs.h5",
        make_signs,
        features=(64, 64, 3),
        classes=tuple(range(6)),
        sha256="08740edc94fdff03bf5fdb1bb5d820aaf2c59d2f622c4771ac6a47ec87428769",
    ),  # not committed (12 MB): `make datasets` renders it in about 6 s
}


# ---------------------------------------------------------------- files


def write_h5(path, arrays):
    """Write ``arrays`` (name -> ndarray) to ``path`` byte-for-byte reproducibly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w", track_order=False) as f:
        for key in sorted(arrays):
            big = arrays[key].nbytes > 1_000_000  # images: gzip (deterministic) keeps files small
            f.create_dataset(
                key, data=arrays[key], track_times=False, compression="gzip" if big else None
            )


def sha256(path):
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_h5(path, keys, fix=REBUILD_HINT):
    """Read ``keys`` from an HDF5 file, or raise one ``DatasetError`` naming file and fix."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: file not found. {fix}")
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in keys if k not in f]
            if missing:
                found = ", ".join(sorted(f.keys())) or "nothing"
                raise DatasetError(
                    f"{path}: missing key(s) {', '.join(missing)} (found: {found}). {fix}"
                )
            return {k: f[k][()] for k in keys}
    except OSError as err:
        raise DatasetError(
            f"{path}: not a readable HDF5 file (truncated or corrupt: {err}). {fix}"
        ) from None


def check_split(path, arrays, features, classes, fix=REBUILD_HINT, splits=("train", "test")):
    """Raise ``DatasetError`` unless x/y of each split have consistent shapes and labels.

    ``features`` is the shape of one example: an int (points) or a tuple (images).
    """
    shape = (features,) if isinstance(features, int) else tuple(features)
    for split in splits:
        x, y = arrays[f"{split}_set_x"], arrays[f"{split}_set_y"]
        if y.ndim == 2 and y.shape[0] == 1:  # (1, m) is accepted as well as (m,)
            y = y[0]
        problem = None
        if x.shape[1:] != shape:
            expected = ", ".join(str(n) for n in ("examples", *shape))
            problem = f"{split}_set_x has shape {x.shape}, expected ({expected})"
        elif y.ndim != 1 or y.shape[0] != x.shape[0]:
            problem = f"{split}_set_y has shape {y.shape}, expected ({x.shape[0]},)"
        elif not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
            problem = f"{split}_set_x holds non-numeric or non-finite values"
        elif not np.isin(y, classes).all():
            bad = sorted(set(np.unique(y).tolist()) - set(classes))
            problem = f"{split}_set_y holds labels {bad[:5]}, expected only {list(classes)}"
        if problem:
            raise DatasetError(f"{path}: {problem}. {fix}")


def read_mat(path, fix=SCHEMA_HINT):
    """Read the course's MATLAB file of the goalkeeper set (X, y, Xval, yval) in file schema."""
    from scipy.io import loadmat

    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: file not found. {fix}")
    try:
        mat = loadmat(path)
    except Exception as err:  # scipy raises several types for a bad file
        raise DatasetError(f"{path}: not a readable MATLAB file ({err}). {fix}") from None
    keys = {"train_set_x": "X", "train_set_y": "y", "test_set_x": "Xval", "test_set_y": "yval"}
    missing = [k for k in keys.values() if k not in mat]
    if missing:
        raise DatasetError(f"{path}: missing key(s) {', '.join(missing)}. {fix}")
    return {ours: np.asarray(mat[theirs]) for ours, theirs in keys.items()}


def load_points(name, path=None):
    """Load a 2-D points set: ``train_X`` (2, m), ``train_Y`` (1, m), ``test_X``, ``test_Y``.

    ``path`` defaults to the project's file; any HDF5 file in the same schema works (and,
    for the goalkeeper set, the course's ``data.mat``).
    """
    spec = DATASETS[name]
    path = Path(path) if path is not None else spec.path
    ours = path == spec.path
    fix = f"Rebuild it with `python -m helpers.data build {name}`." if ours else SCHEMA_HINT
    if path.suffix == ".mat":
        arrays = read_mat(path, fix=fix)
        arrays = {k: v.reshape(-1) if k.endswith("_y") else v for k, v in arrays.items()}
    else:
        arrays = read_h5(path, SPLIT_KEYS, fix=fix)
    check_split(path, arrays, spec.features, spec.classes, fix=fix)
    out = []
    for split in ("train", "test"):
        x, y = arrays[f"{split}_set_x"], arrays[f"{split}_set_y"]
        out += [x.T.astype(np.float64), y.reshape(1, -1).astype(np.int64)]
    return tuple(out)


def load_circles(path=None):
    """The Initialization lab's circles: train_X (2, 300), train_Y (1, 300), test (2, 100)."""
    return load_points("circles", path)


def load_goalkeeper(path=None):
    """The Regularization lab's set: train_X (2, 211), train_Y (1, 211), test (2, 200).

    Also reads the course's own file: ``regularization.h5`` (same keys) or ``data.mat``.
    """
    return load_points("goalkeeper", path)


def load_moons(path=None):
    """The Optimization Methods lab's moons: train_X (2, 300), train_Y (1, 300), test (2, 100)."""
    return load_points("moons", path)


COURSE_SIGNS = ("train_signs.h5", "test_signs.h5")


@dataclass(frozen=True)
class Signs:
    """The SIGNS set as the TensorFlow lab uses it (examples as rows, like the course)."""

    train_x: np.ndarray  # (m_train, 64, 64, 3) uint8
    train_y: np.ndarray  # (m_train,) int64, 0..5
    test_x: np.ndarray  # (m_test, 64, 64, 3) uint8
    test_y: np.ndarray  # (m_test,) int64
    classes: np.ndarray  # (6,) int64
    source: str  # which files were read


def load_signs(folder=None):
    """The TensorFlow lab's hand signs: the course's photos when ``train_signs.h5`` and
    ``test_signs.h5`` are in ``folder`` (default ``datasets/``), else the project's own
    rendered set ``signs.h5``. Returns a ``Signs``; ``source`` says which was read.
    """
    folder = Path(folder) if folder is not None else data_dir()
    shown = "datasets/" if folder.resolve() == _default_dir().resolve() else f"{folder}/"
    course = [folder / name for name in COURSE_SIGNS]
    present = [p.exists() for p in course]
    if any(present) and not all(present):
        have, lack = (course[0], course[1]) if present[0] else (course[1], course[0])
        raise DatasetError(
            f"{have} is there but {lack} is not: the course's SIGNS set needs both files. "
            f"Add {lack.name}, or remove {have.name} to use the project's own set."
        )
    spec = DATASETS["signs"]  # the course's files follow the same schema
    if all(present):
        arrays = {
            **read_h5(course[0], ("train_set_x", "train_set_y", "list_classes"), SCHEMA_HINT),
            **read_h5(course[1], ("test_set_x", "test_set_y"), SCHEMA_HINT),
        }
        for path, split in zip(course, ("train", "test"), strict=True):
            check_split(path, arrays, spec.features, spec.classes, SCHEMA_HINT, splits=(split,))
        source = f"the course's SIGNS photos ({course[0].name}, {course[1].name} in {shown})"
    else:
        path = folder / spec.filename
        fix = "Rebuild it with `python -m helpers.data build signs`."
        arrays = read_h5(path, (*SPLIT_KEYS, "list_classes"), fix)
        check_split(path, arrays, spec.features, spec.classes, fix)
        source = f"the project's rendered SIGNS set ({path.name} in {shown})"
    return Signs(
        *(np.asarray(arrays[k]).reshape(-1) if k.endswith("_y") else arrays[k]
          for k in SPLIT_KEYS),
        classes=np.asarray(arrays["list_classes"]).astype(np.int64),
        source=source,
    )  # fmt: skip


def cached_arrays(name, inputs, compute, cache_dir=None):
    """``compute()`` (a dict of arrays), cached as ``<cache_dir>/<name>-<key>.npz``.

    The key is a checksum of ``inputs`` (arrays or numbers that determine the result), so a
    change of data or settings computes afresh. ``cache_dir`` defaults to
    ``datasets/cache/``. Used by the explorers' pretrained grids (``make datasets``).
    """
    key = hashlib.sha256()
    for a in inputs:
        key.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    path = Path(cache_dir or data_dir() / "cache") / f"{name}-{key.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as stored:
            return dict(stored)
    arrays = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return arrays


# ---------------------------------------------------------------- build / check


def build(names=None, force=False):
    """Create missing dataset files; never overwrite a user's file unless ``force``.

    With ``force``, a file that differs from the generator is kept as ``<name>.h5.bak``.
    Returns one status line per dataset.
    """
    lines = []
    for name in names or DATASETS:
        spec = _spec(name)
        path = spec.path
        if path.exists():
            if _matches(spec):
                lines.append(f"{name}: ok ({path})")
                continue
            if not force:
                lines.append(
                    f"{name}: {path} differs from the generator's output; left untouched "
                    f"(run `python -m helpers.data build {name} --force` to rebuild it, "
                    f"keeping yours as {path.name}.bak)"
                )
                continue
            path.replace(path.with_name(path.name + ".bak"))
        write_h5(path, spec.make())
        lines.append(f"{name}: built {path} (sha256 {sha256(path)})")
    return lines


def _spec(name):
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    return DATASETS[name]


def _matches(spec):
    """True when the file holds exactly the generator's arrays."""
    if spec.sha256 and spec.path.exists() and sha256(spec.path) == spec.sha256:
        return True
    expected = spec.make()
    try:
        found = read_h5(spec.path, sorted(expected))
    except DatasetError:
        return False
    return all(
        found[k].shape == v.shape and found[k].dtype == v.dtype and np.array_equal(found[k], v)
        for k, v in expected.items()
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data", description="Build or check the labs' datasets."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="create missing dataset files in datasets/")
    b.add_argument("names", nargs="*", help=f"datasets (default: all of {', '.join(DATASETS)})")
    b.add_argument(
        "--force",
        action="store_true",
        help="rebuild files that differ (the old one is kept as .bak)",
    )
    sub.add_parser("check", help="verify every dataset file against its generator")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print("\n".join(build(args.names, force=args.force)))
            return 0
        bad = [n for n, s in DATASETS.items() if not _matches(s)]
        for name, spec in DATASETS.items():
            print(f"{name}: {'differs or missing' if name in bad else 'ok'} ({spec.path})")
        return 1 if bad else 0
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
