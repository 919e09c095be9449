"""Helpers shared by the course-2 labs (Improving Deep Neural Networks).

Import what a lab needs, d2l style::

    import helpers
    from helpers import checks, data, nn, plots, widgets
    helpers.setup(seed=1)

Modules: ``data`` (datasets), ``nn`` (provided numpy building blocks), ``gradcheck``,
``optim`` (week 2's optimizers, averages and grids), ``signs`` (the rendered SIGNS images),
``signs_net`` (the TensorFlow lab's network in numpy), ``plots``, ``checks`` and
``tf_checks`` (public checks of the graded functions), ``widgets`` (slider explorers).
"""

from helpers.runtime import setup

__all__ = ["setup"]
