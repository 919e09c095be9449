"""The wiring every explorer shares: a row of controls, a status line and a figure.

An explorer is a plain compute function (tested by pytest), a draw function (matplotlib, no
widgets) and a few lines that configure an ``Explorer``::

    def redraw(ex):
        view = compute(**ex.values)
        ex.show(draw(view), summary(view))

    return Explorer({"lam": choice_slider(LAMBDAS, 0.0, "λ")}, redraw).widget

The notebook cell is one call that returns ``.widget``. Sliders send a value when released
(``continuous_update=False``), so a drag makes one redraw, not a queue of them.
"""

import io

import matplotlib.pyplot as plt

WIDE = {"description_width": "initial"}  # a slider label shown in full


def choice_slider(values, value, description, style=None):
    """A slider over ``values`` (shown as ``{:g}`` when numbers), starting at ``value``."""
    import ipywidgets as w

    options = [(f"{v:g}", v) if isinstance(v, float) else (str(v), v) for v in values]
    return w.SelectionSlider(options=options, value=value, description=description,
                             continuous_update=False, style=style or {})  # fmt: skip


def log_slider(value, low, high, step, description, **options):
    """A log-scale slider from 10**low to 10**high in steps of ``step`` decades."""
    import ipywidgets as w

    return w.FloatLogSlider(
        value=value, base=10, min=low, max=high, step=step, description=description,
        continuous_update=False, **options,
    )  # fmt: skip


def iterations_slider(maximum, step):
    """The iterations slider: 0 ... maximum in snapshot steps, starting at the end."""
    import ipywidgets as w

    return w.IntSlider(value=maximum, min=0, max=maximum, step=step, description="iterations",
                       continuous_update=False)  # fmt: skip


def figure_png(fig):
    """PNG bytes of ``fig`` as laid out (explorer figures set their margins, so the inline
    backend's tight-bbox pass, a second full draw, is not needed); the figure is freed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


class Explorer:
    """Controls (name -> widget) wired to ``redraw(explorer)``, called now and on every change.

    ``redraw`` reads ``values`` (name -> value) and ``changed`` (the name of the control that
    moved, None at the start), and shows its result with ``show(fig, status)`` or ``say(text)``.
    ``rows`` lists the control names of each row (default: one row). ``widget`` is what the
    notebook displays: the rows, the status line, the figure.
    """

    def __init__(self, controls, redraw, rows=None):
        import ipywidgets as w

        self.controls, self.changed = controls, None
        self.status, self.out = w.Label(), w.Output()
        self._redraw = redraw
        rows = rows or [list(controls)]
        boxes = [w.HBox([controls[n] for n in row]) if len(row) > 1 else controls[row[0]]
                 for row in rows]  # fmt: skip
        self.widget = w.VBox([*boxes, self.status, self.out])
        for name, control in controls.items():
            control.observe(lambda change, name=name: self._on_change(name, change), "value")
        self._redraw(self)

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, name, change):
        if change["new"] == change["old"]:
            return
        self.changed = name
        self._redraw(self)

    def show(self, fig, status=None):
        """Replace the figure with ``fig``, then (never ahead of it) the status line."""
        from IPython.display import Image, clear_output, display

        png = figure_png(fig)
        with self.out:
            clear_output(wait=True)
            display(Image(data=png, format="png"))
        if status is not None:
            self.status.value = status

    def say(self, text, clear=False):
        """Set the status line; with ``clear``, remove the figure (nothing to show)."""
        self.status.value = text
        if clear:
            self.out.clear_output()
