"""What every lab's public checks share. A check prints ``All tests passed.`` or raises an
``AssertionError`` that says what is wrong (type, key, shape, dtype or value). Each lab's
checks are in its module (``helpers.labs.<lab>``), next to its explorer.

Expected values come from the recipe each exercise states (the seed and formula), so the
checks also run on other layer sizes: the hidden tests use that. Cases are drawn from a
private ``np.random.RandomState``, so a check leaves the global generator as it found it.
"""

import contextlib
import io
import warnings

import numpy as np

PASSED = "All tests passed."


def assert_array(name, got, expected, atol=1e-8):
    """Raise AssertionError naming ``name`` unless ``got`` matches ``expected``."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{name} should be a numpy array, got {type(got).__name__}.")
    if got.shape != expected.shape:
        raise AssertionError(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if not np.issubdtype(got.dtype, np.floating):
        raise AssertionError(f"{name} has dtype {got.dtype}, expected a float dtype.")
    if not np.allclose(got, expected, atol=atol, rtol=1e-6):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        raise AssertionError(
            f"{name} has wrong values: at index {tuple(int(i) for i in worst)} "
            f"got {got[worst]:.8g}, expected {expected[worst]:.8g}."
        )


def assert_parameters(got, expected, where):
    """Compare a parameter dict with the expected one, key by key."""
    if not isinstance(got, dict):
        raise AssertionError(f"{where} should return a dict, got {type(got).__name__}.")
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if missing or extra:
        raise AssertionError(
            f"{where}: wrong keys. Missing: {missing or 'none'}; unexpected: {extra or 'none'}."
        )
    for key in expected:
        assert_array(f"{where}: {key}", got[key], expected[key])


def called(target, *args, **kwargs):
    """Call target; return (result, what it printed on stdout).

    Warnings and stderr output it produces are reported on stdout as a note: on stderr they
    would make nbgrader fail the test cell although the answer is right.
    """
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          warnings.catch_warnings(record=True) as caught):  # fmt: skip
        warnings.simplefilter("always")
        result = target(*args, **kwargs)
    noise = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    if noise:
        print(
            f"Note: your code wrote this on stderr (it does not change the result):\n"
            f"{noise.strip()[:500]}"
        )
    return result, out.getvalue()


def call(target, *args, **kwargs):
    """Call target as ``called`` does, letting its own prints through."""
    result, printed = called(target, *args, **kwargs)
    print(printed, end="")
    return result


def assert_python_float(where, value):
    """A Python float, not np.float64 (which prints as ``np.float64(...)`` in numpy 2)."""
    if type(value) is not float:  # np.float64 is a float subclass, but prints differently
        raise AssertionError(
            f"{where} should return a Python float, got {type(value).__name__}; "
            "use float(...) on the result."
        )


def assert_close(name, got, expected, rtol=1e-7, atol=0.0):
    """``got`` is a number within ``rtol`` / ``atol`` of ``expected``."""
    if not isinstance(got, (int, float, np.floating, np.integer)) or np.ndim(got):
        raise AssertionError(f"{name} should be a number, got {type(got).__name__}.")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise AssertionError(f"{name} is {got!r}, expected {expected!r}.")


def assert_dict(where, grads, expected, keys, what="the gradients"):
    """Compare ``keys`` of the dict ``grads`` with ``expected``, one array at a time."""
    if not isinstance(grads, dict):
        raise AssertionError(f"{where} should return a dict, got {type(grads).__name__}.")
    missing = [k for k in keys if k not in grads]
    if missing:
        raise AssertionError(f"{where}: missing key(s) {missing} in {what}.")
    for key in keys:
        assert_array(
            f"{where}: {key}",
            np.asarray(grads[key], dtype=float)
            if isinstance(grads[key], np.ndarray)
            else grads[key],
            expected[key],
        )


def copies(*dicts):
    """Fresh copies, so a function that updates its inputs in place cannot fool the check."""
    return [{k: np.array(a) for k, a in d.items()} for d in dicts]


def unpack(where, result, names):
    """Unpack a tuple result of len(names), or say what the function should return."""
    if not (isinstance(result, tuple) and len(result) == len(names)):
        raise AssertionError(f"{where} should return the tuple ({', '.join(names)}).")
    return result
