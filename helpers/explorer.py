"""The explorer every lab declares: controls, a view of each setting, one live figure, and
the call that reopens the explorer as it is.

An explorer is a pure view function (tested by pytest) and a figure built once with
``LiveFigure`` (matplotlib, no widgets) that draws a view and says it in one status line::

    class Figure:
        def __init__(self):
            self.live, (ax,) = LiveFigure.subplots(1, 1, figsize=(6, 4))
            (self.line,) = ax.plot([], [])
            self.live.moving = [self.line]        # the rest is drawn once

        def update(self, view):
            self.line.set_data(view["x"], view["y"])
            return self.live

        def status(self, view):
            return f"λ = {view['lam']:g}: cost {view['cost']:.3f}"

    return Explorer({"lam": choice_slider(LAMBDAS, 0.0, "λ")}, view=compute, figure=Figure(),
                    call="lab.regularization_explorer(")  # shown by the notebook cell

The notebook cell is one call. The figure stays: its still parts (axes, ticks, labels, what
no control changes) are drawn once, and a move redraws only the moving artists (matplotlib's
blitting). Axes keep their limits, so what changes on screen is the data.

The browser side (``FigureView``, ``explorer_view.js``) shows the status line, the figure
and the reopen line. Once a browser shows it, the kernel draws ahead, between messages, the
frame of every value of every control around the current setting and sends it; a slider
that reaches a setting drawn ahead shows its frame at once, with no round trip to the
kernel. Other settings are drawn when the kernel gets the move. Sliders send values while
dragged (``continuous_update=True``); ipywidgets' front end keeps at most one update in
flight, so a drag never queues up redraws. Settings that train (``trains``) are never drawn
ahead: they train when a learner moves there.

One thread: JupyterLab 4.6+ sends widget messages to a kernel subshell, a thread with an
event loop of its own, while a training's end and the timers of drawing ahead land on the
loop the explorer was made in. An explorer handles everything on that one loop (moves from
another thread are passed to it), so no two threads ever share its state.
"""

import asyncio
import functools
import html
import io
import os
import threading
from collections import OrderedDict, deque
from pathlib import Path

import anywidget
import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers import errors

WIDE = {"description_width": "initial"}  # a slider label shown in full


def choice_slider(values, value, description, style=None):
    """A slider over ``values`` (shown as ``{:g}`` when numbers), starting at ``value``."""
    options = [(f"{v:g}", v) if isinstance(v, float) else (str(v), v) for v in values]
    return w.SelectionSlider(
        options=options,
        value=value,
        description=description,
        continuous_update=True,
        style=style or {},
    )


def log_slider(value, low, high, step, description, **options):
    """A log-scale slider from 10**low to 10**high in steps of ``step`` decades."""
    return w.FloatLogSlider(
        value=value,
        base=10,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=True,
        **options,
    )


def iterations_slider(maximum, step):
    """The iterations slider: 0 ... maximum in snapshot steps, starting at the end."""
    return w.IntSlider(
        value=maximum,
        min=0,
        max=maximum,
        step=step,
        description="iterations",
        continuous_update=True,
    )


