"""Release the labs and grade submissions, deciding every score outside the learner's code.

    python -m tools.grading release                   # student versions in release/ (nbgrader)
    python -m tools.grading grade SUBMISSION.ipynb     # table + feedback HTML + JSON + gradebook
    python -m tools.grading grade-all FOLDER           # every *.ipynb, in parallel, + CSV

How a submission is graded (the threat model is in the README, "Grading you can trust"):

1. Its code cells, except the test cells and the demos (cells the source tags
   ``skip-when-grading``), run once in a Jupyter kernel inside the sandbox
   (``tools.sandbox``: bubblewrap, read-only system, private scratch, no network, limits).
2. For each graded exercise of the *source* lab (ids and points from the source, never from
   the submission), this process runs the exercise's public check and then its hidden check,
   as the source's test cell writes them, with the lab's own check functions. Each learner
   function they call is a stand-in that asks the kernel to call the real one and reads the
   result back as plain data (``tools.plain_data``): the comparison happens here.
3. Scores go to a table, JSON, CSV, feedback HTML (no hidden test code) and nbgrader's
   gradebook. A submission file is never written to.
"""

import argparse
import builtins
import contextlib
import csv
import errno
import functools
import html
import importlib
import io
import json
import multiprocessing
import os
import re
import stat
import subprocess
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat

import helpers
from helpers import checking
from tools import answer_key, feedback, plain_data, sandbox

checking.use_answer_key(answer_key.expected)  # this process answers the hidden cases

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
CELL_TIMEOUT = sandbox.Limits.cell_timeout  # seconds per cell (nbgrader_config.py: the same)
HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS\n(.*?)^[ \t]*### END HIDDEN TESTS\n?", re.S | re.M
)
PASSED = "All tests passed."
SKIP_TAG = "skip-when-grading"
DEMO_NOTE = (
    "Demo cells (training runs, plots, explorers) are not run when grading: they show the "
    "outputs you handed in."
)
CPU_SHARED = (
    "note: this grader cannot make a cgroup per sandbox (it is not root), so submissions graded"
    " at once share the CPU process by process: one running many processes slows the others"
    " down, to timeouts. Grade as root, or with --workers 1."
)
MAX_NOTEBOOK = 50 * 2**20  # bytes: a lab with its outputs is under 5 MB
MAX_CELLS = 1000  # a lab has under 100
MAX_DEPTH = 64  # levels of JSON nesting (a lab's deepest, its widget state, is under 10)
CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # nbformat 4.5's cell ids


@dataclass
class Result:
    """The outcome of grading one file; ``error`` is set when it could not be graded."""

    submission: str
    lab: str = ""
    score: float = 0.0
    max_score: float = 0.0
    exercises: list = field(default_factory=list)  # dicts: exercise, points, max, message
    notes: list = field(default_factory=list)
    feedback: str = ""
    error: str = ""
    sandbox: str = "bubblewrap"


@dataclass(frozen=True)
class Exercise:
    """A graded test cell of a source lab: its public check code and its hidden one."""

    grade_id: str
    points: float
    public: str
    hidden: str


def labs():
    """{lab name: source notebook path} for every notebooks/week*/NAME.ipynb."""
    return {p.stem: p for p in sorted(SOURCE.glob("week*/*.ipynb"))}


def _grade_ids(nb, kind):
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get(kind)
    ]


@functools.cache
def exercises(lab):
    """The graded exercises of a source lab, in order (read once per process)."""
    source = nbformat.read(labs()[lab], as_version=4)
    found = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            hidden = "".join(HIDDEN.findall(cell.source))
            found.append(
                Exercise(
                    meta["grade_id"],
                    float(meta["points"]),
                    HIDDEN.sub("", cell.source).strip(),
                    hidden,
                )
            )
    return tuple(found)


def demo_cells(source):
    """grade_ids of the source's cells tagged ``skip-when-grading``: training runs, plots and
    explorers that no graded function needs (tests/test_grading.py holds them to that)."""
    return {
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if SKIP_TAG in c.metadata.get("tags", [])
    }


def run_nbgrader(course, *args):
    """Run the nbgrader CLI in ``course``; raise RuntimeError with its log if it fails."""
    bin_dir = Path(sys.executable).parent  # nbgrader starts alembic and kernels from PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(bin_dir / "nbgrader"), *args, "--log-level=WARN"],
        cwd=course,
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return done


