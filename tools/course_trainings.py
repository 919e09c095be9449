"""The course's own trainings of each lab, as the course's notebooks run them: the yardstick
of ``make bench``, which times them beside each lab's Run All and prints the ratio.

Each function trains what the course's notebook of that lab trains, with the course's loop
(its cost computed at every step, as the course's ``model`` does) and the course's solutions
(``tools.reference*``). Labs the course has no notebook for (batch norm, tuning) and the
gradient checking lab (no training) have no entry.
"""

import time

from helpers import data, nn
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


def _mini_batch_model(X, Y, optimizer, learning_rate, decay=None, epochs=5000):
    """The course's optimization ``model``: mini-batches of 64, reshuffled every epoch."""
    parameters = nn.start_weights("moons", [2, 5, 2, 1])
    v = reference.initialize_velocity(parameters)
    s = reference.initialize_velocity(parameters)
    t, seed, learning_rate0 = 0, 10, learning_rate
    for epoch in range(epochs):
        seed += 1
        cost_total = 0.0
        for batch_X, batch_Y in reference.random_mini_batches(X, Y, 64, seed):
            A3, cache = nn.forward_propagation(batch_X, parameters)
            cost_total += nn.compute_cost(A3, batch_Y) * batch_Y.shape[1]
            grads = nn.backward_propagation(batch_X, batch_Y, cache)
            if optimizer == "gd":
                parameters = reference.update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = reference.update_parameters_with_momentum(
                    parameters, grads, v, 0.9, learning_rate
                )
            else:
                t += 1
                parameters, v, s, _, _ = reference.update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate
                )
        if decay:
            learning_rate = decay(learning_rate0, epoch, 1)
    return parameters


def optimization_methods():
    """Gradient descent, momentum and Adam at 0.0007, then the course's four runs with decay."""
    X, Y, _, _ = data.load_moons()
    for optimizer in ("gd", "momentum", "adam"):
        _mini_batch_model(X, Y, optimizer, 0.0007)
    _mini_batch_model(X, Y, "gd", 0.1, reference.update_lr)
    for optimizer, rate in (("gd", 0.1), ("momentum", 0.1), ("adam", 0.01)):
        _mini_batch_model(X, Y, optimizer, rate, reference.schedule_lr_decay)


def tensorflow_introduction():
    """The SIGNS network: 100 epochs of Adam (0.0001) on mini-batches of 32."""
    from tools import reference_tf

    signs = reference_tf.signs_datasets(data.load_signs())
    reference_tf.model(*signs, num_epochs=100, print_cost=False)


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
