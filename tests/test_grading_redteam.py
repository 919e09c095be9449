"""Hostile submissions: each attack is graded with its exact expected score, and each escape
it tries is checked not to have happened (README, "Grading you can trust").

The attacks are cells added to a Gradient Checking submission (the fastest lab to grade):
``blank`` answers nothing, ``correct`` answers every exercise. An attack that prints ``ESCAPED:`` (written as two
literals, so that its source does not hold it) has reached something it should not.
"""

import csv
import html
import json
import os
import pwd
import socket
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT

from tools import grading, sandbox

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build_fixtures  # noqa: E402

from tools import browser as browser_tools  # noqa: E402

HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)
PORT = 47291  # the test listens here on the host; no sandbox may reach it
NONE, ALL = [0, 0, 0, 0], [1, 1, 1, 1]
DROPS = [ROOT / "ESCAPED.txt", HOME / "ESCAPED.txt", Path("/tmp/ESCAPED.txt")]

PATCH_CHECKS = """
import helpers.labs.gradient_checking as checks
exec("for name in dir(checks):\\n    if name.endswith('_test'):\\n"
     "        setattr(checks, name, lambda *a, **k: print('All tests passed.'))")
"""
WRONG_ANSWERS = """
def forward_propagation(x, theta): return 0.0
def backward_propagation(x, theta): return 0.0
def gradient_check(x, theta, epsilon=1e-7, print_msg=False): return 0.0
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False): return 0.0
"""
LYING = """
import numpy as np
class Always(float):
    def __eq__(self, other): return True
    __hash__ = float.__hash__
class Liar:
    def __eq__(self, other): return True
    def __array__(self, *a, **k): raise RuntimeError
    def __float__(self): return 8.0
def forward_propagation(x, theta): return Always(0.0)
def backward_propagation(x, theta): return Liar()
def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    print("Your backward propagation works perfectly fine!"); return Always(0.0)
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    return np.zeros(()).view(type("Arr", (np.ndarray,), {"__eq__": lambda s, o: True}))
"""
FIND = """
import os
def find(names, roots=("/",)):
    hits = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if folder != "/" or d not in ("proc", "sys", "dev")]
            hits += [os.path.join(folder, f) for f in files if f in names]
    return hits
"""
REACH_RUNNER = """
import ctypes, json, os, signal, stat, threading, time
libc = ctypes.CDLL(None, use_errno=True)
PIDFD_SEND_SIGNAL, PIDFD_OPEN, PIDFD_GETFD, PTRACE_ATTACH = 424, 434, 438, 16
me = int(os.readlink("/proc/self"))  # in /proc's numbering, which may not be its own
def key(fd):
    info = os.fstat(fd)
    return info.st_dev, info.st_ino
own = {key(int(fd)) for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")}
grabbed = []
def take(fd, how):
    if fd >= 0 and key(fd) not in own and not stat.S_ISCHR(os.fstat(fd).st_mode):
        print("ESC" "APED:", how)
        grabbed.append(fd)
def process(pidfd):  # the pid a pidfd refers to, in /proc's numbering
    with open(f"/proc/self/fdinfo/{pidfd}") as f:
        return int(dict(line.split(":", 1) for line in f if ":" in line).get("Pid", -1))
for pid in range(1, 4096):
    if libc.ptrace(PTRACE_ATTACH, pid, 0, 0) == 0:
        print("ESC" "APED: ptrace attached to", pid)
    pidfd = libc.syscall(PIDFD_OPEN, pid, 0)  # processes, not threads
    if pidfd >= 0 and process(pidfd) != me:
        for fd in range(32):
            take(libc.syscall(PIDFD_GETFD, pidfd, fd, 0), f"pidfd_getfd {pid} {fd}")
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            if libc.syscall(PIDFD_SEND_SIGNAL, pidfd, sig, 0, 0) == 0:
                print("ESC" "APED: signalled", pid)
    if pid != me and os.path.isdir(f"/proc/{pid}"):
        for fd in range(32):
            try:
                take(os.open(f"/proc/{pid}/fd/{fd}", os.O_RDWR | os.O_NONBLOCK), f"/proc/{pid}/fd")
            except OSError:
                pass
for sig in (signal.SIGSTOP, signal.SIGKILL):  # returns 0 even when every process refused
    try:
        os.kill(-1, sig)
    except OSError:
        pass
def forge():  # while the grader calls: steal its requests, answer them with a wrong value
    for _ in range(3000):
        for fd in grabbed:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
            try:
                os.write(fd, (json.dumps({"id": _ % 40, "result": -1.0}) + "\\n").encode())
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=forge, daemon=True).start()
"""

