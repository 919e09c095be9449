"""A class week through a real JupyterHub on loopback (``tools/class_hub.py``,
``hub/jupyterhub_config.py``): real system users with passwords, the real proxy, each user's
own server, chromium through the hub's login page and nbgrader's Assignments tab.

The instructor releases week 1; learner A fetches it from the Assignments tab, solves the
first exercise, submits; learner B hands in a hostile notebook through the same server API
the tab uses; the admin collects, grades in the sandbox and releases feedback; A fetches hers
from the tab and reads her score. Each learner's kernel then tries to read the solved labs,
the other learner's files and the gradebook. Root only, with ``COURSE_HUB_TEST=1`` (it
creates system users, and removes them).
"""

import hashlib
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import ROOT

from tools import browser as browser_tools
from tools import class_hub, hub_client
from tools.class_load import answer

WEEK, LAB, EXERCISE = "week1", "gradient_checking", "forward_propagation"
INSTRUCTOR, ALICE, BOB = "c2t-teacher", "c2t-alice", "c2t-bob"
USERS = (INSTRUCTOR, ALICE, BOB)

# It creates (and removes) system users: only where asked to (.ci/run sets COURSE_HUB_TEST=1).
if os.environ.get("COURSE_HUB_TEST") != "1":
    pytest.skip(
        "the class hub test creates system users c2t-*: run it as root with COURSE_HUB_TEST=1",
        allow_module_level=True,
    )
if os.geteuid() != 0 or not shutil.which("npm") or not shutil.which("useradd"):
    raise RuntimeError("COURSE_HUB_TEST=1: the class hub test needs root, npm and useradd")
if browser_tools.chromium_path() is None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError("chromium not found (REQUIRE_BROWSER=1): apt-get install chromium")
    pytest.skip("chromium not found: apt-get install chromium", allow_module_level=True)


class Hub:
    def __init__(self, state, url, process):
        self.state, self.url, self.process = state, url, process
        self.course = json.loads((state / "course.json").read_text())
        self.passwords = class_hub.initial_passwords(state)

    def login(self, name):
        return hub_client.Session(self.url, name, self.passwords[name])

    def admin(self, step):
        """The admin's week step (README, "A class on one machine"), run as root."""
        command = [
            sys.executable,
            "-m",
            "tools.classroom",
            step,
            WEEK,
            "--course",
            self.course["course"],
            "--exchange",
            self.course["exchange"],
        ]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout


@pytest.fixture(scope="module")
def hub():
    state = Path(tempfile.mkdtemp(prefix="course2-hub-test-", dir="/tmp"))
    state.chmod(0o755)  # the learners' environment inside must be reachable by them
    checkout_mode = ROOT.stat().st_mode
    class_hub.remove_users(USERS)  # what a run that was killed left
    try:
        class_hub.setup([INSTRUCTOR], [ALICE, BOB], state, state / "exchange")
        with hub_client.running_hub(state, state / "hub/hub.log") as (url, process):
            yield Hub(state, url, process)
    finally:
        ROOT.chmod(checkout_mode)
        class_hub.remove_users(USERS)
        shutil.rmtree(state, ignore_errors=True)


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def log_in(page, hub, name):
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.passwords[name])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**", timeout=150_000)
    page.wait_for_selector(".jp-LauncherCard, .jp-Launcher", timeout=120_000)


def open_assignments(page):
    page.locator('div.lm-MenuBar-itemLabel:text("Nbgrader")').click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()


