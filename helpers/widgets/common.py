"""What every explorer shares: the iterations slider, PNG rendering, showing a figure."""

import matplotlib.pyplot as plt


def _iterations_slider(maximum, step):
    """The explorers' iterations slider: 0 ... maximum in snapshot steps, starting at the end."""
    import ipywidgets as w

    return w.IntSlider(
        value=maximum,
        min=0,
        max=maximum,
        step=step,
        description="iterations",
        continuous_update=False,
    )


def figure_png(fig):
    """PNG bytes of ``fig`` as laid out (explorer figures set their margins, so the inline
    backend's tight-bbox pass, a second full draw, is not needed); the figure is freed."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _show(out, fig):
    """Replace what the Output widget ``out`` shows with ``fig``."""
    from IPython.display import Image, clear_output, display

    png = figure_png(fig)
    with out:
        clear_output(wait=True)
        display(Image(data=png, format="png"))


WIDE = {"description_width": "initial"}  # a slider label shown in full