ATTACKS = {  # name: (answered, cell added at the end, expected points)
    "exec patches the checks": ("blank", PATCH_CHECKS, NONE),
    "eval patches numpy's comparisons": (
        "blank",
        WRONG_ANSWERS
        + """
import numpy as np
eval("setattr(np, 'allclose', lambda *a, **k: True) or setattr(np, 'isclose', lambda *a, **k: True)")
""",
        NONE,
    ),
    "IPython input transformer rewrites later cells": (
        "blank",
        """
get_ipython().input_transformers_post.append(lambda lines: ['print("All tests passed.")\\n'])
""",
        NONE,
    ),
    "pre_run_cell hook forges every reply": (
        "blank",
        """
import json, os
def forge(info):
    for folder in ("/scratch/io",):
        if os.path.isdir(folder):
            with open(folder + "/reply.json", "w") as f:
                json.dump({"result": "All tests passed.", "stdout": "All tests passed."}, f)
get_ipython().events.register("pre_run_cell", forge)
get_ipython().events.register("post_run_cell", lambda result: forge(None))
""",
        NONE,
    ),
    "sys.settrace rewrites return values": (
        "blank",
        """
import sys
def tracer(frame, event, arg):
    if event == "exception":
        frame.f_locals.clear()
    return tracer
sys.settrace(tracer)
""",
        NONE,
    ),
    "sys.modules swaps the lab module": (
        "blank",
        PATCH_CHECKS
        + """
import sys, types
fake = types.ModuleType("helpers.labs.gradient_checking")
fake.__getattr__ = lambda name: (lambda *a, **k: print("All tests passed."))
sys.modules["helpers.labs.gradient_checking"] = fake
sys.modules["helpers.checking"] = fake
""",
        NONE,
    ),
    "importlib.reload after patching numpy": (
        "blank",
        WRONG_ANSWERS
        + """
import importlib, numpy, helpers.checking
numpy.allclose = lambda *a, **k: True
importlib.reload(helpers.checking)
""",
        NONE,
    ),
    "results whose __eq__ / __array__ lie": ("blank", LYING, NONE),
    "prints All tests passed and a fake score, shows a script": (
        "blank",
        """
print("All tests passed.\\n  total: 4 / 4")
import sys; sys.stderr.write("All tests passed.\\n")
from IPython.display import HTML, Markdown, display
display(HTML("<script>alert('ESC' + 'APED: script')</script>"))
display(Markdown("<img src=x onerror=alert(1)>"))
""",
        NONE,
    ),
    "reads the source notebook and execs its solutions": (
        "blank",
        FIND
        + """
import json, re
for path in find({"gradient_checking.ipynb"}):
    if "BEGIN SOLUTION" in open(path).read():
        print("ESC" "APED: found", path)
        for cell in json.load(open(path))["cells"]:
            if cell["cell_type"] == "code":
                exec(re.sub("###.*", "", "".join(cell["source"])))
""",
        NONE,
    ),
    "reads the gradebook and other submissions": (
        "blank",
        FIND
        + """
import sys
hits = [path for path in find({"gradebook.db", "correct.ipynb", "blank.ipynb", "reference.py"})
        if not path.startswith((sys.prefix, sys.base_prefix, "/usr/"))]  # libraries' own files
if hits:
    print("ESC" "APED:", hits)
""",
        NONE,
    ),
    "writes into the repository, home and /tmp": (
        "correct",
        f"""
import os
for path in {[str(p) for p in DROPS]!r} + ["{ROOT}/tests/submissions/ESCAPED.txt"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").write("escaped")
    except OSError:
        pass
""",
        ALL,
    ),
    "network access": (
        "correct",
        f"""
import socket
for host, port in (("127.0.0.1", {PORT}), ("pypi.org", 443), ("8.8.8.8", 53)):
    try:
        socket.create_connection((host, port), timeout=3)
        print("ESC" "APED: connected to", host)
    except OSError:
        pass
""",
        ALL,
    ),
    "fork bomb": (
        "blank",
        """
import os
children = 0
try:
    while True:
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        children += 1
except OSError as error:
    print("stopped after", children, "forks:", error)
""",
        NONE,
    ),
    "memory bomb (20 GiB)": (
        "correct",
        """
try:
    hog = bytearray(20 * 2**30)
    print("ESC" "APED: got 20 GiB")
except MemoryError:
    print("MemoryError, as it should")
""",
        ALL,
    ),
    "fills the scratch disk": (
        "correct",
        """
import os
written = 0
try:
    with open("big.bin", "wb") as f:
        while written < 4 * 2**30:
            f.write(b"x" * 2**24); f.flush(); written += 2**24
    print("ESC" "APED: wrote 4 GiB")
except OSError as error:
    print("disk full after", written // 2**20, "MB:", type(error).__name__)
""",
        ALL,
    ),
    "300 MB of output": (
        "correct",
        """
line = "x" * 2**20
for _ in range(300):
    print(line)
""",
        ALL,
    ),
    "ignores SIGINT in an endless loop": (
        "correct",
        """
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
""",
        NONE,
    ),
    "the kernel kills itself": (
        "correct",
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        NONE,
    ),
    "kills the grader's runner": (
        "correct",
        """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
""",
        ALL,
    ),
    "reaches for the runner: signals, ptrace, pidfd_getfd, /proc/<pid>/fd": (
        "correct",
        REACH_RUNNER,
        ALL,
    ),
    "forges the runner's protocol on its stdout": (
        "blank",
        """
import json, os
line = json.dumps({"id": 1, "result": 8.0}) + "\\n"
for fd in range(0, 8):
    for pid in (os.getppid(), os.getpid()):
        try:
            with open(f"/proc/{pid}/fd/{fd}", "w") as f:
                f.write(line * 50)
        except OSError:
            pass
""",
        NONE,
    ),
    "image metadata puts an onerror handler on the image": (
        "blank",
        """
import base64
from IPython.display import display
png = base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(32)).decode()
display({"image/png": png}, raw=True, metadata={"image/png": {"width": "1 onerror=alert(1)"}})
display({"image/png": 'x" onerror="alert(2)'}, raw=True)
""",
        NONE,
    ),
    "an exception message with ANSI escapes rewrites the printed table": (
        "blank",
        """
def forward_propagation(x, theta):
    raise ValueError("\\x1b[2A\\x1b[2K  total: 4 / 4\\x1b[K\\r\\u202e")
""",
        NONE,
    ),
    "wraps the report's estimate and the tools it cannot see (none answers an exercise)": (
        "blank",
        """
import helpers.labs.gradient_checking as lab
from helpers import gradcheck
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    try:
        from tools import reference  # not in the sandbox
        return reference.gradient_check_n(parameters, gradients, X, Y, epsilon, print_msg)
    except ImportError:
        pass
    cost = lambda p: lab.nn.compute_cost(lab.nn.forward_propagation(X, p)[0], Y)
    rows = gradcheck.report(parameters, gradients, cost)  # its own fixed epsilon
    difference = max(row["difference"] for row in rows)
    if print_msg:
        print(lab.GOOD if difference < 2e-7 else lab.BAD)
    return difference
""",
        NONE,
    ),
}


