"""Datasets of the labs: what each file holds, and loaders that check it.

Files use the course's HDF5 schema, examples as rows: ``train_set_x`` (m, features),
``train_set_y`` (m,), ``test_set_x``, ``test_set_y``. Loaders return the course's
column layout: X (features, m), Y (1, m). The project's files are made by its own
generators (``tools.datasets``, run by ``make datasets``); the loaders also read the
course's files in the same schema.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

REBUILD_HINT = "Rebuild it with `make datasets`."


def rebuild_hint(name):
    """The command that rebuilds the project's file of dataset ``name``."""
    return f"Rebuild it with `make datasets` (or `python -m tools.datasets build {name}`)."


SCHEMA_HINT = "Pass a file in the course's schema (see datasets/README.md)."
SPLIT_KEYS = ("train_set_x", "train_set_y", "test_set_x", "test_set_y")


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or not in the expected schema."""


def _default_dir():
    return Path(__file__).resolve().parent.parent / "datasets"


def data_dir():
    """Folder of the project's datasets (``$COURSE_DATA_DIR`` overrides it)."""
    return Path(os.environ.get("COURSE_DATA_DIR", _default_dir()))


@dataclass(frozen=True)
class DatasetSpec:
    """What one dataset file holds (its generator is in ``tools.datasets``)."""

    name: str
    filename: str
    features: int | tuple  # shape of one example of *_set_x
    classes: tuple  # allowed label values
    sha256: str | None = None  # known checksum: a file that has it needs no regeneration

    @property
    def path(self):
        return data_dir() / self.filename


DATASETS = {
    "circles": DatasetSpec("circles", "circles.h5", features=2, classes=(0, 1)),
    "goalkeeper": DatasetSpec("goalkeeper", "goalkeeper.h5", features=2, classes=(0, 1)),
    "moons": DatasetSpec("moons", "moons.h5", features=2, classes=(0, 1)),
    "signs": DatasetSpec(
        "signs",
        "signs.h5",
        features=(64, 64, 3),
        classes=tuple(range(6)),
        sha256="08740edc94fdff03bf5fdb1bb5d820aaf2c59d2f622c4771ac6a47ec87428769",
    ),  # not committed (12 MB): `make datasets` renders it in about 6 s
    "spirals": DatasetSpec("spirals", "spirals.h5", features=2, classes=(0, 1, 2)),
}


# ---------------------------------------------------------------- files


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
    fix = rebuild_hint(name) if ours else SCHEMA_HINT
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
    """The Regularization lab's set: train_X (2, 211), train_Y (1, 211), and the set the lab
    tunes on, its dev set (2, 200) and (1, 200) (the file's ``test_set_*``, the course's name).

    Also reads the course's own file: ``regularization.h5`` (same keys) or ``data.mat``
    (``Xval``, ``yval``). The lab's test set comes from ``load_goalkeeper_test``.
    """
    return load_points("goalkeeper", path)


def load_extra_split(name, split, path=None, other_file_hint=SCHEMA_HINT):
    """The ``<split>_set_x`` (features, m) and ``<split>_set_y`` (1, m) of dataset ``name``:
    a split the project adds beside the course's train and test. ``other_file_hint`` is the
    advice for a file other than the project's (the course's files lack the split)."""
    spec = DATASETS[name]
    path = Path(path) if path is not None else spec.path
    fix = rebuild_hint(name) if path == spec.path else other_file_hint
    keys = (f"{split}_set_x", f"{split}_set_y")
    arrays = read_h5(path, keys, fix=fix)
    check_split(path, arrays, spec.features, spec.classes, fix=fix, splits=(split,))
    return arrays[keys[0]].T.astype(np.float64), arrays[keys[1]].reshape(1, -1).astype(np.int64)


def load_goalkeeper_test(path=None):
    """The Regularization lab's test set, kept apart until the end: test_X (2, 200),
    test_Y (1, 200), the ``heldout_set_*`` keys of the project's ``goalkeeper.h5``."""
    return load_extra_split(
        "goalkeeper",
        "heldout",
        path,
        (
            "The course's files hold no test set apart from the dev set: call "
            "load_goalkeeper_test() without a path for the project's."
        ),
    )


def load_moons(path=None):
    """The Optimization Methods lab's moons: train_X (2, 300), train_Y (1, 300), test (2, 100)."""
    return load_points("moons", path)


def load_moons_dev(path=None):
    """The Hyperparameter Tuning lab's dev set of moons: dev_X (2, 200), dev_Y (1, 200), the
    ``dev_set_*`` keys of the project's ``moons.h5`` (the course's moons have none)."""
    return load_extra_split(
        "moons",
        "dev",
        path,
        (
            "The course's moons hold no dev set: call load_moons_dev() without a path for the "
            "project's."
        ),
    )


def load_spirals(path=None):
    """The Batch Normalization lab's three spiral arms: train_X (2, 300), train_Y (1, 300)
    with labels 0, 1, 2, test_X (2, 150), test_Y (1, 150)."""
    return load_points("spirals", path)


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
        fix = rebuild_hint("signs")
        arrays = read_h5(path, (*SPLIT_KEYS, "list_classes"), fix)
        check_split(path, arrays, spec.features, spec.classes, fix)
        source = f"the project's rendered SIGNS set ({path.name} in {shown})"
    return Signs(
        *(np.asarray(arrays[k]).reshape(-1) if k.endswith("_y") else arrays[k] for k in SPLIT_KEYS),
        classes=np.asarray(arrays["list_classes"]).astype(np.int64),
        source=source,
    )
