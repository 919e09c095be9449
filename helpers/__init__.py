"""Helpers shared by the course-2 labs (Improving Deep Neural Networks).

Import what a lab needs, d2l style::

    import helpers
    from helpers import data, nn, plots
    from helpers.labs import initialization as lab   # the lab's checks, compute, explorers
    helpers.setup(seed=1)

Shared modules: ``data`` (loaders), ``nn`` (the course's provided numpy pieces, the seeded
initializer), ``gradcheck``, ``stacked`` (many settings of one network trained at once),
``grids`` (the explorers' pretrained grids), ``explorer`` (the slider wiring), ``checking``
(what every check shares), ``plots``. One module per lab in ``helpers.labs``.
Instructor and maintainer tools (datasets, grading, bench) are in ``tools/``, not here.
"""

from helpers.runtime import setup

__all__ = ["setup"]
