"""Optimization Methods lab (helpers.labs.optimization_methods): checks, the stacked
trainer as the lab's model, update rules, surfaces, grid and explorers."""

import contextlib
import io

import numpy as np
import pytest
from conftest import lab_text

from helpers import data, nn, runtime
from helpers.labs import optimization_methods as lab
from tools import precompute, stacked
from tools import reference as ref
from tools.course_trainings import course_model

# ---------------------------------------------------------------- Public checks of the Optimization Methods lab: references pass, typical mistakes are named


SOLUTIONS = [
    (lab.update_parameters_with_gd_test, ref.update_parameters_with_gd),
    (lab.random_mini_batches_test, ref.random_mini_batches),
    (lab.initialize_velocity_test, ref.initialize_velocity),
    (lab.update_parameters_with_momentum_test, ref.update_parameters_with_momentum),
    (lab.update_parameters_with_rmsprop_test, ref.update_parameters_with_rmsprop),
    (lab.initialize_adam_test, ref.initialize_adam),
    (lab.update_parameters_with_adam_test, ref.update_parameters_with_adam),
    (lab.update_lr_test, ref.update_lr),
    (lab.schedule_lr_decay_test, ref.schedule_lr_decay),
]


@pytest.mark.parametrize(("check", "solution"), SOLUTIONS, ids=lambda x: getattr(x, "__name__", ""))
def test_reference_solutions_pass(check, solution, capsys):
    check(solution)
    assert capsys.readouterr().out == "All tests passed.\n"


@pytest.mark.parametrize("layers", [(4, 3, 2, 1), (2, 1)])
def test_update_checks_work_for_any_depth(layers, capsys):
    lab.update_parameters_with_gd_test(ref.update_parameters_with_gd, layers=layers)
    lab.update_parameters_with_momentum_test(ref.update_parameters_with_momentum, layers=layers)
    lab.update_parameters_with_adam_test(ref.update_parameters_with_adam, layers=layers, t=9)
    assert capsys.readouterr().out == "All tests passed.\n" * 3


@pytest.mark.parametrize(("m", "size"), [(148, 64), (128, 32), (20, 64), (64, 64), (7, 1)])
def test_mini_batch_check_covers_remainders(m, size, capsys):
    lab.random_mini_batches_test(ref.random_mini_batches, m=m, mini_batch_size=size)
    assert capsys.readouterr().out == "All tests passed.\n"


def test_course_mini_batch_case_gives_the_courses_shapes():
    X, Y = lab.mini_batches_case(m=148)
    batches = ref.random_mini_batches(X, Y, 64)
    assert [b[0].shape[1] for b in batches] == [64, 64, 20]


def gd_plus(parameters, grads, learning_rate):
    return {k: p + learning_rate * grads["d" + k] for k, p in parameters.items()}


def gd_first_layer_only(parameters, grads, learning_rate):
    parameters["W1"] = parameters["W1"] - learning_rate * grads["dW1"]
    parameters["b1"] = parameters["b1"] - learning_rate * grads["db1"]
    return parameters


