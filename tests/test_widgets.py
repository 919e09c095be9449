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
