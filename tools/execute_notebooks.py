"""Re-execute labs in place, the way CI's nbval will, and save tidy outputs.

Usage: python -m tools.execute_notebooks notebooks/week1/initialization.ipynb [...]
Runs each notebook top to bottom in its own folder with the current environment's kernel,
merges split stream outputs, and stops with the failing cell's error if one fails.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

ROOT = Path(__file__).resolve().parent.parent


def answer_key_variables(environ=os.environ):
    """The variables that let a kernel answer hidden test cases (the source labs' test cells
    hold them, and only the instructor's answer key, ``tools.answer_key``, knows their
    values): ``COURSE_ANSWER_KEY``, and the course folder first on ``environ``'s PYTHONPATH."""
    paths = [str(ROOT), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {
        "COURSE_ANSWER_KEY": "tools.answer_key",
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
    }


def answer_key_environment():
    """Let kernels started from here answer hidden test cases (``answer_key_variables``)."""
    os.environ.update(answer_key_variables())


def run(nb, folder, timeout=600):
    """Run every cell of ``nb`` with the current environment's kernel in ``folder``; the
    outputs land in ``nb``. Returns the wall time in seconds. Also used by ``tools.bench``."""
    answer_key_environment()
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return time.perf_counter() - start


def execute(path):
    """Execute ``path`` in place; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    seconds = run(nb, Path(path).parent)
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {execute(name):.1f} s")
