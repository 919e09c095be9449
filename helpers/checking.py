"""What every lab's public checks share. A check prints ``All tests passed.`` or raises an
``AssertionError`` that says what is wrong (type, key, shape, dtype or value). Each lab's
checks are in its module (``helpers.labs.<lab>``), next to its explorer.

A check builds its case's inputs (seeded, from a private ``np.random.RandomState``, so the
global generator is left as it was) and compares the learner's result with ``expected``
values: **data**, not a recipe. The public cases' values ship in ``public_cases.json``, made
from the course's solutions by ``python -m tools.answer_key build`` (a test keeps them in
step). Any other case (a hidden test) is answered only by the instructor's answer key
(``tools/answer_key.py``): the grader installs it with ``use_answer_key``; maintainers'
kernels find it through ``COURSE_ANSWER_KEY``. Nothing here computes a graded answer.
"""

import contextlib
import functools
import importlib
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np

PASSED = "All tests passed."
PUBLIC_CASES = Path(__file__).with_name("public_cases.json")
ANSWER_KEY_ENV = "COURSE_ANSWER_KEY"  # a module with ``expected(exercise, **case)``
_answer_key = []  # the installed answer key, if any


def case_key(exercise, case):
    """The one string naming a case: ``exercise(arg=value, ...)``, arguments sorted; tuples
    and lists written alike."""

    def plain(value):
        if isinstance(value, (tuple, list)):
            return tuple(plain(v) for v in value)
        if isinstance(value, dict):
            return tuple((k, plain(v)) for k, v in value.items())
        if isinstance(value, (np.floating, np.integer)):
            return value.item()
        return value

    args = ", ".join(f"{k}={plain(v)!r}" for k, v in sorted(case.items()))
    return f"{exercise}({args})"


def encode(value):
    """A JSON tree of ``value`` (arrays, tuples, dicts, lists, numbers, strings, None)."""
    if isinstance(value, np.ndarray):
        return {"$array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"$dict": [[k, encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} as an expected value")


def decode(tree):
    """The value ``encode`` wrote."""
    if isinstance(tree, list):
        return [decode(v) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$array" in tree:
        return np.array(tree["$array"], dtype=np.dtype(tree["dtype"])).reshape(tree["shape"])
    if "$tuple" in tree:
        return tuple(decode(v) for v in tree["$tuple"])
    return {k: decode(v) for k, v in tree["$dict"]}


@functools.cache
def _public_cases():
    try:
        return json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"{PUBLIC_CASES} is missing or damaged ({error}); restore it with "
            "`git checkout helpers/public_cases.json`"
        ) from None


def use_answer_key(answer_key):
    """Answer cases that are not public with ``answer_key(exercise, **case)`` (the grader's
    and the maintainers' instructor-side key); None removes it."""
    _answer_key[:] = [] if answer_key is None else [answer_key]


def _installed_answer_key():
    if not _answer_key and os.environ.get(ANSWER_KEY_ENV):
        try:
            module = importlib.import_module(os.environ[ANSWER_KEY_ENV])
        except ImportError:
            return None
        use_answer_key(module.expected)
    return _answer_key[0] if _answer_key else None


def answer_key_only(exercise, **case):
    """The full expected value from the installed answer key, or None without one: for an
    exercise whose public values would be its answer (no inputs to vary), the public table
    holds a summary and only the grader compares every value."""
    answer_key = _installed_answer_key()
    return None if answer_key is None else answer_key(exercise, **case)


def expected(exercise, **case):
    """What a correct ``exercise`` returns on ``case`` (the check's arguments), as data: the
    public table's values, else the installed answer key's. A case neither knows is a hidden
    test: it runs when the lab is graded."""
    key = case_key(exercise, case)
    table = _public_cases()
    if key in table:
        return decode(table[key])
    answer_key = _installed_answer_key()
    if answer_key is None:
        raise AssertionError(
            f"{key} is a hidden test case: this copy of the labs holds no answer for it, so "
            "it runs only when your lab is graded. The public check (the first line of the "
            "cell) is the one to pass here."
        )
    return answer_key(exercise, **case)


