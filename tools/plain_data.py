"""Values as plain data, to cross the sandbox wall: JSON, with arrays as base64 ``.npy``.

The trusted grader sends a graded function's arguments into the learner's kernel and reads
its result back with ``encode`` / ``decode``; nothing crosses as pickle. ``decode`` builds only
plain types (numbers, strings, lists, tuples, dicts, numpy arrays and scalars, numpy's
default random generator (PCG64) with its state, TensorFlow tensors and variables), so a
result cannot carry code or lie in its ``__eq__``. Anything else comes back as an empty
stand-in whose type name is the original's, for the check's message.

``call_in_kernel`` is the other half: the sandboxed kernel runs it to call a learner's function.
"""

import base64
import contextlib
import io
import json
import re

import numpy as np

MAX_DEPTH = 20


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text):
    return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)


def _tensorflow(value):
    """The kind of a TensorFlow value ('tf.Tensor', 'tf.Variable', 'tf.data'), or None."""
    module = type(value).__module__ or ""
    if not module.startswith(("tensorflow", "keras")):
        return None
    import tensorflow as tf

    if isinstance(value, tf.Variable):
        return "tf.Variable"
    if tf.is_tensor(value):
        return "tf.Tensor"
    if isinstance(value, tf.data.Dataset):
        return "tf.data"
    return None


def is_tensor(value):
    return _tensorflow(value) == "tf.Tensor"


def is_variable(value):
    return _tensorflow(value) == "tf.Variable"


def encode(value, depth=0):
    """``value`` as a JSON-able tree (see module docstring)."""
    if depth > MAX_DEPTH:
        return {"$": "object", "type": "too_deeply_nested"}
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"$": kind, "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {
            "$": "dict",
            "items": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()],
        }
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"$": "ndarray", "npy": _npy(value)}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"$": "npscalar", "npy": _npy(value)}
    if isinstance(value, np.random.Generator) and type(value.bit_generator) is np.random.PCG64:
        state = value.bit_generator.state
        numbers = [
            state["state"]["state"],
            state["state"]["inc"],
            state["has_uint32"],
            state["uinteger"],
        ]
        return {"$": "np.random.Generator", "state": numbers}
    kind = _tensorflow(value)
    if kind == "tf.data":
        return {"$": kind, "npy": _npy(np.stack(list(value.as_numpy_iterator())))}
    if kind:
        return {"$": kind, "npy": _npy(value.numpy())}
    return {"$": "object", "type": type(value).__name__}


def stand_in(type_name):
    """An empty object whose type is named ``type_name`` (a value that could not cross)."""
    name = re.sub(r"\W", "_", str(type_name))[:60] or "object"
    return type(name, (), {"__repr__": lambda self: f"<{name}>"})()


