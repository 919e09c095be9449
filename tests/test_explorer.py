"""The wiring every explorer shares (helpers.explorer): the live figure redraws only what moves,
settings given to an explorer are checked, and the reopen line is the call that reproduces it."""

import asyncio
import io
import json
import re
import shutil
import subprocess
import threading
import time

import ipywidgets as w
import numpy as np
import pytest
from conftest import NOTEBOOKS, ROOT
from PIL import Image

from helpers import explorer as explorer_module
from helpers.explorer import Explorer, LiveFigure, choice_slider, log_slider, reopen_call


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


class LineFigure:
    """A line at height ``lam`` over ``n`` points; the status line says the setting."""

    def __init__(self):
        self.live, (ax,) = LiveFigure.subplots(1, 1, figsize=(2, 2))
        ax.set(xlim=(0, 10), ylim=(0, 1))
        (self.line,) = ax.plot([], [])
        self.live.moving = [self.line]

    def update(self, view):
        self.line.set_data(np.arange(view["n"]), np.full(view["n"], view["lam"]))
        return self.live

    def status(self, view):
        return f"lam {view['lam']:g}, n {view['n']}, lr {view['log']:.3g}"


class StatusFigure:
    """An empty figure whose status line is ``status(view)``."""

    def __init__(self, status):
        self.live, _ = LiveFigure.subplots(1, 1, figsize=(1, 1))
        self.status = status

    def update(self, view):
        return self.live


def explorer(**start):
    """A small explorer: a line at height lam, n points; it trains (not drawn ahead) past
    n = 8. Returns it and the settings it computed a view of."""
    controls = {
        "lam": choice_slider((0.0, 0.1, 1.0), 0.0, "λ"),
        "n": w.IntSlider(value=5, min=1, max=10),
        "log": log_slider(1e-2, -3, -1, 0.5, "lr"),
    }
    drawn, trained = [], set()

    def view(**values):
        drawn.append(values)
        return values

    ex = Explorer(
        controls,
        view,
        LineFigure(),
        trains=lambda n, **_: n > 8 and n not in trained,
        train=lambda n, **_: trained.add(n),
        start=start,
        call="lab.x_explorer(data",
    )
    return ex, drawn


def test_start_sets_controls_before_the_first_redraw_and_reopen_follows_the_controls():
    ex, drawn = explorer(lam=0.1, n=7)
    assert drawn == [{"lam": 0.1, "n": 7, "log": 0.01}]
    assert "lab.x_explorer(data, lam=0.1, n=7, log=0.01)" in ex.page.reopen
    ex.controls["n"].value = 8
    assert drawn[-1] == {"lam": 0.1, "n": 8, "log": 0.01} and "n=8, " in ex.page.reopen
    assert ex.page.status == "lam 0.1, n 8, lr 0.01"
    assert all(c.continuous_update for c in ex.controls.values())


def test_setting_keys_are_written_as_the_browser_writes_them():
    """The browser (explorer_view.js) keys a setting from the controls' models: the index of
    a selection's option, a slider's value, a checkbox's true / false, each number written
    with JavaScript's toExponential(6). Python's keys must be the same strings."""
    js = (ROOT / "helpers" / "explorer_view.js").read_text()
    canon = re.search(r"^const canon = .*?;$", js, re.M | re.S).group(0)
    numbers = [0, 1, 7, 0.5, -1.5, 1e-5, 10**-2.5, 10**-3.75, 123456.7, 2.5e-8, 1e3]
    script = (
        canon
        + f"\nconsole.log(JSON.stringify({numbers}.map(canon).concat([canon(true), canon(false)])))"
    )
    node = shutil.which("node") or str(
        next(ROOT.glob(".venv/lib/python*/site-packages/playwright/driver/node"))
    )
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [explorer_module.canonical(v) for v in [*numbers, True, False]]
    ex, _ = explorer(lam=0.1, n=7)
    assert ex.key() == "1.000000e0|7.000000e0|1.000000e-2"
    assert ex.page.attributes == ["index", "value", "value"]


