"""Regularization lab (helpers.labs.regularization): its checks, grid and explorer."""

import numpy as np
import pytest
from conftest import lab_code, lab_printed, lab_text

from helpers import data, gradcheck, nn
from helpers.labs import regularization as lab
from tools import reference

REGULARIZATION = [
    (lab.compute_cost_with_regularization_test, reference.compute_cost_with_regularization),
    (
        lab.backward_propagation_with_regularization_test,
        reference.backward_propagation_with_regularization,
    ),
    (lab.forward_propagation_with_dropout_test, reference.forward_propagation_with_dropout),
    (lab.backward_propagation_with_dropout_test, reference.backward_propagation_with_dropout),
]


@pytest.mark.parametrize(("check", "solution"), REGULARIZATION)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_regularization_solutions_pass(check, solution, seed, capsys):
    check(solution, seed=seed)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_regularization_cases_give_the_courses_published_numbers():
    np.random.seed(1)  # the course's cost case draws the parameters first (no X)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 2), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    cost_params = {k: np.random.randn(*shape) for k, shape in shapes.items()}
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    X, Y, params = lab.regularization_case()
    assert reference.compute_cost_with_regularization(a3, Y, cost_params, 0.1) == pytest.approx(
        1.78648594516, abs=1e-10
    )
    grads = reference.backward_propagation_with_regularization(
        X, Y, nn.forward_propagation(X, params)[1], 0.7
    )
    np.testing.assert_allclose(
        grads["dW1"],
        [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        atol=5e-9,
    )
    np.testing.assert_allclose(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]], atol=5e-9)
    A3, _ = reference.forward_propagation_with_dropout(X, params, 0.7)
    np.testing.assert_allclose(
        A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=5e-9
    )


def test_dropout_backward_reference_agrees_with_gradient_checking():
    # With the masks fixed (seed 1 at every pass) the dropout net is a plain function of its
    # parameters, so the numerical gradient is an independent check of the reference.
    X, Y, params = lab.regularization_case(seed=2)

    def cost(p):
        return nn.compute_cost(reference.forward_propagation_with_dropout(X, p, 0.6)[0], Y)

    grads = reference.backward_propagation_with_dropout(
        X, Y, reference.forward_propagation_with_dropout(X, params, 0.6)[1], 0.6
    )
    approx = reference.numerical_gradient(cost, params, 1e-6)
    assert reference.relative_difference(gradcheck.gradients_to_vector(grads), approx) < 1e-7


def l2_without_half(A3, Y, parameters, lambd):
    return reference.compute_cost_with_regularization(A3, Y, parameters, 2 * lambd)


def l2_on_biases_too(X, Y, cache, lambd):
    grads = reference.backward_propagation_with_regularization(X, Y, cache, lambd)
    grads["db1"] = grads["db1"] + lambd / X.shape[1] * cache[3]
    return grads


def dropout_without_scaling(X, parameters, keep_prob=0.5, seed=1):
    A3, cache = reference.forward_propagation_with_dropout(X, parameters, keep_prob, seed)
    np.random.seed(seed)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    D1 = (np.random.rand(*Z1.shape) < keep_prob).astype(int)
    return A3, (Z1, D1, nn.relu(Z1) * D1, *cache[3:])