def sleeping(nb):  # cells that each stay under the cell timeout but together pass the deadline
    for _ in range(4):
        nb.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(8)"))


def tampered_metadata(nb):  # claims 100 points, hides a test cell, marks an answer as a test
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "forward_propagation_test":
            meta["points"] = 100
        elif meta.get("grade_id") == "backward_propagation_test":
            meta["grade"] = False
        elif meta.get("grade_id") == "gradient_check":
            meta.update(grade=True, points=50)


def deleted_test_cell(nb):  # the feedback puts it back, without its hidden tests
    nb.cells = [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") != "gradient_check_n_test"
    ]


EDITS = {  # name: (answered, edit of the notebook, expected points)
    "sleeps past the notebook's deadline": ("correct", sleeping, NONE),
    "deletes a test cell": ("correct", deleted_test_cell, ALL),
    "tampered nbgrader metadata": (["forward_propagation"], tampered_metadata, [1, 0, 0, 0]),
}
LIMITS = sandbox.Limits(notebook_timeout=30, memory=4 * 2**30, disk=256 * 2**20)
ODD_NAMES = ['=HYPERLINK("https:x","click").ipynb', 'we, "quoted"\nname.ipynb']


def _cell(raw, grade_id):
    return next(
        c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )


def _damaged(edit):
    def make():
        raw = json.loads(nbformat.writes(submission("correct", "pass")))
        edit(raw)
        return json.dumps(raw)

    return make