def batches_without_shuffle(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[1]
    return [
        (X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]


def batches_dropping_the_rest(X, Y, mini_batch_size=64, seed=0):
    full = X.shape[1] // mini_batch_size * mini_batch_size
    return ref.random_mini_batches(X[:, :full], Y[:, :full], mini_batch_size, seed)[
        : X.shape[1] // mini_batch_size
    ]


def batches_shuffling_x_and_y_apart(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    px, py = np.random.permutation(X.shape[1]), np.random.permutation(X.shape[1])
    X, Y = X[:, px], Y[:, py]
    return [
        (X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
        for k in range(0, X.shape[1], mini_batch_size)
    ]


def momentum_without_one_minus_beta(parameters, grads, v, beta, learning_rate):
    for k in parameters:
        v["d" + k] = beta * v["d" + k] + grads["d" + k]
        parameters[k] = parameters[k] - learning_rate * v["d" + k]
    return parameters, v


def momentum_stepping_with_the_gradient(parameters, grads, v, beta, learning_rate):
    parameters, v = ref.update_parameters_with_momentum(parameters, grads, v, beta, 0.0)
    return ref.update_parameters_with_gd(parameters, grads, learning_rate), v


def rmsprop_without_root(parameters, grads, s, beta2, learning_rate, epsilon=1e-8):
    for k in parameters:
        s["d" + k] = beta2 * s["d" + k] + (1 - beta2) * grads["d" + k] ** 2
        parameters[k] = parameters[k] - learning_rate * grads["d" + k] / (s["d" + k] + epsilon)
    return parameters, s


def adam_without_bias_correction(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    return ref.update_parameters_with_adam(
        parameters, grads, v, s, 10**6, learning_rate, beta1, beta2, epsilon
    )


def adam_epsilon_inside_root(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    out = ref.update_parameters_with_adam(
        dict(parameters), grads, v, s, t, learning_rate, beta1, beta2, epsilon
    )
    _, v, s, vc, sc = out
    new = {
        k: p - learning_rate * vc["d" + k] / np.sqrt(sc["d" + k] + epsilon)
        for k, p in parameters.items()
    }
    return new, v, s, vc, sc


def adam_returning_three(*args, **kwargs):
    return ref.update_parameters_with_adam(*args, **kwargs)[:3]


def velocity_keyed_like_parameters(parameters):
    return {k: np.zeros(p.shape) for k, p in parameters.items()}


@pytest.mark.parametrize(
    ("check", "target", "message"),
    [
        (lab.update_parameters_with_gd_test, gd_plus, r"W1 has wrong values"),
        (lab.update_parameters_with_gd_test, gd_first_layer_only, r"W2 has wrong values"),
        (lab.random_mini_batches_test, batches_without_shuffle, r"mini-batch 0 X has wrong"),
        (
            lab.random_mini_batches_test,
            batches_dropping_the_rest,
            r"returned 2 mini-batches, expected 3",
        ),
        (
            lab.random_mini_batches_test,
            batches_shuffling_x_and_y_apart,
            r"mini-batch 0 Y has wrong",
        ),
        (lab.initialize_velocity_test, velocity_keyed_like_parameters, r"missing key\(s\) \['dW1'"),
        (
            lab.update_parameters_with_momentum_test,
            momentum_without_one_minus_beta,
            r"dW1 has wrong values",
        ),
        (
            lab.update_parameters_with_momentum_test,
            momentum_stepping_with_the_gradient,
            r"W1 has wrong values",
        ),
        (
            lab.update_parameters_with_rmsprop_test,
            rmsprop_without_root,
            r"the parameters|W1 has wrong",
        ),
        (
            lab.update_parameters_with_adam_test,
            adam_without_bias_correction,
            r"v_corrected|dW1 has wrong",
        ),
        (lab.update_parameters_with_adam_test, adam_epsilon_inside_root, r"W1 has wrong values"),
        (
            lab.update_parameters_with_adam_test,
            adam_returning_three,
            r"should return the tuple \(parameters, v, s, v_corrected, s_corrected\)",
        ),
        (lab.initialize_adam_test, ref.initialize_velocity, r"should return the tuple \(v, s\)"),
        (lab.update_lr_test, lambda lr0, e, r: lr0 / (1 + r) * e, r"update_lr\(0\.5, epoch_num=2"),
        (
            lab.schedule_lr_decay_test,
            lambda lr0, e, r, ti=1000: lr0 / (1 + r * e / ti),
            r"epoch_num=100,",
        ),
        (
            lab.schedule_lr_decay_test,
            lambda lr0, e, r, ti=1000: ref.update_lr(lr0, e, r),
            r"epoch_num=100,",
        ),
    ],
)
def test_mistakes_are_explained(check, target, message):
    with pytest.raises(AssertionError, match=message):
        check(target)


def test_an_update_that_edits_its_inputs_in_place_still_passes(capsys):
    """The course's own solutions assign into the dicts they get: that is fine."""

    def in_place(parameters, grads, v, beta, learning_rate):
        for k in parameters:
            v["d" + k] *= beta
            v["d" + k] += (1 - beta) * grads["d" + k]
            parameters[k] -= learning_rate * v["d" + k]
        return parameters, v

    lab.update_parameters_with_momentum_test(in_place)
    assert capsys.readouterr().out == "All tests passed.\n"


S = stacked.Setting


@pytest.fixture(scope="module")
def moons():
    return data.load_moons()


def test_decay_crosses_the_time_interval_boundary(moons):
    setting = S("gd", 0.5, decay="every 1000 epochs")
    got = stacked.decayed_rate([0.5], [999, 1000, 2500][1], ["every 1000 epochs"])
    assert got[0] == pytest.approx(0.25)
    for epoch in (0, 999, 1000, 2999, 3000):
        assert stacked.decayed_rate(0.5, epoch, setting.decay) == ref.schedule_lr_decay(
            0.5, epoch, 1
        )
        assert stacked.decayed_rate(0.5, epoch, "every epoch") == ref.update_lr(0.5, epoch, 1)
        assert stacked.decayed_rate(0.5, epoch, "none") == 0.5


def test_grid_trains_the_labs_numbers(moons):
    """The explorer's default setting is the lab's Adam run: same costs, same accuracy."""
    grid = lab.explorer_grid(moons)
    parameters, costs = course_model(moons[0], moons[1], S("adam", 0.0007))
    view = lab.grid_view(grid, S("adam", 0.0007), 64)
    np.testing.assert_allclose(view["cost"], costs[::100], rtol=1e-9)
    assert (
        view["train_acc"]
        == nn.accuracy(moons[0], moons[1], parameters)
        == pytest.approx(0.943, abs=1e-3)
    )
    assert view["test_acc"] == nn.accuracy(moons[2], moons[3], parameters)
    # The lesson of the lab: at this rate gradient descent and momentum crawl.
    for name in ("gd", "momentum"):
        assert view["curves"][name][-1] > 0.55 > 0.2 > view["curves"]["adam"][-1]


def test_every_combination_the_explorer_offers_is_in_the_grid():
    settings = set(lab.SETTINGS)
    assert len(settings) == len(lab.SETTINGS) == 324
    for decay in stacked.DECAYS:
        for lr in lab.LEARNING_RATES:
            for beta in lab.BETAS:
                for beta2 in lab.BETA2S:
                    assert S("adam", lr, beta, beta2, decay) in settings
                    assert S("momentum", lr, beta, decay=decay) in settings
                    assert S("rmsprop", lr, beta2=beta2, decay=decay) in settings
            assert S("gd", lr, decay=decay) in settings


def test_grid_is_cached_by_its_inputs(moons, tmp_path, monkeypatch):
    calls = []
    small = tuple(a[:, :40] for a in moons)

    def fake_train(*arrays):
        calls.append(arrays)
        return {"costs": np.zeros((1, 1))}

    from helpers import grids
    from tools import precompute

    monkeypatch.setattr(precompute, "train_explorer_grid", fake_train)
    with pytest.raises(grids.GridMissing, match=r"run `make datasets`"):
        lab.explorer_grid(small, cache_dir=tmp_path)  # the lab never trains: it says how
    precompute.explorer_grid(small, cache_dir=tmp_path)
    precompute.explorer_grid(small, cache_dir=tmp_path)
    assert len(calls) == 1 and len(list(tmp_path.glob("optimizers-*.npz"))) == 1
    assert lab.explorer_grid(small, cache_dir=tmp_path)["costs"].shape == (1, 1)
    precompute.explorer_grid(tuple(a[:, :41] for a in moons), cache_dir=tmp_path)
    assert len(calls) == 2
    monkeypatch.setattr(lab, "SHUFFLE_SEED", lab.SHUFFLE_SEED + 1)  # one field of its recipe
    precompute.explorer_grid(small, cache_dir=tmp_path)
    assert len(calls) == 3, "a grid trained with another shuffle seed was read"


def test_every_field_of_a_recipe_is_in_the_grids_key():
    """Change any one field of a recipe (or a number in one of its settings) and the grid's
    cache file is another: no edit can read a grid trained by another recipe."""
    import dataclasses

    from helpers import grids

    recipe = lab.explorer_recipe(64)
    other = {
        "layers": (2, 6, 2, 1),
        "settings": recipe.settings[:-1] + (S("adam", 0.1, beta2=0.99),),
        "epochs": recipe.epochs + 1,
        "batch_size": 32,
        "shuffle_seed": 11,
        "output": "softmax",
        "loss": "sum",
        "dropout": "fixed",
        "dropout_seed": 2,
        "dropout_layers": (1,),
        "epsilon": 1e-7,
        "record_every": 7,
        "observe_at": (10,),
        "batchnorm": True,
        "bn_momentum": 0.99,
        "bn_epsilon": 1e-5,
    }
    assert set(other) == {f.name for f in dataclasses.fields(grids.Recipe)}
    path = grids.cache_path("optimizers", [recipe])
    for name, value in other.items():
        changed = recipe.replace(**{name: value})
        assert grids.cache_path("optimizers", [changed]) != path, name
    assert grids.cache_path("optimizers", [lab.explorer_recipe(64)]) == path  # and stable


def test_setting_rejects_unknown_names():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        S("sgd", 0.1)
    with pytest.raises(ValueError, match="decay must be one of"):
        S("adam", 0.1, decay="exponential")


def test_ewa_is_the_recursion_and_bias_correction_starts_on_the_data():
    series = lab.temperature_series()
    assert series.shape == (365,)
    v, expected = 0.0, []
    for theta in series[:50]:
        v = 0.9 * v + 0.1 * theta
        expected.append(v)
    np.testing.assert_allclose(lab.ewa(series[:50], 0.9), expected, rtol=1e-15)
    corrected = lab.ewa(series, 0.98, bias_correction=True)
    assert corrected[0] == pytest.approx(series[0])
    assert abs(lab.ewa(series, 0.98)[0]) < 0.05 * abs(series[0])
    np.testing.assert_array_equal(lab.ewa(series, 0.0), series)
    np.testing.assert_array_equal(lab.temperature_series(), series)  # deterministic


def learner_style_path(surface, update, steps):
    """A 2-D point as parameters {W1: [[x]], b1: [[y]]}, stepped by the course's functions."""
    parameters = {"W1": np.array([[surface.start[0]]]), "b1": np.array([[surface.start[1]]])}
    v, s = ref.initialize_adam(parameters)
    path = [surface.start]
    for t in range(1, steps + 1):
        gx, gy = surface.grad(parameters["W1"][0, 0], parameters["b1"][0, 0])
        grads = {"dW1": np.array([[gx]]), "db1": np.array([[gy]])}
        parameters, v, s = update(parameters, grads, v, s, t)
        path.append((parameters["W1"][0, 0], parameters["b1"][0, 0]))
    return np.array(path)


def course_update(name, lr):
    """(parameters, grads, v, s, t) -> (parameters, v, s) with the course's functions."""

    def update(p, g, v, s, t):
        if name == "gd":
            return ref.update_parameters_with_gd(p, g, lr), v, s
        if name == "momentum":
            return (*ref.update_parameters_with_momentum(p, g, v, 0.9, lr), s)
        if name == "rmsprop":
            p, s = ref.update_parameters_with_rmsprop(p, g, s, 0.999, lr)
            return p, v, s
        return ref.update_parameters_with_adam(p, g, v, s, t, lr)[:3]

    return update


@pytest.mark.parametrize(("surface", "lr"), [("elongated bowl", 0.3), ("Rosenbrock", 0.001)])
def test_paths_follow_the_course_update_functions(surface, lr):
    surface = lab.SURFACES[surface]
    names = stacked.OPTIMIZERS
    paths, losses = precompute.optimizer_paths(surface, [S(n, lr) for n in names], steps=50)
    assert paths.shape == (4, 51, 2) and losses.shape == (4, 51)
    for k, name in enumerate(names):
        expected = learner_style_path(surface, course_update(name, lr), 50)
        np.testing.assert_allclose(paths[k], expected, rtol=1e-12, err_msg=name)


def test_a_diverging_path_stops_and_stays_finite():
    surface = lab.SURFACES["Rosenbrock"]
    paths, losses = precompute.optimizer_paths(surface, [S("gd", 0.1), S("adam", 0.1)], steps=300)
    assert np.all(np.isfinite(paths)) and np.all(np.isfinite(losses))
    assert losses[0, -1] > losses[0, 0]  # gd at 0.1 blows up on Rosenbrock ...
    assert losses[1, -1] < losses[1, 0]  # ... Adam at the same rate does not


def adam_keras_form(theta, grads, steps, lr, beta1, beta2, eps):
    """Adam as Keras writes it: alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t), eps outside the root.

    Keras keeps lr as a float32 variable and casts beta1, beta2 to the variable's dtype through
    float32 (tf.cast of a Python float), so its step size uses 7-digit constants.
    """
    f32 = lambda x: float(np.float32(x))  # noqa: E731
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grads[t - 1]
        m += (g - m) * (1 - beta1)
        v += (g * g - v) * (1 - beta2)
        alpha = f32(lr) * np.sqrt(1 - f32(beta2) ** t) / (1 - f32(beta1) ** t)
        theta = theta - m * alpha / (np.sqrt(v) + eps)
    return theta


def test_learner_adam_matches_keras_adam_step_for_step():
    """The notebook's 'beyond the course' claim, on random gradients of several scales."""
    tf = runtime.import_tensorflow_quietly()
    rng = np.random.RandomState(0)
    steps, shape = 30, (4, 3)
    grads = [rng.randn(*shape) * 10.0 ** rng.uniform(-4, 0, shape) for _ in range(steps)]
    for eps, agreement in ((1e-12, 1e-5), (1e-8, None)):
        params = {"W1": rng.randn(*shape), "b1": np.zeros((4, 1))}
        v, s = ref.initialize_adam(params)
        var = tf.Variable(params["W1"], dtype=tf.float64)
        keras_adam = tf.keras.optimizers.Adam(0.01, beta_1=0.9, beta_2=0.999, epsilon=eps)
        start = params["W1"].copy()
        worst = 0.0
        for t, g in enumerate(grads, start=1):
            grad = {"dW1": g, "db1": np.zeros((4, 1))}
            with contextlib.redirect_stdout(io.StringIO()):
                params, v, s, _, _ = ref.update_parameters_with_adam(
                    params, grad, v, s, t, 0.01, 0.9, 0.999, eps
                )
            keras_adam.apply_gradients([(tf.constant(g), var)])
            worst = max(worst, float(np.max(np.abs(params["W1"] - var.numpy()))))
        # Keras is exactly the epsilon-outside form ...
        np.testing.assert_allclose(
            var.numpy(), adam_keras_form(start, grads, steps, 0.01, 0.9, 0.999, eps), rtol=1e-12
        )
        if agreement:  # ... the course's Adam up to Keras's 7-digit constants (30 steps of 0.01)
            assert worst < agreement
        else:  # with the default epsilon, entries with tiny gradients differ more
            assert 1e-5 < worst < 1e-3


# ---------------------------------------------------------------- Explorers of the Optimization Methods lab: plain compute, summaries, controls


def test_ewa_summary_shows_window_and_what_correction_fixes():
    series = lab.temperature_series()
    plain = lab.ewa_summary(series, 0.98, False)
    fixed = lab.ewa_summary(series, 0.98, True)
    assert plain.startswith("β = 0.98, no bias correction: averages over about 50 days")
    off = [float(s.split("by ")[1].split(" °C")[0]) for s in (plain, fixed)]
    assert off[0] > 3 * off[1]
    assert "averages over 1 day;" in lab.ewa_summary(series, 0.0, False)


def test_ewa_explorer_redraws_on_each_control():
    ex = lab.ewa_explorer()
    beta, corrected = ex.controls.values()
    assert beta.continuous_update is True  # follows a drag
    assert ex.page.status == lab.ewa_summary(lab.temperature_series(), 0.9, False)
    corrected.value = True
    assert ex.page.status == lab.ewa_summary(lab.temperature_series(), 0.9, True)
    beta.value = 0.5
    assert "about 2 days" in ex.page.status


def test_draw_ewa_draws_the_data_and_one_curve_per_beta():
    fig = lab.draw_ewa(lab.temperature_series(), (0.5, 0.9, 0.98), True)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and "with bias correction" in ax.get_title()


def test_path_summary_names_divergence():
    settings = lab.path_settings(0.1, 0.9)
    surface = lab.SURFACES["Rosenbrock"]
    _, losses = precompute.optimizer_paths(surface, settings, lab.PATH_STEPS)
    line = lab.path_summary(settings, losses)
    assert line.startswith("loss after 300 steps: gd diverged, momentum diverged, rmsprop ")
    assert "adam diverged" not in line


def test_on_the_bowl_adaptive_methods_beat_gradient_descent():
    settings = lab.path_settings(0.1, 0.9)
    _, losses = precompute.optimizer_paths(lab.SURFACES["elongated bowl"], settings, lab.PATH_STEPS)
    final = dict(zip(stacked.OPTIMIZERS, losses[:, -1], strict=True))
    assert final["rmsprop"] < 1e-3 * final["gd"] and final["adam"] < 1e-2 * final["gd"]


def test_the_saddle_is_a_saddle_and_its_plateau_holds_gradient_descent_longest():
    saddle = lab.SURFACES["saddle"]
    assert saddle.grad(0.0, 0.0) == (0.0, 0.0)
    e = 1e-3  # up along x, down along y: a saddle, not a minimum
    assert saddle.f(e, 0.0) > saddle.f(0.0, 0.0) == 0.25 > saddle.f(0.0, e)
    assert saddle.f(0.0, 1.0) == saddle.f(0.0, -1.0) == 0.0
    settings = lab.path_settings(0.03, 0.9)  # the numbers the lab quotes
    _, losses = precompute.optimizer_paths(saddle, settings, lab.PATH_STEPS)
    escape = {
        s.optimizer: int(np.argmax(loss < 0.01)) for s, loss in zip(settings, losses, strict=True)
    }
    steps_on_plateau = np.sum(np.abs(losses - 0.25) < 0.01, axis=1)  # near the saddle's loss
    assert steps_on_plateau[0] > 60 and steps_on_plateau[2] == 0  # gradient descent vs RMSprop
    assert 230 <= escape["gd"] <= 270 and 110 <= escape["adam"] <= 150 and escape["rmsprop"] <= 10


def test_decay_schedules_are_the_lectures_formulas():
    rates = lab.decay_schedules(ref.update_lr, 0.2, 50)  # the learner's update_lr, in the lab
    inverse, exponential, root, staircase = rates.values()
    assert "your update_lr" in list(rates)[0]
    np.testing.assert_allclose(inverse[:4], [0.1, 0.2 / 3, 0.05, 0.04])  # the lecture's example
    np.testing.assert_allclose(exponential[[0, 9]], 0.2 * 0.95 ** np.array([1, 10]))
    np.testing.assert_allclose(root[[0, 3, 15]], [0.2, 0.1, 0.05])
    assert list(staircase[[0, 8, 9, 19, 49]]) == [0.2, 0.2, 0.1, 0.05, 0.00625]


def test_loss_surface_explorer_redraws_on_every_control():
    ex = lab.loss_surface_explorer()
    surface, lr, beta = ex.controls.values()
    assert lr.continuous_update is True and beta.continuous_update is True
    first = ex.page.status
    surface.value = "Rosenbrock"
    assert ex.page.status != first
    lr.value = 1e-3
    assert "diverged" not in ex.page.status


def test_optimizer_explorer_greys_out_unused_betas_and_reports(moons):
    ex = lab.optimizer_explorer(moons)
    optimizer, decay, lr, beta, beta2, batch = ex.controls.values()
    assert all(c.continuous_update is True for c in (lr, beta, beta2, batch))  # lookups
    assert ex.page.status.startswith("adam, lr 0.0007, β1 0.9, β2 0.999, mini-batch 64: cost 0.134")
    assert ex.page.status.endswith("train accuracy 0.943, test accuracy 0.940")
    optimizer.value = "gd"
    assert beta.disabled and beta2.disabled
    assert "train accuracy 0.717" in ex.page.status
    optimizer.value = "momentum"
    assert not beta.disabled and beta2.disabled
    beta.value = 0.5
    assert ex.page.status.startswith("momentum, lr 0.0007, β 0.5, mini-batch 64")
    optimizer.value = "rmsprop"
    assert beta.disabled and not beta2.disabled
    batch.value = 1
    decay.value = "every 1000 epochs"
    assert ex.page.status.startswith(
        "rmsprop, lr 0.0007, β2 0.999, lr decay every 1000 epochs, mini-batch 1: "
    )
    assert "after 500 epochs" in ex.page.status


def test_optimizer_figure_bolds_the_chosen_curve(moons):
    grid = lab.explorer_grid(moons)
    setting = stacked.Setting("momentum", 0.1)
    view = lab.grid_view(grid, setting, 16)
    fig = lab.OptimizerFigure(moons).update(view).fig
    widths = {line.get_label(): line.get_linewidth() for line in fig.axes[0].lines}
    assert widths["momentum"] > widths["gd"] == widths["adam"] == widths["rmsprop"]
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), view["cost"])


def test_the_explorer_reads_the_paths_trained_ahead():
    trained = lab.loss_surface_paths()
    for surface, lr, beta in (("saddle", 10**-1.5, 0.9), ("Rosenbrock", 1e-4, 0.0)):
        points, losses = lab.paths_at(trained, surface, lr, beta)
        fresh = precompute.optimizer_paths(
            lab.SURFACES[surface], lab.path_settings(lr, beta), lab.PATH_STEPS
        )
        np.testing.assert_array_equal(points, fresh[0])
        np.testing.assert_array_equal(losses, fresh[1])
    with pytest.raises(ValueError, match="not on the explorer's slider"):
        lab.paths_at(trained, "saddle", 0.03, 0.9)


def test_the_decay_schedules_text_says_what_the_figure_shows():
    """The sentences under the schedules figure, read against the schedules (alpha0 = 0.2)."""
    inverse, exponential, root, _ = (
        rates / 0.2 for rates in lab.decay_schedules(ref.update_lr, 0.2, 50).values()
    )
    text = lab_text("optimization_methods", "falls fastest")
    percent = [round(100 * r) for r in (inverse[9], exponential[9], root[9], root[49])]
    assert percent == [9, 60, 32, 14]
    assert "down to 9% of" in text and "still 60% of" in text and "against 32%" in text
    assert "(14% of $\\alpha_0$ at epoch\n50)" in text
    assert inverse[9] < root[9] < exponential[9]  # at epoch 10: 1/(1+e) lowest, exponential highest
    crossing = 2 + int(np.argmax(exponential[1:] < root[1:]))  # at epoch 1 both are near alpha0
    assert crossing == 35 and "after\nabout 35 epochs" in text
    assert root[49] > exponential[49] > inverse[49]  # k / sqrt(epoch): the longest tail


def test_ewa_weight_after_one_over_one_minus_beta_steps_is_about_one_over_e():
    text = " ".join(lab_text("optimization_methods", "Unroll the recursion").split())
    for beta, steps in ((0.9, 10), (0.98, 50)):
        assert round(1 / (1 - beta)) == steps
        assert f"{beta:g}^{{{steps}}} = {beta**steps:.2f}" in text
    assert f"\\approx {np.exp(-1):.2f}" in text


def test_momentum_without_one_minus_beta_takes_the_same_steps_at_a_scaled_rate():
    """v = beta v + dW with alpha (1 - beta) moves W exactly as the lab's form with alpha."""
    rng = np.random.RandomState(0)
    grads = rng.randn(20, 3)
    beta, alpha = 0.9, 0.05
    v = v_plain = np.zeros(3)
    w = w_plain = np.zeros(3)
    for g in grads:
        v = beta * v + (1 - beta) * g
        w = w - alpha * v
        v_plain = beta * v_plain + g
        w_plain = w_plain - alpha * (1 - beta) * v_plain
    np.testing.assert_allclose(w_plain, w, rtol=1e-12)
    assert "multiplied by\n$(1 - \\beta)$" in lab_text("optimization_methods", "Some texts drop")
