"""Explorers of the Optimization Methods lab: plain compute, summaries, controls."""

import numpy as np
import pytest

from helpers import data, optim, widgets


def test_ewa_summary_shows_window_and_what_correction_fixes():
    series = optim.temperature_series()
    plain = widgets.ewa_summary(series, 0.98, False)
    fixed = widgets.ewa_summary(series, 0.98, True)
    assert plain.startswith("β = 0.98, no bias correction: averages over about 50 days")
    off = [float(s.split("by ")[1].split(" °C")[0]) for s in (plain, fixed)]
    assert off[0] > 3 * off[1]
    assert "averages over 1 day;" in widgets.ewa_summary(series, 0.0, False)


def test_ewa_explorer_redraws_on_each_control():
    box = widgets.ewa_explorer()
    (beta, corrected), status = box.children[0].children, box.children[1]
    assert beta.continuous_update is False
    assert status.value == widgets.ewa_summary(optim.temperature_series(), 0.9, False)
    corrected.value = True
    assert status.value == widgets.ewa_summary(optim.temperature_series(), 0.9, True)
    beta.value = 0.5
    assert "about 2 days" in status.value


def test_draw_ewa_draws_the_data_and_one_curve_per_beta():
    fig = widgets.draw_ewa(optim.temperature_series(), (0.5, 0.9, 0.98), True)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and "with bias correction" in ax.get_title()


def test_path_summary_names_divergence():
    settings = widgets.path_settings(0.1, 0.9)
    surface = optim.SURFACES["Rosenbrock"]
    _, losses = optim.optimizer_paths(surface, settings, widgets.PATH_STEPS)
    line = widgets.path_summary(settings, losses)
    assert line.startswith("loss after 300 steps: gd diverged, momentum diverged, rmsprop ")
    assert "adam diverged" not in line


def test_on_the_bowl_adaptive_methods_beat_gradient_descent():
    settings = widgets.path_settings(0.1, 0.9)
    _, losses = optim.optimizer_paths(
        optim.SURFACES["elongated bowl"], settings, widgets.PATH_STEPS
    )
    final = dict(zip(optim.OPTIMIZERS, losses[:, -1], strict=True))
    assert final["rmsprop"] < 1e-3 * final["gd"] and final["adam"] < 1e-2 * final["gd"]


def test_loss_surface_explorer_recomputes_on_every_control():
    box = widgets.loss_surface_explorer()
    surface, lr, beta = box.children[0].children
    status = box.children[1]
    assert lr.continuous_update is False and beta.continuous_update is False
    first = status.value
    surface.value = "Rosenbrock"
    assert status.value != first
    lr.value = 1e-3
    assert "diverged" not in status.value


@pytest.fixture(scope="module")
def moons():
    return data.load_moons()


def test_optimizer_explorer_greys_out_unused_betas_and_reports(moons):
    box = widgets.optimizer_explorer(moons)
    optimizer, decay = box.children[0], box.children[1]
    lr, beta, beta2, batch = box.children[2].children
    status = box.children[3]
    assert all(c.continuous_update is False for c in (lr, beta, beta2, batch))
    assert status.value.startswith("adam, lr 0.0007, β1 0.9, β2 0.999, mini-batch 64: cost 0.134")
    assert status.value.endswith("train accuracy 0.943, test accuracy 0.940")
    optimizer.value = "gd"
    assert beta.disabled and beta2.disabled
    assert "train accuracy 0.717" in status.value
    optimizer.value = "momentum"
    assert not beta.disabled and beta2.disabled
    beta.value = 0.5
    assert status.value.startswith("momentum, lr 0.0007, β 0.5, mini-batch 64")
    optimizer.value = "rmsprop"
    assert beta.disabled and not beta2.disabled
    batch.value = 1
    decay.value = "every 1000 epochs"
    assert status.value.startswith("rmsprop, lr 0.0007, β2 0.999, lr decay every 1000 epochs, "
                                   "mini-batch 1: ")  # fmt: skip
    assert "after 500 epochs" in status.value


def test_draw_optimizer_bolds_the_chosen_curve(moons):
    grid = optim.explorer_grid(moons)
    setting = optim.Setting("momentum", 0.1)
    view = optim.grid_view(grid, setting, 16)
    fig = widgets.draw_optimizer(view, setting, 16, moons)
    widths = {line.get_label(): line.get_linewidth() for line in fig.axes[0].lines}
    assert widths["momentum"] > widths["gd"] == widths["adam"] == widths["rmsprop"]
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), view["cost"])