def test_drawing_ahead_draws_every_value_around_the_setting_as_a_live_move_would():
    ex, drawn = explorer(n=7)
    sent = []
    ex.page.send = lambda content, buffers=None: sent.append((content, buffers))
    ex.controls["lam"].value = 0.1  # moved last: drawn ahead first

    async def browser_shows_it():
        ex.from_browser({"type": "ready"})
        while ex.ahead_pending:
            await asyncio.sleep(0.01)

    asyncio.run(browser_shows_it())
    frames = [c for c, _ in sent if c["type"] == "frame"]
    keys = [c["key"] for c in frames]
    around = ex.plan.around(ex.values, "lam")
    assert [name for name, _ in around][:2] == ["lam", "lam"]
    trains = [v for _, v in around if v["n"] > 8]
    assert len(trains) == 2  # n = 9, 10 would train: not drawn ahead
    live = [ex.key({**ex.values, "lam": 0.0}), ex.key()]  # drawn before: sent first
    ahead = [ex.key(v) for _, v in around if v["n"] <= 8 and ex.key(v) not in live]
    assert keys == live + ahead
    assert sent[-1][0] == {"type": "ahead", "left": 0}
    assert ex.values == {"lam": 0.1, "n": 7, "log": 0.01}, "drawing ahead moved a control"
    lives = len(drawn)
    sent_frames = {c["key"]: (b[0], c["status"], c["reopen"]) for c, b in sent if b}
    ex.controls["n"].value = 3  # drawn ahead: published as drawn, no redraw
    assert len(drawn) == lives
    assert (ex.page.value, ex.page.status, ex.page.reopen) == sent_frames[ex.key()]
    fresh, _ = explorer(n=3, lam=0.1)  # the same setting drawn live by a new explorer
    assert pixels(fresh.page.value).tolist() == pixels(ex.page.value).tolist()
    assert (fresh.page.status, fresh.page.reopen) == (ex.page.status, ex.page.reopen)

    async def move_to_a_frame():
        ex.controls["n"].value = 4  # drawn ahead: the browser shows it, the model waits
        assert ex.page.status.endswith("n 3, lr 0.01")
        await asyncio.sleep(ex.SETTLE + 0.2)  # the controls rest: the model follows
        assert (ex.page.value, ex.page.status) == sent_frames[ex.key()][:2]
        while ex.ahead_pending:
            await asyncio.sleep(0.01)

    asyncio.run(move_to_a_frame())
    assert drawn.count({"lam": 0.1, "n": 4, "log": 0.01}) == 1, (
        "a frame drawn ahead was drawn again"
    )
    ex.controls["n"].value = 9  # trains: drawn live
    assert drawn[-1]["n"] == 9 and ex.page.status.endswith("n 9, lr 0.01")


def test_training_runs_in_the_background_and_the_explorer_answers_meanwhile():
    """With a browser showing the explorer, a setting that trains says so at once, other
    settings are drawn while it trains, and the trained setting is drawn when it is done;
    without one (headless) it trains before the redraw returns."""
    trained, started = {}, threading.Event()
    controls = {"lr": choice_slider((0.1, 0.2, 0.3), 0.1, "lr")}

    def trains(lr):
        return lr not in trained and lr != 0.2  # 0.2 needs no training

    def train(lr):
        started.set()
        time.sleep(0.5)
        trained[lr] = f"model at {lr:g}"

    def view(lr):
        return {"lr": lr, "model": trained.get(lr), "training": trains(lr)}

    figure = StatusFigure(
        lambda v: f"lr {v['lr']:g}: " + ("training…" if v["training"] else v["model"] or "no model")
    )
    ex = Explorer(controls, view, figure, trains=trains, train=train)  # headless: trains now
    assert ex.page.status == "lr 0.1: model at 0.1"
    ex.page.send = lambda content, buffers=None: None
    seen = []

    async def learner():
        ex.from_browser({"type": "ready"})
        ex.controls["lr"].value = 0.3  # trains in the background
        seen.append(ex.page.status)
        await asyncio.to_thread(started.wait, 5)
        ex.controls["lr"].value = 0.2  # answered while 0.3 trains
        seen.append(ex.page.status)
        ex.controls["lr"].value = 0.3  # still training: says so
        seen.append(ex.page.status)
        while ex.training:
            await asyncio.sleep(0.05)
        seen.append(ex.page.status)

    asyncio.run(learner())
    assert seen == [
        "lr 0.3: training…",
        "lr 0.2: no model",
        "lr 0.3: training…",
        "lr 0.3: model at 0.3",
    ]
    assert ex.key() in ex.frames  # the trained frame is kept; "training…" never is
    assert ex.frames[ex.key()][1] == "lr 0.3: model at 0.3"


