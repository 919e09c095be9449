"""How an error shows in a lab (installed by ``helpers.setup``): a failed check's message alone,
an exercise not written yet in one line, and any other error with the learner's own frames
only (the helpers' and the kernel's hidden). The cell still fails as before: Run All stops
there, and nbval, nbgrader and the grader see the same error (type and message). Also the
learner's functions as an explorer finds them (``notebook_function``) and what it says
while one is not written or not run yet (``explorer_waits``)."""

import functools
import json
import os
import re
import sys
import types
from pathlib import Path

HELPERS = str(Path(__file__).resolve().parent) + os.sep
RED, BOLD, RESET = "\x1b[0;31m", "\x1b[1m", "\x1b[0m"
EXERCISE_HEADING = re.compile(r"Exercise (\d+)\s*[—–-]+\s*`(\w+)`")


def install(shell):
    """Show errors in ``shell`` (IPython's) as this module says."""
    shell.set_custom_exc((Exception,), _show)


def exercise_number(name, notebook=None):
    """The number of the exercise whose function is ``name`` in ``notebook`` (default: the
    notebook this kernel runs, ``$JPY_SESSION_NAME``), from its "Exercise N — `name`"
    headings; None when unknown."""
    try:
        path = Path(notebook or os.environ["JPY_SESSION_NAME"])
        return _exercise_numbers(path, path.stat().st_mtime_ns).get(name)
    except (KeyError, OSError, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _exercise_numbers(path, _mtime):
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    markdown = ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown"]
    return {name: int(n) for text in markdown for n, name in EXERCISE_HEADING.findall(text)}


def exercise(name):
    """ "exercise N (name)", or the name alone when its number is unknown."""
    number = exercise_number(name)
    return f"exercise {number} ({name})" if number else name


def not_written(name):
    """One line for a graded function that still raises ``NotImplementedError``."""
    return (
        f"{exercise(name)} is not written yet: replace `raise NotImplementedError()` in its "
        "cell with your code and run that cell, then this one."
    )


class NotRun(NotImplementedError):
    """A learner's function an explorer needs is not defined: its cell has not run."""

    def __init__(self, name):
        super().__init__(f"{name} is not defined yet: run its cell")
        self.name = name


def notebook_function(name):
    """The learner's function ``name`` as the notebook defines it when called (the kernel's
    ``__main__``), so that an explorer cell runs on its own after the setup cell, on what the
    learner has written and run so far; raises ``NotRun`` while it is not defined."""

    def call(*args, **kwargs):
        function = vars(sys.modules["__main__"]).get(name)
        if not callable(function):
            raise NotRun(name)
        return function(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def explorer_waits(error):
    """An explorer's status line while a learner's function raises ``error`` (a
    ``NotImplementedError``: a stub not written yet, or ``NotRun``)."""
    if isinstance(error, NotRun):
        return (
            f"{exercise(error.name)} has not run yet: this explorer runs your own code. Run "
            "its cell, then move a control here."
        )
    frames = list(_frames(error.__traceback__))
    name = frames[-1].tb_frame.f_code.co_name if frames else "an exercise"
    return (
        f"{exercise(name)} is not written yet: this explorer runs your own code. Write it, "
        "run its cell, then move a control here."
    )


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _in_helpers(tb):
    return tb.tb_frame.f_code.co_filename.startswith(HELPERS)


def _kernel(tb):  # the helpers' or IPython's frames: not the learner's
    return _in_helpers(tb) or f"{os.sep}IPython{os.sep}" in tb.tb_frame.f_code.co_filename


def brief(etype, value, tb):
    """One line for a failed check (an AssertionError raised by the helpers) or an exercise
    not written yet (a bare NotImplementedError raised by the learner's function, called by
    a check or an explorer); None for any other error."""
    frames = list(_frames(tb))
    if not frames or not any(map(_in_helpers, frames)):
        return None
    last = frames[-1]
    if issubclass(etype, NotImplementedError) and not _kernel(last) and not str(value):
        return [f"{RED}{not_written(last.tb_frame.f_code.co_name)}{RESET}"]
    if issubclass(etype, AssertionError) and _in_helpers(last):
        return [f"{RED}{BOLD}Check failed:{RESET} {value}"]
    return None


def learners_frames(tb):
    """The traceback without the helpers' and the kernel's frames, when it goes through the
    helpers (a check calling the learner's code); else None (shown as Python does)."""
    frames = list(_frames(tb))
    mine = [f for f in frames if not _kernel(f)]
    if not mine or not any(map(_in_helpers, frames)):
        return None
    tb = None
    for frame in reversed(mine):  # new objects: the exception's own traceback stays whole
        tb = types.TracebackType(tb, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
    return tb


def _show(shell, etype, value, tb, tb_offset=None):
    lines = brief(etype, value, tb)
    if lines is None:
        mine = learners_frames(tb)
        if mine is None:
            shell.showtraceback((etype, value, tb), running_compiled_code=True)
            return
        lines = shell.InteractiveTB.structured_traceback(etype, value, mine)
    shell._showtraceback(etype, value, lines)
