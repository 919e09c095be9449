"""tools.stacked: K settings trained at once are K separate runs of the course's loops."""

import numpy as np
import pytest

from helpers import data, nn
from helpers.labs import optimization_methods as lab
from tools import reference as ref
from tools import stacked
from tools.course_trainings import course_model

S, R = stacked.Setting, stacked.Recipe


@pytest.fixture(scope="module")
def moons():
    return data.load_moons()


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
    start = lab.moons_start()
    recipe = R(lab.MOONS_LAYERS, SETTINGS, epochs, batch_size=batch_size, shuffle_seed=10)
    grid = stacked.train(X, Y, recipe.replace(observe_at=(epochs,)), start)
    assert grid["costs"].shape == (epochs, len(SETTINGS))
    for k, setting in enumerate(SETTINGS):
        parameters, costs = course_model(X, Y, setting, batch_size, epochs)
        np.testing.assert_allclose(grid["costs"][:, k], costs, rtol=1e-10, err_msg=setting.label)
        for key, value in parameters.items():
            np.testing.assert_allclose(grid[key][0, k], value, rtol=1e-9, atol=1e-12)


def manual_training(X, Y, params, lambd, keep_prob, iterations, lr=0.3):
    """Plain loop with the course's dropout masks (seed 1, same at every step) and L2."""
    params = {k: v.copy() for k, v in params.items()}
    m = X.shape[1]
    np.random.seed(1)
    D1 = (np.random.rand(params["W1"].shape[0], m) < keep_prob) / keep_prob
    D2 = (np.random.rand(params["W2"].shape[0], m) < keep_prob) / keep_prob
    for _ in range(iterations):
        A1 = nn.relu(params["W1"] @ X + params["b1"]) * D1
        A2 = nn.relu(params["W2"] @ A1 + params["b2"]) * D2
        A3 = nn.sigmoid(params["W3"] @ A2 + params["b3"])
        dZ3 = (A3 - Y) / m
        dZ2 = params["W3"].T @ dZ3 * D2 * (A2 > 0)
        dZ1 = params["W2"].T @ dZ2 * D1 * (A1 > 0)
        grads = {
            "W3": dZ3 @ A2.T,
            "W2": dZ2 @ A1.T,
            "W1": dZ1 @ X.T,
            "b3": dZ3.sum(1, keepdims=True),
            "b2": dZ2.sum(1, keepdims=True),
            "b1": dZ1.sum(1, keepdims=True),
        }
        for k in params:
            decay = lambd / m * params[k] if k.startswith("W") else 0
            params[k] = params[k] - lr * (grads[k] + decay)
    return params


def small_set(seed=4, m=40):
    rng = np.random.RandomState(seed)
    return rng.randn(2, m), (rng.rand(1, m) > 0.5).astype(np.int64)


def test_l2_and_fixed_dropout_settings_equal_separate_runs():
    X, Y = small_set()
    start = ref.seeded_initialization([2, 20, 3, 1], ref.lecun_scale, seed=0)
    settings = [(0.0, 1.0), (0.7, 1.0), (0.0, 0.86), (3.0, 1.0)]
    recipe = R(
        [2, 20, 3, 1],
        [S("gd", 0.3, l2=lam, keep_prob=kp) for lam, kp in settings],
        300,
        dropout="fixed",
        dropout_seed=1,
        record_every=100,
        observe_at=(0, 100, 300),
    )
    grid = stacked.train(X, Y, recipe, start)
    assert grid["W1"].shape == (3, 4, 20, 2) and grid["costs"].shape == (3, 4)
    np.testing.assert_array_equal(grid["W1"][0, 2], start["W1"])
    for k, (lambd, keep) in enumerate(settings):
        expected = manual_training(X, Y, start, lambd, keep, 300)
        for key, value in expected.items():
            np.testing.assert_allclose(grid[key][-1, k], value, rtol=1e-10, atol=1e-12)
    # The plain setting is exactly nn.train (bit for bit), the labs' own trainer.
    plain, plain_costs = nn.train(X, Y, start, 0.3, 300)
    for key, value in plain.items():
        np.testing.assert_array_equal(grid[key][-1, 0], value)
    np.testing.assert_allclose(grid["costs"][:, 0], plain_costs[:3])


