"""The labs in real JupyterLab and a real browser (Debian's chromium, driven by Playwright).

Each lab as the grader runs it, with its explorers: its demo cells (trainings, tables and
plots, tagged ``skip-when-grading``) are left out, as nbval runs every cell of every lab in the
same test run and compares it with the committed outputs, which hold no error and no stderr
(tests/test_notebooks.py); run all, wait for every cell to finish, assert no cell shows an
error or stderr. Each explorer: move a slider with the keyboard, as a person would, and
assert that the rendered figure changed and that the status line now says what the compute
functions give for the new value. Screenshots before / after go to ``build/browser/``
(or ``$BROWSER_SCREENSHOTS``).

Without chromium these tests skip; with ``REQUIRE_BROWSER=1`` (set by .ci/run) they fail.
"""

import html
import json
import os
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from helpers import data
from helpers.labs import (
    batch_normalization,
    gradient_checking,
    hyperparameter_tuning,
    initialization,
    optimization_methods,
    regularization,
    tensorflow_introduction,
)
from tools import browser as browser_tools
from tools import feedback, reference, stacked

CHROMIUM = browser_tools.chromium_path()
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "build" / "browser"))

if CHROMIUM is None:
    message = (
        "chromium not found: install it (Debian: apt-get install chromium) to run the browser tests"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(message + " (REQUIRE_BROWSER=1)")
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free loopback port, serving a copy of notebooks/ without the
    labs' demo cells (``browser.without_demos``)."""
    workdir = tmp_path_factory.mktemp("lab")
    try:
        with browser_tools.jupyterlab(
            ROOT / "notebooks", workdir, data.data_dir(), demos=False
        ) as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with browser_tools.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def expected_initialization(scale):
    run = initialization.initialization_run(reference.HE, scale, data.load_circles())
    initialization.train_run(run, initialization.ITERATIONS, data.load_circles())
    acc = initialization.initialization_metrics(run, initialization.ITERATIONS, data.load_circles())
    return (
        f"{initialization.setting_label('He', scale)} after {initialization.ITERATIONS} iterations: "
        f"train accuracy {acc['train']:.3f}, test accuracy {acc['test']:.3f}"
    )


def expected_regularization(lambd):
    view = regularization.regularization_view(
        regularization.regularization_grid(), lambd, 1.0, regularization.ITERATIONS
    )
    return regularization.regularization_summary(view, lambd, 1.0, regularization.ITERATIONS)


def expected_gradient_check(epsilon):
    bug = "dW2 × 2 and db1 × 4 (the lab's)"
    curves = {
        "correct": gradient_checking.epsilon_sweep(reference.gradient_check_n),
        bug: gradient_checking.epsilon_sweep(reference.gradient_check_n, bug),
    }
    return gradient_checking.epsilon_summary(curves, epsilon)


def expected_ewa(beta):
    return optimization_methods.ewa_summary(optimization_methods.temperature_series(), beta, False)


def expected_optimizer(learning_rate):
    view = optimization_methods.grid_view(
        optimization_methods.explorer_grid(), stacked.Setting("adam", learning_rate), 64
    )
    return optimization_methods.optimizer_summary(view, stacked.Setting("adam", learning_rate), 64)


def expected_signs(learning_rate):
    run = tensorflow_introduction.signs_run(data.load_signs(), learning_rate, 32, "none")
    label = f"lr {learning_rate:.2g}, mini-batch 32, none"
    return tensorflow_introduction.signs_summary(run, tensorflow_introduction.SIGNS_EPOCHS, label)


def expected_batchnorm(learning_rate):
    grid = batch_normalization.batchnorm_grid()
    view = batch_normalization.batchnorm_view(grid, 6, True, 64, learning_rate)
    return batch_normalization.batchnorm_summary(view, 6, 64, learning_rate)


def expected_tuning(budget):
    evaluate = hyperparameter_tuning.MapReader(hyperparameter_tuning.response_map())
    runs = hyperparameter_tuning.tuning_runs(
        evaluate, budget, reference.random_trials, reference.next_box, 0, "log"
    )
    return hyperparameter_tuning.search_summary(evaluate, runs["random"], "random", "log")


# notebook: [(explorer, slider to move, expected status after one step right, whether that
# setting is drawn ahead (a lookup) or trained by the kernel when the learner gets there)]
LABS = {
    "week1/initialization.ipynb": [(0, 0, lambda: expected_initialization(10**0.25), False)],
    "week1/regularization.ipynb": [(0, 0, lambda: expected_regularization(0.001), True)],
    "week1/gradient_checking.ipynb": [(0, 0, lambda: expected_gradient_check(10**-6.5), True)],
    "week2/optimization_methods.ipynb": [
        (0, 0, lambda: expected_ewa(0.95), True),
        (2, 0, lambda: expected_optimizer(0.001), True),
    ],
    "week3/hyperparameter_tuning.ipynb": [(0, 0, lambda: expected_tuning(36), True)],
    "week3/batch_normalization.ipynb": [(0, 0, lambda: expected_batchnorm(0.3), True)],
    "week3/tensorflow_introduction.ipynb": [(0, 0, lambda: expected_signs(10**-3.75), False)],
}


# notebook: (explorer, slider that trains, the start of its status at slider position v)
TRAINS = {
    "week1/initialization.ipynb": (
        0,
        0,
        lambda v: f"{initialization.setting_label('He', 10**v)} after ",
    ),
    "week3/tensorflow_introduction.ipynb": (0, 0, lambda v: f"lr {10**v:.2g}, mini-batch 32, "),
}


@pytest.mark.parametrize("notebook", sorted(LABS))
def test_lab_runs_and_explorers_respond(lab, browser, notebook):
    """Run All (without the demo cells) shows no error; one key press on a slider changes
    the figure and the status line to what the compute functions give (from a frame drawn
    ahead, or drawn by the kernel for a setting that trains), the figure fits its cell at a 1280-px window; then
    every explorer of the lab passes axe-core's rules (the figure's text alternative is its
    status line, each slider handle is named and says its value), answers each of 12
    key presses with a frame drawn ahead, painted on screen (the time each took goes to
    ``latency-<lab>.json``; ``make bench`` reports it), and a mouse drag across the slider
    paints the figures of the values it passes. An explorer that trains is then hammered
    (``browser.hammer``): after each pause it settles on the setting its slider shows, never
    stuck on "training…"."""
    url, token = lab
    page = browser.new_page()
    try:
        browser_tools.run_all(page, url, token, notebook)
        assert browser_tools.errors(page) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for index, slider, expected, ahead in LABS[notebook]:
            explorer = browser_tools.explorers(page).nth(index)
            explorer.scroll_into_view_if_needed()
            browser_tools.drawn_ahead(explorer)
            past, scale = browser_tools.figure_fit(page, explorer)
            assert past <= 0.5 and scale <= 1.0, f"the figure is cut off ({past:.0f} px)"
            shown = browser_tools.frames_shown(explorer)
            stem = f"{Path(notebook).stem}-{index}"
            explorer.screenshot(path=SHOTS / f"{stem}-before.png")
            (status0, image0), (status1, image1) = browser_tools.move_slider(page, explorer, slider)
            explorer.screenshot(path=SHOTS / f"{stem}-after.png")
            assert image1 != image0, "the figure did not change"
            shots = [(SHOTS / f"{stem}-{when}.png").read_bytes() for when in ("before", "after")]
            assert shots[0] != shots[1], "the screenshots before and after are the same picture"
            assert status1 == expected(), f"status went from {status0!r} to {status1!r}"
            assert browser_tools.frames_shown(explorer) - shown == (1 if ahead else 0)
            assert browser_tools.errors(page) == []
            print(f"screenshots: {SHOTS / stem}-before.png, {SHOTS / stem}-after.png")
        latencies = {}
        for index, slider, name in browser_tools.TIMED[notebook]:
            explorer = browser_tools.explorers(page).nth(index)
            explorer.scroll_into_view_if_needed()
            # axe-core: the figure's text alternative (its status line), every control named
            assert browser_tools.accessibility(page, explorer) == {}, name
            alt = explorer.locator(".explorer-figure").get_attribute("alt")
            assert alt == explorer.locator(".explorer-status").inner_text(), name
            shown = browser_tools.frames_shown(explorer)
            times = browser_tools.time_key_presses(page, explorer, slider, moves=12)
            assert len(times) == 12 and all(0 < t < 60_000 for t in times), times
            # every press was answered in the browser, from the frames drawn ahead
            assert browser_tools.frames_shown(explorer) - shown == 12
            latencies[name] = browser_tools.latency_stats(times)
            # a mouse drag across the slider: the figure follows it, not only its end
            latencies[name]["drag"] = sweep = browser_tools.drag(page, explorer, slider)
            assert sweep["painted"] >= (sweep["values"] - 1) // 2, sweep
        if notebook in TRAINS:  # bursts of presses, presses while training, a drag
            index, slider, status_at = TRAINS[notebook]
            explorer = browser_tools.explorers(page).nth(index)
            for position, status in browser_tools.hammer(page, explorer, slider):
                assert status.startswith(status_at(float(position))), (position, status)
        assert browser_tools.errors(page) == []
        (SHOTS / f"latency-{Path(notebook).stem}.json").write_text(json.dumps(latencies))
        print(latencies)
    finally:
        page.close()


def _saved(url, token, notebook):
    """The notebook as the server holds it now (Jupyter's contents API)."""
    query = f"{url}/api/contents/{notebook}?content=1&token={token}"
    with urllib.request.urlopen(query, timeout=30) as answer:
        return nbformat.from_dict(json.load(answer)["content"])


def test_a_saved_lab_keeps_its_explorers_last_frame_for_the_feedback(lab, browser):
    """JupyterLab saves the widgets' state (saveState, tools/jupyterlab_overrides.json), so
    a learner's saved lab holds each explorer's last frame; the feedback page shows it with
    its status line. Saved right after a move answered from a frame drawn ahead: the page's
    model follows the screen at once (before, it kept the frame before the move until the
    kernel caught up, 0.3 s later, and a save in between kept the old figure)."""
    url, token = lab
    notebook = "week1/gradient_checking.ipynb"
    page = browser.new_page()
    try:
        browser_tools.run_all(page, url, token, notebook)
        explorer = browser_tools.explorers(page).nth(0)
        explorer.scroll_into_view_if_needed()
        browser_tools.drawn_ahead(explorer)
        shown = browser_tools.frames_shown(explorer)
        _, (status, _) = browser_tools.move_slider(page, explorer, 0)
        page.keyboard.press("Control+s")
        assert browser_tools.frames_shown(explorer) == shown + 1  # the browser answered
        for _ in range(60):
            saved = _saved(url, token, notebook)
            frames = feedback._frames(saved)
            if any(shown == status for _, shown in frames.values()):
                break
            page.wait_for_timeout(500)
    finally:
        page.close()
    (png,) = {png for png, shown in frames.values() if shown == status}
    text = feedback.page(saved, "feedback", "")
    assert f'src="data:image/png;base64,{png}"' in text and html.escape(status, quote=False) in text
    assert "open the notebook in JupyterLab" not in text  # no explorer left as a placeholder


def test_every_explorer_is_timed():
    """The browser timings cover every explorer of every lab (``tools.browser.TIMED``)."""
    for path in sorted((ROOT / "notebooks").glob("week*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        calls = sum(c.source.count("_explorer(") for c in nb.cells if c.cell_type == "code")
        timed = browser_tools.TIMED.get(f"{path.parent.name}/{path.name}", [])
        assert len(timed) == calls, f"{path.name}: {calls} explorers, {len(timed)} timed"
        assert f"{path.parent.name}/{path.name}" in LABS


def test_no_jupyter_news_prompt(lab, browser):
    """A learner's first JupyterLab does not ask about official Jupyter news (the venv's
    overrides.json, installed by `make jupyter-settings`, turns it off)."""
    url, token = lab
    page = browser.new_page()
    try:
        page.goto(f"{url}/lab?reset&token={token}")
        page.wait_for_selector(".jp-Launcher", timeout=120_000)
        page.wait_for_timeout(5000)  # the prompt comes a moment after start-up
        assert page.get_by_text("Jupyter news").count() == 0, (
            "JupyterLab asks about Jupyter news: run `make jupyter-settings`"
        )
    finally:
        page.close()
