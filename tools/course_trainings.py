"""The course's own trainings of each lab, as the course's notebooks run them: the yardstick
of ``make bench``, which times them beside each lab's Run All and prints the ratio.

Each function trains what the course's notebook of that lab trains, with the course's loop
(its cost computed at every step, as the course's ``model`` does) and the course's solutions
(``tools.reference*``). Labs the course has no notebook for (batch norm, tuning) and the
gradient checking lab (no training) have no entry.
"""

import time

from helpers import data, nn
from helpers.grids import Setting
from tools import reference


def _mean_cost(A3, Y, parameters):
    return nn.compute_cost(A3, Y)


def _gradient_descent(X, Y, parameters, learning_rate, iterations, forward, cost, backward):
    """The course's batch gradient descent loop: forward, cost, backward, update."""
    for _ in range(iterations):
        A3, cache = forward(X, parameters)
        cost(A3, Y, parameters)
        grads = backward(X, Y, cache)
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters


def initialization():
    """Zeros, random × 10 and He on the circles: 15 000 steps of 0.01 each."""
    X, Y, _, _ = data.load_circles()
    starts = [reference.initialize_parameters_zeros, reference.initialize_parameters_random]
    for init in [*starts, reference.initialize_parameters_he]:
        steps = nn.forward_propagation, _mean_cost, nn.backward_propagation
        _gradient_descent(X, Y, init([2, 10, 5, 1]), 0.01, 15000, *steps)


def regularization():
    """No regularization, L2 (lambda 0.7), dropout (keep_prob 0.86, the course's one mask):
    30 000 steps of 0.3 each on the goalkeeper set."""
    X, Y, _, _ = data.load_goalkeeper()[:4]
    start = reference.REGULARIZATION_INIT([2, 20, 3, 1])

    def l2_cost(A3, Y, parameters):
        return reference.compute_cost_with_regularization(A3, Y, parameters, 0.7)

    def l2_backward(X, Y, cache):
        return reference.backward_propagation_with_regularization(X, Y, cache, 0.7)

    def dropout_forward(X, parameters):
        return reference.forward_propagation_with_dropout(X, parameters, 0.86)

    def dropout_backward(X, Y, cache):
        return reference.backward_propagation_with_dropout(X, Y, cache, 0.86)

    for steps in (
        (nn.forward_propagation, _mean_cost, nn.backward_propagation),
        (nn.forward_propagation, l2_cost, l2_backward),
        (dropout_forward, _mean_cost, dropout_backward),
    ):
        _gradient_descent(X, Y, dict(start), 0.3, 30000, *steps)


def course_model(X, Y, setting, batch_size=64, num_epochs=5000):
    """The course's optimization ``model``: mini-batches reshuffled every epoch, the course's
    update functions for ``setting`` (a ``helpers.grids.Setting``). Returns the parameters and
    the cost of every epoch. Also the yardstick of ``tools.stacked`` (tests/test_stacked.py)."""
    parameters = nn.start_weights("moons", [2, 5, 2, 1])
    v, s = reference.initialize_adam(parameters)
    decay = {
        "none": None,
        "every epoch": reference.update_lr,
        "every 1000 epochs": reference.schedule_lr_decay,
    }
    decay = decay[setting.decay]
    lr, t, seed, costs = setting.learning_rate, 0, 10, []
    for i in range(num_epochs):
        seed += 1
        total = 0.0
        for bX, bY in reference.random_mini_batches(X, Y, batch_size, seed):
            a3, cache = nn.forward_propagation(bX, parameters)
            total += nn.compute_cost(a3, bY) * bY.shape[1]
            grads = nn.backward_propagation(bX, bY, cache)
            if setting.optimizer == "gd":
                parameters = reference.update_parameters_with_gd(parameters, grads, lr)
            elif setting.optimizer == "momentum":
                parameters, v = reference.update_parameters_with_momentum(
                    parameters, grads, v, setting.beta, lr
                )
            elif setting.optimizer == "rmsprop":
                parameters, s = reference.update_parameters_with_rmsprop(
                    parameters, grads, s, setting.beta2, lr
                )
            else:
                t += 1
                parameters, v, s, _, _ = reference.update_parameters_with_adam(
                    parameters, grads, v, s, t, lr, setting.beta, setting.beta2
                )
        costs.append(total / X.shape[1])
        if decay:
            lr = decay(setting.learning_rate, i, 1)
    return parameters, costs


def optimization_methods():
    """Gradient descent, momentum and Adam at 0.0007, then the course's four runs with decay."""
    X, Y, _, _ = data.load_moons()
    for optimizer in ("gd", "momentum", "adam"):
        course_model(X, Y, Setting(optimizer, 0.0007))
    course_model(X, Y, Setting("gd", 0.1, decay="every epoch"))
    for optimizer, rate in (("gd", 0.1), ("momentum", 0.1), ("adam", 0.01)):
        course_model(X, Y, Setting(optimizer, rate, decay="every 1000 epochs"))


def tensorflow_introduction():
    """The SIGNS network: 100 epochs of Adam (0.0001) on mini-batches of 32, eagerly.

    The course's ``model`` runs its step op by op: it has no ``@tf.function``, which the lab
    adds to ``train_step`` (and teaches: about 4 times faster). So the lab's solution runs
    here with ``tf.config.run_functions_eagerly``: the course's loop with the course's
    operations. (It keeps the lab's ``.cache()`` of the normalized mini-batches, which the
    course's loop does not have: the yardstick is, if anything, a little fast.)"""
    from tools import reference_tf

    signs = reference_tf.signs_datasets(data.load_signs())
    reference_tf.tf.config.run_functions_eagerly(True)
    try:
        reference_tf.model(*signs, num_epochs=100, print_cost=False)
    finally:
        reference_tf.tf.config.run_functions_eagerly(False)


TRAININGS = {  # lab (week/name) -> the course's trainings of it
    "week1/initialization": initialization,
    "week1/regularization": regularization,
    "week2/optimization_methods": optimization_methods,
    "week3/tensorflow_introduction": tensorflow_introduction,
}


def seconds(lab):
    """Wall seconds of the course's trainings of ``lab`` ("week1/initialization"), or None."""
    if lab not in TRAININGS:
        return None
    start = time.perf_counter()
    TRAININGS[lab]()
    return time.perf_counter() - start