@pytest.fixture(scope="module")
def week(hub, tmp_path_factory):
    """The week, step by step; what each step left, for the tests below."""
    seen, started = {}, time.monotonic()
    hub.admin("release")
    course = Path(hub.course["course"])
    seen["course_owners"] = {p.lstat().st_uid for p in [course, *course.rglob("*")]}

    # Learner A, in chromium: log in, fetch from the Assignments tab, answer, submit.
    with browser_tools.chromium(tmp_path_factory.mktemp("alice-profile")) as context:
        page = context.new_page()
        log_in(page, hub, ALICE)
        open_assignments(page)
        released = page.locator("#released_assignments_list > .list_item")
        released.filter(has_text=WEEK).locator(".item_status button").click()
        fetched = page.locator("#fetched_assignments_list > .list_item").filter(has_text=WEEK)
        fetched.wait_for(timeout=60_000)
        alice = hub.login(ALICE)
        lab = alice.api("GET", f"api/contents/{WEEK}/{LAB}.ipynb").json()["content"]
        solved = nbformat.read(course / "notebooks" / WEEK / f"{LAB}.ipynb", as_version=4)
        answered = answer(nbformat.from_dict(lab), solved, [EXERCISE])
        for other in ("initialization", "regularization"):  # she hands in this lab only
            assert alice.api("DELETE", f"api/contents/{WEEK}/{other}.ipynb").ok
        body = {"type": "notebook", "format": "json", "content": answered}
        saved = page.evaluate(
            """async ([url, body]) => {
                const xsrf = document.cookie.match(/_xsrf=([^;]+)/)[1];
                const r = await fetch(url, {method: 'PUT', body: JSON.stringify(body),
                    headers: {'X-XSRFToken': xsrf, 'Content-Type': 'application/json'}});
                return r.status; }""",
            [f"{alice.base}/api/contents/{WEEK}/{LAB}.ipynb", body],
        )
        assert saved == 200
        home = Path(pwd.getpwnam(ALICE).pw_dir)
        seen["alice_sha"] = sha(home / WEEK / f"{LAB}.ipynb")
        fetched.locator('.item_status button:text("Submit")').click()
        page.locator("#submitted_assignments_list > .list_item").filter(
            has_text=WEEK
        ).first.wait_for(timeout=60_000)

        # Learner B: the same server API the tab calls, with a notebook that patches checks.
        bob = hub.login(BOB)
        assignment = {"course_id": class_hub.COURSE_ID, "assignment_id": WEEK}
        assert bob.api("POST", "assignments/fetch", json=assignment).json()["success"]
        hostile = nbformat.read(ROOT / "tests/submissions/patched_checks.ipynb", as_version=4)
        body = {"type": "notebook", "format": "json", "content": hostile}
        assert bob.api("PUT", f"api/contents/{WEEK}/{LAB}.ipynb", json=body).ok
        for other in ("initialization", "regularization"):
            assert bob.api("DELETE", f"api/contents/{WEEK}/{other}.ipynb").ok
        assert bob.api("POST", "assignments/submit", json=assignment).json()["success"]

        # The admin's week: collect, grade in the sandbox, release the feedback.
        seen["collect"] = hub.admin("collect")
        seen["grade"] = hub.admin("grade")
        seen["feedback"] = hub.admin("feedback")

        # A fetches her feedback from the tab and opens it.
        page.reload()
        page.wait_for_selector(
            ".jp-Launcher, .jp-LauncherCard, #submitted_assignments_list", timeout=120_000
        )
        if not page.locator("#submitted_assignments_list").count():
            open_assignments(page)
        page.locator("#refresh_assignments_list").click()
        submitted = page.locator("#submitted_assignments_list > .list_item").filter(has_text=WEEK)
        submitted.first.locator('.item_status button:text("Fetch Feedback")').click()
        page.locator("#submitted_assignments_list").get_by_text("(view feedback)").first.wait_for(
            timeout=60_000
        )
        pages = sorted((home / WEEK / "feedback").glob(f"*/{LAB}.html"))
        assert len(pages) == 1, pages
        relative = pages[0].relative_to(home)
        page.goto(f"{alice.base}/files/{relative}")
        seen["alice_feedback"] = page.locator("body").inner_text()
        assert bob.api("POST", "assignments/fetch_feedback", json=assignment).json()["success"]
        bob_home = Path(pwd.getpwnam(BOB).pw_dir)
        seen["bob_feedback"] = [
            p.read_text() for p in (bob_home / WEEK / "feedback").glob("*/*.html")
        ]

        # What each learner's kernel can read.
        probe = PROBE.format(
            targets={
                "solved lab": str(ROOT / "notebooks" / WEEK / f"{LAB}.ipynb"),
                "answer key": str(ROOT / "tools" / "reference.py"),
                "course's solved lab": str(course / "notebooks" / WEEK / f"{LAB}.ipynb"),
                "gradebook": str(course / "gradebook.db"),
                "submissions": str(Path(hub.course["exchange"]) / class_hub.COURSE_ID / "inbound"),
            }
        )
        seen["probes"] = {}
        for session, other in ((alice, BOB), (bob, ALICE)):
            other_lab = Path(pwd.getpwnam(other).pw_dir) / WEEK / f"{LAB}.ipynb"
            code = probe.replace("OTHER", str(other_lab))
            seen["probes"][session.name] = json.loads(session.run(code).strip().splitlines()[-1])

        # The instructor's formgrader, in its own tab (not JupyterLab's iframe, README).
        teacher = context.new_page()
        context.clear_cookies()
        log_in(teacher, hub, INSTRUCTOR)
        teacher.goto(f"{hub.url}/user/{INSTRUCTOR}/formgrader")
        try:
            teacher.locator(f"tr:has(a:text-is('{WEEK}'))").first.wait_for(timeout=60_000)
        except Exception:
            log = (hub.state / "hub/hub.log").read_text().split("\n")
            log = "\n".join(line for line in log if "[E " in line or "Error" in line)[-6000:]
            pytest.fail(f"formgrader: {teacher.locator('body').inner_text()[:2000]}\n{log}")
        seen["formgrader"] = teacher.locator("body").inner_text()
        seen["learner_formgrader"] = alice.http.get(
            f"{alice.base}/formgrader", timeout=60
        ).status_code
    seen["alice_sha_after"] = sha(home / WEEK / f"{LAB}.ipynb")
    seen["alice_submitted"] = sha(course / "submitted" / ALICE / WEEK / f"{LAB}.ipynb")
    seen["seconds"] = time.monotonic() - started
    return seen


