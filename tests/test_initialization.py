"""Initialization lab (helpers.labs.initialization): its checks and its explorer."""

import numpy as np
import pytest
from conftest import lab_text

from helpers import checking, data, nn
from helpers.labs import initialization as lab
from tools import reference
from tools.reference import HE, RANDOM, ZEROS
from tools.reference import HE as he

CHECKS = [
    (lab.initialize_parameters_zeros_test, ZEROS),
    (lab.initialize_parameters_random_test, RANDOM),
    (lab.initialize_parameters_he_test, HE),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS)
@pytest.mark.parametrize("dims", [None, (5, 7, 3, 1), (4, 1)])
def test_correct_solutions_pass(check, solution, dims, capsys):
    check(solution) if dims is None else check(solution, layers_dims=dims)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_expected_values_are_the_courses_published_ones():
    # Printed by the course for initialize_parameters_random([3, 2, 1]) and _he([2, 4, 1]).
    random = reference.seeded_initialization([3, 2, 1], 10.0)
    np.testing.assert_allclose(
        random["W1"],
        [[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]],
        atol=5e-9,
    )
    np.testing.assert_allclose(random["W2"], [[-0.82741481, -6.27000677]], atol=5e-9)
    he = reference.seeded_initialization([2, 4, 1], reference.he_scale)
    np.testing.assert_allclose(
        he["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], atol=5e-9
    )


def wrong_scale(layers_dims):
    return reference.seeded_initialization(layers_dims, 1.0)


def transposed(layers_dims):
    return {k: v.T for k, v in HE(layers_dims).items()}


def no_seed(layers_dims):
    p = {}
    for l in range(1, len(layers_dims)):
        p[f"W{l}"] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        p[f"b{l}"] = np.zeros((layers_dims[l], 1))
    return p


def missing_b2(layers_dims):
    p = ZEROS(layers_dims)
    del p["b2"]
    return p


def int_zeros(layers_dims):
    return {k: v.astype(np.int64) for k, v in ZEROS(layers_dims).items()}


def as_list(layers_dims):
    return list(ZEROS(layers_dims).values())


def only_two_layers(layers_dims):
    return HE(layers_dims[:3])


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            lab.initialize_parameters_random_test,
            wrong_scale,
            r"W1 has wrong values: at index \(1, 0\) got -1\.8634927, expected -18\.634927",
        ),
        (
            lab.initialize_parameters_he_test,
            transposed,
            r"W1 has shape \(2, 4\), expected \(4, 2\)",
        ),
        (lab.initialize_parameters_zeros_test, missing_b2, r"wrong keys\. Missing: \['b2'\]"),
        (
            lab.initialize_parameters_zeros_test,
            int_zeros,
            r"W1 has dtype int64, expected a float dtype",
        ),
        (lab.initialize_parameters_zeros_test, as_list, r"should return a dict, got list"),
        (lab.initialize_parameters_he_test, only_two_layers, r"Missing: \['W3', 'b3'\]"),
    ],
)
def test_wrong_solutions_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target, layers_dims=(2, 4, 3, 1)) if "two_layers" in target.__name__ else check(
            target
        )


def test_values_that_ignore_the_seed_fail_and_say_so():
    # Without np.random.seed(3) the draws are another stream: the check must notice.
    np.random.seed(99)
    with pytest.raises(AssertionError, match="wrong values.*A second call returns other weights"):
        lab.initialize_parameters_random_test(no_seed)


def seed_in_the_loop(scale):
    def initialize(layers_dims):
        p = {}
        for l in range(1, len(layers_dims)):
            np.random.seed(3)
            p[f"W{l}"] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * scale(layers_dims, l)
            p[f"b{l}"] = np.zeros((layers_dims[l], 1))
        return p

    return initialize