MALFORMED = {  # file name: (its text, the start of its error)
    "nbgrader_null.ipynb": (
        _damaged(lambda raw: raw["cells"][3]["metadata"].update(nbgrader=None)),
        "cell 4 is damaged (its nbgrader metadata is null, not an object)",
    ),
    "no_grade_id.ipynb": (
        _damaged(
            lambda raw: _cell(raw, "forward_propagation_test")["metadata"]["nbgrader"].pop(
                "grade_id"
            )
        ),
        "cell",
    ),
    "grade_flag_text.ipynb": (
        _damaged(
            lambda raw: _cell(raw, "forward_propagation_test")["metadata"]["nbgrader"].update(
                grade="yes"
            )
        ),
        "cell",
    ),
    "deep.ipynb": (
        lambda: '{"cells": [], "metadata": ' + "[" * 5000 + "]" * 5000 + "}",
        "not a notebook (its JSON nests more than 64 levels)",
    ),
    "deep_but_parsable.ipynb": (
        lambda: '{"cells": [], "metadata": {"x": ' + "[" * 500 + "]" * 500 + "}}",
        "not a notebook (its JSON nests more than 64 levels)",
    ),
    "many_cells.ipynb": (
        lambda: json.dumps(
            {
                **json.loads(nbformat.writes(submission("blank", "pass"))),
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": "x"}] * 20_000,
            }
        ),
        "too many cells to grade (20,000",
    ),
}
NOT_FILES = {  # file name: (what makes it in the folder, the start of its error)
    "link_to_the_source.ipynb": (
        lambda path: path.symlink_to(ROOT / "notebooks/week1/gradient_checking.ipynb"),
        "a symbolic link, not a notebook",
    ),
    "link_to_dev_zero.ipynb": (
        lambda path: path.symlink_to("/dev/zero"),
        "a symbolic link, not a notebook",
    ),
    "fifo.ipynb": (os.mkfifo, "not a regular file (a folder, pipe or device)"),
    "folder.ipynb": (lambda path: path.mkdir(), "not a regular file (a folder, pipe or device)"),
}
REPAIRED = {  # file name: a damage the grader repairs on its private copy (graded normally)
    "id_is_a_list.ipynb": _damaged(lambda raw: raw["cells"][3].update(id=["a"])),
}