def backward_ignoring_masks(X, Y, cache, keep_prob):
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    ones = (np.ones_like(D1), np.ones_like(D2))
    return reference.backward_propagation_with_dropout(
        X, Y, (Z1, ones[0], A1, W1, b1, Z2, ones[1], A2, W2, b2, Z3, A3, W3, b3), 1.0
    )


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            lab.compute_cost_with_regularization_test,
            l2_without_half,
            r"compute_cost_with_regularization\(lambd=0\.1\) is .*, expected .* \(the L2 term is "
            r"twice as large: lambd / \(2m\), not lambd / m\)\.$",
        ),
        (
            lab.compute_cost_with_regularization_test,
            lambda A3, Y, parameters, lambd: nn.compute_cost(A3, Y),
            r"lambd=0\.1\) is .* \(the L2 term is missing\)\.$",
        ),
        (
            lab.backward_propagation_with_regularization_test,
            l2_on_biases_too,
            r"db1 has wrong values.* db_l changed with lambd: the L2 term goes into dW_l only\.$",
        ),
        (
            lab.backward_propagation_with_regularization_test,
            lambda X, Y, cache, lambd: reference.backward_propagation_with_regularization(
                X, Y, cache, lambd / 2
            ),
            r"dW1 has wrong values.* Each dW_l's L2 term is half of lambd / m × W_l",
        ),
        (
            lab.forward_propagation_with_dropout_test,
            dropout_without_scaling,
            r"cache A1 has wrong values.*\(every entry is 0\.7 × what is expected: a factor is off\)",
        ),
        (
            lab.backward_propagation_with_dropout_test,
            backward_ignoring_masks,
            r"dW3 has wrong values|dA2 has wrong values|dW2 has wrong values",
        ),
        (
            lab.forward_propagation_with_dropout_test,
            lambda X, p, k, seed=1: reference.forward_propagation_with_dropout(X, p, k, seed)[0],
            r"should return \(A3, cache\)",
        ),
        (
            lab.backward_propagation_with_dropout_test,
            lambda X, Y, c, k: [],
            r"should return a dict, got list",
        ),
    ],
)
def test_regularization_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_settings_never_combine_l2_and_dropout():
    settings = lab.regularization_settings()
    assert all(lam == 0 or keep == 1 for lam, keep in settings)
    assert {lam for lam, _ in settings} == set(lab.LAMBDAS)
    assert {keep for _, keep in settings} == set(lab.KEEP_PROBS)
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
    assert lab.diagnose(train_error, dev_error, baseline=0.0, tolerance=0.03) == regime


@pytest.fixture(scope="module")
def grid():
    return lab.regularization_grid()  # from the cache `make datasets` built


def test_grid_shows_the_labs_lesson(grid):
    final = {
        tuple(s): (grid["train_acc"][-1, k], grid["dev_acc"][-1, k])
        for k, s in enumerate(grid["settings"])
    }
    plain, l2, dropout = final[(0.0, 1.0)], final[(0.7, 1.0)], final[(0.0, 0.86)]
    assert plain[0] - plain[1] > 0.03  # overfits
    assert l2[1] > plain[1] + 0.03 and dropout[1] > plain[1] + 0.02  # both help on the dev set
    norms = grid["norms"][-1]
    lambdas = grid["settings"][: len(lab.LAMBDAS), 0]
    assert np.all(np.diff(norms[: len(lambdas), 0]) < 0)  # W1 shrinks as lambda grows: weight decay


def test_dropout_and_strong_l2_regularize_not_only_differ(grid):
    """After 30 000 iterations, every keep_prob <= 0.9 and every lambda in 0.1 ... 20 closes
    the train / dev gap of the unregularized net and does better than it on the dev set (the
    lab's lesson); keep_prob 0.95, which drops one unit in twenty, still helps, by less."""
    final = {tuple(s): k for k, s in enumerate(grid["settings"])}
    train, test = grid["train_acc"][-1], grid["dev_acc"][-1]
    plain, weakest = final[0.0, 1.0], final[0.0, 0.95]
    assert (
        test[weakest] > test[plain] and train[weakest] - test[weakest] < train[plain] - test[plain]
    )
    regularized = [k for (lam, kp), k in final.items() if kp <= 0.9 or 0.1 <= lam <= 20]
    assert len(regularized) == 13  # lambda 0.1 ... 20, keep_prob 0.5 ... 0.9
    for k in regularized:
        assert train[k] - test[k] < train[plain] - test[plain] - 0.02, grid["settings"][k]
        assert test[k] > test[plain], grid["settings"][k]
        if grid["settings"][k][0] > 0:  # L2 shrinks every weight matrix
            assert np.all(grid["norms"][-1, k] < grid["norms"][-1, plain]), grid["settings"][k]