def xavier(layers_dims):
    return reference.seeded_initialization(layers_dims, lambda draw, n_prev, n: draw / n_prev**0.5)


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (
            lab.initialize_parameters_random_test,
            seed_in_the_loop(lambda dims, l: 10),
            r"W2 has wrong values.*W2 starts with the same random numbers as W1: np\.random\.seed\(3\)"
            r" is called inside the loop",
        ),
        (
            lab.initialize_parameters_he_test,
            seed_in_the_loop(lambda dims, l: (2 / dims[l - 1]) ** 0.5),
            "inside the loop",
        ),
        (
            lab.initialize_parameters_random_test,
            wrong_scale,
            r"expected -18\.634927 \(every entry is 0\.1 × what is expected: a factor is off\)\.$",
        ),
        (lab.initialize_parameters_he_test, xavier, r"every entry is 0\.7071 × what is expected"),
    ],
)
def test_the_usual_mistakes_are_named(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_a_constant_factor_is_found_only_when_every_entry_has_it():
    want = np.array([[1.0, -2.0], [0.0, 4.0]])
    assert checking.constant_factor(want * 0.5, want) == 0.5
    assert checking.constant_factor(want, want) is None
    assert checking.constant_factor(want * [[0.5, 0.5], [0.0, 0.25]], want) is None
    assert checking.constant_factor(want * 2 + [[0, 0], [1e-3, 0]], want) is None  # 0 -> 1e-3
    assert checking.constant_factor(np.zeros((2, 2)), want) is None


def test_non_array_value_is_named():
    with pytest.raises(AssertionError, match=r"W1 should be a numpy array, got list"):
        checking.assert_array("W1", [[0.0]], np.zeros((1, 1)))


def not_done(layers_dims):
    raise NotImplementedError()


@pytest.fixture(scope="module")
def circles():
    return data.load_circles()


def test_run_starts_untrained_with_scaled_weights(circles):
    run = lab.initialization_run(he, 0.1, circles)
    assert list(run["snapshots"]) == [0] and run["costs"] == []
    np.testing.assert_allclose(run["snapshots"][0]["W2"], 0.1 * he(lab.LAYERS)["W2"])
    assert run["spread"].shape == (len(lab.PROBE_LAYERS) - 2,)


def test_train_run_equals_plain_training(circles):
    run = lab.train_run(lab.initialization_run(he, 1.0, circles), 1000, circles)
    assert sorted(run["snapshots"]) == [0, 500, 1000] and len(run["costs"]) == 10
    params, costs = nn.train(circles[0], circles[1], he(lab.LAYERS), 0.01, 1000)
    np.testing.assert_allclose(run["costs"], costs)
    np.testing.assert_allclose(run["snapshots"][1000]["W1"], params["W1"])
    # Extending is incremental: asking again trains nothing more.
    assert lab.train_run(run, 1000, circles) is run and max(run["snapshots"]) == 1000


def test_scale_moves_the_spread_as_the_formula_says(circles):
    spreads = {s: lab.initialization_run(he, s, circles)["spread"] for s in (0.1, 1.0, 10.0)}
    assert 0.3 < spreads[1.0][-1] / spreads[1.0][0] < 3  # He keeps the scale
    assert spreads[0.1][-1] < 1e-6 * spreads[0.1][0]  # vanishes
    assert spreads[10.0][-1] > 1e6 * spreads[10.0][0]  # explodes


def test_figure_shows_latest_snapshot_and_its_accuracy_on_fixed_axes(circles):
    run = lab.train_run(lab.initialization_run(he, 1.0, circles), 500, circles)
    view = lab.initialization_view(run, 1000, "He × 1", circles)
    fig, acc = lab.InitializationFigure(circles).update(view).fig, view["accuracy"]
    assert acc == lab.initialization_metrics(run, 500, circles)
    assert len(fig.axes) == 3
    assert fig.axes[2].get_ylim() == (lab.SPREAD_FLOOR, 1 / lab.SPREAD_FLOOR)  # stays put
    assert fig.axes[0].get_title() == "after 500 iterations (training…)"
    assert f"train accuracy {acc['train']:.3f}" in fig.get_suptitle()


def test_explorer_trains_on_demand_and_reports_unfinished_exercises(circles):
    ex = lab.initialization_explorer({"mine": not_done, "He": he}, circles, start="He")
    choice, scale, iterations = ex.controls.values()
    assert (choice.value, scale.value, iterations.value) == ("He", 1.0, lab.ITERATIONS)
    assert scale.continuous_update is False  # trains: a drag sends one value, on release
    assert iterations.continuous_update is True  # a lookup: follows the drag
    assert ex.page.status == "He after 15000 iterations: train accuracy 0.993, test accuracy 0.960"
    iterations.value = 1000  # a lookup in the cached run
    assert ex.page.status.startswith("He after 1000 iterations: train accuracy")
    choice.value = "mine"  # not written yet, and no reference of that name
    assert ex.page.status == (
        "not_done is not written yet: this explorer runs your own code. Write it, run its "
        "cell, then move a control here."
    )


def test_a_setting_names_the_scale_once():
    assert lab.setting_label("He", 1.0) == "He"
    assert lab.setting_label("random × 10", 1.0) == "random × 10"  # not "random × 10 × 1"
    assert lab.setting_label("random × 10", 0.1) == "random × 10, weights × 0.1"


def test_explorer_runs_only_the_learners_initializers(circles):
    ex = lab.initialization_explorer({"He": not_done, "zeros": he}, circles, start="He")
    assert ex.page.status == (
        "not_done is not written yet: this explorer runs your own code. Write it, run its "
        "cell, then move a control here."
    )
    assert ex.page.value == b""  # no figure: nothing of a reference is shown
    assert not hasattr(lab, "REFERENCE_INITIALIZERS")


def test_layer_activation_std_shows_vanishing_and_exploding():
    X = np.random.RandomState(0).randn(2, 300)
    dims = [2] + [50] * 10 + [1]

    def spread(gain):
        scale = lambda draw, n_prev, n: draw * gain / np.sqrt(n_prev)  # noqa: E731
        return lab.layer_activation_std(X, reference.seeded_initialization(dims, scale, seed=0))

    he, small, big = spread(np.sqrt(2)), spread(0.5), spread(10)
    assert he.shape == (10,)
    assert 0.2 < he[-1] / he[0] < 5
    assert small[-1] < 1e-3 * small[0]
    assert big[-1] > 1e6 * big[0]


def test_stderr_and_warnings_from_a_correct_answer_do_not_fail_the_check(capsys):
    import sys
    import warnings

    def noisy_he(layers_dims):
        warnings.warn("a library warning", RuntimeWarning, stacklevel=1)
        print("debug print", file=sys.stderr)
        print("my own print")
        return HE(layers_dims)

    lab.initialize_parameters_he_test(noisy_he)
    out, err = capsys.readouterr()
    assert err == ""
    assert (
        "my own print" in out
        and "RuntimeWarning: a library warning" in out
        and "debug print" in out
    )
    assert out.endswith("All tests passed.\n")


def test_the_first_cost_of_weights_x10_is_explained_by_the_numbers():
    """The sentences under the "random × 10" run: z[3]'s range, the clip and 17.27."""
    train_X, train_Y, _, _ = data.load_circles()
    parameters = reference.initialize_parameters_random([train_X.shape[0], 10, 5, 1])
    A3, cache = nn.forward_propagation(train_X, parameters)
    z = cache[8].ravel()  # Z3
    assert (round(z.min()), round(z.max()), round(np.median(z))) == (63, 6929, 3787)
    assert np.all(A3 == 1.0) and np.mean(train_Y == 0) == 0.5  # every example a certain 1
    clipped = -np.log(1 - (1 - 1e-15))  # the clip, as float64 holds 1 - 1e-15
    assert round(clipped, 2) == 34.54 and round(nn.compute_cost(A3, train_Y), 2) == 17.27
    assert abs(nn.compute_cost(A3, train_Y) - clipped / 2) < 1e-9
    text = lab_text("initialization", "The first cost is huge")
    assert "from 63 to 6 929 on the training set, median 3 787" in text
    assert "34.54" in text and "17.27, is half of 34.54" in text
    assert nn.sigmoid(np.float64(-709)) > 0 and nn.sigmoid(np.float64(-710)) == 0
    assert nn.sigmoid(np.float64(36)) < 1 and nn.sigmoid(np.float64(38)) == 1
    assert "below about $-710$ to exactly\n  0" in text and "Above $z^{[3]} \\approx 37$" in text


def test_gradients_vanish_and_explode_as_the_lab_says():
    """Section 7's gradient sentences, against layer_gradient_spread on the lab's probe net."""
    X, Y, _, _ = data.load_circles()
    inits = {"random": RANDOM, "He": HE, "Xavier": xavier, "zeros": ZEROS}
    spread = {
        name: lab.layer_gradient_spread(X, Y, init(lab.PROBE_LAYERS))
        for name, init in inits.items()
    }
    dA = {name: s[0] for name, s in spread.items()}
    dW = {name: s[1] for name, s in spread.items()}
    per_layer = {
        name: (dA[name][0] / dA[name][-1]) ** (1 / 9) for name in ("random", "He", "Xavier")
    }
    assert 0.8 < per_layer["He"] < 1.25  # keeps its size
    assert round(1 / per_layer["Xavier"], 1) == 1.5  # shrinks towards the input
    assert 40 < per_layer["random"] < 60  # grows about 50 times per layer
    ratio = dW["He"] / dW["Xavier"]
    assert np.all((70 < ratio) & (ratio < 140)), ratio  # about 100 times smaller, every layer
    assert np.all((1e15 < dW["random"]) & (dW["random"] < 1e17))  # around 1e16
    assert np.all(dW["zeros"] == 0) and dA["zeros"].shape == (10,) and dW["zeros"].shape == (11,)
    text = " ".join(lab_text("initialization", "Read the lines from the right").split())
    assert "a factor of about 1.5 per layer" in text and "about 100 times smaller" in text
    assert "grows about 50 times per layer" in text and "around $10^{16}$ in every layer" in text
