"""Plots the labs share. Each draws into ``ax`` if given, else into a new figure.

Nothing is returned, so a notebook cell that ends with a plot call prints no text.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

CMAP = plt.cm.Spectral
FRAME = "#bdbdbd"  # the frame around each figure: grey that reads in a light and a dark theme


def frame(fig):
    """Frame a figure (a thin grey edge round its white page), so that a dark theme shows it
    as a figure, not a white slab. Run on every pyplot figure of a lab: ``helpers.setup``
    sets it as matplotlib's ``figure.hooks``."""
    fig.add_artist(_Frame())


class _Frame(mpl.artist.Artist):
    """A grey line just inside the edges of the image being drawn: the whole figure, or the
    tight crop the inline backend saves (which leaves it out, as it is not in the layout)."""

    WIDTH = 2  # points

    def __init__(self):
        super().__init__()
        self.set_in_layout(False)

    def draw(self, renderer):
        half = renderer.points_to_pixels(self.WIDTH) / 2
        width, height = renderer.get_canvas_width_height()  # the image's own size
        edge = mpl.patches.Rectangle(
            (half, half),
            width - 2 * half,
            height - 2 * half,
            transform=mpl.transforms.IdentityTransform(),
            fill=False,
            edgecolor=FRAME,
            linewidth=self.WIDTH,
        )
        edge.set_figure(self.figure)
        edge.draw(renderer)


def log_scale(ax, axis="y"):
    """Log scale on ``axis`` ("x", "y" or "both") with plain tick labels ("1e-07", "0.01"):
    the default 10^n labels go through mathtext, a third of an explorer's redraw time."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"set_{name}scale")("log")
        target = getattr(ax, f"{name}axis")
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        target.set_minor_formatter(NullFormatter())


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_dataset(X, Y, title=None, ax=None):
    """Scatter of a 2-D set: X (2, m), Y (1, m) labels 0/1. Used by the week-1 and week-2 labs."""
    _scatter(_axes(ax), X, Y, title)


def _scatter(ax, X, Y, title=None):
    """``plot_dataset`` on ``ax``; returns the scatter's collection."""
    points = ax.scatter(X[0], X[1], c=np.ravel(Y), s=25, cmap=CMAP, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return points


class DecisionRegions:
    """The region of each label shaded (an image on a ``steps`` x ``steps`` grid around X), and
    the points X (2, m), Y (1, m) over it; ``update(predict_fn)`` reshades in place (the
    explorers). ``predict_fn`` maps points (2, k) to labels or probabilities (1, k) or (k,);
    with ``classes`` above 2, to labels 0 ... classes - 1."""

    def __init__(self, ax, X, Y, steps=200, classes=2):
        pad = 0.25 * (X.max(axis=1) - X.min(axis=1))
        lo, hi = X.min(axis=1) - pad, X.max(axis=1) + pad
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
        self.grid, self.shape, self.classes = np.vstack([xx.ravel(), yy.ravel()]), xx.shape, classes
        self.image = ax.imshow(
            np.zeros(xx.shape),
            origin="lower",
            cmap=CMAP,
            alpha=0.6,
            vmin=-0.25,
            vmax=classes - 0.75,
            extent=(lo[0], hi[0], lo[1], hi[1]),
            aspect="auto",
            interpolation="nearest",
        )
        self.points = _scatter(ax, X, Y)
        self.artists = [self.image, self.points]  # the image first: the points stay on top

    def update(self, predict_fn):
        Z = np.asarray(predict_fn(self.grid)).reshape(self.shape)
        self.image.set_data(Z > 0.5 if self.classes == 2 else Z)


def plot_decision_boundary(predict_fn, X, Y, title=None, ax=None, steps=200, classes=2):
    """Shade the region of each label ``predict_fn`` gives, then scatter X (2, m), Y (1, m)
    (see ``DecisionRegions``)."""
    ax = _axes(ax)
    DecisionRegions(ax, X, Y, steps, classes).update(predict_fn)
    if title:
        ax.set_title(title)


def plot_costs(costs, every=100, title=None, ax=None, logy=False, xlabel="iteration", first=0):
    """Cost curves. ``costs`` is a list (one curve) or a dict label -> list, recorded every
    ``every`` iterations (or epochs: ``xlabel``) from ``first`` on."""
    ax = _axes(ax)
    curves = costs if isinstance(costs, dict) else {None: costs}
    for label, values in curves.items():
        ax.plot(first + np.arange(len(values)) * every, values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost")
    if logy:
        log_scale(ax)
    if title:
        ax.set_title(title)
    if isinstance(costs, dict):
        ax.legend()


def plot_layer_spread(spreads, title=None, ax=None, floor=1e-12, ylabel="std of activations"):
    """Standard deviation of activations (or of their gradients) per layer on a log scale.

    ``spreads`` maps a label to a (layers,) array (see
    ``helpers.labs.initialization.layer_activation_std`` and ``layer_gradient_spread``).
    A flat line keeps the signal; rising lines explode, falling ones vanish. Values at or
    below ``floor`` (all-zero activations) are drawn on the floor.
    """
    ax = _axes(ax)
    for label, stds in spreads.items():
        stds = np.maximum(np.nan_to_num(np.asarray(stds), nan=np.inf), floor)
        dead = np.all(stds <= floor)
        ax.plot(
            np.arange(1, len(stds) + 1),
            stds,
            marker="o",
            label=f"{label} (all zero)" if dead else label,
        )
    log_scale(ax)
    ax.set_xlabel("hidden layer")
    ax.set_ylabel(ylabel)
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")


def _loss_bands(surface, steps=200, levels=25):
    """Grey levels (steps, steps) of the loss on a grid: log-spaced bands, lighter where
    higher, neighbouring bands alternating slightly so their edges read as contour lines."""
    key = (surface.name, steps, levels)
    if key not in _BANDS:
        xx, yy = np.meshgrid(np.linspace(*surface.xlim, steps), np.linspace(*surface.ylim, steps))
        zz = surface.f(xx, yy)
        edges = np.geomspace(max(zz.min(), 1e-3), zz.max(), levels)
        band = np.digitize(zz, edges)
        _BANDS[key] = 0.25 + 0.6 * band / levels + 0.08 * (band % 2)  # alternate: visible edges
    return _BANDS[key]


_BANDS = {}


def plot_loss_surface(surface, ax=None, steps=200, levels=25):
    """Log-spaced bands of a 2-D loss (``helpers.labs.optimization_methods.Surface``), darker
    where lower, and its minimum (a star). The bands are computed once per surface and drawn as
    one image."""
    ax = _axes(ax)
    ax.imshow(
        _loss_bands(surface, steps, levels),
        origin="lower",
        aspect="auto",
        extent=(*surface.xlim, *surface.ylim),
        cmap="gray",
        vmin=0,
        vmax=1.2,
        interpolation="nearest",
    )
    ax.plot(*surface.minimum, marker="*", color="k", markersize=12, linestyle="none")
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")


def plot_images(images, titles=None, columns=8, size=1.4, axes=None):
    """A grid of images (n, h, w, 3) uint8 or floats in [0, 1], with optional titles (n,).

    Draws into ``axes`` (a sequence, at least n) if given, else into a new figure with
    ``columns`` per row. Used by the TensorFlow lab (SIGNS examples, predictions) and its
    explorer (misclassified images).
    """
    n = len(images)
    if axes is None:
        rows = max(1, -(-n // columns))
        fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * (size + 0.3)))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.1, hspace=0.4)
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i])
            if titles is not None:
                ax.set_title(titles[i], fontsize="small")