def release(root=ROOT):
    """Build the student version of every week of ``root``/notebooks in ``root``/release/."""
    weeks = sorted({p.parent.name for p in (Path(root) / "notebooks").glob("week*/*.ipynb")})
    for week in weeks:
        run_nbgrader(root, "generate_assignment", week, "--force")
    return sorted((Path(root) / "release").glob("week*/*.ipynb"))


# ---------------------------------------------------------------- reading a submission


def _depth(tree):
    """How deeply parsed JSON nests (at most MAX_DEPTH + 1), without recursing."""
    deepest, stack = 0, [(tree, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            stack += [(v, depth + 1) for v in (node.values() if isinstance(node, dict) else node)]
    return deepest


def _damage(cell):
    """What is wrong with a cell's nbgrader metadata (None if nothing)."""
    meta = cell.get("metadata", {})
    if not isinstance(meta, dict):
        return "its metadata is not an object"
    if "nbgrader" not in meta:
        return None
    nbgrader = meta["nbgrader"]
    if not isinstance(nbgrader, dict):
        return f"its nbgrader metadata is {json.dumps(nbgrader)[:40]}, not an object"
    flags = ("grade", "solution", "locked", "task")
    for flag in flags:
        if flag in nbgrader and not isinstance(nbgrader[flag], bool):
            return f"its nbgrader '{flag}' is {json.dumps(nbgrader[flag])[:40]}, not true or false"
    grade_id = nbgrader.get("grade_id")
    if any(nbgrader.get(flag) for flag in flags) and not (isinstance(grade_id, str) and grade_id):
        return "it is a graded or locked cell without a grade_id"
    return None


def _too_large(size):
    return ValueError(
        f"too large to grade ({size / 2**20:.0f} MB; the limit is {MAX_NOTEBOOK / 2**20:.0f}"
        " MB): clear its outputs (Edit > Clear Outputs of All Cells) and hand it in again"
    )


def read_bytes(path):
    """A submitted file's bytes, read as a hostile folder could hold it: never through a
    symbolic link, never blocking (a FIFO, a device), never more than MAX_NOTEBOOK bytes;
    ValueError says why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise ValueError(
                "a symbolic link, not a notebook: hand in the notebook file itself"
            ) from None
        raise ValueError(f"cannot be read ({err.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(
                "not a regular file (a folder, pipe or device): hand in the notebook file itself"
            )
        if info.st_size > MAX_NOTEBOOK:
            raise _too_large(info.st_size)
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_NOTEBOOK + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_NOTEBOOK:  # it grew while being read
        raise _too_large(len(data))
    return data


def read_submission(path):
    """The submission as a notebook (ids repaired, never written back), or raise ValueError
    saying what is wrong with it. Nothing later trusts a structure this has not checked."""
    data = read_bytes(path)
    try:
        raw = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"not a notebook (its JSON nests more than {MAX_DEPTH} levels)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a readable notebook (truncated or not JSON: {err})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    if _depth(raw) > MAX_DEPTH:
        raise ValueError(f"not a notebook (its JSON nests more than {MAX_DEPTH} levels)")
    if len(raw["cells"]) > MAX_CELLS:
        raise ValueError(
            f"too many cells to grade ({len(raw['cells']):,}; a lab has under 100, the limit is"
            f" {MAX_CELLS:,}): hand in the lab's notebook with your answers"
        )
    seen = set()
    for index, cell in enumerate(raw["cells"]):
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook (cell {index + 1} is not an object)")
        if problem := _damage(cell):
            raise ValueError(
                f"cell {index + 1} is damaged ({problem}): paste your answers into a fresh copy"
                " of the lab and hand that in"
            )
        cell_id = cell.get("id")  # missing, malformed or duplicate ids stop nbgrader: repaired
        if not (isinstance(cell_id, str) and CELL_ID.fullmatch(cell_id)) or cell_id in seen:
            cell["id"] = cell_id = f"cell-{index}-{len(seen)}"
        seen.add(cell_id)
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types for malformed notebooks
        raise ValueError(f"not a valid notebook ({str(err).splitlines()[0][:200]})") from None
    return nb


def identify(nb, path):
    """The lab a submission belongs to, from its graded cells; ValueError if none or another."""
    found = set(_grade_ids(nb, "grade")) | set(_grade_ids(nb, "solution"))
    overlap = {}
    for name, source in labs().items():
        src = nbformat.read(source, as_version=4)
        ids = set(_grade_ids(src, "grade")) | set(_grade_ids(src, "solution"))
        overlap[name] = len(found & ids) / len(ids)
    best = max(overlap, key=overlap.get)
    if overlap[best] == 0:
        raise ValueError("none of its cells belong to a lab of this course")
    expected = Path(path).stem
    if expected in overlap and expected != best and overlap[expected] < overlap[best]:
        raise ValueError(
            f"this file holds the '{best}' lab, not '{expected}': "
            f"submit {expected}.ipynb from the {expected} lab"
        )
    return best


def restore_deleted_cells(nb, source):
    """Put back locked / test cells of ``source`` that the submission deleted (in place),
    without their hidden tests: the cells go into the sandbox and the feedback."""
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    restored, at = [], 0
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in present:
            at = 1 + next(
                i
                for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == gid
            )
        elif meta.get("locked") or meta.get("grade"):
            copy = nbformat.from_dict(json.loads(json.dumps(cell)))
            copy.source = HIDDEN.sub("", copy.source)
            nb.cells.insert(at, copy)
            restored.append(gid)
            at += 1
    return restored


# ---------------------------------------------------------------- the trusted checks


class LearnerError(Exception):
    """The learner's function raised, timed out, or its result could not be read back."""


class Remote:
    """Stands for a learner's function in a check: calling it calls the real one in the
    sandboxed kernel and returns its result as plain data; its prints are replayed here."""

    def __init__(self, session, name):
        self.session, self.__name__ = session, name

    def __call__(self, *args, **kwargs):
        try:
            reply = self.session.call(self.__name__, args, kwargs, plain_data.encode)
        except sandbox.SandboxError as error:
            raise LearnerError(f"{self.__name__}: {error}") from None
        if "failed" in reply:
            raise LearnerError(str(reply["failed"])[:300])
        sys.stdout.write(str(reply.get("stdout", "")))
        sys.stderr.write(str(reply.get("stderr", "")))
        if "raised" in reply:
            ename, evalue = (list(map(str, reply["raised"])) + ["", ""])[:2]
            if ename == "NotImplementedError":
                raise LearnerError("not answered (NotImplementedError)")
            raise LearnerError(f"{ename}: {evalue}".strip()[:300])
        try:
            result = plain_data.decode(reply.get("result"))
            if reply.get("gradients") is not None and plain_data.is_tensor(result):
                gradients = [
                    None if g is None else plain_data.decode(g) for g in reply["gradients"]
                ]
                variables = [
                    v for v in plain_data.leaves((args, kwargs)) if plain_data.is_variable(v)
                ]
                result = plain_data.linked(result, variables, gradients)
            return result
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            raise LearnerError(f"{self.__name__} returned something unreadable ({error})") from None


class RemoteNames(dict):
    """The names a test cell sees: builtins and ``lab`` as usual, any other name a Remote."""

    def __init__(self, session):
        super().__init__()
        self.session = session

    def __missing__(self, name):
        if name == "lab" or hasattr(builtins, name):
            raise KeyError(name)  # so that Python looks it up in the globals, then builtins
        return Remote(self.session, name)


def run_check(code, lab_module, session):
    """Run a test cell's code here, against the kernel; None if it passes, else why not."""
    if not code.strip():
        return None
    globals_ = {"lab": lab_module, "__builtins__": builtins}
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(code, "<test cell>", "exec"), globals_, RemoteNames(session))
    except AssertionError as error:
        return str(error).strip()[:500] or "a check failed"
    except LearnerError as error:
        return str(error)
    except Exception as error:  # a result of the wrong kind can make a check itself fail
        return f"{type(error).__name__}: {error}".strip()[:300]
    return None


def without_expected_values(message):
    """A check's message without what it expected (hidden cases keep their answers)."""
    return re.sub(r"(,\s*|\s+)expected\b.*?(?=\.\s|\.$|;|\n|$)", "", message)


def check_exercise(exercise, lab_module, session):
    """(points, message) of one exercise: the public check, then the hidden one."""
    failed = run_check(exercise.public, lab_module, session)
    if failed is None:
        failed = run_check(exercise.hidden, lab_module, session)
        if failed is not None and not failed.startswith(("not answered", "timed out")):
            failed = f"a hidden case failed: {without_expected_values(failed)}"
    if failed is None:
        return exercise.points, PASSED
    return 0.0, failed


# ---------------------------------------------------------------- grading


def grade(submission, out_dir, timeout=CELL_TIMEOUT, limits=None, sandboxed=True):
    """Grade one submitted notebook; write ``<out_dir>/<stem>.html`` (feedback) and
    ``<out_dir>/<stem>.json`` and return the ``Result``. A file that cannot be graded gives
    a Result with ``error`` set; a missing sandbox raises ``sandbox.SandboxError``."""
    submission, out_dir = Path(submission), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    limits = replace(limits or sandbox.Limits(), cell_timeout=timeout)
    result = Result(submission=str(submission), sandbox="bubblewrap" if sandboxed else "none")
    if sandboxed:
        sandbox.check_available()
    try:
        nb = read_submission(submission)
        result.lab = identify(nb, submission)
        executed = _grade_in_sandbox(nb, result, limits, sandboxed)
        result.feedback = str(out_dir / f"{submission.stem}.html")
        Path(result.feedback).write_text(feedback_html(executed, result), encoding="utf-8")
    except ValueError as err:
        result.error = str(err)
    except sandbox.SandboxError:
        raise
    except Exception as err:  # a file no check foresaw: its own error row, never the batch's
        result = replace(result, score=0.0, feedback="")
        result.error = f"the grader failed on this file ({type(err).__name__}: {err})"[:500]
    (out_dir / f"{submission.stem}.json").write_text(json.dumps(asdict(result), indent=2))
    return result


def _grade_in_sandbox(nb, result, limits, sandboxed):
    source = nbformat.read(labs()[result.lab], as_version=4)
    restored = restore_deleted_cells(nb, source)
    if restored:
        result.notes.append(f"restored deleted cells from the source: {', '.join(restored)}")
    not_run = {e.grade_id for e in exercises(result.lab)} | demo_cells(source)
    skip = [
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") in not_run
    ]
    session = sandbox.Session(nb, skip, limits, sandboxed)
    try:
        # while it runs: the lab's own set-up (seeds, TensorFlow's deterministic ops), then
        # its checks, so that expected values are computed as in the learner's notebook
        helpers.setup(seed=1, tensorflow=any("tensorflow=True" in c.source for c in source.cells))
        lab_module = importlib.import_module(f"helpers.labs.{result.lab}")
        executed, broken = nb, None
        try:
            message = {}
            while message.get("event") != "executed":  # lines forged by the kernel: skipped
                message = session.receive(limits.notebook_timeout + 60)
            executed = _with_outputs(nb, message.get("outputs"), skip)
            result.notes += [str(n)[:300] for n in message.get("notes", [])][:10]
        except sandbox.SandboxError as error:
            broken = f"the notebook did not finish: {error}"
        for exercise in exercises(result.lab):
            if broken or session.left() <= 0:
                points, message = 0.0, broken or session.out_of_time()
            else:
                points, message = check_exercise(exercise, lab_module, session)
                if session.left() <= 0 and points < exercise.points:  # cut short by it
                    message = session.out_of_time()
            result.exercises.append(
                {
                    "exercise": exercise.grade_id.removesuffix("_test"),
                    "points": points,
                    "max": exercise.points,
                    "message": message,
                }
            )
    finally:
        session.close()
    result.score = sum(e["points"] for e in result.exercises)
    result.max_score = sum(e["max"] for e in result.exercises)
    return executed


def _with_outputs(nb, ran, skip):
    """A copy of ``nb`` with the outputs the sandbox sent for the cells it ran (each checked
    to be a list; ``tools.feedback`` keeps only what it allows of them)."""
    executed = nbformat.from_dict(json.loads(json.dumps(nb)))
    sent = [item for item in (ran if isinstance(ran, list) else []) if isinstance(item, list)]
    ran = {item[0]: item[1:] for item in sent if len(item) == 3 and type(item[0]) is int}
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code" and index not in skip:
            outputs, count = ran.get(index, ([], None))
            cell.outputs = outputs if isinstance(outputs, list) else []
            cell.execution_count = count if type(count) is int else None
    return executed


def feedback_html(executed, result):
    """The learner's executed notebook as a page (``tools.feedback``), each test cell showing
    its public check and the verdict, after a table of the scores. Hidden test code never
    appears."""
    nb = nbformat.from_dict(json.loads(json.dumps(executed)))
    verdicts = {f"{e['exercise']}_test": e for e in result.exercises}
    public = {e.grade_id: e.public for e in exercises(result.lab)}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in public:
            cell.source = public[grade_id]
            e = verdicts.get(grade_id)
            verdict = f"{e['points']:g} / {e['max']:g}: {e['message']}\n" if e else ""
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=verdict)]
    rows = "".join(
        f"<tr><td>{e['exercise']}</td><td>{e['points']:g} / {e['max']:g}</td>"
        f"<td>{html.escape(feedback.printable(e['message']))}</td></tr>"
        for e in result.exercises
    )
    notes = [*result.notes, DEMO_NOTE]
    summary = (
        f"<h1>Feedback: {result.lab}</h1>\n"
        f"<p><strong>Score: {result.score:g} / {result.max_score:g}</strong></p>\n"
        f"<table><thead><tr><th>exercise</th><th>points</th><th>message</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>\n<ul>"
        + "".join(f"<li>{html.escape(feedback.printable(n))}</li>" for n in notes)
        + "</ul>"
    )
    return feedback.page(nb, f"Feedback: {result.lab}", summary)