def test_fresh_dropout_draws_a_new_mask_every_step():
    X, Y = small_set()
    start = ref.seeded_initialization([2, 20, 3, 1], ref.lecun_scale, seed=0)
    setting = [S("gd", 0.05, keep_prob=0.5)]
    run = lambda mode, seed=1: stacked.train(  # noqa: E731
        X, Y, R([2, 20, 3, 1], setting, 200, dropout=mode, dropout_seed=seed), start
    )
    fixed, fresh = run("fixed"), run("fresh")
    # Both start with the same mask; then one fixed thinned net descends smoothly, while
    # fresh masks make the cost jump up and down from step to step.
    assert fixed["costs"][0, 0] == fresh["costs"][0, 0]
    assert np.all(np.diff(fixed["costs"][:, 0]) <= 1e-12)
    assert np.sum(np.diff(fresh["costs"][:, 0]) > 0) > 20
    np.testing.assert_array_equal(run("fresh")["costs"], fresh["costs"])  # seeded
    assert not np.array_equal(run("fresh", seed=2)["costs"], fresh["costs"])
    with pytest.raises(ValueError, match="full batch only"):
        stacked.train(X, Y, R([2, 20, 3, 1], setting, 1, batch_size=8, dropout="fixed"), start)


def test_summed_loss_is_the_mean_with_the_rate_scaled_l2_included():
    """Gradient descent on the summed loss at lr / b is the mean loss at lr, for every
    mini-batch size b, when L2 carries b/m of lambda (what the trainer's comment says)."""
    X, Y = small_set(m=30)
    onehot = np.eye(3)[np.arange(30) % 3].T
    start = ref.seeded_initialization([2, 6, 3], ref.he_scale, seed=0)
    for b in (30, 10, 8):  # b = 10 < m: L2's b/m is not 1 (a factor lost would pass at b = m)
        recipe = R([2, 6, 3], [S("gd", 0.1, l2=0.5)], 5, b, output="softmax", observe_at=(5,))
        mean = stacked.train(X, onehot, recipe, start)
        # with equal-size batches only: the last batch of 8 holds 6 examples
        if 30 % b == 0:
            summed = recipe.replace(settings=[S("gd", 0.1 / b, l2=0.5)], loss="sum")
            total = stacked.train(X, onehot, summed, start)
            for key in ("W1", "b1", "W2", "b2"):
                np.testing.assert_allclose(total[key], mean[key], rtol=1e-12)
        np.testing.assert_allclose(mean["costs"][0, 0], np.log(3), rtol=0.5)


def test_softmax_output_learns_and_predicts_classes():
    rng = np.random.RandomState(0)
    X = rng.randn(2, 90)
    labels = np.argmax(np.array([[1, 0], [-1, 1], [0, -1]]) @ X, axis=0)
    onehot = np.eye(3)[labels].T
    start = ref.seeded_initialization([2, 8, 3], ref.he_scale, seed=1)
    recipe = R([2, 8, 3], [S("adam", 0.05)], 200, output="softmax", observe_at=(200,))
    out = stacked.train(X, onehot, recipe.replace(record_every=50), start)
    assert out["costs"][-1, 0] < 0.3 * out["costs"][0, 0]
    trained = {k: out[k][0] for k in ("W1", "b1", "W2", "b2")}
    assert np.mean(stacked.predict(X, trained, "softmax")[0] == labels) > 0.9


def test_log_softmax_is_stable_for_huge_logits():
    Z = np.array([[1000.0, -1000.0], [0.0, 0.0], [-1000.0, 1000.0]])
    out = stacked.log_softmax(Z)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(np.exp(out).sum(axis=0), 1.0)


def test_training_leaves_the_global_random_state_alone():
    X, Y = small_set()
    start = ref.seeded_initialization([2, 20, 3, 1], ref.lecun_scale, seed=0)
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    recipe = R([2, 20, 3, 1], [S("gd", 0.3, keep_prob=0.5)], 3, batch_size=16, shuffle_seed=10)
    stacked.train(X, Y, recipe, start)
    assert np.random.rand() == expected


def test_the_grids_key_holds_the_trainers_version(tmp_path, monkeypatch):
    """helpers.grids.TRAINER is the checksum of the trainer's code (blank and comment lines
    aside), and make datasets refuses to train while it is stale."""
    from helpers import grids
    from tools import precompute

    assert precompute.stale_trainer() is None, precompute.stale_trainer()
    copies = []
    for path in precompute.TRAINER_FILES:
        copies.append(tmp_path / path.name)
        copies[-1].write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(precompute, "TRAINER_FILES", tuple(copies))
    source = copies[0].read_text(encoding="utf-8")
    windows = f"# a comment\n{source}\n\n    # another\n".replace("\n", "\r\n")
    copies[0].write_text(windows, encoding="utf-8", newline="")
    assert precompute.trainer_version() == grids.TRAINER  # comments, blank lines, CRLF: no change
    copies[0].write_text(source + "\nEPSILON_USED = 1e-7\n", encoding="utf-8")
    assert precompute.trainer_version() != grids.TRAINER
    with pytest.raises(SystemExit, match=r'set TRAINER = "[0-9a-f]{12}" in helpers/grids.py'):
        precompute.main()
