"""Every explorer of the labs as its notebook opens it, built headless on the course's
solutions: what ``make bench`` times and the browser tests check (tools/bench.py,
tests/test_browser.py), with no wiring per explorer. A new explorer cell in a lab is found,
built, benched and browser-tested as it is."""

import ast
import contextlib
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as w
import nbformat

from tools.browser import is_explorer

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SLIDERS = (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.SelectionSlider)  # .widget-hslider


@dataclass(frozen=True)
class Cell:
    """An explorer cell: its lab (``week1/initialization.ipynb``), the lab's module (what the
    setup cell imports as ``lab``), its place among the lab's explorers and its call."""

    notebook: str
    module: str
    index: int
    call: str

    @property
    def name(self):
        return self.call.split("(")[0].removeprefix("lab.")


def cells(root=NOTEBOOKS):
    """Every explorer cell of every lab, in order."""
    out = []
    for path in sorted(Path(root).glob("week*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        found = re.search(r"^from helpers\.labs import (\w+) as lab$", source, re.M)
        calls = [c.source.strip() for c in nb.cells if is_explorer(c)]
        if calls and found is None:
            raise ValueError(f"{path.name} shows explorers but imports no lab module as `lab`")
        for index, call in enumerate(calls):
            name = f"{path.parent.name}/{path.name}"
            out.append(Cell(name, f"helpers.labs.{found.group(1)}", index, call))
    return out


@contextlib.contextmanager
def course_solutions():
    """The course's solutions (``tools.reference``) where an explorer finds the learner's
    functions (``errors.notebook_function``: the kernel's ``__main__``), for the block."""
    from tools import reference

    main = sys.modules["__main__"]
    names = [n for n, f in vars(reference).items() if callable(f) and not n.startswith("_")]
    saved = {n: getattr(main, n) for n in names if hasattr(main, n)}
    for name in names:
        setattr(main, name, getattr(reference, name))
    try:
        yield
    finally:
        for name in names:
            if name in saved:
                setattr(main, name, saved[name])
            else:
                delattr(main, name)


def build(cell):
    """The cell's explorer, headless (call inside ``course_solutions``). The call is read, not
    run: ``lab.<name>_explorer(key=literal, ...)``."""
    (statement,) = ast.parse(cell.call).body
    call = statement.value
    if call.args or not all(k.arg for k in call.keywords):
        raise ValueError(f"{cell.notebook}: {cell.call} takes keyword settings only")
    settings = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return getattr(importlib.import_module(cell.module), cell.name)(**settings)


def sliders(ex):
    """The names of the explorer's sliders in the order a page shows them (row by row)."""
    return [n for row in ex.rows for n in row if isinstance(ex.controls[n], SLIDERS)]


def step(ex, name, by=1):
    """The setting with control ``name`` moved ``by`` steps (a key press on its slider)."""
    offered = ex.plan.offered[name]
    at = ex.plan.nearest(name, ex.values[name])
    return {**ex.values, name: offered[min(max(at + by, 0), len(offered) - 1)]}


def timed_slider(ex):
    """The first slider whose next step is drawn ahead (the one to time key presses on), or
    None."""
    return next((n for n in sliders(ex) if ex.drawn_ahead(n, step(ex, n))), None)


def settled_status(ex, values):
    """The status line a setting settles on: trained first if it trains."""
    if ex.trains(**values):
        ex.train(**values)
    return ex.status_at(values)


def built():
    """Every explorer cell and its explorer: [(cell, explorer)] (inside
    ``course_solutions``)."""
    return [(cell, build(cell)) for cell in cells()]


def timed(explorers):
    """What the browser times, from ``built()``: {notebook: [(explorer index, slider position,
    name)]}, the slider being each explorer's ``timed_slider``."""
    out = {}
    for cell, ex in explorers:
        slider = timed_slider(ex)
        if slider is None:
            raise ValueError(f"{cell.call} has no slider whose next step is drawn ahead")
        label = f"{cell.name}: {ex.controls[slider].description}"
        out.setdefault(cell.notebook, []).append((cell.index, sliders(ex).index(slider), label))
    return out
