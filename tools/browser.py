"""The labs in real JupyterLab and real chromium (Playwright): start a server, run a lab as a
learner does, press keys on explorer sliders and time each key press until the new figure is
on screen. Used by ``tests/test_browser.py`` and by ``make bench`` (the "browser" figures).
"""

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np

from tools.execute_notebooks import answer_key_variables
from tools.grading import demo_cells

CHROMIUM_FLAGS = [  # chromium off the network and out of any existing profile
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-quic",
    "--metrics-recording-only",
]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen
EXPLORERS = ".widget-vbox:has(.widget-hslider)"  # an explorer: a box with a slider in it


def chromium_path():
    """Debian's chromium (or $CHROMIUM), None when absent."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def without_demos(path):
    """Rewrite the lab at ``path`` without the demo cells the grader skips
    (``grading.demo_cells``: the trainings, tables and plots nbval runs and checks against the
    committed outputs), keeping its explorers: the cells a browser test has to run. Each
    explorer's cell runs on its own after the setup cell, on the learner's functions
    (tests/test_errors.py)."""
    nb = nbformat.read(path, as_version=4)
    demos = demo_cells(nb)
    nb.cells = [
        cell
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") not in demos or is_explorer(cell)
    ]
    nbformat.write(nb, path)


def is_explorer(cell):
    """Whether a notebook cell shows an explorer: the one call ``lab.<name>_explorer(...)``."""
    return cell.cell_type == "code" and bool(
        re.fullmatch(r"lab\.\w+_explorer\([^\n]*\)", cell.source.strip())
    )


def server_environment(root, data_dir):
    """The environment of a test JupyterLab in ``root``: this venv first on PATH, the data of
    ``data_dir``, fresh settings, and the instructor's answer key for the source labs' hidden
    test cells (as in nbval's kernels), whatever the caller's environment holds."""
    root = Path(root)
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COURSE_DATA_DIR": str(data_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        **answer_key_variables(),
    }


@contextlib.contextmanager
def jupyterlab(notebooks, workdir, data_dir, demos=True):
    """A JupyterLab server on a free loopback port serving a copy of ``notebooks`` made in
    ``workdir`` (each lab ``without_demos`` unless ``demos``), with fresh user settings;
    yields (url, token). Its environment: ``server_environment``."""
    root = Path(workdir)
    shutil.copytree(notebooks, root / "notebooks")
    if not demos:
        for lab in (root / "notebooks").glob("week*/*.ipynb"):
            without_demos(lab)
    (root / "settings").mkdir()  # what JupyterLab shows comes from the venv's defaults
    port, token = _free_port(), secrets.token_hex(16)
    bin_dir = Path(sys.executable).parent
    env = server_environment(root, data_dir)
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
    url = f"http://127.0.0.1:{port}"
    with open(root / "server.log", "w") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        tail = (root / "server.log").read_text()[-2000:]
                        raise RuntimeError(f"JupyterLab did not start: {tail}") from None
                    time.sleep(0.5)
            yield url, token
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextlib.contextmanager
def chromium(profile):
    """A headless chromium context (1400 x 1000) with its profile in ``profile``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def click_menu(page, menu, item):
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def open_notebook(page, url, token, notebook):
    """Open ``notebook`` alone (no tabs restored) and wait until its kernel is idle."""
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)


def run_all(page, url, token, notebook, timeout=300):
    """Open ``notebook``, clear the committed outputs, run all cells, and wait until nothing
    is queued and every cell has run, or a cell failed (JupyterLab then stops there)."""
    open_notebook(page, url, token, notebook)
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


