"""Helpers shared by the course-2 labs (Improving Deep Neural Networks).

Import what a lab needs, d2l style::

    import helpers
    from helpers import data, nn, plots
    from helpers.labs import initialization as lab   # the lab's checks, compute, explorers
    helpers.setup(seed=1)

Shared modules: ``data`` (loaders), ``nn`` (the course's provided numpy pieces, the labs'
starting weights), ``gradcheck``, ``grids`` (what ``make datasets`` trained ahead),
``explorer`` (the slider wiring), ``checking`` (what every check shares: expected values as
data), ``plots``. One module per lab in ``helpers.labs``. Nothing here computes a graded
answer: the solutions, the answer key and the stacked trainer (whose update rules are week 2's
exercises) are instructors' tools in ``tools/``, never importable from a lab's kernel.
"""

from helpers.runtime import setup, setup_tensorflow

__all__ = ["setup", "setup_tensorflow"]
