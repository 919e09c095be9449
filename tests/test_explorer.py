"""The wiring every explorer shares (helpers.explorer): the live figure redraws only what moves,
settings given to an explorer are checked, and the reopen line is the call that reproduces it."""

import io
import re

import ipywidgets as w
import numpy as np
import pytest
from conftest import NOTEBOOKS, ROOT
from PIL import Image

from helpers.explorer import Explorer, LiveFigure, choice_slider, reopen_call


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def test_live_figure_draws_its_still_parts_once_and_its_moving_artists_each_time():
    live, (ax,) = LiveFigure.subplots(1, 1, figsize=(4, 3))
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 0], lw=6, color="red")
    still = ax.text(0.5, 0.5, "still", fontsize=30)
    live.moving = [line]
    first = pixels(live.png())
    line.set_ydata([1, 1])
    still.set_text("changed")  # not moving: the background keeps the first text
    second = pixels(live.png())
    assert first.shape == second.shape and first.shape[2] == 3
    red = np.all(second == [255, 0, 0], axis=-1)
    assert red[: red.shape[0] // 2].any() and not red[red.shape[0] // 2 :].any()  # moved up
    text_rows = slice(first.shape[0] // 3, 2 * first.shape[0] // 3)
    np.testing.assert_array_equal(first[text_rows], second[text_rows])  # "still", as drawn once
    live.moving = [line, still]  # a new list of moving artists redraws the background
    third = pixels(live.png())
    assert not np.array_equal(second[text_rows], third[text_rows])


def test_reopen_call_lists_every_setting():
    assert reopen_call("lab.x_explorer(", {"a": 1, "b": "log"}) == "lab.x_explorer(a=1, b='log')"
    assert reopen_call("lab.x_explorer(data", {"a": 0.5}) == "lab.x_explorer(data, a=0.5)"


def explorer(**start):
    controls = {"lam": choice_slider((0.0, 0.1, 1.0), 0.0, "λ"),
                "n": w.IntSlider(value=5, min=1, max=10)}  # fmt: skip
    shown = []
    ex = Explorer(controls, lambda ex: shown.append(dict(ex.values)), start=start,
                  call="lab.x_explorer(data")  # fmt: skip
    return ex, shown


def test_start_sets_controls_before_the_first_redraw_and_reopen_follows_the_controls():
    ex, shown = explorer(lam=0.1, n=7)
    assert shown == [{"lam": 0.1, "n": 7}]
    assert "lab.x_explorer(data, lam=0.1, n=7)" in ex.reopen.value
    ex.controls["n"].value = 8
    assert shown[-1] == {"lam": 0.1, "n": 8} and "n=8)" in ex.reopen.value
    assert all(c.continuous_update for c in ex.controls.values())


@pytest.mark.parametrize(
    ("start", "message"),
    [({"lambda": 1.0}, "no setting 'lambda'; its settings: lam, n"),
     ({"lam": 0.3}, r"lam=0.3 is not offered; choose one of 0.0, 0.1, 1.0"),
     ({"n": 11}, r"n=11 is outside \[1, 10\]")],
)  # fmt: skip
def test_bad_settings_say_what_is_allowed(start, message):
    with pytest.raises(ValueError, match=message):
        explorer(**start)


def test_each_explorer_reopens_with_the_call_its_lab_makes():
    """The reopen line starts as the notebook's own explorer call does, so it can be pasted
    into the same cell."""
    calls = {}
    for path in sorted((ROOT / "helpers" / "labs").glob("*.py")):
        for prefix in re.findall(r'call ?= ?"(lab\.\w+_explorer\([^"]*)"', path.read_text()):
            calls[prefix.split("(")[0]] = prefix
    sources = "\n".join(path.read_text() for path in NOTEBOOKS)
    used = set(re.findall(r"lab\.\w+_explorer(?=\()", sources))
    assert used == set(calls), f"explorers without a reopen line: {used - set(calls)}"
    for name, prefix in calls.items():
        assert prefix.replace('"', '\\"') in sources, f"{name}: the notebook calls it otherwise"
