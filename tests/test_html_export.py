"""Explorers alive with no kernel (``make html``, tools/html_export.py): the Gradient Checking
lab exported, opened in chromium from disk with no network and in JupyterLab with its kernel
shut down. Moving the slider swaps a saved frame (the status line is the one the explorer
computes for that setting); a setting with no saved frame says to run the lab.

Needs chromium and npm (the pages' scripts come from the npm registry once); without them
these tests skip, with ``REQUIRE_BROWSER=1`` (set by .ci/run) they fail.
"""

import os
import shutil

import nbformat
import pytest
from nbformat.sign import NotebookNotary

from helpers import data
from tools import browser as browser_tools
from tools import explorers as explorer_tools
from tools import html_export

LAB = "week1/gradient_checking.ipynb"
NO_FRAME = "No figure saved for this setting: run the lab to explore further."

missing = [
    name
    for name, found in (("chromium", browser_tools.chromium_path()), ("npm", shutil.which("npm")))
    if found is None
]
if missing:
    message = (
        f"{' and '.join(missing)} not found: install them (Debian: apt-get install chromium npm)"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(message + " (REQUIRE_BROWSER=1)")
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The lab exported by ``make html``'s tool into a fresh folder (scripts fetched anew)."""
    out = tmp_path_factory.mktemp("html")
    html_export.main([str(explorer_tools.NOTEBOOKS / LAB), "--out", str(out)])
    return out


@pytest.fixture(scope="module")
def explorer():
    """The lab's explorer built headless on the course's solutions: what the page must say."""
    (cell,) = [c for c in explorer_tools.cells() if c.notebook == LAB]
    with explorer_tools.course_solutions():
        ex = explorer_tools.build(cell)
        yield ex, explorer_tools.step(ex, "epsilon"), ex.save_frames()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with browser_tools.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def status(view):
    return view.locator(".explorer-status").inner_text()


def press(page, box, key="ArrowRight"):
    """Focus the explorer's slider handle and press ``key``, as a person would; wait until the
    status line changes. Returns how many moves the page answered from its own frames."""
    view = box.locator(".explorer-view")
    before = status(view)
    box.locator(".widget-hslider .noUi-handle").first.focus()
    page.keyboard.press(key)
    page.wait_for_function(
        "([el, before]) => el.querySelector('.explorer-status').textContent !== before",
        arg=[view.element_handle(), before],
    )
    return browser_tools.frames_shown(box)


def test_a_page_needs_no_network_and_its_explorer_swaps_saved_frames(exported, explorer, browser):
    ex, stepped, (kept, around) = explorer
    page = browser.new_page()
    requests, failures = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto((exported / LAB).with_suffix(".html").as_uri())
    box = page.locator(".widget-vbox").filter(has=page.locator(".explorer-view")).first
    view = box.locator(".explorer-view")
    view.wait_for(timeout=60_000)
    page.locator(".MathJax_CHTML").first.wait_for(timeout=60_000)  # formulas, typeset offline

    assert status(view) == ex.status_at(ex.values)
    assert (
        view.locator(".explorer-saved")
        .inner_text()
        .startswith(f"No kernel: this page holds the figures of {kept} of the {around} settings")
    )
    before = view.locator(".explorer-figure").get_attribute("src")
    assert press(page, box) >= 1  # answered in the page: it has no kernel
    assert status(view) == ex.status_at(stepped)
    assert view.locator(".explorer-figure").get_attribute("src") not in (None, before)

    bugs = box.locator("select")
    opening_bug = bugs.input_value()
    other = next(o for o in bugs.locator("option").all_inner_texts() if o != opening_bug)
    bugs.select_option(label=other)  # two controls moved from the opening setting: no frame
    assert status(view) == NO_FRAME and not view.locator(".explorer-figure").is_visible()
    bugs.select_option(value=opening_bug)
    assert status(view) == ex.status_at(stepped)
    assert view.locator(".explorer-figure").is_visible()

    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert failures == []


def without_saved_frames(exported, name):
    """A copy of the exported lab as a learner's own lab saved from JupyterLab holds it (its
    widget state, no frames saved), signed as a notebook they ran."""
    nb = nbformat.read(exported / LAB, as_version=4)
    for model in nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"].values():
        model["state"].pop("saved", None)
        model["state"].pop("saved_note", None)
        model["buffers"] = [b for b in model.get("buffers", []) if b["path"][0] != "saved"]
    NotebookNotary().sign(nb)
    nbformat.write(nb, exported / LAB.replace("gradient_checking", name))
    return LAB.replace("gradient_checking", name)


def reopened_without_kernel(page, url, token, lab):
    """Open ``lab`` in JupyterLab, wait for its explorer (drawn from the notebook's widget
    state), shut the kernel down; returns the explorer's box."""
    browser_tools.open_notebook(page, url, token, lab)
    box = browser_tools.scroll_to_explorer(page)
    box.locator(".explorer-view").wait_for()
    browser_tools.click_menu(page, "Kernel", "Shut Down Kernel")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='unknown']")
    return box


def test_a_notebook_reopened_with_no_kernel_keeps_its_explorer_alive(exported, explorer, browser):
    ex, stepped, _ = explorer
    learners = without_saved_frames(exported, "learners_own")
    with browser_tools.jupyterlab(exported, exported.parent / "lab", data.data_dir()) as (
        url,
        token,
    ):
        page = browser.new_page()
        box = reopened_without_kernel(page, url, token, LAB)
        view = box.locator(".explorer-view")
        assert status(view) == ex.status_at(ex.values)
        assert view.locator(".explorer-saved").inner_text().startswith("No kernel: this page holds")
        assert press(page, box) >= 1
        assert status(view) == ex.status_at(stepped)

        # A lab saved by JupyterLab holds the explorer's last figure only: a move says so.
        box = reopened_without_kernel(page, url, token, learners)
        view = box.locator(".explorer-view")
        assert status(view) == ex.status_at(ex.values)
        press(page, box)
        assert status(view) == NO_FRAME
        assert "only the figure it was saved with" in view.locator(".explorer-saved").inner_text()


def test_a_lab_that_stops_gives_one_line_and_no_page(tmp_path):
    """A learner's lab with an exercise not written: make html says which cell stopped and
    why, and writes no page."""
    lab = tmp_path / "week1" / "mine.ipynb"
    lab.parent.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# My lab"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("# GRADED FUNCTION: f\nraise NotImplementedError()"),
    ]
    nbformat.write(nb, lab)
    out = tmp_path / "html"
    (out / html_export.STATIC).mkdir(parents=True)
    for package, (version, _) in html_export.PACKAGES.items():  # as if fetched: no npm here
        folder = out / html_export.STATIC / html_export.folder_of(package)
        folder.mkdir()
        (folder / ".version").write_text(version)
    with pytest.raises(SystemExit) as stopped:
        html_export.main([str(lab), "--out", str(out)])
    assert str(stopped.value).startswith(
        f"{lab}: the cell `# GRADED FUNCTION: f` stopped with NotImplementedError"
    )
    assert not (out / "week1" / "mine.html").exists()
