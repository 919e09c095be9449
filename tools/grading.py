"""Thin glue around nbgrader: release the labs, grade one submission, grade a folder.

    python -m tools.grading release                   # student versions in release/
    python -m tools.grading grade SUBMISSION.ipynb     # table + feedback HTML + JSON
    python -m tools.grading grade-all FOLDER           # every *.ipynb, in parallel, + CSV

nbgrader does the work (solution stripping, locked-cell restore, execution, scores,
feedback). This module prepares a private course directory per submission, repairs what
would stop nbgrader on a messy file (duplicate cell ids, deleted test cells), refuses
notebooks that redefine the grading checks, and reports. It never writes to a submission.
"""

import argparse
import ast
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
STUDENT = "student"
CELL_TIMEOUT = 120  # seconds a cell may run when grading (nbgrader_config.py: the same)
# Names a submission must not rebind or patch: the test cells trust them.
GUARDED = {"lab", "checking", "helpers", "gradcheck", "nn", "np", "numpy", "builtins",
           "AssertionError", "print", "isinstance", "type", "float", "assert_array"}  # fmt: skip


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


def labs():
    """{lab name: source notebook path} for every notebooks/week*/NAME.ipynb."""
    return {p.stem: p for p in sorted(SOURCE.glob("week*/*.ipynb"))}


def _grade_ids(nb, kind):
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get(kind)]  # fmt: skip


def run_nbgrader(course, *args):
    """Run the nbgrader CLI in ``course``; raise RuntimeError with its log if it fails."""
    bin_dir = Path(sys.executable).parent  # nbgrader starts alembic and kernels from PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(bin_dir / "nbgrader"), *args, "--log-level=WARN"], cwd=course,
                          capture_output=True, text=True, env=env)  # fmt: skip
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