PROBE = """
import json, os
targets = {targets!r}
targets["other learner's lab"] = "OTHER"
seen = {{}}
for name, path in targets.items():
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        seen[name] = "read"
    except PermissionError:
        seen[name] = "denied"
    except OSError as error:
        seen[name] = type(error).__name__
print(json.dumps(seen))
"""


def test_the_learners_environment_is_compiled(hub):
    """Learners cannot write the environment's ``__pycache__``: it was compiled when built
    (and postBuild's cleaning leaves it), so a kernel's TensorFlow import reads bytecode
    (6.5 s) instead of compiling 1800 modules every time (15.4 s, measured 2026-12-07)."""
    site = next(Path(hub.course["learners_env"]).glob(".venv/lib/python*/site-packages"))
    sources = list((site / "tensorflow").rglob("*.py"))
    missing = [p for p in sources if not Path(importlib.util.cache_from_source(p)).exists()]
    assert len(sources) > 1000 and missing == [], missing[:5]


def test_the_admin_steps_leave_the_course_folder_to_the_instructor(hub, week):
    assert week["course_owners"] == {pwd.getpwnam(INSTRUCTOR).pw_uid}
    assert "collect week1: 2 learners" in week["collect"]
    course = Path(hub.course["course"])
    assert (course.stat().st_mode & 0o777) == 0o700
    assert {p.lstat().st_uid for p in course.rglob("*")} == {pwd.getpwnam(INSTRUCTOR).pw_uid}


def test_each_learner_gets_the_points_of_what_they_wrote(hub, week):
    assert "Score: 1 / 4" in week["alice_feedback"], week["alice_feedback"][:2000]
    assert (
        len(week["bob_feedback"]) == 1
        and "<strong>Score: 0 / 4</strong>" in week["bob_feedback"][0]
    )
    rows = (Path(hub.course["course"]) / "grades" / f"{WEEK}.csv").read_text().splitlines()
    assert any(r.startswith(f"{ALICE},{LAB},1.0,4.0") for r in rows), rows
    assert any(r.startswith(f"{BOB},{LAB},0.0,4.0") for r in rows), rows


def test_nothing_of_the_first_learner_changed(week):
    assert week["alice_sha_after"] == week["alice_sha"] == week["alice_submitted"]


def test_no_learner_kernel_reads_solutions_gradebook_or_each_other(week):
    for name, seen in week["probes"].items():
        assert set(seen) == {
            "solved lab",
            "answer key",
            "course's solved lab",
            "gradebook",
            "submissions",
            "other learner's lab",
        }, seen
        assert set(seen.values()) == {"denied"}, (name, seen)


def test_the_formgrader_is_the_instructors_alone(week):
    assert WEEK in week["formgrader"] and "Manage Assignments" in week["formgrader"]
    assert week["learner_formgrader"] == 404


def test_the_hub_and_every_server_stop_cleanly(hub, week):
    print(f"the week through the hub took {week['seconds']:.0f} s")
    children = psutil.Process(hub.process.pid).children(recursive=True)
    proxy = [p for p in children if "configurable-http-proxy" in " ".join(p.cmdline())]
    assert len(proxy) == 1 and any(p.uids().real != 0 for p in children), children
    hub.process.terminate()
    assert hub.process.wait(timeout=60) == 0, (hub.state / "hub/hub.log").read_text()[-3000:]
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"still running after the hub stopped: {alive}"
    for name in USERS:
        left = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout
        assert not left, f"{name} still runs {left}"