def format_table(result):
    """The per-exercise table and the total, as printed by ``make grade``; whatever came from
    the submission (its name, messages, notes) has its control characters shown escaped."""
    show = feedback.printable
    lines = [f"{show(result.submission)}: lab '{result.lab or '?'}'"]
    if result.error:
        return "\n".join([*lines, f"  not graded: {show(result.error)}", "  total: 0 / 0"])
    if result.sandbox == "none":
        lines.append("  NOT SANDBOXED (--no-sandbox): for trusted submissions only")
    lines.append(f"  {'exercise':44s} {'points':>6s} {'max':>4s}  message")
    for e in result.exercises:
        lines.append(f"  {e['exercise']:44s} {e['points']:6g} {e['max']:4g}  {show(e['message'])}")
    lines += [f"  note: {show(n)}" for n in result.notes]
    lines.append(f"  total: {result.score:g} / {result.max_score:g}")
    if result.feedback:
        lines.append(f"  feedback: {show(result.feedback)}")
    return "\n".join(lines)


def spreadsheet_safe(value):
    """A CSV field a spreadsheet shows as text: one starting like a formula gets a quote."""
    text = str(value)
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


# ---------------------------------------------------------------- batches and the gradebook


def student_of(path):
    """The student id of a submission: its file name, or its folder's name when the file is
    named after a lab (``submitted/alice/initialization.ipynb`` -> alice), or the one above
    in nbgrader's layout (``submitted/alice/week1/initialization.ipynb`` -> alice)."""
    path = Path(path)
    if path.stem not in labs():
        return path.stem
    weeks = {lab.parent.name for lab in labs().values()}
    return path.parent.parent.name if path.parent.name in weeks else path.parent.name


