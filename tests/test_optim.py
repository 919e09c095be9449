"""helpers.optim: the stacked trainer is the lab's model, the update rule is the course's."""

import contextlib
import io

import numpy as np
import pytest
import reference as ref

from helpers import data, nn, optim, runtime

S = optim.Setting


@pytest.fixture(scope="module")
def moons():
    return data.load_moons()


def course_model(X, Y, setting, batch_size=64, num_epochs=5000):
    """The course's model loop, with the reference (course) update functions."""
    parameters = optim.he_initialization(optim.MOONS_LAYERS)
    v, s = ref.initialize_adam(parameters)
    decay = {"none": None, "every epoch": ref.update_lr, "every 1000 epochs": ref.schedule_lr_decay}
    decay = decay[setting.decay]
    lr, t, seed, costs = setting.learning_rate, 0, 10, []
    for i in range(num_epochs):
        seed += 1
        total = 0.0
        for bX, bY in ref.random_mini_batches(X, Y, batch_size, seed):
            a3, cache = nn.forward_propagation(bX, parameters)
            total += nn.compute_cost(a3, bY) * bY.shape[1]
            grads = nn.backward_propagation(bX, bY, cache)
            if setting.optimizer == "gd":
                parameters = ref.update_parameters_with_gd(parameters, grads, lr)
            elif setting.optimizer == "momentum":
                parameters, v = ref.update_parameters_with_momentum(
                    parameters, grads, v, setting.beta, lr
                )
            elif setting.optimizer == "rmsprop":
                parameters, s = ref.update_parameters_with_rmsprop(
                    parameters, grads, s, setting.beta2, lr
                )
            else:
                t += 1
                parameters, v, s, _, _ = ref.update_parameters_with_adam(
                    parameters, grads, v, s, t, lr, setting.beta, setting.beta2
                )
        costs.append(total / X.shape[1])
        if decay:
            lr = decay(setting.learning_rate, i, 1)
    return parameters, costs


SETTINGS = [
    S("gd", 0.1),
    S("momentum", 0.05, beta=0.8),
    S("rmsprop", 0.01, beta2=0.99),
    S("adam", 0.01, beta=0.5, beta2=0.99),
    S("gd", 0.3, decay="every epoch"),
    S("adam", 0.03, decay="every 1000 epochs"),
]


@pytest.mark.parametrize("batch_size", [1, 64, 300])
def test_stacked_training_is_the_course_loop_for_every_setting(moons, batch_size):
    X, Y = moons[0], moons[1]
    epochs = 3 if batch_size == 1 else 30
    grid = optim.train_grid(X, Y, SETTINGS, batch_size, epochs, record_every=1)
    assert grid["costs"].shape == (epochs, len(SETTINGS))
    for k, setting in enumerate(SETTINGS):
        parameters, costs = course_model(X, Y, setting, batch_size, epochs)
        np.testing.assert_allclose(grid["costs"][:, k], costs, rtol=1e-10, err_msg=setting.label)
        for key, value in parameters.items():
            np.testing.assert_allclose(grid[key][k], value, rtol=1e-9, atol=1e-12)


def test_decay_crosses_the_time_interval_boundary(moons):
    setting = S("gd", 0.5, decay="every 1000 epochs")
    got = optim.decayed_rate([0.5], [999, 1000, 2500][1], ["every 1000 epochs"])
    assert got[0] == pytest.approx(0.25)
    for epoch in (0, 999, 1000, 2999, 3000):
        assert optim.decayed_rate(0.5, epoch, setting.decay) == ref.schedule_lr_decay(0.5, epoch, 1)
        assert optim.decayed_rate(0.5, epoch, "every epoch") == ref.update_lr(0.5, epoch, 1)
        assert optim.decayed_rate(0.5, epoch, "none") == 0.5


def test_grid_trains_the_labs_numbers(moons):
    """The explorer's default setting is the lab's Adam run: same costs, same accuracy."""
    grid = optim.explorer_grid(moons)
    parameters, costs = course_model(moons[0], moons[1], S("adam", 0.0007))
    view = optim.grid_view(grid, S("adam", 0.0007), 64)
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
    settings = set(optim.explorer_settings())
    assert len(settings) == len(optim.explorer_settings()) == 324
    for decay in optim.DECAYS:
        for lr in optim.LEARNING_RATES:
            for beta in optim.BETAS:
                for beta2 in optim.BETA2S:
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

    monkeypatch.setattr(optim, "train_explorer_grid", fake_train)
    optim.explorer_grid(small, cache_dir=tmp_path)
    optim.explorer_grid(small, cache_dir=tmp_path)
    assert len(calls) == 1 and len(list(tmp_path.glob("optimizers-*.npz"))) == 1
    optim.explorer_grid(tuple(a[:, :41] for a in moons), cache_dir=tmp_path)
    assert len(calls) == 2


def test_setting_rejects_unknown_names():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        S("sgd", 0.1)
    with pytest.raises(ValueError, match="decay must be one of"):
        S("adam", 0.1, decay="exponential")


def test_ewa_is_the_recursion_and_bias_correction_starts_on_the_data():
    series = optim.temperature_series()
    assert series.shape == (365,)
    v, expected = 0.0, []
    for theta in series[:50]:
        v = 0.9 * v + 0.1 * theta
        expected.append(v)
    np.testing.assert_allclose(optim.ewa(series[:50], 0.9), expected, rtol=1e-15)
    corrected = optim.ewa(series, 0.98, bias_correction=True)
    assert corrected[0] == pytest.approx(series[0])
    assert abs(optim.ewa(series, 0.98)[0]) < 0.05 * abs(series[0])
    np.testing.assert_array_equal(optim.ewa(series, 0.0), series)
    np.testing.assert_array_equal(optim.temperature_series(), series)  # deterministic


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
    surface = optim.SURFACES[surface]
    names = optim.OPTIMIZERS
    paths, losses = optim.optimizer_paths(surface, [S(n, lr) for n in names], steps=50)
    assert paths.shape == (4, 51, 2) and losses.shape == (4, 51)
    for k, name in enumerate(names):
        expected = learner_style_path(surface, course_update(name, lr), 50)
        np.testing.assert_allclose(paths[k], expected, rtol=1e-12, err_msg=name)


def test_a_diverging_path_stops_and_stays_finite():
    surface = optim.SURFACES["Rosenbrock"]
    paths, losses = optim.optimizer_paths(surface, [S("gd", 0.1), S("adam", 0.1)], steps=300)
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
