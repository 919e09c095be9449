"""The instructor's week with nbgrader's exchange: labs go out and come back, are graded in the
sandbox, and each learner's feedback goes back to them (README, "Teaching a class").

    python -m tools.classroom release WEEK    # student versions into the exchange
    python -m tools.classroom collect WEEK    # the learners' submissions into submitted/
    python -m tools.classroom grade WEEK      # sandboxed grading: gradebook, feedback/, grades/
    python -m tools.classroom feedback WEEK   # each learner's feedback into the exchange

Learners use JupyterLab's Assignments tab (or ``nbgrader fetch_assignment / submit /
fetch_feedback``) with the same exchange and course id. Grading reads nbgrader's layout,
``submitted/<student>/<week>/<lab>.ipynb``, and writes ``feedback/<student>/<week>/<lab>.html``
where ``nbgrader release_feedback`` takes it, the scores into ``gradebook.db`` and
``grades/<week>.csv``; every file is graded as hostile, as ``make grade-all`` does.
"""

import argparse
import os
import shutil
from pathlib import Path

from tools import grading

COURSE_ID = "course2"
EXCHANGE = "/srv/nbgrader/exchange"
STAMPS = ("timestamp.txt", "submission_secret.txt")  # nbgrader's, kept beside the feedback


def nbgrader(course, step, week, exchange, *extra):
    """One nbgrader exchange step for ``week`` of ``course``."""
    where = [f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={COURSE_ID}"]
    return grading.run_nbgrader(course, step, week, *where, *extra)


def release(course, week, exchange=EXCHANGE):
    """The student versions of ``week`` (``generate_assignment``) into the exchange."""
    grading.run_nbgrader(course, "generate_assignment", week, "--force")
    nbgrader(course, "release_assignment", week, exchange, "--force")
    return sorted((Path(exchange) / COURSE_ID / "outbound" / week).glob("*.ipynb"))


def collect(course, week, exchange=EXCHANGE):
    """Every learner's latest submission of ``week`` into ``submitted/``; {student: files}."""
    inbound = Path(exchange) / COURSE_ID / "inbound"
    if not any(inbound.glob(f"*+{week}+*")):
        raise SystemExit(f"nothing submitted for {week} yet (looked in {inbound})")
    nbgrader(course, "collect", week, exchange, "--update")
    return submissions(course, week)


def submissions(course, week):
    """{student: sorted notebooks} of ``submitted/<student>/<week>/``."""
    folders = sorted((Path(course) / "submitted").glob(f"*/{week}"))
    return {f.parent.name: sorted(f.glob("*.ipynb")) for f in folders}


def grade(course, week, workers=None, timeout=grading.CELL_TIMEOUT, limits=None):
    """Grade every collected notebook of ``week``; returns the Results."""
    course = Path(course)
    jobs = [
        (path, course / "feedback" / student / week)
        for student, paths in submissions(course, week).items()
        for path in paths
    ]
    if not jobs:
        raise SystemExit(f"no submissions of {week} in {course / 'submitted'}: collect first")
    results = grading.grade_files(jobs, workers=workers, timeout=timeout, limits=limits)
    scores = course / "grades" / week
    for path, feedback in jobs:
        for stamp in STAMPS:
            if (path.parent / stamp).exists():
                shutil.copy(path.parent / stamp, feedback / stamp)
        json_file = feedback / f"{path.stem}.json"  # the table, kept out of the learner's feedback
        if json_file.exists():
            (scores / feedback.parent.name).mkdir(parents=True, exist_ok=True)
            json_file.replace(scores / feedback.parent.name / json_file.name)
    grading.write_grades(course / "grades" / f"{week}.csv", results, by_student=True)
    grading.record(results, course / "gradebook.db")
    return results


def feedback(course, week, exchange=EXCHANGE):
    """Each learner's feedback pages of ``week`` into the exchange (``release_feedback``)."""
    pages = sorted((Path(course) / "feedback").glob(f"*/{week}/*.html"))
    if not pages:
        raise SystemExit(f"no feedback for {week} in {Path(course) / 'feedback'}: grade first")
    nbgrader(course, "release_feedback", week, exchange)
    return pages


def hand_back(course, *also):
    """Run as root on a course folder someone else owns (the class hub's instructor): what a
    step made there, and in ``also`` (the course's exchange), goes to that owner, so their
    formgrader reads and writes it as nbgrader's instructor would."""
    owner = Path(course).stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    for top in (Path(course), *map(Path, also)):
        for path in [top, *top.rglob("*")] if top.exists() else []:
            if path.lstat().st_uid == 0:
                os.lchown(path, owner.st_uid, owner.st_gid)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.classroom",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("step", choices=["release", "collect", "grade", "feedback"])
    parser.add_argument("week", help="the assignment: week1, week2 or week3")
    parser.add_argument("--course", default=str(grading.ROOT), help="the course folder")
    parser.add_argument("--exchange", default=EXCHANGE, help=f"default: {EXCHANGE}")
    args = parser.parse_args(argv)
    if args.step == "grade":
        for r in grade(args.course, args.week):
            print(grading.format_table(r))
    else:
        step = {"release": release, "collect": collect, "feedback": feedback}[args.step]
        done = step(args.course, args.week, args.exchange)
        what = "learners" if isinstance(done, dict) else "files"
        print(f"{args.step} {args.week}: {len(done)} {what}")
    hand_back(args.course, Path(args.exchange) / COURSE_ID)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
