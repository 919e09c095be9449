"""Gradient Checking lab (helpers.labs.gradient_checking): its checks and its explorer."""

import numpy as np
import pytest

from helpers import gradcheck, nn
from helpers.labs import gradient_checking as lab
from tools import reference
from tools.reference import gradient_check_n


@pytest.mark.parametrize(
    ("check", "solution"),
    [
        (lab.forward_propagation_test, reference.forward_propagation),
        (lab.backward_propagation_test, reference.backward_propagation),
        (lab.gradient_check_test, reference.gradient_check),
        (lab.gradient_check_n_test, reference.gradient_check_n),
    ],
)
def test_gradient_checking_solutions_pass(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_course_1d_difference():
    # The course prints 2.919335883291695e-10 for gradient_check(2, 4).
    assert reference.gradient_check(2, 4) == pytest.approx(2.919335883291695e-10, rel=1e-9)


def test_course_nd_case_and_buggy_difference():
    X, Y, params = lab.gradient_check_n_case()
    assert X.shape == (4, 3) and Y.tolist() == [[1, 1, 0]] and params["W2"].shape == (3, 5)
    grads = nn.backward_propagation(X, Y, nn.forward_propagation(X, params)[1])
    buggy = lab.PLANTED_BUGS["dW2 × 2 and db1 × 4 (the lab's)"](grads)
    # The course prints 0.2850931567761623 for its buggy backward pass.
    assert reference.gradient_check_n(params, buggy, X, Y) == pytest.approx(
        0.2850931567761623, rel=1e-9
    )


def without_half(x, theta, epsilon=1e-7, print_msg=False):
    approx = (
        reference.forward_propagation(x, theta + epsilon)
        - reference.forward_propagation(x, theta - epsilon)
    ) / epsilon
    return reference.verdict(float(abs(x - approx) / (abs(x) + abs(approx))), print_msg)


def numpy_float(x, theta, epsilon=1e-7, print_msg=False):
    return np.float64(reference.gradient_check(x, theta, epsilon, print_msg))


def silent(x, theta, epsilon=1e-7, print_msg=False):
    return reference.gradient_check(x, theta, epsilon, print_msg=False)


def one_sided_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta, _ = gradcheck.dictionary_to_vector(parameters)
    grad = gradcheck.gradients_to_vector(gradients)
    J, _ = reference.forward_propagation_n(X, Y, parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus = np.copy(theta)
        plus[i] += epsilon
        approx[i] = (
            reference.forward_propagation_n(X, Y, gradcheck.vector_to_dictionary(plus, parameters))[
                0
            ]
            - J
        ) / epsilon
    return reference.verdict(reference.relative_difference(grad, approx), print_msg)


def always_fine_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    return reference.verdict(0.0, print_msg)


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            lab.forward_propagation_test,
            lambda x, theta: theta + x,
            r"forward_propagation\(x=2\.0, theta=4\.0\) is 6\.0, expected 8\.0",
        ),
        (
            lab.backward_propagation_test,
            lambda x, theta: theta,
            r"backward_propagation\(x=2\.0, theta=4\.0\) is 4\.0, expected 2\.0",
        ),
        (lab.backward_propagation_test, lambda x, theta: [x], r"should be a number, got list"),
        (
            lab.gradient_check_test,
            without_half,
            r"gradient_check\(2\.0, 4\.0\) is 0\.333.* \(1/3 comes from an estimate twice or half "
            r"the gradient: the two-sided difference is \(J\(θ \+ ε\) - J\(θ - ε\)\) / \(2ε\)\)\.$",
        ),
        (lab.gradient_check_test, numpy_float, r"should return a Python float, got float64"),
        (
            lab.gradient_check_test,
            silent,
            r"with print_msg=True should print 'Your backward propagation works perfectly fine!'",
        ),
        (
            lab.gradient_check_n_test,
            one_sided_n,
            r"gradient_check_n with correct gradients and epsilon=0\.001 is 1\.9\d*e-05, expected "
            r"1\.6\d*e-08 \(at this epsilon the estimate's own error shows: the two-sided",
        ),
        (
            lab.gradient_check_n_test,
            always_fine_n,
            r"gradient_check_n with correct gradients is 0\.0, expected 1\.19",
        ),
    ],
)
def test_gradient_checking_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_epsilon_sweep_is_a_v_for_the_correct_pass_and_flat_for_a_bug():
    correct = lab.epsilon_sweep(gradient_check_n)
    buggy = lab.epsilon_sweep(gradient_check_n, "dW2 × 2")
    assert correct.shape == buggy.shape == lab.EPSILONS.shape
    best = int(np.argmin(correct))
    assert 1e-6 <= lab.EPSILONS[best] <= 1e-3  # truncation left, round-off right
    assert correct[0] > 1e3 * correct[best] and correct[-1] > 1e3 * correct[best]
    assert np.all(buggy > 0.1) and np.ptp(np.log10(buggy)) < 0.5


def test_gradient_check_explorer_builds_and_reports_unfinished_exercise():
    ex = lab.gradient_check_explorer(gradient_check_n)
    bug, epsilon = ex.controls.values()
    assert bug.value == "dW2 × 2 and db1 × 4 (the lab's)" and epsilon.value == pytest.approx(1e-7)
    assert (
        ex.page.status
        == "epsilon = 1e-07: correct 1.2e-07, dW2 × 2 and db1 × 4 (the lab's) 2.9e-01"
    )
    epsilon.value = 1e-4
    assert ex.page.status.startswith("epsilon = 1e-04: correct 1.9e-10, ")
    ex = lab.gradient_check_explorer(not_done_n)
    assert ex.page.status == (
        "not_done_n is not written yet: this explorer runs your own code. Write it, run its "
        "cell, then move a control here."
    )
    assert not hasattr(lab, "reference_gradient_check_n")


def not_done_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    raise NotImplementedError()


def test_epsilon_figure_titles_the_values_at_epsilon_and_names_the_bug():
    sweep = {
        "correct": np.full(lab.EPSILONS.shape, 1e-9),
        "W1 × 2": np.full(lab.EPSILONS.shape, 0.3),
    }
    ax = lab.EpsilonFigure().update({"curves": sweep, "epsilon": 1e-7}).fig.axes[0]
    assert ax.get_title() == "epsilon = 1e-07: correct 1.0e-09, W1 × 2 3.0e-01"
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["correct", "W1 × 2"]
    assert ax.lines[2].get_ydata()[0] == 1e-9
