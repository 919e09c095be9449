"""The answer key (tools/answer_key.py) and the data the labs' checks compare with.

The public table and the starts ship in helpers/ and must equal a fresh build from the
course's solutions; they hold the public cases only; a hidden case asked for in a learner's
kernel gets a message, not an answer.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from helpers import checking, nn
from tools import answer_key, grading


@pytest.fixture(scope="module")
def fresh_table():
    return answer_key.public_cases()


def test_the_shipped_table_is_a_fresh_build_from_the_solutions(fresh_table):
    shipped = json.loads(checking.PUBLIC_CASES.read_text(encoding="utf-8"))
    assert answer_key.same_table(shipped, fresh_table), "run `python -m tools.answer_key build`"
    first = next(iter(shipped))
    assert not answer_key.same_table(shipped, {**shipped, first: checking.encode([0.5])})


def test_tensorflow_cases_agree_to_float32_precision_and_no_further(fresh_table):
    """TensorFlow's results may differ in their last float32 bits between CPUs; a drift of
    1e-4 (a changed solution, an eager loop for a tf.function) is still caught."""
    key = next(k for k in fresh_table if k.startswith("tensorflow_introduction.forward"))
    value = checking.decode(fresh_table[key])
    z3 = value["Z3"]
    assert z3.dtype == np.float32

    def with_z3(new):
        return {**fresh_table, key: checking.encode({**value, "Z3": new})}

    assert answer_key.same_table(fresh_table, with_z3(np.nextafter(z3, np.float32(1))))
    assert not answer_key.same_table(fresh_table, with_z3(z3 * np.float32(1 + 1e-4)))


def test_the_shipped_starts_are_the_courses_draws():
    with np.load(nn.STARTS) as stored:
        fresh = answer_key.starts()
        assert sorted(stored.files) == sorted(fresh)
        for key, value in fresh.items():
            np.testing.assert_array_equal(stored[key], value, err_msg=key)
    assert set(nn.STARTS_OF) == {k.split("/")[0] for k in fresh}
    with pytest.raises(ValueError, match=r"no provided start 'moons' for layers \[2, 4, 1\]"):
        nn.start_weights("moons", [2, 4, 1])  # the He check's case is not a provided start


def test_one_public_case_per_exercise_and_no_hidden_one(fresh_table):
    exercises = [(lab, e) for lab in grading.labs() for e in grading.exercises(lab)]
    assert len(fresh_table) == len(exercises) == 41
    hidden = hidden_case_keys()
    assert len(hidden) > 40
    # Only the exercises without inputs repeat their public call as the hidden one: the table
    # holds their summary, and the grader compares every value (checking.answer_key_only).
    assert hidden & set(fresh_table) == {
        "tensorflow_introduction.initialize_parameters(summary=True)",
        "tensorflow_introduction.linear_function(seed=1, summary=True)",
    }
    assert set(checking.decode(fresh_table[min(hidden & set(fresh_table))])["W1"]) == {
        "shape",
        "sum",
        "squares",
        "first",
    }


def hidden_case_keys():
    """Every case key the hidden tests ask for (recorded, not answered)."""
    import ast
    import contextlib
    import importlib
    import io

    keys = set()

    class Asked(Exception):
        pass

    def record(exercise, **case):
        keys.add(checking.case_key(exercise, case))
        raise Asked

    checking.use_answer_key(record)
    original, checking._public_cases = checking._public_cases, dict
    try:
        for lab in grading.labs():
            module = importlib.import_module(f"helpers.labs.{lab}")
            for exercise in grading.exercises(lab):
                tree = ast.parse(exercise.hidden)
                names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
                namespace = dict.fromkeys(names, print) | {"lab": module, "np": np}
                for statement in tree.body:  # one at a time, assignments kept
                    code = compile(ast.Module([statement], []), lab, "exec")
                    with contextlib.suppress(Asked), contextlib.redirect_stdout(io.StringIO()):
                        exec(code, namespace)
    finally:
        checking._public_cases = original
        checking.use_answer_key(answer_key.expected)
    return keys


def test_a_hidden_case_in_a_learners_kernel_gets_a_message_not_an_answer():
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ANSWER_KEY", "PYTHONPATH")}
    code = (
        "from helpers.labs import initialization as lab\n"
        "from helpers import checking\n"
        "print(checking.expected('initialization.initialize_parameters_he', layers_dims=(2, 4, 1))"
        "['W2'].shape)\n"
        "try:\n"
        "    checking.expected('initialization.initialize_parameters_he', layers_dims=(4, 1))\n"
        "except AssertionError as error:\n"
        "    print(error)\n"
        "import importlib.util\n"
        "print('tools importable:', importlib.util.find_spec('tools') is not None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "notebooks" / "week1",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "(1, 4)"
    assert lines[1].startswith(
        "initialization.initialize_parameters_he(layers_dims=(4, 1)) is a hidden test case: "
        "this copy of the labs holds no answer for it"
    )
    assert lines[2] == "tools importable: False"  # a lab's kernel cannot reach the answer key


def test_the_answer_key_answers_hidden_cases_from_the_solutions():
    from tools import reference

    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    want = answer_key.expected("initialization.initialize_parameters_he", layers_dims=(5, 7, 3, 1))
    assert np.array_equal(np.random.get_state()[1], before)  # the solution's seed(3) undone
    got = reference.initialize_parameters_he([5, 7, 3, 1])
    assert sorted(got) == sorted(want) and all(np.array_equal(got[k], want[k]) for k in got)
    with pytest.raises(KeyError, match="no exercise 'initialization.nothing'"):
        answer_key.expected("initialization.nothing")