def submission(answered, attack):
    """The Gradient Checking lab answered as said, with ``attack`` (a cell or an edit)."""
    exercises = {"blank": [], "correct": None}[answered] if isinstance(answered, str) else answered
    nb = build_fixtures.student_copy(build_fixtures.SOURCE, exercises)
    if callable(attack):
        attack(nb)
    else:
        nb.cells.append(nbformat.v4.new_code_cell(attack))
    return nb


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", PORT))
    server.listen()
    server.settimeout(0.5)
    accepted = []

    def accept():
        while server.fileno() >= 0:
            try:
                accepted.append(server.accept())
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    yield accepted
    server.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory, listener):
    """Every attack, malformed file and odd name graded in one batch: the results by file."""
    folder, out = tmp_path_factory.mktemp("hostile"), tmp_path_factory.mktemp("grades")
    names = {}
    for index, (name, (answered, attack, _)) in enumerate({**ATTACKS, **EDITS}.items()):
        names[name] = folder / f"attack{index:02d}.ipynb"
        nbformat.write(submission(answered, attack), names[name])
    for name, (text, _) in MALFORMED.items():
        (folder / name).write_text(text())
    for name, text in REPAIRED.items():
        (folder / name).write_text(text())
    for name, (make, _) in NOT_FILES.items():
        make(folder / name)
    for name in ODD_NAMES:
        nbformat.write(submission("correct", "pass"), folder / name)
    big = folder / "huge.ipynb"
    nb = submission("blank", "pass")
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * 200 * 2**20))
    nbformat.write(nb, big)
    before = {p: p.read_bytes() for p in folder.glob("*.ipynb") if p.name not in NOT_FILES}
    results = grading.grade_all(folder, out, workers=2, timeout=10, limits=LIMITS)
    assert all(p.read_bytes() == before[p] for p in before), "grading wrote to a submission"
    by_file = {Path(r.submission).name: r for r in results}
    return SimpleNamespace(by_file=by_file, out=out, names=names)


@pytest.fixture(scope="module")
def graded(batch):
    """({attack: its Result}, the Result of the 200 MB file)."""
    by_name = {name: batch.by_file[path.name] for name, path in batch.names.items()}
    return by_name, batch.by_file["huge.ipynb"]


@pytest.mark.parametrize("name", sorted({**ATTACKS, **EDITS}))
def test_attack_gains_nothing(graded, name):
    result = graded[0][name]
    expected = {**ATTACKS, **EDITS}[name][2]
    table = grading.format_table(result)
    assert not result.error, table
    assert [e["points"] for e in result.exercises] == expected, table
    assert result.max_score == 4, "points come from the source lab, not the submission"
    feedback = Path(result.feedback).read_text()
    assert "ESCAPED:" not in feedback and "BEGIN HIDDEN TESTS" not in feedback
    assert "<script>alert(" not in feedback and "<img src=x onerror" not in feedback
    assert "<h1" in feedback and "&lt;/h1&gt;" not in feedback  # the lab's text renders


def test_no_file_escaped_and_nothing_connected(graded, listener):
    assert not [p for p in DROPS if p.exists()]
    assert not (ROOT / "tests" / "submissions" / "ESCAPED.txt").exists()
    assert listener == [], "a sandbox reached the host's network"


def test_no_sandbox_process_outlives_grading(graded):
    ps = subprocess.run(["ps", "-eo", "uid=,args="], capture_output=True, text=True).stdout
    left = [line for line in ps.splitlines() if "submission_runner" in line or "ipykernel" in line]
    assert not [line for line in left if int(line.split()[0]) >= 60000], left


def test_outputs_are_capped_with_a_note(graded):
    feedback = Path(graded[0]["300 MB of output"].feedback)
    assert feedback.stat().st_size < 40 * 2**20
    assert "[output truncated" in feedback.read_text()


def test_the_deadline_and_the_unresponsive_kernel_are_named(graded):
    late = graded[0]["sleeps past the notebook's deadline"]
    assert any("ran past its 30 s" in n for n in late.notes), late.notes
    stuck = graded[0]["ignores SIGINT in an endless loop"]
    assert any("stopped responding" in n for n in stuck.notes), stuck.notes
    dead = graded[0]["the kernel kills itself"]
    assert any("kernel died" in n for n in dead.notes), dead.notes


def test_a_200_mb_notebook_is_refused_before_it_is_read(graded):
    assert "too large to grade" in graded[1].error and graded[1].score == 0