def test_too_much_l2_is_high_bias_and_the_recipe_says_what_to_try(grid):
    """The lab's Section 7: lambda 20 underfits, lambda 30 decays every weight to ~0 and
    predicts one class; the status line gives the basic recipe's next step."""
    views = {lam: lab.regularization_view(grid, lam, 1.0, lab.ITERATIONS) for lam in (0, 20, 30)}
    verdicts = {lam: lab.diagnose(1 - v["train_acc"], 1 - v["dev_acc"]) for lam, v in views.items()}
    assert verdicts == {0: "high variance", 20: "high bias", 30: "high bias"}
    gk = data.load_goalkeeper()
    assert len(np.unique(nn.predict(gk[0], views[30]["parameters"]))) == 1
    assert np.all(views[30]["norms"] < 1e-6) and np.all(views[20]["norms"] < views[0]["norms"])
    line = lab.regularization_summary(views[20], 20.0, 1.0, lab.ITERATIONS)
    assert line.endswith("→ high bias: " + lab.RECIPE["high bias"]) and "bigger network" in line
    assert "more regularization" in lab.RECIPE["high variance"]
    longest = max(lab.RECIPE, key=lambda verdict: len(verdict + lab.RECIPE[verdict]))
    worst = lab.regularization_summary(views[20], 0.001, 0.95, lab.ITERATIONS).replace(
        "high bias: " + lab.RECIPE["high bias"], longest + ": " + lab.RECIPE[longest]
    )
    assert len(worst) <= 130  # the status line shows in full in JupyterLab (no ellipsis)
    assert set(lab.RECIPE) == {"high bias", "high variance", "high bias and high variance", "fine"}


def test_early_stopping_is_where_the_dev_cost_is_lowest(grid):
    stop = lab.early_stopping(grid)
    k = lab.regularization_settings().index((0.0, 1.0))
    dev_cost = grid["dev_cost"][:, k]
    assert stop["dev_cost"] == dev_cost.min() and stop["final_dev_cost"] == dev_cost[-1]
    assert stop["iteration"] == grid["iterations"][np.argmin(dev_cost)]
    # the lab's reading: overfitting makes the dev cost climb while the training cost falls
    assert stop["final_dev_cost"] > 3 * stop["dev_cost"]
    assert grid["train_cost"][-1, k] < grid["train_cost"][1, k]
    assert stop["dev_acc"] > stop["final_dev_acc"] + 0.03
    gk = data.load_goalkeeper()  # the stored costs are the plain cross-entropy of the snapshots
    params = lab.regularization_view(grid, 0.0, 1.0, stop["iteration"])["parameters"]
    cost = nn.compute_cost(nn.forward_propagation(gk[2], params)[0], gk[3])
    assert cost == pytest.approx(stop["dev_cost"], rel=1e-9)
    # with L2, the dev cost never climbs: nothing to stop
    assert lab.early_stopping(grid, 0.7)["iteration"] >= 20000
    lab.draw_early_stopping(grid)  # draws without error on the lab's grid


def test_view_matches_the_labs_model(grid):
    gk = data.load_goalkeeper()
    view = lab.regularization_view(grid, 0.7, 1.0, 2000)
    params = reference.regularization_model(gk[0], gk[1], num_iterations=2000, lambd=0.7)
    for key, value in params.items():
        np.testing.assert_allclose(view["parameters"][key], value, rtol=1e-9, atol=1e-12)
    assert view["dev_acc"] == nn.accuracy(gk[2], gk[3], params)
    assert view["iterations"].tolist() == list(range(0, 2001, 100))  # dense early snapshots
    assert view["train_curve"].shape == (21,)


