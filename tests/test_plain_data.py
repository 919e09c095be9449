"""What crosses the sandbox wall: plain data only, faithfully, and nothing that runs code."""

import json

import numpy as np
import pytest

from tools import plain_data


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        float("inf"),
        "text",
        [1, (2.0, "x")],
        {"W1": np.eye(2), 3: None},
        np.float64(0.25),
        np.int64(7),
        np.arange(6, dtype=np.float32).reshape(2, 3),
    ],
)
def test_round_trip_keeps_value_and_type(value):
    back = plain_data.loads(plain_data.dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, dict):
        assert back.keys() == value.keys()
    else:
        assert back == value


def test_a_random_generator_crosses_with_its_state():
    rng = np.random.default_rng(7)
    rng.integers(0, 10, 3, dtype=np.uint32)  # an odd number of 32-bit draws: a cached half
    copy = plain_data.loads(plain_data.dumps(rng))
    assert type(copy) is np.random.Generator and copy is not rng
    np.testing.assert_array_equal(copy.uniform(size=5), rng.uniform(size=5))
    assert copy.integers(0, 2**32, dtype=np.uint32) == rng.integers(0, 2**32, dtype=np.uint32)


@pytest.mark.parametrize(
    "state", [[1, 2], [-1, 1, 0, 0], [2**128, 1, 0, 0], ["1", 1, 0, 0], [1.5, 1, 0, 0]]
)
def test_a_malformed_generator_state_is_refused(state):
    with pytest.raises(ValueError, match="four integers"):
        plain_data.decode({"$": "np.random.Generator", "state": state})


def test_tensorflow_values_cross_as_tensors_and_variables():
    import tensorflow as tf

    tensor, variable = tf.constant([[1.0, 2.0]]), tf.Variable(np.ones((2, 1), np.float32))
    back = plain_data.loads(plain_data.dumps((tensor, variable)))
    assert tf.is_tensor(back[0]) and not isinstance(back[0], tf.Variable)
    assert isinstance(back[1], tf.Variable) and back[1].dtype == tf.float32


def test_objects_that_could_lie_come_back_as_empty_stand_ins():
    class Liar(float):
        def __eq__(self, other):
            return True

    back = plain_data.loads(plain_data.dumps([Liar(1.0), np.array([object()]), print]))
    assert [type(b).__name__ for b in back] == ["Liar", "ndarray", "builtin_function_or_method"]
    assert back[0] != 1.0 and not isinstance(back[0], float)


@pytest.mark.parametrize(
    "tree",
    [
        {"$": "pickle", "data": "gASV"},
        {"$": "ndarray", "npy": "not base64!"},
        {"x": 1},
        {"$": "dict", "items": [[{"$": "list", "items": []}, 1]]},
    ],
)
def test_malformed_data_is_refused(tree):
    with pytest.raises((ValueError, TypeError, KeyError)):
        plain_data.decode(json.loads(json.dumps(tree)))


def test_object_arrays_never_load_as_pickle():
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    tree = {"$": "ndarray", "npy": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError, match="pickle"):
        plain_data.decode(tree)


def _call(namespace, name, args, tmp_path):
    request, reply = tmp_path / "request.json", tmp_path / "reply.json"
    request.write_text(
        json.dumps({"name": name, "args": plain_data.encode(args), "kwargs": plain_data.encode({})})
    )
    plain_data.call_in_kernel(namespace, request, reply)
    return json.loads(reply.read_text())


def test_a_gradient_crosses_the_wall_only_when_tf_ops_computed_the_result(tmp_path):
    """A check asks whether a gradient reaches W1 (and its value): the kernel computes it on
    its own tape, the grader links it to its own variables. numpy inside gives none."""
    import tensorflow as tf

    W = tf.Variable(np.arange(4, dtype=np.float32).reshape(2, 2))
    X = tf.constant([[1.0], [-2.0]])
    namespace = {
        "with_tf": lambda X, p: tf.matmul(p["W1"], X) ** 2,
        "with_numpy": lambda X, p: tf.constant((p["W1"].numpy() @ X.numpy()) ** 2),
    }
    for name in namespace:
        reply = _call(namespace, name, (X, {"W1": W}), tmp_path)
        gradients = [g and plain_data.decode(g) for g in reply["gradients"]]
        with tf.GradientTape() as tape:
            result = plain_data.linked(plain_data.decode(reply["result"]), [W], gradients)
            total = tf.reduce_sum(result)
        assert np.array_equal(result.numpy(), namespace["with_tf"](X, {"W1": W}).numpy())
        got = tape.gradient(total, W)
        if name == "with_numpy":
            assert got is None
        else:
            with tf.GradientTape() as direct:
                expected = direct.gradient(tf.reduce_sum(namespace[name](X, {"W1": W})), W)
            assert np.allclose(got.numpy(), expected.numpy())


def test_a_learner_function_that_raises_or_is_missing_is_reported_as_data(tmp_path):
    def broken():
        raise KeyError("mine")

    reply = _call({"broken": broken}, "broken", (), tmp_path)
    assert reply["raised"] == ["KeyError", "'mine'"]
    assert _call({}, "absent", (), tmp_path)["raised"][0] == "NameError"