def record(results, database):
    """Write the scores into nbgrader's gradebook at ``database`` (created if missing), one
    assignment per week, so that ``nbgrader export`` and formgrader see them."""
    from nbgrader.api import Gradebook, MissingEntry

    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    with Gradebook(f"sqlite:///{Path(database).resolve()}") as gb:
        for r in (r for r in results if r.lab and not r.error):
            week, student = labs()[r.lab].parent.name, student_of(r.submission)
            gb.update_or_create_assignment(week)
            for lab in (name for name, path in labs().items() if path.parent.name == week):
                gb.update_or_create_notebook(lab, week)
                for e in exercises(lab):
                    gb.update_or_create_grade_cell(
                        e.grade_id, lab, week, max_score=e.points, cell_type="code"
                    )
            gb.update_or_create_student(student)
            try:
                gb.find_submission(week, student)
            except MissingEntry:
                with warnings.catch_warnings():  # SQLAlchemy 2 warns inside nbgrader's own code
                    warnings.simplefilter("ignore")
                    gb.add_submission(week, student)
            for e in r.exercises:
                grade_ = gb.find_grade(f"{e['exercise']}_test", r.lab, week, student)
                grade_.auto_score, grade_.needs_manual_grade = e["points"], False
            gb.db.commit()


def _grade_one(args):
    return grade(*args)