def test_grid_is_cached_by_data(tmp_path, monkeypatch):
    calls = []

    def fake_train(*arrays):
        calls.append(1)
        return {"settings": np.zeros((1, 2)), "iterations": np.zeros(1)}

    from helpers import grids
    from tools import precompute

    monkeypatch.setattr(precompute, "train_regularization_grid", fake_train)
    gk = data.load_goalkeeper()
    with pytest.raises(grids.GridMissing, match=r"regularization results are not built"):
        lab.regularization_grid(gk, cache_dir=tmp_path)
    precompute.regularization_grid(gk, cache_dir=tmp_path)
    precompute.regularization_grid(gk, cache_dir=tmp_path)
    assert len(calls) == 1 and len(list(tmp_path.glob("regularization-*.npz"))) == 1
    assert lab.regularization_grid(gk, cache_dir=tmp_path)["settings"].shape == (1, 2)
    other = (gk[0] + 1e-9, *gk[1:])
    precompute.regularization_grid(other, cache_dir=tmp_path)
    assert len(calls) == 2
    monkeypatch.setattr(grids, "TRAINER", "another trainer")  # its code changed: train anew
    precompute.regularization_grid(gk, cache_dir=tmp_path)
    assert len(calls) == 3


def test_regularization_explorer_keeps_one_regularizer_at_a_time(grid):
    ex = lab.regularization_explorer()
    lambd, keep, iterations = ex.controls.values()
    assert (lambd.value, keep.value, iterations.value) == (0.0, 1.0, lab.ITERATIONS)
    keep.value = 0.86
    lambd.value = 0.7
    assert keep.value == 1.0
    keep.value = 0.5
    assert lambd.value == 0.0
    iterations.value = 5000
    view = lab.regularization_view(grid, 0.0, 0.5, 5000)
    assert ex.page.status == lab.regularization_summary(view, 0.0, 0.5, 5000)
    assert ex.page.status.startswith("λ = 0, keep_prob = 0.5, 5000 iterations: train 0.")


def test_regularization_figure_names_the_regime(grid):
    view = lab.regularization_view(grid, 0.0, 1.0, lab.ITERATIONS)
    fig = lab.RegularizationFigure(grid, data.load_goalkeeper()).update(view).fig
    assert "→ high variance" in fig.get_suptitle() and len(fig.axes) == 3
    heights = [bar.get_height() for bar in fig.axes[2].patches]
    np.testing.assert_allclose(heights, [*view["plain_norms"], *view["norms"]])


def test_dropout_check_holds_the_seed_argument_to_its_word():
    """The lab's model passes a new seed every iteration (fresh masks): a function that
    ignores it and always seeds 1 (the course's version) passes the course's case only."""

    def seed_ignored(X, parameters, keep_prob=0.5, seed=1):
        return reference.forward_propagation_with_dropout(X, parameters, keep_prob, 1)

    lab.forward_propagation_with_dropout_test(seed_ignored)
    with pytest.raises(AssertionError, match="seed=7"):
        lab.forward_propagation_with_dropout_test(seed_ignored, mask_seed=7)
    lab.forward_propagation_with_dropout_test(reference.forward_propagation_with_dropout, 2, 0.5, 7)


def test_what_to_remember_matches_the_labs_results_table():
    """ "What you should remember" against the lab's own table (its committed output, which
    nbval holds to what the lab computes)."""
    (table,) = [t for t in lab_printed("regularization") if t.startswith("model ")]
    rows = {line[:28].strip(): line[28:].split() for line in table.splitlines()[1:6]}
    plain, l2, dropout = (
        rows["no regularization"],
        rows["L2, lambda = 0.7"],
        rows["dropout, keep_prob = 0.86"],
    )
    train = {name: float(row[0].rstrip("%")) for name, row in rows.items()}
    (early,) = [name for name in rows if name.startswith("early stopping at ")]
    assert (
        dropout[0] == plain[0]
        and max(train[n] for n in ("L2, lambda = 0.7", early)) < train["no regularization"]
    )
    text = lab_text("regularization", "Regularization reduces overfitting")
    assert f"({plain[1].replace('0%', '%')} to {l2[1].replace('.00', '')} here)" in text
    assert f"dropout: {plain[0]} with and without" in text


