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


def test_explorer_trains_on_demand_and_reports_unfinished_exercises(circles):
    box = widgets.initialization_explorer({"mine": not_done, "He": he}, circles, start="He")
    choice, scale, iterations = box.children[0].children
    status = box.children[1]
    assert (choice.value, scale.value, iterations.value) == ("He", 1.0, widgets.INIT_ITERATIONS)
    assert scale.continuous_update is False and iterations.continuous_update is False
    assert (
        status.value == "He × 1 after 15000 iterations: train accuracy 0.993, test accuracy 0.960"
    )
    iterations.value = 1000  # a lookup in the cached run
    assert status.value.startswith("He × 1 after 1000 iterations: train accuracy")
    choice.value = "mine"
    assert status.value == "'mine' is not implemented yet: finish that exercise first."


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


def test_gradient_check_explorer_builds_and_reports_unfinished_exercise():
    box = widgets.gradient_check_explorer(gradient_check_n)
    bug, epsilon = box.children[0].children
    assert bug.value == "dW2 × 2 and db1 × 4 (the lab's)" and epsilon.value == pytest.approx(1e-7)
    assert (
        box.children[1].value
        == "epsilon = 1e-07: correct 1.2e-07, dW2 × 2 and db1 × 4 (the lab's) 2.9e-01"
    )
    epsilon.value = 1e-4
    assert box.children[1].value.startswith("epsilon = 1e-04: correct 1.9e-10, ")
    box = widgets.gradient_check_explorer(not_done_n)
    assert (
        box.children[1].value
        == "gradient_check_n is not implemented yet: finish that exercise first."
    )


def not_done_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    raise NotImplementedError()


def test_draw_epsilon_sweep_titles_the_values_at_epsilon():
    sweep = {
        "correct": np.full(widgets.EPSILONS.shape, 1e-9),
        "bug": np.full(widgets.EPSILONS.shape, 0.3),
    }
    fig = widgets.draw_epsilon_sweep(sweep, 1e-7)
    assert fig.axes[0].get_title() == "epsilon = 1e-07: correct 1.0e-09, bug 3.0e-01"


# ---------------------------------------------------------------- Regularization


def test_settings_never_combine_l2_and_dropout():
    settings = widgets.regularization_settings()
    assert all(lam == 0 or keep == 1 for lam, keep in settings)
    assert {lam for lam, _ in settings} == set(widgets.LAMBDAS)
    assert {keep for _, keep in settings} == set(widgets.KEEP_PROBS)
    assert settings[0] == (0.0, 1.0) and len(settings) == len(set(settings))


@pytest.mark.parametrize(
    ("train_error", "dev_error", "regime"),
    [
        (0.01, 0.11, "high variance"),
        (0.15, 0.16, "high bias"),
        (0.15, 0.30, "high bias and high variance"),
        (0.005, 0.01, "fine"),
    ],
)
def test_diagnose_names_the_lectures_examples(train_error, dev_error, regime):
    # The lectures' four cases, with human-level (baseline) error near 0.
    assert widgets.diagnose(train_error, dev_error, baseline=0.0, tolerance=0.03) == regime


@pytest.fixture(scope="module")
def grid():
    return widgets.regularization_grid()  # from the cache `make datasets` built


def test_grid_shows_the_labs_lesson(grid):
    final = {
        tuple(s): (grid["train_acc"][-1, k], grid["test_acc"][-1, k])
        for k, s in enumerate(grid["settings"])
    }
    plain, l2, dropout = final[(0.0, 1.0)], final[(0.7, 1.0)], final[(0.0, 0.86)]
    assert plain[0] - plain[1] > 0.03  # overfits
    assert l2[1] > plain[1] + 0.03 and dropout[1] > plain[1] + 0.02  # both help on the test set
    norms = grid["norms"][-1]
    lambdas = grid["settings"][: len(widgets.LAMBDAS), 0]
    assert np.all(np.diff(norms[: len(lambdas), 0]) < 0)  # W1 shrinks as lambda grows: weight decay


def test_view_matches_the_labs_model(grid):
    import reference

    gk = data.load_goalkeeper()
    view = widgets.regularization_view(grid, 0.7, 1.0, 2000)
    params = reference.regularization_model(gk[0], gk[1], num_iterations=2000, lambd=0.7)
    for key, value in params.items():
        np.testing.assert_allclose(view["parameters"][key], value, rtol=1e-9, atol=1e-12)
    assert view["test_acc"] == nn.accuracy(gk[2], gk[3], params)
    assert view["iterations"].tolist() == [0, 1000, 2000] and view["train_curve"].shape == (3,)


def test_grid_is_cached_by_data(tmp_path, monkeypatch):
    calls = []

    def fake_train(*arrays):
        calls.append(1)
        return {"settings": np.zeros((1, 2)), "iterations": np.zeros(1)}

    monkeypatch.setattr(widgets.regularization, "train_regularization_grid", fake_train)
    gk = data.load_goalkeeper()
    widgets.regularization_grid(gk, cache_dir=tmp_path)
    widgets.regularization_grid(gk, cache_dir=tmp_path)
    assert len(calls) == 1 and len(list(tmp_path.glob("regularization-*.npz"))) == 1
    other = (gk[0] + 1e-9, *gk[1:])
    widgets.regularization_grid(other, cache_dir=tmp_path)
    assert len(calls) == 2


def test_regularization_explorer_keeps_one_regularizer_at_a_time(grid):
    box = widgets.regularization_explorer()
    lambd, keep, iterations = box.children[0].children
    assert (lambd.value, keep.value, iterations.value) == (0.0, 1.0, widgets.REG_ITERATIONS)
    keep.value = 0.86
    lambd.value = 0.7
    assert keep.value == 1.0
    keep.value = 0.5
    assert lambd.value == 0.0
    iterations.value = 5000
    view = widgets.regularization_view(grid, 0.0, 0.5, 5000)
    assert box.children[1].value == widgets.regularization_summary(view, 0.0, 0.5, 5000)
    assert box.children[1].value.startswith(
        "λ = 0, keep_prob = 0.5, 5000 iterations: train accuracy"
    )


def test_draw_regularization_names_the_regime(grid):
    view = widgets.regularization_view(grid, 0.0, 1.0, widgets.REG_ITERATIONS)
    fig = widgets.draw_regularization(view, 0.0, 1.0, data.load_goalkeeper())
    assert "→ high variance" in fig._suptitle.get_text() and len(fig.axes) == 3