def _outcome(future, path):
    """A worker's Result, or an error row if the worker itself died (killed, out of memory)."""
    try:
        return future.result()
    except sandbox.SandboxError:
        raise
    except Exception as err:
        return Result(submission=str(path), error=f"the grader's worker failed ({err})"[:500])


def grade_files(jobs, workers=None, timeout=CELL_TIMEOUT, limits=None, sandboxed=True):
    """Grade each (submission, out_dir) of ``jobs`` in parallel (one worker per core by
    default): the Results, in order; a worker that dies gives its file an error row."""
    if sandboxed:
        sandbox.check_available()
    # Fresh worker processes, not forks: a fork of a process whose TensorFlow has run ops
    # (the answer key's, a caller's) inherits dead thread pools, and its next op never returns.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers or os.cpu_count(), mp_context=spawn) as pool:
        args = [(path, out, timeout, limits, sandboxed) for path, out in jobs]
        futures = [pool.submit(_grade_one, job) for job in args]
        return [_outcome(future, path) for future, (path, _) in zip(futures, jobs, strict=True)]


def grade_all(folder, out_dir, workers=None, timeout=CELL_TIMEOUT, limits=None, sandboxed=True):
    """Grade every ``*.ipynb`` of ``folder`` in parallel (one worker per core by default);
    write ``<out_dir>/grades.csv`` and the gradebook. A file that cannot be graded gets a row
    with its error."""
    files, out_dir = sorted(Path(folder).glob("*.ipynb")), Path(out_dir)
    results = grade_files([(f, out_dir) for f in files], workers, timeout, limits, sandboxed)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_grades(out_dir / "grades.csv", results)
    record(results, out_dir / "gradebook.db")
    return results