def test_the_verdict_near_the_line_is_called_a_hint_with_its_numbers():
    """The sentence on lambda = 20's verdict, against the lab's printed verdicts."""
    printed = lab_printed("regularization")
    (line,) = [t for out in printed for t in out.splitlines() if t.startswith("λ = 20,")]
    train = float(line.split("train ")[1].split(",")[0])
    gap = (1 - train) - lab.GOALKEEPER_BASELINE
    assert lab.diagnose(1 - train, 0.0) == "high bias" and round(gap, 3) == 0.034
    assert round(gap - 0.03, 3) == 0.004 and "high bias" in line
    text = lab_text("regularization", "A verdict calls a gap")
    assert f"{100 * (1 - train):.1f}%, is {100 * gap:.1f} points above" in text
    assert "past\nthe line by 0.4 only" in text and 'calls a gap "high" above 3' in text


def test_dropouts_weight_sizes_in_the_text_are_the_explorers():
    """The sentence on dropout's L2-like effect, against the pretrained grid's last snapshot."""
    grid = lab.regularization_grid()
    norms = {(lam, kp): grid["norms"][-1, k] for k, (lam, kp) in enumerate(grid["settings"])}
    text = " ".join(lab_text("regularization", "Why it regularizes").split())

    def said(n):
        return f"{n[0]:.1f}, {n[1]:.1f} and {n[2]:.1f}"

    strong, plain, mild = norms[0.0, 0.5], norms[0.0, 1.0], norms[0.0, 0.86]
    assert np.all(strong < plain)  # every layer smaller at keep_prob 0.5
    assert np.any(mild > plain) and np.any(mild < plain)  # mixed at 0.86
    assert f"are {said(strong)}, against {said(plain)} without dropout" in text
    assert f"mixed ({said(mild)})" in text


def test_the_two_backward_passes_differ_only_in_where_one_over_m_goes():
    """The note under Exercise 2: dW, db equal; dZ, dA m times larger in the course's pass."""
    cell = lab_code("regularization", "# GRADED FUNCTION: backward_propagation_with_reg")
    lab_cell = {"np": np}
    exec(cell, lab_cell)  # the solved lab's function, skeleton and solution as the learner sees it
    X, Y, params = lab.regularization_case(seed=3, m=7)
    cache = nn.forward_propagation(X, params)[1]
    plain = nn.backward_propagation(X, Y, cache)
    course = lab_cell["backward_propagation_with_regularization"](X, Y, cache, 0.0)
    for key in plain:
        factor = 7 if key[:2] in ("dZ", "dA") else 1
        np.testing.assert_allclose(course[key], factor * plain[key], rtol=1e-12, err_msg=key)
    assert "differ by the factor $m$" in lab_text("regularization", "follows the course's backward")


def test_the_explorers_title_clears_the_panel_titles():
    """The two-line verdict above the three panels overlaps none of their titles."""
    grid = lab.regularization_grid()
    figure = lab.RegularizationFigure(grid, data.load_goalkeeper())
    view = lab.regularization_view(grid, 20.0, 1.0, lab.ITERATIONS)
    live = figure.update(view)
    live.png()  # drawn as the learner sees it
    renderer = live.fig.canvas.get_renderer()
    title = figure.title.get_window_extent(renderer)
    for ax in live.fig.axes:
        assert not title.overlaps(ax.title.get_window_extent(renderer)), ax.get_title()


def test_early_stopping_sees_the_turn_of_the_dev_cost(grid):
    """Snapshots every 100 iterations where the dev cost turns: its lowest point has a snapshot
    on each side in the dense part, and the text's figures are the grid's."""
    stop = lab.early_stopping(grid)
    iterations = list(grid["iterations"])
    assert iterations[:31] == list(range(0, 3001, 100)) and iterations[-1] == lab.ITERATIONS
    assert 100 < stop["iteration"] < 3000  # inside the dense part, not on a coarse step
    s, k = iterations.index(stop["iteration"]), lab.regularization_settings().index((0.0, 1.0))
    assert grid["dev_cost"][s - 1, k] > stop["dev_cost"] < grid["dev_cost"][s + 1, k]
    text = " ".join(lab_text("regularization", "Stopped early").split())
    assert (
        f"about {grid['norms'][s, k, 0]:.0f} at iteration {stop['iteration']:,}".replace(",", " ")
        in text
    )
    assert round(lab.ITERATIONS / stop["iteration"]) == 25 and "a twenty-fifth" in text