def test_moves_from_a_subshell_thread_are_handled_on_the_explorers_own_loop():
    """JupyterLab 4.6+ sends widget messages to a kernel subshell: a thread with an event loop
    of its own. A burst of moves from there while a setting trains is handled on the loop the
    explorer was made in, and ends with the last setting trained and drawn. (Handled in both
    threads, a training's end redrew a setting drawn ahead in the other, and the last setting
    said "training…" for good: issue #31, found in chromium.)"""
    trained, threads = {}, set()
    controls = {"lr": choice_slider(tuple(range(6)), 0, "lr"), "n": w.IntSlider(1, 1, 4)}

    def train(lr, n):
        time.sleep(0.2)
        trained[lr] = f"model at {lr}"

    def view(lr, n):
        threads.add(threading.current_thread().name)
        return {"lr": lr, "n": n, "model": trained.get(lr)}

    def status(v):
        return (
            f"lr {v['lr']}: training…"
            if v["model"] is None
            else (f"lr {v['lr']}, n {v['n']}: {v['model']}")
        )

    trains = lambda lr, n: lr not in trained  # noqa: E731

    def subshell(ex):
        async def moves():
            ex.page._handle_custom_msg({"type": "ready"}, [])  # as a message from a browser
            for lr in (1, 2, 3, 4, 5):
                controls["lr"].value = lr
                await asyncio.sleep(0.03)
            await asyncio.sleep(1.0)  # the subshell's loop stays, as in a kernel

        asyncio.run(moves())

    async def kernel():
        # made in a cell: on the kernel's main loop
        ex = Explorer(controls, view, StatusFigure(status), trains=trains, train=train)
        ex.page.send = lambda content, buffers=None: None
        trainings = []
        ex.page.observe(lambda change: trainings.append(change["new"]), "training")
        await asyncio.to_thread(subshell, ex)
        for _ in range(100):  # 10 s
            if not ex.page.training and "training" not in ex.page.status:
                break
            await asyncio.sleep(0.1)
        return ex, trainings

    ex, trainings = asyncio.run(kernel())
    assert ex.page.status == "lr 5, n 1: model at 5", "the last setting was never drawn"
    assert threads == {threading.current_thread().name}
    assert trainings[0] is True and trainings[-1] is False and not ex.page.training
    assert 5 in trained and not ex.training


def test_couplings_and_greyed_controls_are_declared():
    """``adjust`` moves another control (such a setting is never drawn ahead); ``enabled``
    greys what a setting does not use, also when it is reached from a frame drawn ahead."""
    controls = {
        "l2": w.Checkbox(value=False),
        "lam": choice_slider((0.0, 0.1, 1.0), 0.0, "λ"),
        "n": w.IntSlider(value=1, min=1, max=3),
    }
    ex = Explorer(
        controls,
        lambda **values: values,
        StatusFigure(lambda v: f"l2 {v['l2']}, lam {v['lam']:g}, n {v['n']}"),
        adjust=lambda moved, v: {"l2": True} if v["lam"] and not v["l2"] else {},
        enabled=lambda l2, **_: {"n": not l2},
    )
    sent = []
    ex.page.send = lambda content, buffers=None: sent.append(content)
    assert not controls["n"].disabled
    controls["lam"].value = 0.1  # calls for L2: the checkbox follows
    assert controls["l2"].value and ex.page.status == "l2 True, lam 0.1, n 1"
    assert controls["n"].disabled
    assert not ex.drawn_ahead("lam", {"l2": False, "lam": 1.0, "n": 1})
    assert ex.draw_ahead("lam", {"l2": False, "lam": 1.0, "n": 1}) is None
    ex.draw_ahead("l2", {"l2": False, "lam": 0.0, "n": 1})
    assert [c["key"] for c in sent if c["type"] == "frame"] == [
        ex.key(ex.values | {"l2": False, "lam": 0.0})
    ]
    controls["lam"].value, controls["l2"].value = 0.0, False  # the frame drawn ahead
    assert ex.page.status == "l2 False, lam 0, n 1" and not controls["n"].disabled


