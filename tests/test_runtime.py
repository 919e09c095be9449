import os
import random
import subprocess
import sys

import matplotlib as mpl
import numpy as np
from conftest import ROOT

import helpers
from helpers import plots


def test_setup_seeds_numpy_and_random():
    helpers.setup(seed=5)
    a, r = np.random.rand(3), random.random()
    helpers.setup(seed=5)
    np.testing.assert_array_equal(np.random.rand(3), a)
    assert random.random() == r
    assert tuple(mpl.rcParams["figure.figsize"]) == (5.0, 4.0)


def runs_quietly(code):
    """Run ``code`` in a fresh Python without the TF_ settings of this process: it must end
    without error and print nothing, on stdout or stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == "", done.stdout + done.stderr


def test_setup_with_tensorflow_is_seeded_deterministic_and_quiet():
    code = (
        "import helpers\n"
        "helpers.setup(seed=2, tensorflow=True)\n"
        "import tensorflow as tf\n"
        "a = tf.random.normal((3,)).numpy()\n"
        "helpers.setup(seed=2, tensorflow=True)\n"
        "assert (tf.random.normal((3,)).numpy() == a).all()\n"
        "from tensorflow.python.framework import config\n"
        "assert config.is_op_determinism_enabled()\n"
        "m = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])\n"
        "m.compile(optimizer='adam', loss='mse')\n"
        "m.fit(tf.ones((8, 4)), tf.ones((8, 2)), epochs=1, verbose=0)\n"
    )
    runs_quietly(code)


def test_numpy_labs_leave_tensorflow_to_their_keras_section():
    """The numpy labs' set-up and modules do not import TensorFlow (about 6 s and 500 MB per
    kernel, paid by every Run All and every graded submission); their Keras section calls
    ``helpers.setup_tensorflow``, which seeds it and makes its ops deterministic."""
    labs = [
        "gradient_checking",
        "initialization",
        "regularization",
        "optimization_methods",
        "batch_normalization",
        "hyperparameter_tuning",
    ]
    code = (
        "import sys, helpers\n"
        "helpers.setup(seed=1)\n"
        f"for lab in {labs!r}:\n"
        "    __import__(f'helpers.labs.{lab}')\n"
        "assert 'tensorflow' not in sys.modules, 'a numpy lab imported TensorFlow'\n"
        "tf = helpers.setup_tensorflow(seed=3)\n"
        "from tensorflow.python.framework import config\n"
        "assert config.is_op_determinism_enabled()\n"
    )
    runs_quietly(code)
    for lab in ("optimization_methods", "batch_normalization"):
        (path,) = (ROOT / "notebooks").glob(f"week*/{lab}.ipynb")
        assert "tensorflow=True" not in path.read_text() and "setup_tensorflow" in path.read_text()


def test_reading_a_notebook_builds_no_grammar():
    """jsonschema 4.25 made its non-GPL format checks (which jupyter-events asks for) import
    ``rfc3987_syntax``, which builds a Lark grammar on import: 1.9 s added to every process
    that imports nbformat (nbgrader, nbclient, JupyterLab, each graded submission's runner).
    constraints.txt holds jsonschema at 4.24.1, which does not import it."""
    runs_quietly(
        "import sys, nbformat, nbformat.validator\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "assert 'rfc3987_syntax' not in sys.modules and 'lark' not in sys.modules"
    )


def test_no_file_of_the_code_is_hidden_from_git_by_gitignore():
    """A file that .gitignore matches never reaches a clone (the feedback page's template once
    sat in a folder named like nbgrader's `feedback/`, and a clean clone could not grade)."""
    folders = ["helpers", "tools", "notebooks", "tests", "binder", "hub"]
    command = ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory"]
    listed = subprocess.run(command + folders, cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    ignored = [p for p in listed.stdout.split() if not p.endswith(("__pycache__/", "checkpoints/"))]
    assert ignored == []


def test_no_lab_module_imports_another_lab():
    """Each lab's module (helpers/labs/) builds on the shared helpers only: changing one lab
    cannot break another through it."""
    import ast

    for path in sorted((ROOT / "helpers" / "labs").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            node.module + "".join(f".{a.name}" for a in node.names)
            if isinstance(node, ast.ImportFrom)
            else ", ".join(a.name for a in node.names)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
        assert not [m for m in imported if "helpers.labs" in m], (path.name, imported)


def test_figures_after_setup_are_framed_so_a_dark_theme_shows_a_figure(tmp_path):
    """The PNG a lab's figure becomes (the inline backend's tight crop) has a grey edge all
    round its white page."""
    import matplotlib.pyplot as plt
    from PIL import Image

    with mpl.rc_context():
        helpers.setup(seed=1)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        fig.savefig(tmp_path / "figure.png", bbox_inches="tight", facecolor="white")
        plt.close(fig)
    pixels = np.asarray(Image.open(tmp_path / "figure.png").convert("RGB")).astype(int)
    grey = np.array(mpl.colors.to_rgb(plots.FRAME)) * 255
    inner = pixels[3:-3, 3:-3]
    rows, cols = pixels[:, 3:-3], pixels[3:-3]  # the sides, corners left out (antialiased)
    for side in (rows[:3], rows[-3:], cols[:, :3].swapaxes(0, 1), cols[:, -3:].swapaxes(0, 1)):
        nearest = np.abs(side - grey).max(axis=2).min(axis=0)  # within 3 px of the edge
        assert (nearest < 20).all()  # the frame, all round
    assert (inner == 255).all(axis=2).mean() > 0.5  # a white page inside