def decode(tree, depth=0):
    """The value ``encode`` described; ValueError on anything malformed."""
    if depth > MAX_DEPTH + 1:
        raise ValueError("nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if not isinstance(tree, dict) or not isinstance(tree.get("$"), str):
        raise ValueError(f"not a plain-data value: {type(tree).__name__}")
    kind = tree["$"]
    if kind in ("list", "tuple"):
        items = [decode(v, depth + 1) for v in tree["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        pairs = [(decode(k, depth + 1), decode(v, depth + 1)) for k, v in tree["items"]]
        if not all(isinstance(k, (str, int, float, bool, tuple, type(None))) for k, _ in pairs):
            raise ValueError("a dict key is not a plain value")
        return dict(pairs)
    if kind == "ndarray":
        return _from_npy(tree["npy"])
    if kind == "npscalar":
        return _from_npy(tree["npy"])[()]
    if kind in ("tf.Tensor", "tf.Variable", "tf.data"):
        import tensorflow as tf

        array = _from_npy(tree["npy"])
        if kind == "tf.data":
            return tf.data.Dataset.from_tensor_slices(array)
        return tf.Variable(array) if kind == "tf.Variable" else tf.constant(array)
    if kind == "np.random.Generator":
        return _generator(tree["state"])
    if kind == "object":
        return stand_in(tree.get("type", "object"))
    raise ValueError(f"unknown plain-data kind {kind!r}")


def _generator(state):
    """A PCG64 ``np.random.Generator`` at ``state``: [state, inc, has_uint32, uinteger]."""
    if not (
        isinstance(state, list)
        and len(state) == 4
        and all(type(n) is int and 0 <= n < 2**128 for n in state)
    ):
        raise ValueError("a random generator's state is four integers in [0, 2**128)")
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": state[0], "inc": state[1]},
        "has_uint32": state[2],
        "uinteger": state[3],
    }
    return np.random.Generator(bit_generator)


def dumps(value):
    return json.dumps(encode(value))


def loads(text):
    return decode(json.loads(text))


def leaves(value):
    """The non-container values inside nested lists, tuples and dicts, in encoding order."""
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    return [value]


def linked(value, variables, gradients):
    """``value`` (a tensor) whose gradient, on a tape, reaches ``variables``: the gradient
    of its sum with respect to each is the one the kernel computed (``gradients``, arrays or
    None). Lets a check ask "does a gradient reach W1, and is it right?" across the wall."""
    import tensorflow as tf

    if len(gradients) != len(variables):
        raise ValueError("one gradient per variable expected")

    # value + (x - stop_gradient(x)) / n, with x = sum_i <variable_i, gradient_i>: adds exactly
    # 0.0 to every entry, and d sum(result) / d variable_i = gradient_i.
    value = tf.convert_to_tensor(value)
    x = tf.zeros((), value.dtype)
    for variable, gradient in zip(variables, gradients, strict=True):
        if gradient is not None:
            x += tf.reduce_sum(tf.cast(variable, value.dtype) * tf.constant(gradient, value.dtype))
    n = tf.cast(tf.maximum(tf.size(value), 1), value.dtype)
    return value + (x - tf.stop_gradient(x)) / n


# ---------------------------------------------------------------- inside the kernel


@contextlib.contextmanager
def _tape(variables):
    """A GradientTape on ``variables`` when there are any (TensorFlow checks ask whether a
    gradient reaches them), else nothing."""
    if not variables:
        yield None
        return
    import tensorflow as tf

    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(variables)
        yield tape


def call_in_kernel(namespace, request_path, reply_path):
    """Call ``namespace[name](*args, **kwargs)`` as ``request_path`` (JSON) asks; write the
    result, what it printed and any exception to ``reply_path`` (JSON). Runs in the learner's
    kernel: nothing here is trusted by the grader, which only reads the reply as plain data."""
    import warnings

    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    out, err = io.StringIO(), io.StringIO()
    reply = {}
    try:
        if request["name"] not in namespace:
            raise NameError(f"name {request['name']!r} is not defined")
        target = namespace[request["name"]]
        args, kwargs = decode(request["args"]), decode(request["kwargs"])
        variables = [v for v in leaves((args, kwargs)) if _tensorflow(v) == "tf.Variable"]
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(record=True) as caught,
            _tape(variables) as tape,
        ):
            warnings.simplefilter("always")
            try:
                result = target(*args, **kwargs)
            finally:
                for w in caught:
                    err.write(f"{w.category.__name__}: {w.message}\n")
        reply["result"] = encode(result)
        if variables and _tensorflow(result) == "tf.Tensor" and result.dtype.is_floating:
            gradients = tape.gradient(result, variables)  # of the sum of its entries
            reply["gradients"] = [None if g is None else encode(g) for g in gradients]
    except BaseException as error:  # the learner's code raised; report it as data
        reply["raised"] = [type(error).__name__, str(error)[:2000]]
    reply["stdout"], reply["stderr"] = out.getvalue()[-100_000:], err.getvalue()[-100_000:]
    with open(reply_path, "w", encoding="utf-8") as f:
        json.dump(reply, f)
