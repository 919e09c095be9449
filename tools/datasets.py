"""The project's datasets: deterministic generators, and the command that builds them.

    python -m tools.datasets build [NAME ...] [--force]   # make missing files (make datasets)
    python -m tools.datasets check                         # verify files against generators

What each file holds, and the loaders the labs use, are in ``helpers.data``. Building never
overwrites a file that differs from its generator's output unless ``--force`` is given, and
then keeps the old one as ``NAME.h5.bak``.
"""

import argparse
import sys
from pathlib import Path

import h5py
import numpy as np

from helpers.data import DATASETS, DatasetError, read_h5, sha256


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
    fraction ``flip`` of labels flipped (the outliers an unregularized net chases). 211 train,
    200 test (the course's name for the lab's dev set) and 200 heldout points (the lab's test
    set, used once at the end), in that order from one ``np.random.RandomState(seed)``; the
    seed was picked so that the lab's unregularized [2, 20, 3, 1] net overfits and L2 and
    dropout close the gap. Returns a dict in file schema: x (m, 2) float64, y (m,) int64.
    """
    rng = np.random.RandomState(seed)
    arrays = {}
    for split, m in (("train", 211), ("test", 200), ("heldout", 200)):
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
    so the explorer can show how a boundary generalizes, and 200 dev points
    (``np.random.seed(5)``) for the Hyperparameter Tuning lab to tune on.
    Returns a dict in file schema: x (m, 2) float64, y (m,) int64.
    """
    from sklearn.datasets import make_moons as sk_make_moons

    splits = (("train", 3, 300), ("test", 4, 100), ("dev", 5, 200))
    return _sklearn_points(sk_make_moons, splits, noise=0.2)


def make_spirals(seed=0, classes=3, noise=0.25):
    """Three interleaved spiral arms, one class each (the Batch Normalization lab's softmax).

    Each point: radius r = u ** 0.7 (u uniform in [0, 1]), angle k 2 pi / classes + 4 r plus
    Gaussian noise of std ``noise``; 100 train and 50 test points per class, in class order,
    from one ``np.random.RandomState(seed)``. A linear softmax classifier gets about 60% of
    them, a small network nearly all. Returns a dict in file schema: x (m, 2) float64,
    y (m,) int64 in 0 ... classes - 1.
    """
    rng = np.random.RandomState(seed)
    arrays = {}
    for split, per_class in (("train", 100), ("test", 50)):
        xs, ys = [], []
        for k in range(classes):
            r = rng.rand(per_class) ** 0.7
            angle = k * 2 * np.pi / classes + 4 * r + noise * rng.randn(per_class)
            xs.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
            ys.append(np.full(per_class, k, dtype=np.int64))
        arrays[f"{split}_set_x"], arrays[f"{split}_set_y"] = np.concatenate(xs), np.concatenate(ys)
    arrays["list_classes"] = np.arange(classes, dtype=np.int64)
    return arrays


def make_signs():
    """The TensorFlow lab's SIGNS-style images (see ``tools.signs_render``), seed 0."""
    from tools import signs_render

    return signs_render.make_signs(seed=0)


MAKERS = {
    "circles": make_circles,
    "goalkeeper": make_goalkeeper,
    "moons": make_moons,
    "signs": make_signs,
    "spirals": make_spirals,
}


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
                    f"(run `python -m tools.datasets build {name} --force` to rebuild it, "
                    f"keeping yours as {path.name}.bak)"
                )
                continue
            path.replace(path.with_name(path.name + ".bak"))
        write_h5(path, MAKERS[name]())
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
    expected = MAKERS[spec.name]()
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
        prog="python -m tools.datasets", description="Build or check the labs' datasets."
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
