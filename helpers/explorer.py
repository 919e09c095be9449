"""The wiring every explorer shares: controls, a status line, one live figure, and the call
that reopens the explorer as it is.

An explorer is a plain compute function (tested by pytest), a figure built once with
``LiveFigure`` (matplotlib, no widgets) and an update that sets the data of its moving
artists, wired by ``Explorer``::

    live, (ax,) = LiveFigure.subplots(1, 1, figsize=(6, 4))
    line, = ax.plot([], [])
    live.moving = [line]                      # the rest is drawn once

    def redraw(ex):
        view = compute(**ex.values)
        line.set_data(view["x"], view["y"])
        ex.show(live, summary(view))

    return Explorer({"lam": choice_slider(LAMBDAS, 0.0, "λ")}, redraw,
                    call="lab.regularization_explorer").widget

The notebook cell is one call. The figure stays: its still parts (axes, ticks, labels, what
no control changes) are drawn once, and a move redraws only the moving artists (matplotlib's
blitting) into an ``ipywidgets.Image`` that the browser updates in place. Axes keep their
limits, so what changes on screen is the data. Sliders send values while dragged
(``continuous_update=True``): ipywidgets' front end keeps at most one update in flight and
sends the latest value when the kernel is free, so a drag never queues up redraws.
"""

import html
import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDE = {"description_width": "initial"}  # a slider label shown in full


def choice_slider(values, value, description, style=None):
    """A slider over ``values`` (shown as ``{:g}`` when numbers), starting at ``value``."""
    import ipywidgets as w

    options = [(f"{v:g}", v) if isinstance(v, float) else (str(v), v) for v in values]
    return w.SelectionSlider(options=options, value=value, description=description,
                             continuous_update=True, style=style or {})  # fmt: skip


def log_slider(value, low, high, step, description, **options):
    """A log-scale slider from 10**low to 10**high in steps of ``step`` decades."""
    import ipywidgets as w

    return w.FloatLogSlider(
        value=value, base=10, min=low, max=high, step=step, description=description,
        continuous_update=True, **options,
    )  # fmt: skip


def iterations_slider(maximum, step):
    """The iterations slider: 0 ... maximum in snapshot steps, starting at the end."""
    import ipywidgets as w

    return w.IntSlider(value=maximum, min=0, max=maximum, step=step, description="iterations",
                       continuous_update=True)  # fmt: skip


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


class Explorer:
    """Controls (name -> widget) wired to ``redraw(explorer)``, called now and on every change.

    ``redraw`` reads ``values`` (name -> value) and ``changed`` (the name of the control that
    moved, None at the start), and shows its result with ``show(figure, status)`` or
    ``say(text)``. ``rows`` lists the control names of each row (default: one row).
    ``start`` (name -> value) sets controls before the first redraw; ``call`` (the explorer's
    call up to its keyword arguments) adds the line that reopens it as it is. ``widget`` is
    what the notebook displays: the rows, the status line, the figure, that line.
    """

    def __init__(self, controls, redraw, rows=None, start=None, call=None):
        import ipywidgets as w

        self.controls, self.changed, self.call = controls, None, call
        self.status, self.image = w.Label(), w.Image(format="png")
        self.reopen = w.HTML()
        self._redraw = redraw
        for name, value in (start or {}).items():
            self._set(name, value)
        rows = rows or [list(controls)]
        boxes = [w.HBox([controls[n] for n in row]) if len(row) > 1 else controls[row[0]]
                 for row in rows]  # fmt: skip
        parts = [*boxes, self.status, self.image] + ([self.reopen] if call else [])
        self.widget = w.VBox(parts)
        for name, control in controls.items():
            control.observe(lambda change, name=name: self._on_change(name, change), "value")
        self._refresh()

    def _set(self, name, value):
        """Set a control from the explorer's call, or say what it accepts."""
        if name not in self.controls:
            raise ValueError(
                f"this explorer has no setting {name!r}; its settings: {', '.join(self.controls)}"
            )
        control = self.controls[name]
        choices = getattr(control, "options", None)
        if choices is not None:
            allowed = [v if not isinstance(v, tuple) else v[1] for v in choices]
            if value not in allowed:
                shown = ", ".join(repr(v) for v in allowed)
                raise ValueError(f"{name}={value!r} is not offered; choose one of {shown}")
        elif hasattr(control, "min") and not control.min <= value <= control.max:
            raise ValueError(f"{name}={value!r} is outside [{control.min}, {control.max}]")
        control.value = value

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, name, change):
        if change["new"] == change["old"]:
            return
        self.changed = name
        self._refresh()

    def _refresh(self):
        self._redraw(self)
        if self.call:
            code = reopen_call(self.call, self.values)
            self.reopen.value = f"<small>reopen as it is: <code>{html.escape(code)}</code></small>"

    def show(self, figure, status=None):
        """Show ``figure`` (a ``LiveFigure``), then (never ahead of it) the status line."""
        self.image.value = figure.png()
        if status is not None:
            self.status.value = status

    def say(self, text, clear=False):
        """Set the status line; with ``clear``, remove the figure (nothing to show)."""
        self.status.value = text
        if clear:
            self.image.value = b""
