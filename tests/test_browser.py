"""The labs in real JupyterLab and a real browser (Debian's chromium, driven by Playwright).

Each lab: open it, run all cells, wait for every cell to finish, assert no cell shows an
error or stderr. Each explorer: move a slider with the keyboard, as a person would, and
assert that the rendered figure changed and that the status line now says what the compute
functions give for the new value. Screenshots before / after go to ``build/browser/``
(or ``$BROWSER_SCREENSHOTS``).

Without chromium these tests skip; with ``REQUIRE_BROWSER=1`` (set by .ci/run) they fail.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

from helpers import data, stacked
from helpers.labs import (
    batch_normalization,
    gradient_checking,
    hyperparameter_tuning,
    initialization,
    optimization_methods,
    regularization,
    tensorflow_introduction,
)
from tools import reference

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "build" / "browser"))
# Keep chromium off the network and out of any existing profile.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--disable-quic", "--metrics-recording-only",
]  # fmt: skip

if CHROMIUM is None:
    message = (
        "chromium not found: install it (Debian: apt-get install chromium) to run the browser tests"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(message + " (REQUIRE_BROWSER=1)")
    pytest.skip(message, allow_module_level=True)


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free loopback port, serving a copy of notebooks/."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    # A fresh user-settings folder: what JupyterLab shows comes from the venv's defaults
    # (make jupyter-settings installs tools/jupyterlab_overrides.json there).
    (root / "settings").mkdir()
    port, token = free_port(), secrets.token_hex(16)
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "COURSE_DATA_DIR": str(data.data_dir()),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
    }
    cmd = [
        str(bin_dir / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root / 'notebooks'}",
        "--allow-root",
    ]
    log = open(root / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                pytest.fail(
                    f"JupyterLab did not start: {(root / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.5)
    yield url, token
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        yield context
        context.close()


def click_menu(page, menu, item):
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def run_all(page, url, token, notebook, timeout=300):
    """Open ``notebook``, clear the committed outputs, run all cells, and wait until nothing
    is queued and every cell has run, or a cell failed (JupyterLab then stops there)."""
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={token}")  # reset: no restored tabs
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    click_menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(
        f"""() => [...document.querySelectorAll("{PANEL} .jp-CodeCell .jp-InputPrompt")]
                  .every(p => !/\\d/.test(p.textContent))"""
    )
    click_menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        f"""() => {{
            const panel = document.querySelector("{PANEL}");
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            const queued = prompts.some(p => p.textContent.includes('*'));
            const allRun = prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            const failed = panel.querySelector("[data-mime-type='application/vnd.jupyter.stderr']");
            return prompts.length > 0 && !queued && (allRun || failed);
        }}""",
        timeout=timeout * 1000,
    )


def assert_no_errors(page):
    bad = page.locator(
        f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    texts = [bad.nth(i).inner_text()[:300] for i in range(bad.count())]
    assert texts == [], f"cells show errors or stderr: {texts}"


def explorer_state(explorer):
    """(status line, figure PNG source) of an explorer."""
    status = explorer.locator(":scope > .widget-label").inner_text()
    image = explorer.locator("img").first.get_attribute("src")
    return status, image


def move_slider(page, explorer, index, key="ArrowRight"):
    """Focus the index-th slider's handle and press a key, as a person would."""
    before = explorer_state(explorer)
    explorer.locator(".widget-hslider .noUi-handle").nth(index).focus()
    page.keyboard.press(key)
    page.wait_for_function(
        """([el, status, image]) => {
            const s = el.querySelector(':scope > .widget-label').textContent;
            const i = el.querySelector('img')?.getAttribute('src');
            return s !== status && i && i !== image && !s.includes('training…');
        }""",
        arg=[explorer.element_handle(), *before],
        timeout=60_000,
    )
    return before, explorer_state(explorer)


def expected_initialization(scale):
    run = initialization.initialization_run(reference.HE, scale, data.load_circles())
    initialization.train_run(run, initialization.ITERATIONS, data.load_circles())
    acc = initialization.initialization_metrics(run, initialization.ITERATIONS, data.load_circles())
    return (
        f"He × {scale:g} after {initialization.ITERATIONS} iterations: "
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
    runs = hyperparameter_tuning.tuning_runs(evaluate, budget, 0, "log")
    return hyperparameter_tuning.search_summary(evaluate, runs["random"], "random", "log")


LABS = {  # notebook: (explorer, slider to move, expected status after one step right), ...
    "week1/initialization.ipynb": [(0, 0, lambda: expected_initialization(10**0.25))],
    "week1/regularization.ipynb": [(0, 0, lambda: expected_regularization(0.001))],
    "week1/gradient_checking.ipynb": [(0, 0, lambda: expected_gradient_check(10**-6.5))],
    "week2/optimization_methods.ipynb": [
        (0, 0, lambda: expected_ewa(0.95)),
        (2, 0, lambda: expected_optimizer(0.001)),
    ],
    "week3/hyperparameter_tuning.ipynb": [(0, 0, lambda: expected_tuning(36))],
    "week3/batch_normalization.ipynb": [(0, 0, lambda: expected_batchnorm(0.3))],
    "week3/tensorflow_introduction.ipynb": [(0, 0, lambda: expected_signs(10**-3.75))],
}


@pytest.mark.parametrize("notebook", sorted(LABS))
def test_lab_runs_and_explorers_respond(lab, browser, notebook):
    url, token = lab
    page = browser.new_page()
    try:
        run_all(page, url, token, notebook)
        assert_no_errors(page)
        explorers = page.locator(f"{PANEL} .widget-vbox:has(.widget-hslider)")
        for index, slider, expected in LABS[notebook]:
            explorer = explorers.nth(index)
            explorer.scroll_into_view_if_needed()
            explorer.locator("img").first.wait_for()
            SHOTS.mkdir(parents=True, exist_ok=True)
            stem = f"{Path(notebook).stem}-{index}"
            explorer.screenshot(path=SHOTS / f"{stem}-before.png")
            (status0, image0), (status1, image1) = move_slider(page, explorer, slider)
            explorer.screenshot(path=SHOTS / f"{stem}-after.png")
            assert image1 != image0, "the figure did not change"
            shots = [(SHOTS / f"{stem}-{when}.png").read_bytes() for when in ("before", "after")]
            assert shots[0] != shots[1], "the screenshots before and after are the same picture"
            assert status1 == expected(), f"status went from {status0!r} to {status1!r}"
            assert_no_errors(page)
            print(f"screenshots: {SHOTS / stem}-before.png, {SHOTS / stem}-after.png")
    finally:
        page.close()


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