def read_submission(path):
    """The submission as a notebook (ids repaired, never written back), or raise ValueError."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a readable notebook (truncated or not JSON: {err})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    seen = set()
    for index, cell in enumerate(raw["cells"]):  # duplicate or missing ids stop nbgrader
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook (cell {index + 1} is not an object)")
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = f"cell-{index}-{len(seen)}"
        seen.add(cell["id"])
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
    """Put back locked / test cells of ``source`` that the submission deleted (in place)."""
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
            nb.cells.insert(at, nbformat.from_dict(json.loads(json.dumps(cell))))
            restored.append(gid)
            at += 1
    return restored


def find_tampering(nb, source):
    """(cell index, what) of code written by the learner that rebinds or patches a name the
    checks rely on (``checks.x = ...``, ``setattr(np, ...)``, ``import builtins`` ...)."""
    original = {c.source for c in source.cells}
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.source in original:
            continue
        code = "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))  # fmt: skip
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # it fails on its own
        for node in ast.walk(tree):
            what = _tampering(node)
            if what:
                found.append((index, what))
    return found


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _tampering(node):
    targets = []
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        root = _root_name(target)
        if root in GUARDED or (root == "sys" and "modules" in ast.unparse(target)):
            return f"assigns to {ast.unparse(target)}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if (
            node.func.id in ("setattr", "delattr")
            and node.args
            and _root_name(node.args[0]) in GUARDED
        ):
            return f"calls {ast.unparse(node)[:60]}"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
        if "builtins" in names:
            return "imports builtins"
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in GUARDED:
        return f"defines {node.name}"
    return None


# ---------------------------------------------------------------- grading


def grade(submission, out_dir, timeout=CELL_TIMEOUT):
    """Grade one submitted notebook in a private nbgrader course directory.

    Writes ``<out_dir>/<stem>.html`` (nbgrader's feedback) and ``<out_dir>/<stem>.json``;
    returns the ``Result``. Problems with the file give a Result with ``error`` set.
    """
    submission, out_dir = Path(submission), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = Result(submission=str(submission))
    try:
        nb = read_submission(submission)
        result.lab = identify(nb, submission)
        _autograde(nb, result, out_dir / submission.stem, timeout)
    except (ValueError, RuntimeError) as err:
        result.error = str(err)
    (out_dir / f"{submission.stem}.json").write_text(json.dumps(asdict(result), indent=2))
    return result


def _autograde(nb, result, out_stem, timeout):
    source_path = labs()[result.lab]
    week, source = source_path.parent.name, nbformat.read(source_path, as_version=4)
    restored = restore_deleted_cells(nb, source)
    if restored:
        result.notes.append(f"restored deleted cells from the source: {', '.join(restored)}")
    tampering = find_tampering(nb, source)
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        course = Path(tmp)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        (course / "notebooks" / week).mkdir(parents=True)
        shutil.copy(source_path, course / "notebooks" / week)
        run_nbgrader(course, "generate_assignment", week, "--force")
        target = course / "submitted" / STUDENT / week / source_path.name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
        run_nbgrader(course, "autograde", week, "--create", "--force",
                     f"--Execute.timeout={timeout}")  # fmt: skip
        graded = nbformat.read(course / "autograded" / STUDENT / week / source_path.name, 4)
        _collect(course, week, source_path.stem, graded, tampering, result, timeout)
        run_nbgrader(course, "generate_feedback", week, "--force")
        feedback = course / "feedback" / STUDENT / week / f"{source_path.stem}.html"
        shutil.copy(feedback, out_stem.with_suffix(".html"))
        result.feedback = str(out_stem.with_suffix(".html"))


def _collect(course, week, notebook, graded, tampering, result, timeout):
    from nbgrader.api import Gradebook

    cells = {c.metadata["nbgrader"]["grade_id"]: (i, c) for i, c in enumerate(graded.cells)
             if c.metadata.get("nbgrader", {}).get("grade")}  # fmt: skip
    first_tamper = min((i for i, _ in tampering), default=None)
    if tampering:
        result.notes.append("the notebook redefines what the checks rely on ("
                            + "; ".join(f"cell {i + 1} {what}" for i, what in tampering)
                            + "): tests after it get no points")  # fmt: skip
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(notebook, week, STUDENT)
        for grade_ in sorted(sub.grades, key=lambda g: cells[g.name][0]):
            index, cell = cells[grade_.name]
            message = _message(cell, timeout)
            if first_tamper is not None and index > first_tamper:
                grade_.manual_score = 0.0
                message = "not trusted: an earlier cell redefines the checks"
            gb.db.commit()
            result.exercises.append({
                "exercise": grade_.name.removesuffix("_test"), "points": float(grade_.score),
                "max": float(grade_.max_score), "message": message,
            })  # fmt: skip
    result.score = sum(e["points"] for e in result.exercises)
    result.max_score = sum(e["max"] for e in result.exercises)


def _message(cell, timeout):
    for out in cell.outputs:
        if out.output_type == "error":
            if out.ename in ("CellTimeoutError", "KeyboardInterrupt"):  # nbgrader interrupts
                return f"timed out after {timeout} s (an endless loop?)"
            if out.ename == "NotImplementedError":
                return "not answered (NotImplementedError)"
            return f"{out.ename}: {out.evalue}".strip()[:300]
        if out.output_type == "stream" and out.name == "stderr":
            return f"wrote to stderr: {out.text.strip()[:200]}"
    text = "".join(o.get("text", "") for o in cell.outputs)
    return "All tests passed." if "All tests passed." in text else "passed"


def format_table(result):
    """The per-exercise table and the total, as printed by ``make grade``."""
    lines = [f"{result.submission}: lab '{result.lab or '?'}'"]
    if result.error:
        return "\n".join([*lines, f"  not graded: {result.error}", "  total: 0 / 0"])
    lines.append(f"  {'exercise':44s} {'points':>6s} {'max':>4s}  message")
    for e in result.exercises:
        lines.append(f"  {e['exercise']:44s} {e['points']:6g} {e['max']:4g}  {e['message']}")
    lines += [f"  note: {n}" for n in result.notes]
    lines.append(f"  total: {result.score:g} / {result.max_score:g}")
    if result.feedback:
        lines.append(f"  feedback: {result.feedback}")
    return "\n".join(lines)


def _grade_one(args):
    return grade(*args)


def grade_all(folder, out_dir, workers=None, timeout=CELL_TIMEOUT):
    """Grade every ``*.ipynb`` of ``folder`` in parallel (one worker per core by default);
    write ``<out_dir>/grades.csv``. A file that cannot be graded gets a row with its error."""
    files = sorted(Path(folder).glob("*.ipynb"))
    out_dir = Path(out_dir)
    jobs = [(f, out_dir, timeout) for f in files]
    with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
        results = list(pool.map(_grade_one, jobs))
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "lab", "score", "max_score", "error"])
        for r in results:
            writer.writerow([Path(r.submission).name, r.lab, r.score, r.max_score, r.error])
    return results


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
    for p in (one, many):
        p.add_argument(
            "--out", default="grades", help="where feedback, JSON and CSV go (default: grades/)"
        )
        p.add_argument(
            "--timeout",
            type=int,
            default=CELL_TIMEOUT,
            help=f"seconds per cell (default {CELL_TIMEOUT})",
        )
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release():
            print(path.relative_to(ROOT))
        return 0
    if args.command == "grade":
        if not Path(args.submission).is_file():
            parser.error(f"{args.submission}: no such file")
        print(format_table(grade(args.submission, args.out, args.timeout)))
        print(f"  result: {Path(args.out) / (Path(args.submission).stem + '.json')}")
        return 0
    if not Path(args.folder).is_dir():
        parser.error(f"{args.folder}: no such folder")
    results = grade_all(args.folder, args.out, args.workers, args.timeout)
    for r in results:
        print(format_table(r))
    print(f"grades: {Path(args.out) / 'grades.csv'} ({len(results)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
