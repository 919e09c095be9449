"""One module per lab, named like its notebook: that lab's public checks, the compute behind
its experiments and explorers, and the explorers. A lab imports its own as ``lab``::

    from helpers.labs import regularization as lab

- week 1: ``initialization``, ``regularization``, ``gradient_checking``
- week 2: ``optimization_methods``
- week 3: ``hyperparameter_tuning``, ``batch_normalization``, ``tensorflow_introduction``
"""