def assert_array(name, got, expected, atol=1e-8, rtol=1e-6):
    """Raise AssertionError naming ``name`` unless ``got`` matches ``expected``."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{name} should be a numpy array, got {type(got).__name__}.")
    if got.shape != expected.shape:
        raise AssertionError(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if not np.issubdtype(got.dtype, np.floating):
        raise AssertionError(f"{name} has dtype {got.dtype}, expected a float dtype.")
    if not np.allclose(got, expected, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        factor = constant_factor(got, expected)  # part of what is expected: hidden with it
        hint = (
            ""
            if factor is None
            else (f" (every entry is {factor:.4g} × what is expected: a factor is off)")
        )
        raise AssertionError(
            f"{name} has wrong values: at index {tuple(int(i) for i in worst)} "
            f"got {got[worst]:.8g}, expected {expected[worst]:.8g}{hint}."
        )


@contextlib.contextmanager
def explained(mistake):
    """Run the comparisons in the block; when one fails, add ``mistake()`` (the usual mistake
    the learner's result shows, a sentence without numbers, or None) to its message."""
    try:
        yield
    except AssertionError as error:
        said = mistake()
        if said is None:
            raise
        raise AssertionError(f"{error} {said}") from None


def shows(got, mistake):
    """Whether ``got`` is an array of ``mistake``'s shape and values (to np.allclose): the
    learner's result is that usual mistake's."""
    return (
        isinstance(got, np.ndarray) and got.shape == np.shape(mistake) and np.allclose(got, mistake)
    )


def constant_factor(got, expected, rtol=1e-6):
    """c when ``got`` is c × ``expected`` entry by entry (c not 1, two entries at least not
    zero; zeros where ``expected`` has them), else None: a scale left out or put twice."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    nonzero = expected != 0
    if nonzero.sum() < 2 or np.any(got[~nonzero] != 0):
        return None
    ratios = got[nonzero] / expected[nonzero]
    factor = float(np.median(ratios))
    if factor == 0 or np.isclose(factor, 1.0) or not np.allclose(ratios, factor, rtol=rtol):
        return None
    return factor


GRADIENT_RTOL = 1e-11  # a backward pass, to round-off (see assert_gradient)
GRADIENT_ATOL = 1e-13  # times the largest |entry|


def assert_gradient(name, got, want):
    """``assert_array`` to round-off, for backward passes: the chain rule written in any order
    agrees with the solution to about 1e-15 of the largest entry, a finite-difference estimate
    at best to about 1e-10, so numbers estimated instead of derived do not pass."""
    scale = float(np.max(np.abs(want))) if np.size(want) else 0.0
    try:
        assert_array(name, got, want, atol=GRADIENT_ATOL * scale, rtol=GRADIENT_RTOL)
    except AssertionError:
        if not (isinstance(got, np.ndarray) and got.shape == np.shape(want)):
            raise
        error = np.abs(got - want)
        worst = np.unravel_index(np.argmax(error), got.shape)
        raise AssertionError(
            f"{name} has wrong values: at index {tuple(int(i) for i in worst)} got "
            f"{got[worst]:.15g}, expected {want[worst]:.15g} (off by "
            f"{float(error[worst]) / (scale or 1.0):.1e} of the largest entry). A gradient "
            "derived with the chain rule agrees to round-off (about 1e-15); an estimate, "
            "such as finite differences, does not."
        ) from None


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
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
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


def assert_close(name, got, expected, rtol=1e-7, atol=0.0, hint=None):
    """``got`` is a number within ``rtol`` / ``atol`` of ``expected``. ``hint(got)``, if
    given, names the mistake a wrong value shows (or None); it is said with what was expected
    (the grader hides both in a hidden case)."""
    if not isinstance(got, (int, float, np.floating, np.integer)) or np.ndim(got):
        raise AssertionError(f"{name} should be a number, got {type(got).__name__}.")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        said = hint(got) if hint is not None else None
        raise AssertionError(
            f"{name} is {got!r}, expected {expected!r}{f' ({said})' if said else ''}."
        )


def assert_dict(where, grads, expected, keys, what="the gradients", exact=False):
    """Compare ``keys`` of the dict ``grads`` with ``expected``, one array at a time
    (``exact``: to round-off, as ``assert_gradient``)."""
    if not isinstance(grads, dict):
        raise AssertionError(f"{where} should return a dict, got {type(grads).__name__}.")
    missing = [k for k in keys if k not in grads]
    if missing:
        raise AssertionError(f"{where}: missing key(s) {missing} in {what}.")
    compare = assert_gradient if exact else assert_array
    for key in keys:
        got = grads[key]
        compare(
            f"{where}: {key}",
            np.asarray(got, dtype=float) if isinstance(got, np.ndarray) else got,
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