def test_a_learners_function_not_written_yet_is_named_and_nothing_is_drawn_ahead():
    def not_written(**values):
        raise NotImplementedError

    controls = {"lam": choice_slider((0.0, 0.1), 0.0, "λ")}
    ex = Explorer(controls, not_written, StatusFigure(str))
    ex.page.send = lambda content, buffers=None: None
    assert ex.page.status.startswith("not_written is not written yet") and ex.page.value == b""
    assert ex.draw_ahead("lam", {"lam": 0.1}) is None and len(ex.frames) == 0


def test_frames_kept_stay_under_their_byte_limit_oldest_dropped_first():
    ex, _ = explorer()
    ex.page.send = lambda content, buffers=None: None
    size = len(ex.page.value)
    ex.frames.limit = int(3.5 * size)  # about 3 frames of this figure
    around = ex.plan.around(ex.values)[:6]
    for name, values in around:
        ex.draw_ahead(name, values)
    kept = [png for png, _, _ in dict(ex.frames.items()).values()]
    assert ex.frames.bytes == sum(map(len, kept)) <= ex.frames.limit
    assert list(ex.frames) == [ex.key(v) for _, v in around][-len(ex.frames) :]
    assert 2 <= len(ex.frames) <= 4


def test_without_a_browser_nothing_is_drawn_ahead():
    ex, drawn = explorer()
    ex.controls["lam"].value = 1.0
    assert not ex.ahead_pending and list(ex.frames) == [
        "0.000000e0|5.000000e0|1.000000e-2",
        "2.000000e0|5.000000e0|1.000000e-2",
    ]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ({"lambda": 1.0}, "no setting 'lambda'; its settings: lam, n, log"),
        ({"lam": 0.3}, r"lam=0.3 is not offered; choose one of 0.0, 0.1, 1.0"),
        ({"log": 1.0}, r"log=1.0 is outside \[0.001, 0.1\]"),
        ({"n": 11}, r"n=11 is outside \[1, 10\]"),
    ],
)
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


def test_saved_frames_are_the_setting_and_its_neighbours_nearest_first_under_a_byte_limit():
    """What a page with no kernel keeps (make html): the opening setting's frame, then the
    settings one control away that train nothing, each control's nearest values first, never
    more PNG bytes than the limit; the page says how many of how many it holds."""
    ex, _ = explorer(n=8)  # n = 9 and 10 train: never saved
    kept, around = ex.save_frames()
    offered = {"lam": 3, "n": 10, "log": 5}
    assert around == 1 + sum(offered.values()) - len(offered) - 2 and kept == around
    saved = ex.page.saved
    assert list(saved)[0] == ex.key() and saved[ex.key()]["png"] == ex.page.value
    here = ex.key().split("|")
    for key, frame in saved.items():
        assert sum(a != b for a, b in zip(key.split("|"), here, strict=True)) <= 1
        assert frame["status"] == ex.frames[key][1]
    assert f"{kept} of the {around} settings" in ex.page.saved_note
    # The bytes of three frames: the setting, then the nearest value of lam, then of n
    # (n = 7; n = 9 trains), log's nearest left out.
    limit = sum(len(f["png"]) for f in list(saved.values())[:3])
    assert ex.save_frames(limit=limit) == (3, around)
    nearest = {name: ex.key(v) for name, v in reversed(ex.plan.around(ex.values))}
    assert list(ex.page.saved) == [ex.key(), nearest["lam"], ex.key(ex.values | {"n": 7})]
    assert nearest["n"] == ex.key(ex.values | {"n": 7})


def test_explorers_save_frames_when_the_environment_asks(monkeypatch):
    ex, _ = explorer()
    assert ex.page.saved == {} and ex.page.saved_note == ""  # a lab run as usual saves none
    monkeypatch.setenv(Explorer.SAVE_FRAMES, "1")
    ex, _ = explorer()
    assert ex.key() in ex.page.saved and "Run the lab to explore further" in ex.page.saved_note


def test_a_learners_function_not_written_yet_saves_no_frames():
    def not_written(**values):
        raise NotImplementedError

    ex = Explorer({"lam": choice_slider((0.0, 0.1), 0.0, "λ")}, not_written, StatusFigure(str))
    assert ex.save_frames() == (0, 0) and ex.page.saved == {} and ex.page.saved_note == ""
