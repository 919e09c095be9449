import numpy as np
import pytest
from reference import HE as he

from helpers import data, nn, widgets


def not_done(layers_dims):
    raise NotImplementedError()


@pytest.fixture(scope="module")
def circles():
    return data.load_circles()


def test_run_starts_untrained_with_scaled_weights(circles):
    run = widgets.initialization_run(he, 0.1, circles)
    assert list(run["snapshots"]) == [0] and run["costs"] == []
    np.testing.assert_allclose(run["snapshots"][0]["W2"], 0.1 * he(widgets.INIT_LAYERS)["W2"])
    assert run["spread"].shape == (len(widgets.PROBE_LAYERS) - 2,)


def test_train_run_equals_plain_training(circles):
    run = widgets.train_run(widgets.initialization_run(he, 1.0, circles), 1000, circles)
    assert sorted(run["snapshots"]) == [0, 500, 1000] and len(run["costs"]) == 10
    params, costs = nn.train(circles[0], circles[1], he(widgets.INIT_LAYERS), 0.01, 1000)
    np.testing.assert_allclose(run["costs"], costs)
    np.testing.assert_allclose(run["snapshots"][1000]["W1"], params["W1"])
    # Extending is incremental: asking again trains nothing more.
    assert widgets.train_run(run, 1000, circles) is run and max(run["snapshots"]) == 1000


def test_scale_moves_the_spread_as_the_formula_says(circles):
    spreads = {s: widgets.initialization_run(he, s, circles)["spread"] for s in (0.1, 1.0, 10.0)}
    assert 0.3 < spreads[1.0][-1] / spreads[1.0][0] < 3  # He keeps the scale
    assert spreads[0.1][-1] < 1e-6 * spreads[0.1][0]  # vanishes
    assert spreads[10.0][-1] > 1e6 * spreads[10.0][0]  # explodes


def test_draw_shows_latest_snapshot_and_its_accuracy(circles):
    run = widgets.train_run(widgets.initialization_run(he, 1.0, circles), 500, circles)
    fig, acc = widgets.draw_initialization(run, 1000, circles, "He × 1")
    assert acc == widgets.initialization_metrics(run, 500, circles)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_title() == "after 500 iterations (training…)"
    assert f"train accuracy {acc['train']:.3f}" in fig._suptitle.get_text()


def test_explorer_trains_on_demand_and_reports_unfinished_exercises(circles, capsys):
    box = widgets.initialization_explorer({"mine": not_done, "He": he}, circles, start="He")
    choice, scale, iterations = box.children[0].children
    assert (choice.value, scale.value, iterations.value) == ("He", 1.0, widgets.INIT_ITERATIONS)
    assert scale.continuous_update is False and iterations.continuous_update is False
    iterations.value = 1000  # a lookup in the cached run
    choice.value = "mine"
    assert "'mine' is not implemented yet" in capsys.readouterr().out


# ---------------------------------------------------------------- Gradient Checking

from reference import gradient_check_n  # noqa: E402


def test_epsilon_sweep_is_a_v_for_the_correct_pass_and_flat_for_a_bug():
    correct = widgets.epsilon_sweep(gradient_check_n)
    buggy = widgets.epsilon_sweep(gradient_check_n, "dW2 × 2")
    assert correct.shape == buggy.shape == widgets.EPSILONS.shape
    best = int(np.argmin(correct))
    assert 1e-6 <= widgets.EPSILONS[best] <= 1e-3  # truncation left, round-off right
    assert correct[0] > 1e3 * correct[best] and correct[-1] > 1e3 * correct[best]
    assert np.all(buggy > 0.1) and np.ptp(np.log10(buggy)) < 0.5


def test_gradient_check_explorer_builds_and_reports_unfinished_exercise(capsys):
    box = widgets.gradient_check_explorer(gradient_check_n)
    bug, epsilon = box.children[0].children
    assert bug.value == "dW2 × 2 and db1 × 4 (the lab's)" and epsilon.value == pytest.approx(1e-7)
    epsilon.value = 1e-4
    widgets.gradient_check_explorer(not_done_n)
    assert "gradient_check_n is not implemented yet" in capsys.readouterr().out


def not_done_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    raise NotImplementedError()


def test_draw_epsilon_sweep_titles_the_values_at_epsilon():
    sweep = {
        "correct": np.full(widgets.EPSILONS.shape, 1e-9),
        "bug": np.full(widgets.EPSILONS.shape, 0.3),
    }
    fig = widgets.draw_epsilon_sweep(sweep, 1e-7)
    assert fig.axes[0].get_title() == "epsilon = 1e-07: correct 1.0e-09, bug 3.0e-01"