def errors(page):
    """What cells on screen show on stderr (errors, warnings), first 300 characters each."""
    bad = page.locator(
        f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    return [bad.nth(i).inner_text()[:300] for i in range(bad.count())]


def explorers(page):
    return page.locator(f"{PANEL} {EXPLORERS}")


def scroll_to_explorer(page, timeout=30):
    """Scroll the open notebook down until its first explorer is drawn (JupyterLab draws only
    the cells near the screen); returns it."""
    found = explorers(page)
    deadline = time.monotonic() + timeout
    while not found.count():
        if time.monotonic() > deadline:
            raise TimeoutError("no explorer in the open notebook")
        page.evaluate(
            f"() => document.querySelector('{PANEL} .jp-WindowedPanel-outer').scrollTop += 600"
        )
        page.wait_for_timeout(200)
    found.first.scroll_into_view_if_needed()
    return found.first


def explorer_state(explorer):
    """(status line, figure image source) of an explorer."""
    status = explorer.locator(".explorer-status").inner_text()
    image = explorer.locator(".explorer-figure").get_attribute("src")
    return status, image


def figure_fit(page, explorer, width=1280):
    """At a ``width``-px window (the file browser open, as JupyterLab starts): how far the
    explorer's figure reaches past its output area (px, <= 0 when it fits) and how much it
    is scaled (its content's width on screen / its PNG's own width)."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.wait_for_timeout(300)
    try:
        return explorer.locator(".explorer-figure").evaluate(
            """img => [img.getBoundingClientRect().right
                       - img.closest('.jp-OutputArea').getBoundingClientRect().right,
                       img.clientWidth / img.naturalWidth]"""
        )
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


def accessibility(page, explorer):
    """axe-core's rules (axe-playwright-python) run on the explorer: {rule id: [the HTML of
    each element that breaks it]} (empty when it passes them all)."""
    from axe_playwright_python.sync_playwright import Axe

    explorer.evaluate("el => el.setAttribute('data-axe-target', '')")
    try:
        found = Axe().run(page, context="[data-axe-target]").response["violations"]
    finally:
        explorer.evaluate("el => el.removeAttribute('data-axe-target')")
    return {v["id"]: [node["html"][:200] for node in v["nodes"]] for v in found}


def move_slider(page, explorer, index, key="ArrowRight"):
    """Focus the index-th slider's handle and press a key, as a person would; wait until the
    figure and the status line changed (and nothing is training). (before, after) states."""
    before = explorer_state(explorer)
    explorer.locator(".widget-hslider .noUi-handle").nth(index).focus()
    page.keyboard.press(key)
    page.wait_for_function(
        """([el, status, image]) => {
            const s = el.querySelector('.explorer-status').textContent;
            const i = el.querySelector('.explorer-figure').getAttribute('src');
            return s !== status && i && i !== image && !s.includes('training…');
        }""",
        arg=[explorer.element_handle(), *before],
        timeout=180_000,  # a setting that trains: seconds, more on a busy machine
    )
    return before, explorer_state(explorer)


# In the page: from the key press (the keydown event's time stamp) until the explorer's new
# figure is decoded and the next frame has been painted with it.
_ARM = """([el]) => {
    const img = () => el.querySelector('.explorer-figure');
    const state = {before: img()?.getAttribute('src'), keydown: null, painted: null};
    window.__latency = state;
    document.addEventListener('keydown', e => { state.keydown ??= e.timeStamp; },
                              {capture: true, once: true});
    const observer = new MutationObserver(() => {
        const now = img();
        if (!now || now.getAttribute('src') === state.before) return;
        observer.disconnect();
        now.decode().catch(() => {}).then(() => requestAnimationFrame(() => {
            state.painted = performance.now();
        }));
    });
    observer.observe(el, {subtree: true, childList: true, attributes: true,
                          attributeFilter: ['src']});
}"""


def drawn_ahead(explorer, timeout=180):
    """Wait until the kernel has sent the frames around the explorer's setting; returns
    (seconds from the explorer on screen to its first frames all there, frames kept)."""
    view = explorer.locator(".explorer-view")
    explorer.locator(".explorer-view[data-ahead='done']").wait_for(timeout=timeout * 1000)
    return int(view.get_attribute("data-ahead-ms")) / 1000, int(view.get_attribute("data-frames"))


def frames_shown(explorer):
    """How many moves the browser answered with a frame drawn ahead (no kernel round trip)."""
    return int(explorer.locator(".explorer-view").get_attribute("data-hits") or 0)


def time_key_presses(page, explorer, index, moves=12):
    """Once the frames around the setting are drawn ahead, press the arrow keys ``moves``
    times on the index-th slider (right, left, right ...; left first when it is at its
    maximum) and time each press until the new figure is painted. Returns the times in ms."""
    drawn_ahead(explorer)
    handle = explorer.locator(".widget-hslider .noUi-handle").nth(index)
    handle.focus()  # as a learner clicks the handle first; the presses are timed after
    page.wait_for_timeout(500)
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    keys = ["ArrowLeft", "ArrowRight"] if at_max else ["ArrowRight", "ArrowLeft"]
    times = []
    for move in range(moves):
        page.evaluate(_ARM, [explorer.element_handle()])
        handle.focus()
        page.keyboard.press(keys[move % 2])
        page.wait_for_function("() => window.__latency.painted !== null", timeout=60_000)
        times.append(page.evaluate("() => window.__latency.painted - window.__latency.keydown"))
        page.wait_for_timeout(150)  # the status line and the kernel settle
    return times


# In the page: during a drag, count the slider positions passed and the new figures painted
# (a new image at an animation frame).
_WATCH_DRAG = """([el, index]) => {
    const img = el.querySelector('.explorer-figure');
    const handle = el.querySelectorAll('.widget-hslider .noUi-handle')[index];
    const state = {painted: 0, values: new Set(), last: img.getAttribute('src'), stop: false};
    window.__drag = state;
    const tick = () => {
        const src = img.getAttribute('src');
        if (src !== state.last) { state.painted += 1; state.last = src; }
        state.values.add(handle.getAttribute('aria-valuenow'));
        if (!state.stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


def drag(page, explorer, index, moves=60):
    """Drag the index-th slider's handle with the mouse from its left end to its right end in
    ``moves`` moves 25 ms apart, as a learner sweeps a slider. Returns {"values": slider
    positions passed, "painted": new figures painted during the drag}."""
    slider = explorer.locator(".widget-hslider").nth(index)
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-base")
    drawn_ahead(explorer)
    box, grip = track.bounding_box(), handle.bounding_box()
    y = grip["y"] + grip["height"] / 2
    page.mouse.move(grip["x"] + grip["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"], y)  # to the left end first
    page.wait_for_timeout(300)
    page.evaluate(_WATCH_DRAG, [explorer.element_handle(), index])
    for i in range(1, moves + 1):
        page.mouse.move(box["x"] + box["width"] * i / moves, y)
        page.wait_for_timeout(25)
    page.mouse.up()
    page.wait_for_timeout(300)
    return page.evaluate("""() => { const s = window.__drag; s.stop = true;
                                   return {values: s.values.size, painted: s.painted}; }""")


def _settled(page, explorer, timeout):
    """Wait until the kernel trains nothing (the view's ``data-training``) and the status
    line no longer says "training…"; returns the status, or raises AssertionError when it
    says "training…" for 3 s with nothing training (a stuck explorer)."""
    since = None  # when "training…" with nothing training was first seen
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = explorer.locator(".explorer-view")
        status = explorer.locator(".explorer-status").inner_text()
        idle = view.get_attribute("data-training") == "false"
        if idle and "training…" not in status:
            return status
        since = (since or time.monotonic()) if idle else None
        if since is not None and time.monotonic() - since > 3:
            raise AssertionError(f"the status says {status!r} but nothing trains")
        page.wait_for_timeout(100)
    raise AssertionError(f"still training after {timeout} s: {status!r}")


def hammer(page, explorer, index, bursts=6, seed=0, timeout=180):
    """Press the index-th slider's keys as an impatient learner does: ``bursts`` bursts of
    1-5 presses 20-100 ms apart, either way, about half of them while the last setting
    still trains, then a mouse drag across it. After each pause the explorer must settle
    (``_settled``: nothing stuck on "training…"). Returns [(aria-valuenow, status)] of the
    settled moments, the last one after the drag."""
    rng = np.random.default_rng(seed)
    handle = explorer.locator(".widget-hslider .noUi-handle").nth(index)
    settled = []
    for burst in range(bursts):
        handle.focus()
        key = str(rng.choice(["ArrowRight", "ArrowLeft"]))
        for _ in range(int(rng.integers(1, 6))):
            page.keyboard.press(key)
            page.wait_for_timeout(int(rng.choice([20, 50, 100])))
        if burst < bursts - 1 and rng.random() < 0.5:
            continue  # the next burst while this one's setting trains
        page.wait_for_timeout(500)  # the last press reaches the kernel
        settled.append((handle.get_attribute("aria-valuenow"), _settled(page, explorer, timeout)))
    drag(page, explorer, index, moves=20)
    page.wait_for_timeout(500)
    settled.append((handle.get_attribute("aria-valuenow"), _settled(page, explorer, timeout)))
    return settled


def latency_stats(times):
    return {
        "p50_ms": float(np.median(times)),
        "p95_ms": float(np.percentile(times, 95)),
        "moves": len(times),
    }


def explorer_latencies(url, token, context, timed, moves=12):
    """Run every lab of ``timed`` ({notebook: [(explorer index, slider position, name)]},
    ``tools.explorers.timed``) and time its explorers' sliders: {explorer name: {"p50_ms",
    "p95_ms", "moves", ...}}."""
    out = {}
    for notebook, entries in timed.items():
        page = context.new_page()
        try:
            run_all(page, url, token, notebook)
            for index, slider, name in entries:
                explorer = explorers(page).nth(index)
                explorer.scroll_into_view_if_needed()
                explorer.locator(".explorer-figure").wait_for()
                out[name] = latency_stats(time_key_presses(page, explorer, slider, moves))
                out[name]["ahead_s"], out[name]["frames"] = drawn_ahead(explorer)
                out[name]["from_frames"] = frames_shown(explorer)
                out[name]["drag"] = drag(page, explorer, slider)
                print(f"{name}: {out[name]}", flush=True)
        finally:
            page.close()
    return out