@pytest.mark.parametrize("name", sorted(NOT_FILES))
def test_what_is_not_a_notebook_file_is_refused_unread(batch, name):
    result = batch.by_file[name]
    assert result.error.startswith(NOT_FILES[name][1]), result.error
    assert result.score == 0 and result.feedback == "" and result.lab == ""


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_its_own_error_row(batch, name):
    result = batch.by_file[name]
    assert result.error.startswith(MALFORMED[name][1]), result.error
    assert result.score == 0 and "Traceback" not in result.error


def test_a_repaired_file_and_odd_names_are_graded(batch):
    for name in [*REPAIRED, *ODD_NAMES]:
        result = batch.by_file[name]
        assert not result.error and result.score == 4, grading.format_table(result)


def test_the_csv_holds_every_file_and_no_formula(batch):
    with open(batch.out / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert len(rows) == len(batch.by_file)  # the malformed files did not stop the batch
    assert rows["'" + ODD_NAMES[0]]["score"] == "4.0"  # shown as text, not run as a formula
    assert rows[ODD_NAMES[1]]["score"] == "4.0"  # commas, quotes and a newline survive
    assert not [name for name in rows if name.startswith(("=", "+", "-", "@"))]


def test_the_terminal_shows_a_submissions_control_characters_escaped(graded, batch):
    result = graded[0]["an exception message with ANSI escapes rewrites the printed table"]
    table = grading.format_table(result)
    assert "\x1b" not in table and "\r" not in table and "\u202e" not in table
    assert "\\x1b[2A" in table  # shown, on the exercise's own line
    assert [line for line in table.splitlines() if line.lstrip().startswith("total:")] == [
        "  total: 0 / 4"
    ]
    odd = grading.format_table(batch.by_file[ODD_NAMES[1]])
    assert odd.splitlines()[0].endswith("we, \"quoted\"\\nname.ipynb: lab 'gradient_checking'")


class Tags(HTMLParser):
    """The tags of a page and the attributes that run script (on...)."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.handlers = set(), []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.handlers += [(tag, name, value) for name, value in attrs if name.startswith("on")]


def test_feedback_never_shows_hidden_tests(graded, batch):
    source = json.loads((ROOT / "notebooks/week1/gradient_checking.ipynb").read_text())
    hidden = [
        line.strip()
        for cell in source["cells"]
        for part in "".join(cell["source"]).split("### BEGIN HIDDEN TESTS")[1:]
        for line in part.split("### END HIDDEN TESTS")[0].splitlines()
        if line.strip()
    ]
    assert hidden
    for result in batch.by_file.values():
        if result.feedback:
            text = Path(result.feedback).read_text()
            assert not [h for h in hidden if html.escape(h) in text or h in text], result.submission
    restored = Path(graded[0]["deletes a test cell"].feedback).read_text()
    assert "gradient_check_n" in restored and "restored deleted cells" in restored


def test_feedback_has_no_script_handler_or_widget(batch):
    for result in batch.by_file.values():
        if result.feedback:
            text = Path(result.feedback).read_text()
            tags = Tags(text)
            assert "script" not in tags.tags and tags.handlers == [], (
                result.submission,
                tags.handlers,
            )
            assert "Content-Security-Policy" in text and "widget-state" not in text


@pytest.mark.skipif(
    not browser_tools.chromium_path() and os.environ.get("REQUIRE_BROWSER") != "1",
    reason="no chromium",
)
def test_feedback_in_chromium_opens_no_dialog_and_renders_math(batch, tmp_path):
    dialogs, requests = [], []
    with browser_tools.chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        for result in batch.by_file.values():
            if result.feedback:
                page.goto(Path(result.feedback).resolve().as_uri())
                page.wait_for_load_state("load")
                assert page.evaluate("document.scripts.length") == 0
        maths = page.evaluate("document.querySelectorAll('math').length")
        width = page.evaluate("document.querySelector('math').getBoundingClientRect().width")
    assert dialogs == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert maths > 20 and width > 5  # the lab's formulas render as MathML, with no network


HANGS = """
import time
def hang(*args, **kwargs):
    while True:
        time.sleep(1)
forward_propagation = backward_propagation = gradient_check = gradient_check_n = hang
"""


def test_one_time_budget_holds_every_call_of_a_submission(tmp_path):
    """Each graded call of this submission hangs until its 10 s timeout; the gradient checking
    lab makes 9 of them. The 25 s budget stops them all: the exercises it cuts say so."""
    path = tmp_path / "gradient_checking.ipynb"
    nbformat.write(submission("correct", HANGS), path)
    limits = sandbox.Limits(notebook_timeout=30, budget=25)
    start = time.monotonic()
    result = grading.grade(path, tmp_path / "out", timeout=10, limits=limits)
    took = time.monotonic() - start
    table = grading.format_table(result)
    assert [e["points"] for e in result.exercises] == NONE, table
    assert "timed out after 10 s" in result.exercises[0]["message"], table
    cut = "the submission's time budget ran out (25 s for its cells and graded calls)"
    assert result.exercises[-1]["message"] == cut, table
    assert took < 25 + 20, f"grading took {took:.0f} s"


STARVES = """
import os, time
until = time.time() + 45
for _ in range(150):  # busy processes, each in a session of its own
    if os.fork() == 0:
        os.setsid()
        while time.time() < until:
            pass
        os._exit(0)
"""


@pytest.mark.skipif(not sandbox.cpu_isolated(), reason="no cgroup to make here (needs root)")
def test_a_busy_neighbour_does_not_change_a_grade(tmp_path):
    """150 busy processes in one sandbox, a correct TensorFlow lab in the other, graded at
    once: the lab keeps 7 / 7 (without a cgroup per sandbox it got 0 / 7 every time). Once per
    run: the three runs in a row that proved it (2026-12-06) cost 2.7 minutes of every suite."""
    busy = tmp_path / "busy" / "gradient_checking.ipynb"
    busy.parent.mkdir()
    nbformat.write(submission("blank", STARVES), busy)
    lab = tmp_path / "lab" / "tensorflow_introduction.ipynb"
    lab.parent.mkdir()
    nbformat.write(build_fixtures.student_copy(grading.labs()["tensorflow_introduction"]), lab)
    jobs = [(busy, tmp_path / "out"), (lab, tmp_path / "out")]
    starved, graded_lab = grading.grade_files(jobs, workers=2, timeout=30)
    assert [e["points"] for e in starved.exercises] == NONE, grading.format_table(starved)
    assert graded_lab.score == graded_lab.max_score == 7, grading.format_table(graded_lab)


def test_without_root_the_kernel_has_no_number_for_the_runner(tmp_path, monkeypatch):
    """The grader's other way to keep the kernel from the runner (a grader that is not root,
    whose sandbox has one user): the kernel in a PID namespace of its own. Exercised here, as
    root, by running the sandbox that way: the attacks on the runner gain nothing."""
    monkeypatch.setattr(
        sandbox, "kernel_isolation", lambda sandboxed, uid: {"kernel_namespace": True}
    )
    command = sandbox.command

    def one_user(*args, **kwargs):  # the runner without the capabilities to change user
        argv, env = command(*args, **kwargs)
        argv = [a for a in argv if not a.startswith(("--ambient-caps", "--bounding-set"))]
        return [a.replace(",+setuid,+setgid", "") for a in argv], env

    monkeypatch.setattr(sandbox, "command", one_user)
    for name in (
        "reaches for the runner: signals, ptrace, pidfd_getfd, /proc/<pid>/fd",
        "forges the runner's protocol on its stdout",
    ):
        answered, attack, expected = ATTACKS[name]
        path = tmp_path / "gradient_checking.ipynb"
        nbformat.write(submission(answered, attack), path)
        result = grading.grade(path, tmp_path / "out", timeout=10, limits=LIMITS)
        table = grading.format_table(result)
        assert [e["points"] for e in result.exercises] == expected, table
        assert "ESCAPED:" not in Path(result.feedback).read_text(), table
