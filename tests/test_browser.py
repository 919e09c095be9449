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
from helpers.labs import initialization
from tools import browser as browser_tools
from tools import explorers as explorer_tools
from tools import feedback

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


@pytest.fixture(scope="module")
def explorers():
    """Every explorer of the labs, built headless on the course's solutions as its cell opens
    it (``tools.explorers``): what the browser must show is computed from them."""
    with explorer_tools.course_solutions():
        yield explorer_tools.built()


LABS = sorted({cell.notebook for cell in explorer_tools.cells()})


# notebook: (explorer, slider that trains, the start of its status at slider position v)
TRAINS = {
    "week1/initialization.ipynb": (
        0,
        0,
        lambda v: f"{initialization.setting_label('He', 10**v)} after ",
    ),
    "week3/tensorflow_introduction.ipynb": (0, 0, lambda v: f"lr {10**v:.2g}, mini-batch 32, "),
}


@pytest.mark.parametrize("notebook", LABS)
def test_lab_runs_and_explorers_respond(lab, browser, explorers, notebook):
    """Run All (without the demo cells) shows no error; on each explorer, one key press on
    its first slider changes the figure and the status line to what the explorer built
    headless gives for that setting (``figure.status(view(...))``: from a frame drawn ahead,
    or drawn by the kernel for a setting that trains), and the figure fits its cell at a
    1280-px window; then every explorer of the lab passes axe-core's rules (the figure's text
    alternative is its status line, each slider handle is named and says its value), answers
    each of 12 key presses on its timed slider with a frame drawn ahead, painted on screen
    (the time each took goes to ``latency-<lab>.json``; ``make bench`` reports it), and a
    mouse drag across the slider paints the figures of the values it passes. An explorer
    that trains is then hammered (``browser.hammer``): after each pause it settles on the
    setting its slider shows, never stuck on "training…"."""
    url, token = lab
    mine = [(cell, ex) for cell, ex in explorers if cell.notebook == notebook]
    timed = explorer_tools.timed(mine)[notebook]  # before a setting is trained below
    page = browser.new_page()
    try:
        browser_tools.run_all(page, url, token, notebook)
        assert browser_tools.errors(page) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for cell, ex in mine:
            name = explorer_tools.sliders(ex)[0]
            moved = explorer_tools.step(ex, name)
            ahead = ex.drawn_ahead(name, moved)  # else the kernel trains it when it gets there
            expected = explorer_tools.settled_status(ex, moved)
            explorer = browser_tools.explorers(page).nth(cell.index)
            explorer.scroll_into_view_if_needed()
            browser_tools.drawn_ahead(explorer)
            past, scale = browser_tools.figure_fit(page, explorer)
            assert past <= 0.5 and scale <= 1.0, f"the figure is cut off ({past:.0f} px)"
            shown = browser_tools.frames_shown(explorer)
            stem = f"{Path(notebook).stem}-{cell.index}"
            explorer.screenshot(path=SHOTS / f"{stem}-before.png")
            (status0, image0), (status1, image1) = browser_tools.move_slider(page, explorer, 0)
            explorer.screenshot(path=SHOTS / f"{stem}-after.png")
            assert image1 != image0, "the figure did not change"
            shots = [(SHOTS / f"{stem}-{when}.png").read_bytes() for when in ("before", "after")]
            assert shots[0] != shots[1], "the screenshots before and after are the same picture"
            assert status1 == expected, f"status went from {status0!r} to {status1!r}"
            assert browser_tools.frames_shown(explorer) - shown == (1 if ahead else 0)
            assert browser_tools.errors(page) == []
            print(f"screenshots: {SHOTS / stem}-before.png, {SHOTS / stem}-after.png")
        latencies = {}
        for index, slider, name in timed:
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


def test_every_explorer_is_tested_and_timed(explorers):
    """Every explorer cell of every lab is found (``tools.explorers``) and has a slider
    whose next step is drawn ahead, to time key presses on."""
    for path in sorted((ROOT / "notebooks").glob("week*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        calls = sum(c.source.count("_explorer(") for c in nb.cells if c.cell_type == "code")
        found = [cell for cell, _ in explorers if cell.notebook.endswith(f"/{path.name}")]
        assert len(found) == calls, f"{path.name}: {calls} explorers, {len(found)} found"
    timed = explorer_tools.timed(explorers)
    assert sum(map(len, timed.values())) == len(explorers)


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