def _png(rgba):
    """PNG bytes of an RGBA buffer (height, width, 4), compressed fast (level 1)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba)[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class LiveFigure:
    """A figure kept for an explorer's life. ``moving`` lists the artists a move changes
    (lines, collections, images, texts); everything else is drawn once, the first time.
    ``png()`` redraws only the moving artists over that background (matplotlib blitting)."""

    def __init__(self, fig, moving=()):
        self.fig, self._background = fig, None
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        self.moving = list(moving)

    @classmethod
    def new(cls, figsize=(9, 4)):
        """An empty live figure outside pyplot (nothing of it is shown inline)."""
        return cls(Figure(figsize=figsize, dpi=plt.rcParams["figure.dpi"]))

    @classmethod
    def subplots(cls, *args, figsize=(9, 4), **kwargs):
        """A new live figure and its axes as a flat array (``Figure.subplots`` arguments)."""
        live = cls.new(figsize)
        return live, live.fig.subplots(*args, squeeze=False, **kwargs).ravel()

    @property
    def moving(self):
        return self._moving

    @moving.setter
    def moving(self, artists):
        self._moving, self._background = list(artists), None
        for artist in self._moving:
            artist.set_animated(True)  # left out of the background; drawn on each move

    def png(self):
        """PNG bytes of the figure as it is now."""
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        return _png(canvas.buffer_rgba())


def reopen_call(call, values):
    """The one line that reopens an explorer at ``values``: ``call`` is the explorer's call
    up to its keyword arguments, e.g. "lab.tuning_explorer(surface" -> the full call."""
    opened = call if call.endswith("(") else call + ", "
    return opened + ", ".join(f"{name}={value!r}" for name, value in values.items()) + ")"


def choices(control):
    """The values a selection control (slider, dropdown, buttons) offers, None for others."""
    options = getattr(control, "options", None)
    if options is None:
        return None
    return [v[1] if isinstance(v, tuple) else v for v in options]


def control_values(control):
    """Every value a control can take: its options, its slider steps, or False / True."""
    offered = choices(control)
    if offered is not None:
        return offered
    if isinstance(control.value, bool):
        return [False, True]
    steps = round((control.max - control.min) / control.step)
    if hasattr(control, "base"):  # FloatLogSlider: min, max and step are exponents
        return [control.base ** (control.min + i * control.step) for i in range(steps + 1)]
    return [type(control.value)(control.min + i * control.step) for i in range(steps + 1)]


def canonical(value):
    """A number as explorer_view.js writes it (JavaScript's toExponential(6))."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    mantissa, exponent = f"{float(value):.6e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def setting_key(controls, values):
    """The key of a setting, as the browser computes it from the controls: per control, the
    index of its option (selection controls) or its value, joined by "|"."""
    parts = []
    for name, control in controls.items():
        offered = choices(control)
        value = values[name]
        parts.append(canonical(offered.index(value) if offered is not None else value))
    return "|".join(parts)


class FigureView(anywidget.AnyWidget):
    """The browser side of an explorer (``explorer_view.js``): status line, figure (PNG) and
    reopen line, as the kernel last drew them for the setting ``key``, plus the frames drawn
    ahead (custom messages), shown at once when the controls reach their setting."""

    _esm = Path(__file__).with_name("explorer_view.js")
    _css = Path(__file__).with_name("explorer_view.css")
    controls = traitlets.List(traitlets.Instance(w.Widget)).tag(sync=True, **w.widget_serialization)
    attributes = traitlets.List(traitlets.Unicode()).tag(sync=True)  # "index" or "value"
    limit = traitlets.Int().tag(sync=True)  # the frames' PNG bytes the browser keeps
    key = traitlets.Unicode().tag(sync=True)
    value = traitlets.Bytes().tag(sync=True)
    status = traitlets.Unicode().tag(sync=True)
    reopen = traitlets.Unicode().tag(sync=True)
    training = traitlets.Bool(False).tag(sync=True)  # a training runs in the kernel
    # Frames kept in the page's widget state for a page with no kernel behind it (make html):
    # key -> {"png", "status", "reopen"}, and what the page says of them.
    saved = traitlets.Dict().tag(sync=True)
    saved_note = traitlets.Unicode().tag(sync=True)


class FrameCache:
    """The frames an explorer drew: setting key -> (png, status, reopen), at most ``limit``
    bytes of PNG (``bytes``), the least recently used dropped first."""

    def __init__(self, limit):
        self.limit, self.bytes, self._frames = limit, 0, OrderedDict()

    def __contains__(self, key):
        return key in self._frames

    def __getitem__(self, key):
        return self._frames[key]

    def __iter__(self):  # keys, least recently used first
        return iter(self._frames)

    def __len__(self):
        return len(self._frames)

    def items(self):
        return self._frames.items()

    def put(self, key, frame):
        """Keep ``frame`` (png, status, reopen) as the most recently used."""
        if key in self._frames:
            self.bytes -= len(self._frames.pop(key)[0])
        self._frames[key] = frame
        self.bytes += len(frame[0])
        while self.bytes > self.limit:
            self.bytes -= len(self._frames.popitem(last=False)[1][0])

    def touch(self, key):
        """Mark ``key`` just used: the last to be dropped."""
        self._frames.move_to_end(key)


class AheadPlan:
    """The settings to draw ahead around one setting, in the order they are drawn: one control
    moved at a time, the control moved last first, each control's values nearest first.
    ``offered`` maps each control's name to the values it offers."""

    def __init__(self, offered):
        self.offered, self._queue = offered, deque()

    def around(self, here, moved=None):
        """The settings one control away from ``here``: [(control name, values), ...]."""
        out = []
        for name in sorted(self.offered, key=lambda n: n != moved):
            offered, at = self.offered[name], self.nearest(name, here[name])
            for i in sorted(range(len(offered)), key=lambda i: abs(i - at)):
                if i != at:
                    out.append((name, {**here, name: offered[i]}))
        return out

    def nearest(self, name, value):
        """The index of the value control ``name`` offers nearest to ``value``."""
        offered = self.offered[name]
        return min(range(len(offered)), key=lambda i: abs(_distance(offered[i], value)))

    def start(self, here, moved=None):
        """Plan the settings around ``here`` (the plan before is dropped); returns how many."""
        self._queue = deque(self.around(here, moved))
        return len(self._queue)

    def __len__(self):
        return len(self._queue)

    def next(self, skip):
        """The next planned (name, values) for which ``skip(values)`` is false, or None."""
        while self._queue:
            name, values = self._queue.popleft()
            if not skip(values):
                return name, values
        return None


class Explorer:
    """Controls (name -> widget) and a figure, declared; the explorer shows, draws ahead and
    trains.

    - ``view(**values)``: what the figure shows at a setting (pure: the same values give the
      same view), from what is known now; a setting that must train first gives what is
      known meanwhile. It may raise ``NotImplementedError`` (a learner's function not
      written or not run yet): the status line then says which (``errors.explorer_waits``).
    - ``figure``: ``update(view)`` draws a view and returns its ``LiveFigure``;
      ``status(view)`` is its status line.
    - ``trains(**values)``: whether a setting must train first (never drawn ahead);
      ``train(**values)`` trains it, storing its result where ``view`` finds it (one
      assignment: ``view`` must never see half of it).
    - ``adjust(moved, values)``: the moves of other controls a setting calls for (name ->
      value; a coupling between controls), ``moved`` the control moved last (None at the
      start); ``enabled(**values)``: name -> whether that control is in use (greyed if not).
    - ``rows``: the control names of each row (default: one row); ``start``: name -> value
      set before the first frame; ``call``: the explorer's call up to its keyword arguments,
      for the line that reopens it as it is.

    ``widget`` is what a notebook shows: the rows, then ``page`` (status line, figure,
    reopen line). Once a browser shows it, the explorer draws ahead, between messages, the
    frames of every value of every control around the current setting (``plan``, an
    ``AheadPlan``) and sends them; the browser shows a frame as soon as the controls reach
    its setting. It starts once the controls rest (``SETTLE``), so that it never competes
    with a drag. ``frames`` (a ``FrameCache`` of ``FRAME_BYTES``) keeps what was drawn. A
    setting that trains does so in a background thread while a browser shows the explorer
    (the figure shows what is known meanwhile, and the setting of the moment is drawn when
    it ends), at once otherwise (nbval, grading, tests).
    """

    FRAME_BYTES = 64 * 2**20  # the frames' PNGs kept, at most (kernel and browser)
    SAVED_BYTES = 3 * 2**20  # the frames' PNGs a page saved without its kernel keeps, at most
    SAVE_FRAMES = "COURSE_EXPLORER_SAVE_FRAMES"  # set (make html): every explorer saves frames
    SETTLE = 0.3  # seconds the controls rest before drawing ahead starts (not during a drag)
    GAP = 0.01  # seconds between two frames drawn ahead: messages from the browser go first

    def __init__(
        self,
        controls,
        view,
        figure,
        *,
        trains=None,
        train=None,
        adjust=None,
        enabled=None,
        rows=None,
        start=None,
        call=None,
    ):
        self.controls, self.view, self.figure, self.call = controls, view, figure, call
        self.trains = trains or (lambda **values: False)
        self.train = train
        self.adjust = adjust or (lambda moved, values: {})
        self.enabled = enabled or (lambda **values: {})
        self.frames = FrameCache(self.FRAME_BYTES)
        self.plan = AheadPlan({name: control_values(c) for name, c in controls.items()})
        self._moved, self._timer, self._ready = None, None, False
        self._training = None  # the training in the background (a future)
        self._unsynced = None  # the setting shown from a frame, not yet in the page's model
        self._home, self._home_thread = _running_loop(), threading.get_ident()
        self._refresh_queued = False  # a move waits for the explorer's loop
        for name, value in (start or {}).items():
            self._set(name, value)
        self.page = FigureView(
            limit=self.FRAME_BYTES,
            controls=list(controls.values()),
            attributes=["index" if choices(c) is not None else "value" for c in controls.values()],
        )
        self.page.on_msg(self._on_message)
        self.rows = rows or [list(controls)]
        boxes = [
            w.HBox([controls[n] for n in row]) if len(row) > 1 else controls[row[0]]
            for row in self.rows
        ]
        self.widget = w.VBox([*boxes, self.page])
        for name, control in controls.items():
            control.observe(lambda change, name=name: self._on_change(name, change), "value")
        self._refresh()
        if os.environ.get(self.SAVE_FRAMES):
            self.save_frames()

    def _repr_mimebundle_(self, **kwargs):  # a notebook cell shows the explorer's widget
        return self.widget._repr_mimebundle_(**kwargs)

    def _set(self, name, value):
        """Set a control from the explorer's call, or say what it accepts."""
        if name not in self.controls:
            raise ValueError(
                f"this explorer has no setting {name!r}; its settings: {', '.join(self.controls)}"
            )
        control = self.controls[name]
        allowed = choices(control)
        if allowed is not None:
            if value not in allowed:
                shown = ", ".join(repr(v) for v in allowed)
                raise ValueError(f"{name}={value!r} is not offered; choose one of {shown}")
        else:
            low, *_, high = control_values(control)
            if not low <= value <= high:
                raise ValueError(f"{name}={value!r} is outside [{low:g}, {high:g}]")
        control.value = value

    # ---------------------------------------------------------------- settings and frames

    @property
    def values(self):
        """The controls' values: name -> value."""
        return {name: control.value for name, control in self.controls.items()}

    def key(self, values=None):
        """The key of a setting (default: the controls'), as the browser computes it."""
        return setting_key(self.controls, self.values if values is None else values)

    def status_at(self, values):
        """The status line of a setting, from what is known now."""
        return self.figure.status(self.view(**values))

    def drawn_ahead(self, moved, values):
        """Whether a setting can be drawn ahead: it trains nothing and moves no other control."""
        return not self.trains(**values) and not self.adjust(moved, values)

    def frame(self, values):
        """Draw a setting: (png, status, reopen line)."""
        view = self.view(**values)
        return self.figure.update(view).png(), self.figure.status(view), self._reopen(values)

    def _reopen(self, values):
        if not self.call:
            return ""
        code = html.escape(reopen_call(self.call, values))
        return f"<small>reopen as it is: <code>{code}</code></small>"

    def _publish(self, key, png, status, reopen):
        with self.page.hold_sync():
            self.page.key, self.page.value = key, png
            self.page.status, self.page.reopen = status, reopen

    # ---------------------------------------------------------------- a move

    def _at_home(self, handler, *args):
        """Run ``handler`` on the explorer's own loop: now when this is its thread (or it has
        none: a script, a test), else as soon as that loop is free."""
        if self._home is None or threading.get_ident() == self._home_thread:
            return handler(*args)
        try:
            self._home.call_soon_threadsafe(handler, *args)
        except RuntimeError:  # the loop it was made in has closed
            handler(*args)

    def _on_change(self, name, change):
        if change["new"] == change["old"]:
            return
        self._moved = name
        if not self._refresh_queued:  # moves that arrive meanwhile are drawn by that refresh
            self._refresh_queued = True
            self._at_home(self._queued_refresh)

    def _queued_refresh(self):
        self._refresh_queued = False
        self._refresh()

    def _refresh(self):
        values = self.values
        moves = self.adjust(self._moved, values)
        if moves:  # each move refreshes again
            for name, value in moves.items():
                self.controls[name].value = value
            return
        for name, used in self.enabled(**values).items():
            self.controls[name].disabled = not used
        key = self.key(values)
        self._unsynced = None
        if key in self.frames:
            if self._ready and _running_loop() is not None:
                self._unsynced = key  # the browser shows its frame; the model follows at rest
            else:
                self._publish(key, *self.frames[key])
            self.frames.touch(key)
        else:
            self._draw(key, values)
        self._plan_ahead()

    def _draw(self, key, values):
        """Draw the setting of the moment (training it first, or meanwhile)."""
        trains = self.trains(**values)
        meanwhile = trains and self._ready and _running_loop() is not None
        try:
            if trains and not meanwhile:
                self.train(**values)
            frame = self.frame(values)
        except NotImplementedError as error:  # a learner's function not written or run yet
            self._publish(key, b"", errors.explorer_waits(error), self._reopen(values))
            return
        self._publish(key, *frame)
        if meanwhile:
            self._train_meanwhile(values)
        else:
            self.frames.put(key, frame)
            self.page.send({"type": "drawn", "key": key})

    # ---------------------------------------------------------------- training

    def _train_meanwhile(self, values):
        """Train in a background thread; the explorer answers other moves meanwhile and
        draws the setting of the moment when it ends. One training at a time."""
        if self._training is None:
            self._training = _running_loop().run_in_executor(
                None, functools.partial(self.train, **values)
            )
            self._training.add_done_callback(self._trained)
            self.page.training = True

    def _trained(self, future):
        self._training = None
        if future.exception() is not None:
            failed = f"training failed: {future.exception()!r}"
            self._publish(self.key(), self.page.value, failed, self._reopen(self.values))
        else:
            self._refresh()  # may start the training of the setting of the moment
        self.page.training = self._training is not None

    @property
    def training(self):
        """Whether a training runs in the background."""
        return self._training is not None

    # ---------------------------------------------------------------- drawing ahead

    def _on_message(self, _page, content, _buffers):
        self._at_home(self.from_browser, content)

    @property
    def ahead_pending(self):
        """Whether frames around the setting are still to be drawn ahead."""
        return bool(self.plan) or self._timer is not None

    def from_browser(self, content):
        """Handle a message of the page (``{"type": "ready"}``: a browser shows it)."""
        if content.get("type") == "ready":  # a browser shows the page: send what is drawn
            self._ready = True
            for key, (png, status, reopen) in self.frames.items():
                self._send_frame(key, png, status, reopen)
            self._plan_ahead()

    def _send_frame(self, key, png, status, reopen):
        message = {"type": "frame", "key": key, "status": status, "reopen": reopen}
        self.page.send(message, [png])

    def _plan_ahead(self):
        if not self._ready:
            return
        self.page.send({"type": "ahead", "left": self.plan.start(self.values, self._moved)})
        if self._timer is not None:  # a new move: start again once the controls rest
            self._timer.cancel()
            self._timer = None
        self._schedule(self.SETTLE)

    def _schedule(self, delay):
        loop = _running_loop()
        if self._timer is None and (self.plan or self._unsynced) and loop is not None:
            self._timer = loop.call_later(delay, self._step)

    def _step(self):
        """Once the controls rest: bring the page's model to the setting shown (what a saved
        notebook keeps; not sent on every move of a drag), then draw the next frame ahead
        that is not drawn yet, then let messages in."""
        self._timer = None
        if self._unsynced is not None:
            key, self._unsynced = self._unsynced, None
            if key in self.frames:
                self._publish(key, *self.frames[key])
        planned = self.plan.next(lambda values: self.key(values) in self.frames)
        if planned is not None:
            self.draw_ahead(*planned)
        if self.plan:
            self._schedule(self.GAP)
        else:
            self.page.send({"type": "ahead", "left": 0})

    def draw_ahead(self, moved, values):
        """Draw the frame of ``values`` (``moved`` the control moved), keep it and send it
        to the browser; returns (key, png, status, reopen), or None for a setting that
        cannot be drawn ahead (``drawn_ahead``) or waits for a learner's function."""
        if not self.drawn_ahead(moved, values):
            return None
        try:
            frame = self.frame(values)
        except NotImplementedError:
            return None
        key = self.key(values)
        self.frames.put(key, frame)
        self._send_frame(key, *frame)
        return (key, *frame)

    # ---------------------------------------------------------------- a page with no kernel

    def save_frames(self, limit=None):
        """Keep in the page's widget state (what ``make html`` and a notebook saved with its
        widget state hold) the frame of the setting of the moment and of every setting one
        control away that trains nothing, nearest values first, at most ``limit`` bytes of
        PNG (default ``SAVED_BYTES``). Without a kernel, the page swaps these frames when a
        control moves and says "run the lab" for any other setting. Returns how many
        settings were saved and how many there were to save."""
        limit = self.SAVED_BYTES if limit is None else limit
        here, saved, size = self.values, {}, 0
        try:
            around = _nearest_first(self.plan.around(here, self._moved))
            settings = [here] + [v for moved, v in around if self.drawn_ahead(moved, v)]
            for values in settings:  # drawn until the next frame would not fit
                key, (png, status, reopen) = self.key(values), self.frame(values)
                self.frames.put(key, (png, status, reopen))
                if size + len(png) > limit:
                    break
                saved[key] = {"png": png, "status": status, "reopen": reopen}
                size += len(png)
        except NotImplementedError:  # a learner's function is not written yet: nothing to save
            saved, settings = {}, []
        note = (
            f"No kernel: this page holds the figures of {len(saved)} of the {len(settings)} "
            "settings one control away from where it opened that need no training "
            f"({size / 2**20:.1f} MB). Run the lab to explore further."
        )
        with self.page.hold_sync():
            self.page.saved, self.page.saved_note = saved, note if saved else ""
        return len(saved), len(settings)


def _nearest_first(around):
    """Settings around one (``AheadPlan.around``), each control's nearest values first:
    every control's first neighbours, then every control's second ones, ..."""
    rank, ranked = {}, []
    for name, values in around:
        rank[name] = rank.get(name, -1) + 1
        ranked.append((rank[name], name, values))
    return [(name, values) for _, name, values in sorted(ranked, key=lambda r: r[0])]


def _running_loop():
    """The kernel's event loop, None without one (a script, a test): then nothing is drawn
    ahead or trained in the background."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _distance(a, b):
    """How far apart two values of one control are (0 when equal; 1 for other options)."""
    if isinstance(a, int | float) and not isinstance(a, bool):
        return float(a) - float(b)
    return 0 if a == b else 1
