"""Hyperparameter tuning samplers (helpers.labs.hyperparameter_tuning): their checks against
the learner-style solutions, the usual mistakes, and what log-scale sampling buys."""

import functools

import numpy as np
import pytest
from conftest import lab_text

from helpers.labs import hyperparameter_tuning as lab
from tools import precompute, reference, stacked

SOLUTIONS = (reference.random_trials, reference.next_box)  # the learner's, in the lab


@pytest.mark.parametrize(
    ("low", "high", "size", "seed"), [(1e-4, 1.0, 5, 0), (1e-3, 0.3, 12, 7), (0.5, 5.0, 1, 3)]
)
def test_log_uniform_solution_passes(low, high, size, seed, capsys):
    lab.sample_log_uniform_test(reference.sample_log_uniform, low, high, size, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize(
    ("low", "high", "size", "seed"), [(0.9, 0.999, 5, 0), (0.8, 0.99, 9, 4), (0.99, 0.9999, 3, 1)]
)
def test_beta_solution_passes(low, high, size, seed, capsys):
    lab.sample_beta_test(reference.sample_beta, low, high, size, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


def linear(low, high, size, rng):
    return rng.uniform(low, high, size)


def global_generator(low, high, size, rng):
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)


def as_list(low, high, size, rng):
    return list(reference.sample_log_uniform(low, high, size, rng))


def one_too_many(low, high, size, rng):
    return reference.sample_log_uniform(low, high, size + 1, rng)


def beta_itself_log_uniform(low, high, size, rng):  # beta log-uniform, not 1 - beta
    return reference.sample_log_uniform(low, high, size, rng)


MISTAKES = [
    (lab.sample_log_uniform_test, linear, "samples on a linear scale"),
    (lab.sample_log_uniform_test, global_generator, "use rng, not np.random"),
    (lab.sample_log_uniform_test, as_list, "should return a numpy array"),
    (lab.sample_log_uniform_test, one_too_many, r"has shape \(6,\), expected \(5,\)"),
    (
        lab.sample_beta_test,
        linear,
        r"samples β on a linear scale: 9 draws in 10 land in \[0.9, 0.99\]",
    ),
    (lab.sample_beta_test, beta_itself_log_uniform, "draws β itself on a log scale"),
]


def test_log_scale_gives_every_decade_its_share_and_linear_does_not():
    rng = np.random.default_rng(0)
    log_draws = reference.sample_log_uniform(1e-4, 1.0, 4000, rng)
    linear_draws = rng.uniform(1e-4, 1.0, 4000)
    log_counts = lab.decade_counts(log_draws, 1e-4, 1.0)
    assert len(log_counts) == 4
    assert np.all(np.abs(log_counts - 1000) < 100)  # about a quarter in each decade
    linear_counts = lab.decade_counts(linear_draws, 1e-4, 1.0)
    assert linear_counts[-1] > 0.85 * 4000  # 90% land in [0.1, 1]
    betas = reference.sample_beta(0.9, 0.999, 4000, np.random.default_rng(1))
    between = np.histogram(betas, bins=[0.9, 0.99, 0.999])[0]
    assert abs(between[0] - between[1]) < 200  # 0.9 ... 0.99 as often as 0.99 ... 0.999


# ---------------------------------------------------------------- random trials and zooming


@pytest.mark.parametrize(
    ("box", "trials", "seed"),
    [
        (None, 6, 0),
        ({"a": (1e-3, 10.0), "b": (1e-6, 1e-2), "c": (0.5, 2.0)}, 9, 4),
        ({"learning_rate": (1e-5, 1e-1)}, 1, 11),
    ],
)
def test_random_trials_solution_passes(box, trials, seed, capsys):
    lab.random_trials_test(reference.random_trials, box, trials, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize(("trials", "keep", "seed"), [(8, 3, 1), (20, 5, 3), (4, 1, 9)])
def test_zoom_box_solution_passes(trials, keep, seed, capsys):
    lab.zoom_box_test(reference.zoom_box, trials, keep, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize(
    ("rounds", "trials", "keep", "seed"),
    [(1, 12, 0.2, 2), (0, 12, 0.2, 2), (2, 10, 0.3, 5), (3, 4, 0.05, 8), (1, 1, 0.2, 3)],
)
def test_next_box_solution_passes(rounds, trials, keep, seed, capsys):
    lab.next_box_test(reference.next_box, rounds, trials, keep, seed)
    assert capsys.readouterr().out == "All tests passed.\n"


def trials_in_reverse_order(box, trials, rng):
    drawn = {n: reference.sample_log_uniform(*box[n], trials, rng) for n in reversed(list(box))}
    return {n: drawn[n] for n in box}


def trials_on_a_linear_scale(box, trials, rng):
    return {name: rng.uniform(low, high, trials) for name, (low, high) in box.items()}


def trials_from_the_global_generator(box, trials, rng):
    return reference.random_trials(box, trials, np.random.default_rng())


def trials_keys_sorted(box, trials, rng):
    drawn = reference.random_trials(box, trials, rng)
    return {n: drawn[n] for n in sorted(box)}


def zoom_on_the_worst(trials, scores, keep):
    return reference.zoom_box(trials, -scores, keep)


def zoom_as_lists(trials, scores, keep):
    return {n: list(v) for n, v in reference.zoom_box(trials, scores, keep).items()}


def zoom_one_too_many(trials, scores, keep):
    return reference.zoom_box(trials, scores, keep + 1)


def zoom_on_the_first_trials(trials, scores, keep):
    return reference.zoom_box(trials, np.arange(len(scores)), keep)


def next_box_of_the_last_round(history, box, keep=0.2):
    return reference.next_box(history[-1:], box, keep)


def next_box_of_one_trial(history, box, keep=0.2):
    scores = np.concatenate([r["scores"] for r in history])
    trials = {n: np.concatenate([r["trials"][n] for r in history]) for n in box}
    return reference.zoom_box(trials, scores, round(keep * len(scores)))


def next_box_never_zooms(history, box, keep=0.2):
    return box


def next_box_of_lists(history, box, keep=0.2):
    return {n: list(v) for n, v in reference.next_box(history, box, keep).items()}


def next_box_rounded_down(history, box, keep=0.2):
    scores = np.concatenate([r["scores"] for r in history])
    trials = {n: np.concatenate([r["trials"][n] for r in history]) for n in box}
    return reference.zoom_box(trials, scores, max(2, int(keep * len(scores))))


NEXT_BOX = {"rounds": 2, "trials": 10, "keep": 0.3, "seed": 5}
MISTAKES += [
    (functools.partial(lab.next_box_test, **NEXT_BOX), next_box_of_the_last_round, "every round"),
    (
        functools.partial(lab.next_box_test, rounds=3, trials=4, keep=0.05, seed=8),
        next_box_of_one_trial,
        "keep at least 2 trials",
    ),
    (lab.next_box_test, next_box_never_zooms, "after a round, zoom"),
    (lab.next_box_test, next_box_of_lists, r"should be a tuple \(low, high\)"),
    (
        functools.partial(lab.next_box_test, rounds=2, trials=7, keep=0.2, seed=3),
        next_box_rounded_down,
        r"\['(learning_rate|epsilon)'\] (low|high) is",
    ),
    (lab.random_trials_test, trials_in_reverse_order, "in the box's order"),
    (lab.random_trials_test, trials_on_a_linear_scale, "samples on a linear scale"),
    (lab.random_trials_test, trials_from_the_global_generator, "differ from one rng.uniform"),
    (lab.random_trials_test, trials_keys_sorted, r"the box's keys in its order"),
    (lab.zoom_box_test, zoom_on_the_worst, "highest scores"),
    (lab.zoom_box_test, zoom_on_the_first_trials, r"\['(learning_rate|epsilon)'\] (low|high) is"),
    (lab.zoom_box_test, zoom_as_lists, r"should be a tuple \(low, high\)"),
    (lab.zoom_box_test, zoom_one_too_many, r"spans the best 4 trials; keep exactly 3"),
]


@pytest.mark.parametrize(("check", "target", "message"), MISTAKES)
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


# ---------------------------------------------------------------- the model and its map


def test_adams_epsilon_per_setting_is_the_one_train_would_use():
    """stacked.Setting(epsilon=...) moves each copy as train(epsilon=...) moves it alone."""
    X, Y = lab.moons_splits()[:2]
    layers = [2, 5, 2, 1]
    start = reference.seeded_initialization(layers, reference.he_scale, seed=3)
    settings = [stacked.Setting("adam", 0.01, epsilon=e) for e in (1e-8, 1e-2)]
    recipe = stacked.Recipe(
        layers, settings, 20, 64, shuffle_seed=10, record_every=None, observe_at=(20,)
    )
    together = stacked.train(X, Y, recipe, start)
    for k, epsilon in enumerate((1e-8, 1e-2)):
        one = recipe.replace(settings=[stacked.Setting("adam", 0.01)], epsilon=epsilon)
        alone = stacked.train(X, Y, one, start)
        np.testing.assert_allclose(together["W1"][0, k], alone["W1"][0, 0], rtol=1e-12)
    assert not np.allclose(together["W1"][0, 0], together["W1"][0, 1])
    assert (
        stacked.Setting("adam", 0.01, epsilon=1e-4).label
        == "adam, lr 0.01, β1 0.9, β2 0.999, ε 0.0001"
    )


@pytest.fixture(scope="module")
def evaluate():
    return lab.MapReader(lab.response_map())  # from the cache `make datasets` built


def test_the_map_is_real_training_and_reads_exactly_at_its_nodes(evaluate):
    """Three nodes of the cached map retrained now give its values; reading a node is exact."""
    i, j = np.array([10, 40, 70]), np.array([0, 10, 20])
    rates, epsilons = lab.MAP_RATES[i], lab.MAP_EPSILONS[j]
    trained = precompute.train_trials(rates, epsilons)
    np.testing.assert_allclose(trained["dev_cost"], evaluate.surface["dev_cost"][i, j], rtol=1e-9)
    np.testing.assert_allclose(evaluate(rates, epsilons), evaluate.surface["dev_cost"][i, j])
    assert evaluate.surface["dev_cost"].shape == (81, 21)


def test_the_learning_rate_matters_and_epsilon_barely(evaluate):
    """What the lab reads off its map."""
    cost = evaluate.surface["dev_cost"]
    assert cost.max() - cost.min() > 0.5  # alpha: from a coin toss (ln 2) to about 0.12
    assert np.all(np.abs(cost[0] - np.log(2)) < 0.02) and np.all(cost[-1] > 0.3)
    best, rate, _ = evaluate.best()
    assert 0.01 <= rate <= 0.3 and best < 0.13
    small = lab.MAP_EPSILONS <= 1e-5  # epsilon small next to sqrt(s): no effect at all
    calm = lab.MAP_RATES <= 0.03
    assert np.ptp(cost[np.ix_(calm, small)], axis=1).max() < 0.002
    slowed = cost[lab.MAP_RATES <= 0.01, -1] - cost[lab.MAP_RATES <= 0.01, 0]
    assert 0.005 < slowed.max() < 0.05  # epsilon = 1e-3 slows small steps a little


def test_grid_tries_few_learning_rates_and_random_search_beats_it(evaluate):
    grid = lab.search(evaluate, "grid", 25)
    np.testing.assert_allclose(
        np.unique(lab.values_tried(grid, "learning_rate")), [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    )
    random = lab.search(evaluate, "random", 25, seed=0, sample=reference.random_trials)
    assert len(np.unique(lab.values_tried(random, "learning_rate"))) == 25
    table = lab.compare_strategies(evaluate, *SOLUTIONS, budgets=(9, 25, 36), seeds=range(100))
    assert np.all(table["random beats grid"] >= 0.9)
    assert np.all(table["random"] < table["grid"])
    linear = lab.compare_strategies(evaluate, *SOLUTIONS, (4, 25), range(100), "linear")
    assert linear["random"][1] > table["random"][1]  # log scale finds better settings
    assert linear["grid"][1] > 0.2 > 0.14 > table["grid"][1]  # 1e-4, 0.25, 0.5, 0.75, 1
    assert (
        linear["random"][0]
        > 0.15
        > 0.135
        > lab.compare_strategies(evaluate, *SOLUTIONS, (4,))["random"][0]
    )


def test_coarse_to_fine_zooms_on_the_learning_rate_and_keeps_epsilon_wide(evaluate):
    rounds = lab.search(
        evaluate, "coarse to fine", 25, 0, sample=SOLUTIONS[0], next_box=SOLUTIONS[1]
    )
    assert [len(r["scores"]) for r in rounds] == [12, 13]
    (a0, a1), (e0, e1) = rounds[1]["box"].values()
    assert np.log10(a1 / a0) < 0.5 < 3 < np.log10(e1 / e0)  # narrow in alpha, wide in epsilon
    for name, (low, high) in rounds[1]["box"].items():
        assert np.all((rounds[1]["trials"][name] >= low) & (rounds[1]["trials"][name] <= high))
    assert np.median(rounds[1]["scores"]) < np.median(rounds[0]["scores"]) - 0.03


def test_babysitting_day_one_is_the_trial_of_the_same_setting():
    panda = precompute.babysit([(0.01, 40), (0.03, 10)])
    alone = precompute.train_trials([0.01], [stacked.EPSILON], epochs=40)
    assert panda["dev_cost"][0] == pytest.approx(alone["dev_cost"][0], rel=1e-12)
    assert list(panda["ends"]) == [40, 50] and panda["cost"].shape == (50,)


def test_stacked_trials_equal_trials_trained_one_by_one():
    rates, epsilons = np.array([3e-3, 0.05, 0.4]), np.array([1e-8, 1e-6, 1e-4])
    together = precompute.train_trials(rates, epsilons, workers=2)
    for k in range(3):
        alone = precompute.train_trials(rates[k : k + 1], epsilons[k : k + 1])
        assert together["dev_cost"][k] == pytest.approx(alone["dev_cost"][0], rel=1e-10)


def test_tuning_explorer_redraws_on_each_control(evaluate):
    ex = lab.tuning_explorer(evaluate.surface, *SOLUTIONS)
    budget, seed, strategy, scale = ex.controls.values()
    runs = lab.tuning_runs(evaluate, 25, *SOLUTIONS, 0, "log")
    assert ex.page.status == lab.search_summary(evaluate, runs["random"], "random", "log")
    budget.value, seed.value, strategy.value, scale.value = 49, 3, "coarse to fine", "linear"
    runs = lab.tuning_runs(evaluate, 49, *SOLUTIONS, 3, "linear")
    expected = lab.search_summary(evaluate, runs["coarse to fine"], "coarse to fine", "linear")
    assert ex.page.status == expected and len(ex.page.status) <= 130
    assert ex.page.status.startswith("coarse to fine, linear scale, 49 trials: best dev cost")


def test_the_log_scale_motivation_states_the_uniform_draws_shares():
    """alpha uniform on [1e-4, 1]: the share of each range the text names."""
    low, high = 1e-4, 1.0
    top, bottom = (high - 0.1) / (high - low), (1e-3 - low) / (high - low)
    text = lab_text("hyperparameter_tuning", "Sampling on the right scale")
    assert f"{100 * top:.0f}% of the" in text  # 90%
    assert f"only {100 * bottom:.2f}% between" in text  # 0.09%, not 0.01%
    assert "about one\ndraw in a thousand" in text and round(1000 * bottom) == 1


def test_the_sampling_figure_labels_beta_by_how_many_values_it_averages():
    """beta averages about 1 / (1 - beta) values (week 2): 10 at 0.9, 100 at 0.99, 1000 at 0.999."""
    import matplotlib.pyplot as plt

    lab.draw_sampling_scales(reference.sample_log_uniform, reference.sample_beta, size=10)
    right = plt.gcf().axes[1]
    labels = [t.get_text() for t in right.get_xticklabels()]
    assert labels == [
        "0.9 … 0.99\n(averages about 10 to 100 values)",
        "0.99 … 0.999\n(about 100 to 1000)",
    ]
    assert [round(1 / (1 - b)) for b in (0.9, 0.99, 0.999)] == [10, 100, 1000]


def test_the_maps_roughness_is_where_the_text_says():
    """Smooth up to alpha ~ 0.05, rough from ~0.056; the best a lucky cell beside a 0.25 column."""
    cost, rates = lab.response_map()["dev_cost"], np.asarray(lab.MAP_RATES)
    step = np.median(np.abs(np.diff(cost, axis=0)), axis=1)  # (80,): from rates[i] to rates[i+1]
    smooth = (rates[1:] >= 0.01) & (rates[1:] <= 0.0502)
    assert (
        step[smooth].max() < 0.005
        and step[rates[1:] > 0.0562].min() < step[rates[1:] > 0.0562].max()
    )
    rough = step[(rates[1:] > 0.055) & (rates[1:] < 1)]
    assert np.median(rough) > 4 * np.median(step[smooth])
    column = np.argmin(np.abs(rates - 0.063))
    assert abs(np.median(cost[column]) - 0.25) < 0.01
    i, _ = np.unravel_index(np.argmin(cost), cost.shape)
    assert round(cost.min(), 3) == 0.116 and round(rates[i], 3) == 0.079 and abs(i - column) == 2
    text = lab_text("hyperparameter_tuning", "The map is smooth up to")
    assert "smooth up to $\\alpha \\approx 0.05$ and rough from about $0.056$" in text
    assert (
        "$0.116$ at\n$\\alpha = 0.079$" in text
        and "at $\\alpha = 0.063$ a whole column sits near $0.25$" in text
    )
    assert "a lucky cell two columns from it" in text


def test_grid_values_at_the_ends_or_at_the_centres_of_their_cells():
    ends = lab.grid_trials(lab.BOX, 25)["learning_rate"]
    centres = lab.grid_trials(lab.BOX, 25, placement="centres")["learning_rate"]
    np.testing.assert_allclose(np.unique(ends), [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(np.unique(centres), 10 ** np.linspace(-3.6, -0.4, 5))
    linear = lab.grid_trials({"a": (0.0, 1.0), "b": (0.0, 1.0)}, 4, "linear", "centres")
    np.testing.assert_allclose(np.unique(linear["a"]), [0.25, 0.75])
    with pytest.raises(ValueError, match="placement must be one of"):
        lab.grid_trials(lab.BOX, 25, placement="middle")


def test_a_lucky_grid_wins_as_the_lab_says(evaluate):
    """The placement paragraph's figures, from the map and 100 seeds of random search."""
    best = {}
    for trials in (25, 36):
        random = np.array(
            [
                lab.best_trial(
                    lab.search(evaluate, "random", trials, seed=s, sample=reference.random_trials)
                )[0]
                for s in range(100)
            ]
        )
        centres = lab.best_trial(lab.search(evaluate, "grid", trials, placement="centres"))
        best[trials] = random, centres
    random, (cost, chosen) = best[25]
    assert np.all(cost < random) and round(cost, 3) == 0.117  # better than all 100
    assert round(chosen["learning_rate"], 3) == 0.063 and chosen["learning_rate"] > 0.056  # rough
    random, (cost, _) = best[36]
    assert round(cost, 3) == 0.130 and int(np.sum(random < cost)) == 99  # worse than 99
    text = " ".join(lab_text("hyperparameter_tuning", "a lucky grid wins").split())
    assert "lands on $\\alpha = 0.063$ and finds $0.117$" in text
    assert (
        "better than all 100 random searches" in text
        and "finds $0.130$, worse than nearly all" in text
    )


def test_the_zoom_rests_on_two_trials_and_the_best_is_on_its_edge(evaluate):
    fine = lab.search(evaluate, "coarse to fine", 25, 0, sample=SOLUTIONS[0], next_box=SOLUTIONS[1])
    first, second = fine
    assert len(first["scores"]) == 12 and max(2, round(0.2 * 12)) == 2  # the box of 2 trials
    cost, best = lab.best_trial(fine)
    assert cost == second["scores"].min()  # round 2's best is the search's best
    low, high = second["box"]["learning_rate"]
    assert round(best["learning_rate"], 4) == 0.0352 and round(high, 4) == 0.0353
    assert high - best["learning_rate"] < 0.01 * (high - low)  # on the upper edge
    text = " ".join(lab_text("hyperparameter_tuning", "Read the zoom with care").split())
    assert (
        "**2** trials" in text and "$\\alpha = 0.0352$" in text and "upper edge, $0.0353$" in text
    )
