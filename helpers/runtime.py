"""One call at the top of every lab: seeds, quiet logs, plot defaults."""

import os
import random
import sys

import numpy as np

PLOT_DEFAULTS = {
    "figure.figsize": (5.0, 4.0),
    "figure.dpi": 80,
    "image.interpolation": "nearest",
    "image.cmap": "gray",
    "axes.grid": False,
}


def setup(seed=1, tensorflow=False):
    """Seed numpy, ``random`` and (if used) TensorFlow; silence TF logs; set plot defaults.

    Used in the setup cell of every lab. Pass ``tensorflow=True`` in the TensorFlow labs
    (week 3): TensorFlow is then imported, seeded with ``tf.keras.utils.set_random_seed``
    and switched to deterministic ops. It is also seeded when it was imported already.
    """
    # Must be set before TensorFlow is imported to keep its C++ start-up logs off stderr.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow or "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        tf.keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    import matplotlib as mpl

    mpl.rcParams.update(PLOT_DEFAULTS)
