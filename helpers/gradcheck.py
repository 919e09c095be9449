"""Gradient checking tools of the Gradient Checking lab (week 1), reused in week 3.

Parameters are flattened in the course's order W1, b1, W2, b2, ..., WL, bL into one column
vector theta (n, 1), for any number and size of layers (the course's provided
``dictionary_to_vector`` and friends). A dict with other names (batch norm's ``Z``,
``gamma``, ``beta``) is flattened in its own order, its gradients under ``"d" + name``.
``report`` goes beyond the course: after a failed check it says which parameter block and
which entries disagree most. It estimates the
gradient at its own fixed epsilon (``REPORT_EPSILON``), block by block: it is a diagnosis,
not the lab's ``gradient_check_n`` (which takes any epsilon and returns one difference).
"""

import numpy as np

THRESHOLD = 2e-7  # a relative difference above this means a bug in the backward pass


def _layered(key):
    return key[:1] in ("W", "b") and key[1:].isdigit()


def parameter_keys(parameters):
    """The keys W1, b1, ..., WL, bL of an L-layer parameter dict, in the course's order; the
    dict's own order when any key is not a layer's W or b (any names: ``{"Z": ..., "gamma":
    ...}``, or a network with batch norm's ``W1, gamma1, beta1, ...``)."""
    if not all(_layered(k) for k in parameters):
        return list(parameters)
    layers = max(int(k[1:]) for k in parameters)
    keys = [f"{kind}{layer}" for layer in range(1, layers + 1) for kind in "Wb"]
    missing = [k for k in keys if k not in parameters]
    if missing:
        raise KeyError(
            f"expected parameters W1, b1, ..., W{layers}, b{layers}; missing {missing}, "
            f"got {sorted(parameters)}"
        )
    return keys


def dictionary_to_vector(parameters):
    """Flatten parameters into theta (n, 1); also return the key of each entry (list of n)."""
    keys = parameter_keys(parameters)
    theta = np.concatenate([np.reshape(parameters[k], (-1, 1)) for k in keys])
    names = [k for k in keys for _ in range(np.size(parameters[k]))]
    return theta, names


def vector_to_dictionary(theta, like):
    """Unflatten theta (n, 1) into a dict with the keys and shapes of ``like``."""
    keys = parameter_keys(like)
    sizes = [np.size(like[k]) for k in keys]
    if np.size(theta) != sum(sizes):
        raise ValueError(f"theta has {np.size(theta)} entries; the parameters need {sum(sizes)}")
    pieces = np.split(np.ravel(theta), np.cumsum(sizes)[:-1])
    return {k: p.reshape(np.shape(like[k])) for k, p in zip(keys, pieces, strict=True)}


def gradients_to_vector(gradients):
    """Flatten dW1, db1, ..., dWL, dbL into a column (n, 1); other keys (dZ, dA) are ignored."""
    params = {k[1:]: v for k, v in gradients.items() if k[:2] in ("dW", "db")}
    return dictionary_to_vector(params)[0]


def _block_difference(grad, approx):
    numerator = np.linalg.norm(grad - approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return float(numerator / denominator) if denominator else 0.0


REPORT_EPSILON = 1e-5  # near the truncation / round-off balance: block differences of ~1e-9


def _estimate(cost_fn, parameters):
    theta, _ = dictionary_to_vector(parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = REPORT_EPSILON
        plus = cost_fn(vector_to_dictionary(theta + step, parameters))
        minus = cost_fn(vector_to_dictionary(theta - step, parameters))
        approx[i] = (plus - minus) / (2 * REPORT_EPSILON)
    return approx


def _gradient_column(gradients, parameters):
    """The gradients ``"d" + name`` of ``parameters``, flattened as the parameters are (n, 1)."""
    keys = parameter_keys(parameters)
    missing = [f"d{k}" for k in keys if f"d{k}" not in gradients]
    if missing:
        raise KeyError(f"the gradients have no {missing} (one 'd' + name per parameter)")
    return dictionary_to_vector({k: gradients[f"d{k}"] for k in keys})[0]


def report(parameters, gradients, cost_fn, top=3):
    """Where backpropagation and the numerical gradient disagree, block by block.

    ``parameters``: the course's W1, b1, ... or a dict of any names (arrays);
    ``gradients``: ``"d" + name`` for each; ``cost_fn(parameters) -> float``.

    At the check's epsilon (1e-7) round-off alone puts small blocks near 2e-7; the epsilon
    here (1e-5) keeps a correct block near 1e-9, so a flagged block is a real mismatch.

    Returns rows (one per block W1, b1, ...): ``block``, ``difference`` (relative, as in the
    check), ``ok`` (difference below 2e-7) and ``worst``: up to ``top`` entries
    (index, backprop, numerical) with the largest absolute disagreement.
    """
    grad = _gradient_column(gradients, parameters)
    approx = _estimate(cost_fn, parameters)
    _, names = dictionary_to_vector(parameters)
    names = np.array(names)
    rows = []
    for key in parameter_keys(parameters):
        shape = np.shape(parameters[key])
        g, a = grad[names == key, 0], approx[names == key, 0]
        difference = _block_difference(g, a)
        order = np.argsort(-np.abs(g - a))[:top] if difference > THRESHOLD else []
        worst = [(np.unravel_index(i, shape), float(g[i]), float(a[i])) for i in order]
        rows.append(
            {
                "block": key,
                "difference": difference,
                "ok": difference <= THRESHOLD,
                "worst": [(tuple(int(j) for j in idx), b, n) for idx, b, n in worst],
            }
        )
    return rows


def print_report(rows):
    """Print ``report`` rows as a table; under each bad block, the entries that disagree most."""
    print(f"{'block':6s} {'difference':>11s}  verdict")
    for row in rows:
        print(f"{row['block']:6s} {row['difference']:11.3e}  {'ok' if row['ok'] else 'MISMATCH'}")
        for index, backprop, numeric in row["worst"]:
            ratio = f"  (x {backprop / numeric:.3g})" if numeric else ""
            print(
                f"         {row['block']}{list(index)}: backprop {backprop:+.6f}, "
                f"numerical {numeric:+.6f}{ratio}"
            )