def write_grades(path, results, by_student=False):
    """One CSV row per Result: submission (or, ``by_student``, the student id), lab, score,
    max_score, error; no field a spreadsheet would run as a formula."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        first = "student" if by_student else "submission"
        writer.writerow([first, "lab", "score", "max_score", "error"])
        for r in results:
            who = student_of(r.submission) if by_student else Path(r.submission).name
            writer.writerow(
                [spreadsheet_safe(v) for v in (who, r.lab, r.score, r.max_score, r.error)]
            )


LIMIT_FLAGS = [  # flag, field of sandbox.Limits, unit of the flag, help
    ("--notebook-timeout", "notebook_timeout", 1, "seconds for all the notebook's cells"),
    ("--budget", "budget", 1, "seconds for everything a submission runs (cells, graded calls)"),
    ("--memory-gib", "memory", 2**30, "memory per process, GiB"),
    ("--processes", "processes", 1, "processes and threads"),
    ("--output-mib", "output", 2**20, "output kept in all, MiB"),
    ("--disk-mib", "disk", 2**20, "scratch disk, MiB"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.grading", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="student versions of every week in release/")
    one = sub.add_parser("grade", help="grade one submitted notebook")
    one.add_argument("submission")
    many = sub.add_parser("grade-all", help="grade every *.ipynb of a folder, in parallel")
    many.add_argument("folder")
    many.add_argument("--workers", type=int, default=None, help="default: one per core")
    defaults = sandbox.Limits()
    for p in (one, many):
        p.add_argument(
            "--out",
            default="grades",
            help="where feedback, JSON, CSV and gradebook.db go (default: grades/)",
        )
        p.add_argument(
            "--timeout",
            type=int,
            default=CELL_TIMEOUT,
            help=f"seconds per cell and per graded call (default {CELL_TIMEOUT})",
        )
        for flag, name, unit, text in LIMIT_FLAGS:
            default = getattr(defaults, name) / unit
            p.add_argument(flag, type=float, default=default, help=f"{text} (default {default:g})")
        p.add_argument(
            "--no-sandbox",
            action="store_true",
            help="run the learner's code unsandboxed: trusted submissions only",
        )
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release():
            print(path.relative_to(ROOT))
        return 0
    limits = replace(
        defaults,
        **{
            name: int(getattr(args, flag[2:].replace("-", "_")) * unit)
            for flag, name, unit, _ in LIMIT_FLAGS
        },
    )
    options = dict(timeout=args.timeout, limits=limits, sandboxed=not args.no_sandbox)
    try:
        if args.command == "grade":
            if not os.path.lexists(args.submission):
                parser.error(f"{args.submission}: no such file")
            result = grade(args.submission, args.out, **options)
            record([result], Path(args.out) / "gradebook.db")
            print(format_table(result))
            print(f"  result: {Path(args.out) / (Path(args.submission).stem + '.json')}")
            return 0
        if not Path(args.folder).is_dir():
            parser.error(f"{args.folder}: no such folder")
        if options["sandboxed"] and args.workers != 1 and not sandbox.cpu_isolated():
            print(CPU_SHARED, file=sys.stderr)
        results = grade_all(args.folder, args.out, args.workers, **options)
    except sandbox.SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for r in results:
        print(format_table(r))
    print(f"grades: {Path(args.out) / 'grades.csv'} ({len(results)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
