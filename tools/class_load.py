"""The class-load benchmark (README, "A class on one machine"; a benchmark, not a test): N
learners log in through a real hub at once and Run All the Initialization lab.

    python -m tools.class_load [--learners 10] [--out build/bench]     # as root: make bench-class

It sets up a class of its own in a temporary folder (``tools.class_hub.setup``) with system
users ``c2l-teacher``, ``c2l-solo`` and ``c2l-01`` ... ``c2l-N``, **and removes those users at
the end**. First one learner alone logs in and runs the lab (the baseline), then the N at
once. Reported: time from the login to a ready server (p50, p95), Run All time at once
against alone, peak memory of each learner (server and kernel, all their processes) and of
the hub with its proxy, and what that means for users per node.
"""

import argparse
import contextlib
import json
import os
import pwd
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import psutil

from tools import class_hub, classroom, hub_client

WEEK, LAB = "week1", "initialization"
PREFIX = "c2l-"
NODE_GIB = 14  # allocatable memory of a 16 GiB node (README, "Sizing")


def answer(released, solved, exercises=None):
    """The released lab with the ``exercises`` (default: all) answered as the solved lab
    answers them (its solution without the markers)."""
    solutions = {
        cell.metadata["nbgrader"]["grade_id"]: re.sub(
            r"^ *### (BEGIN|END) SOLUTION\n?", "", cell.source, flags=re.M
        )
        for cell in solved.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions and (exercises is None or grade_id in exercises):
            cell.source = solutions[grade_id]
    return released


class MemoryWatch:
    """Peak resident memory (GiB) of each user's processes and of the hub's own (root's,
    the proxy included), sampled every 0.5 s in a thread."""

    def __init__(self, users, hub_pid):
        self.uids = {pwd.getpwnam(u).pw_uid: u for u in users}
        self.hub_pid, self.peaks, self.hub_peak = hub_pid, dict.fromkeys(users, 0.0), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.5):
            used = dict.fromkeys(self.peaks, 0)
            for proc in psutil.process_iter(["uids", "memory_info"]):
                user = self.uids.get(proc.info["uids"].real) if proc.info["uids"] else None
                if user and proc.info["memory_info"]:
                    used[user] += proc.info["memory_info"].rss
            for user, rss in used.items():
                self.peaks[user] = max(self.peaks[user], rss / 2**30)
            with contextlib.suppress(psutil.NoSuchProcess):
                hub = psutil.Process(self.hub_pid)
                tree = [hub, *hub.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.uids().real == 0)
                self.hub_peak = max(self.hub_peak, rss / 2**30)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_all(url, name, password, notebook):
    """One learner: log in, save the lab in their home, Run All its code cells in a new
    kernel. Returns {"ready_s", "run_all_s", "error"}."""
    session = hub_client.Session(url, name, password)
    body = {"type": "notebook", "format": "json", "content": notebook}
    session.api("PUT", f"api/contents/{LAB}.ipynb", json=body).raise_for_status()
    started, error = time.monotonic(), None
    with session.kernel() as execute:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                _, error = execute(cell.source)
                if error:
                    break
    return {"ready_s": session.ready_s, "run_all_s": time.monotonic() - started, "error": error}


def stats(values):
    return {"p50": float(np.median(values)), "p95": float(np.percentile(values, 95))}


def measure(learners=10):
    """The benchmark (see the module's docstring); returns its figures."""
    names = [f"{PREFIX}{i:02d}" for i in range(1, learners + 1)]
    teacher, solo = f"{PREFIX}teacher", f"{PREFIX}solo"
    state = Path(tempfile.mkdtemp(prefix="course2-load-", dir="/tmp"))
    state.chmod(0o755)
    checkout_mode = class_hub.ROOT.stat().st_mode
    class_hub.remove_users([teacher, solo, *names])
    try:
        record = class_hub.setup([teacher], [solo, *names], state, state / "exchange")
        passwords = class_hub.initial_passwords(state)
        course = Path(record["course"])
        classroom.release(course, WEEK, record["exchange"])
        released = nbformat.read(course / "release" / WEEK / f"{LAB}.ipynb", as_version=4)
        solved = nbformat.read(course / "notebooks" / WEEK / f"{LAB}.ipynb", as_version=4)
        notebook = answer(released, solved)
        with hub_client.running_hub(state, state / "hub/hub.log") as (url, process):
            with MemoryWatch([solo, *names], process.pid) as memory:
                alone = run_all(url, solo, passwords[solo], notebook)
                with ThreadPoolExecutor(len(names)) as pool:
                    runs = list(pool.map(lambda n: run_all(url, n, passwords[n], notebook), names))
    finally:
        class_hub.ROOT.chmod(checkout_mode)
        class_hub.remove_users([teacher, solo, *names])
        shutil.rmtree(state, ignore_errors=True)
    errors = [r["error"] for r in [alone, *runs] if r["error"]]
    if errors:
        raise RuntimeError(f"Run All failed for {len(errors)} learners:\n{errors[0][-2000:]}")
    peaks = [memory.peaks[n] for n in names]
    at_once = stats([r["run_all_s"] for r in runs])
    slowdown = at_once["p50"] / alone["run_all_s"]
    cores = os.cpu_count()
    return {
        "learners": learners,
        "cores": cores,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "ready_s": {"alone": alone["ready_s"], **stats([r["ready_s"] for r in runs])},
        "run_all_s": {"alone": alone["run_all_s"], **at_once},
        "slowdown_p50": slowdown,
        "learner_peak_gib": {"alone": memory.peaks[solo], **stats(peaks), "max": max(peaks)},
        "hub_peak_gib": memory.hub_peak,
        # Memory: learners per node of NODE_GIB by the worst learner's peak; CPU: learners per
        # core keeping Run All within twice its time alone, if the slowdown grows linearly.
        "users_per_node_by_memory": int(NODE_GIB // max(peaks)),
        "learners_per_core_at_2x": 2 * learners / (slowdown * cores),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.class_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=10, help="learners at once (default 10)")
    parser.add_argument("--out", default="build/bench", help="folder for class_load.json")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run the class-load benchmark as root: it creates (and removes) users")
    figures = measure(args.learners)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "class_load.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
