"""Benchmarks (``make bench``): how fast the labs and their explorers are on this machine.

Measures, and writes as Markdown and JSON to the folder given (default ``build/bench``):

- Run All of every lab, headless (nbclient), and the peak memory of its kernel, beside the
  course's own trainings of that lab timed in the same run (``tools.course_trainings``) and
  the ratio (target: at most 1.0x, although the labs do more);
- each explorer's redraw over a sweep of at least 20 slider values: p50 / p95 / max of the
  compute part (the plain functions of the lab modules, ``helpers.labs``) and of the drawing
  part (the explorer's live figure redrawn and encoded as PNG), and of their sum;
- each explorer in real JupyterLab and chromium (``tools.browser``): once the frames around
  its first setting are drawn ahead (how many, and when they were all there), the time from
  a key press on a slider to the new figure painted on screen, 12 presses per explorer, and
  how many of them the browser answered from frames drawn ahead (key "browser");
- one training epoch of the TensorFlow lab's SIGNS model (graph step as in the lab, and eager);
- grading (``tools.grading``, sandboxed): one correct Initialization submission next to its
  Run All (target: at most 1.5x), and a batch of 20 on every core (target: under 2 min).

Targets (see issue "Benchmarks"): analytic explorers p95 < 100 ms, explorers that retrain a
network p95 < 500 ms, the whole course's Run All < 90 s. Not part of ``make test``: timings
belong to benchmarks, not to tests.

Usage: python -m tools.bench [--out build/bench] [--skip-labs | --labs-only | --browser-only]
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from tools import course_trainings

ROOT = Path(__file__).resolve().parent.parent
ANALYTIC_TARGET, RETRAIN_TARGET, COURSE_TARGET = 0.100, 0.500, 90.0
BROWSER_TARGET_MS = 100  # key press to new figure on screen, p95 (issue "Live explorers")


def run_lab(path):
    """Run All of one lab headless; returns wall seconds and the kernel's peak RSS (MiB)."""
    import nbformat

    from tools.execute_notebooks import run

    nb = nbformat.read(path, as_version=4)
    # VmHWM: the kernel's own peak (getrusage's ru_maxrss survives exec, so it would report the
    # process that started the kernel if that one was bigger).
    probe = "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    seconds = run(nb, path.parent, timeout=900)
    peak_kib = int(nb.cells[-1].outputs[0]["text"].strip())
    lab = f"{path.parent.name}/{path.stem}"
    return {
        "lab": lab,
        "seconds": seconds,
        "peak_mib": peak_kib / 1024,
        "course_seconds": course_trainings.seconds(lab),  # None: the course trains nothing
    }


def _stats(values):
    return {
        "p50": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "max": float(np.max(values)),
    }


def sweep(name, kind, values, compute, draw):
    """Time a slider sweep: ``compute(value)``, then ``draw(value, computed)`` -> the explorer's
    ``LiveFigure``, redrawn to PNG.

    ``kind`` is "analytic" (target p95 < 100 ms) or "retrains" (< 500 ms).
    """
    values = list(values)
    draw(values[0], compute(values[0])).png()  # the explorer's first display, not a move
    compute_times, draw_times = [], []
    for value in values:
        start = time.perf_counter()
        computed = compute(value)
        middle = time.perf_counter()
        draw(value, computed).png()
        compute_times.append(middle - start)
        draw_times.append(time.perf_counter() - middle)
    total = np.add(compute_times, draw_times)
    return {
        "explorer": name,
        "kind": kind,
        "moves": len(total),
        "compute": _stats(compute_times),
        "draw": _stats(draw_times),
        "total": _stats(total),
        "target_p95": ANALYTIC_TARGET if kind == "analytic" else RETRAIN_TARGET,
    }


def explorer_sweeps():
    """Every explorer over its sliders. Runs, grids and sweeps are prepared first (cached,
    as in the lab after the first move); what is timed is what a slider move does."""
    from helpers import data, grids
    from helpers.labs import batch_normalization as bn
    from helpers.labs import gradient_checking as gc
    from helpers.labs import hyperparameter_tuning as ht
    from helpers.labs import initialization as init
    from helpers.labs import optimization_methods as om
    from helpers.labs import regularization as reg
    from helpers.labs import tensorflow_introduction as tfi
    from tools import reference  # the course's solutions drive the explorers

    out = []
    circles = data.load_circles()
    run = init.initialization_run(reference.HE, 1.0, circles)
    init.train_run(run, init.ITERATIONS, circles)
    initialization_figure = init.InitializationFigure(circles)
    out.append(
        sweep(
            "Initialization (iterations)",
            "retrains",
            range(0, init.ITERATIONS + 1, init.SNAPSHOT_EVERY),
            lambda i: init.initialization_metrics(run, i, circles),
            lambda i, _: initialization_figure.update(run, i, "He × 1")[0],
        )
    )

    grid = reg.regularization_grid()
    goalkeeper = data.load_goalkeeper()
    regularization_figure = reg.RegularizationFigure(grid, goalkeeper)
    out.append(
        sweep(
            "Regularization (λ, keep_prob)",
            "retrains",
            [(lam, 1.0) for lam in reg.LAMBDAS] + [(0.0, k) for k in reg.KEEP_PROBS] * 2,
            lambda s: reg.regularization_view(grid, *s, reg.ITERATIONS),
            lambda s, view: regularization_figure.update(view, *s),
        )
    )

    bug = "dW2 × 2 and db1 × 4 (the lab's)"
    epsilon_figure = gc.EpsilonFigure()
    curves = {
        "correct": gc.epsilon_sweep(reference.gradient_check_n),
        bug: gc.epsilon_sweep(reference.gradient_check_n, bug),
    }
    out.append(
        sweep(
            "Gradient checking (ε)",
            "analytic",
            gc.EPSILONS,
            lambda e: gc.epsilon_summary(curves, e),
            lambda e, _: epsilon_figure.update(curves, e),
        )
    )

    series = om.temperature_series()
    ewa_figure = om.EwaFigure(series)
    out.append(
        sweep(
            "EWA (β, bias correction)",
            "analytic",
            [(b, c) for b in om.EWA_BETAS for c in (False, True)] * 2,
            lambda v: om.ewa_summary(series, *v),
            lambda v, _: ewa_figure.update(*v),
        )
    )

    path_figures = {s.name: om.PathsFigure(s) for s in om.SURFACES.values()}
    for figure in path_figures.values():
        figure.live.png()  # each surface's first display draws its background

    trained = om.loss_surface_paths()

    def paths(value):
        surface, lr = om.SURFACES[value[0]], value[1]
        settings = om.path_settings(lr, 0.9)
        return surface, settings, *om.paths_at(trained, value[0], lr, 0.9)

    out.append(
        sweep(
            "Loss surface (learning rate)",
            "analytic",
            [(s, lr) for s in om.SURFACES for lr in 10.0 ** np.arange(-4, 0.01, 0.25)],
            paths,
            lambda _, computed: path_figures[computed[0].name].update(*computed[2:]),
        )
    )

    moons = data.load_moons()
    grid = om.explorer_grid(moons)
    optimizer_figure = om.OptimizerFigure(moons)
    values = [
        (grids.Setting(o, lr), b)
        for o in ("gd", "adam")
        for b in om.BATCH_SIZES
        for lr in om.LEARNING_RATES[::2]
    ]
    out.append(
        sweep(
            "Optimizer (optimizer, lr, mini-batch)",
            "retrains",
            values,
            lambda v: om.grid_view(grid, *v),
            lambda v, view: optimizer_figure.update(view, *v),
        )
    )

    grid = bn.batchnorm_grid()
    batchnorm_figure = bn.BatchnormFigure()
    values = [
        (d, on, b, r)
        for d in bn.DEPTHS
        for on in (False, True)
        for b in (64,)
        for r in bn.LEARNING_RATES
    ]
    out.append(
        sweep(
            "Batch norm (lr, depth, batch norm)",
            "retrains",
            values,
            lambda v: bn.batchnorm_view(grid, *v),
            lambda v, view: batchnorm_figure.update(view, v[0], v[2], v[3]),
        )
    )

    evaluate = ht.MapReader(ht.response_map())
    figure = ht.SearchFigure(evaluate)
    values = [
        (n, seed, strategy, scale)
        for n in ht.BUDGETS
        for seed in (0, 1)
        for strategy in ht.STRATEGIES
        for scale in ht.SCALES
    ][::2]
    out.append(
        sweep(
            "Tuning (trials, strategy, scale, seed)",
            "analytic",
            values,
            lambda v: ht.tuning_runs(
                evaluate, v[0], reference.random_trials, reference.next_box, v[1], v[3]
            ),
            lambda v, runs: figure.update(runs, v[2]),
        )
    )

    signs = data.load_signs()
    runs = {r: tfi.signs_run(signs, 1e-4, 32, r) for r in ("none", "L2 (λ = 1)")}
    signs_figure = tfi.SignsFigure(signs)
    out.append(
        sweep(
            "SIGNS (epochs, cached setting)",
            "retrains",
            [(r, e) for r in runs for e in range(5, tfi.SIGNS_EPOCHS + 1, 5)],
            lambda v: tfi.signs_summary(runs[v[0]], v[1], v[0]),
            lambda v, _: signs_figure.update(runs[v[0]], v[1], v[0]),
        )
    )
    start = time.perf_counter()
    tfi.signs_run(signs, 10**-3.5, 64, "none")
    out[-1]["new_setting_seconds"] = time.perf_counter() - start
    return out


def signs_epoch_seconds(epochs=10):
    """Seconds per training epoch of the lab's model on the SIGNS set, its loop as the lab
    runs it (``reference_tf.model``: Adam steps, then the accuracies), with the lab's
    ``@tf.function`` step and eagerly; the first epoch (where the step is traced) left out."""
    from helpers import data
    from tools import reference_tf as ref

    X_train, Y_train, X_test, Y_test = ref.signs_datasets(data.load_signs())
    seconds = {}
    for name, compiled in (("graph_step", True), ("eager", False)):
        spent = []
        for count in (1, 1 + epochs):
            start = time.perf_counter()
            ref.model(
                X_train,
                Y_train,
                X_test,
                Y_test,
                num_epochs=count,
                print_cost=False,
                compiled=compiled,
            )
            spent.append(time.perf_counter() - start)
        seconds[name] = (spent[1] - spent[0]) / epochs
    return seconds


def grading_seconds(run_all_seconds, batch=20):
    """Grade the solved Initialization lab once, then ``batch`` copies of it in parallel."""
    import shutil

    from tools import grading

    source = grading.labs()["initialization"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        one = grading.grade(source, f"{tmp}/one")
        one_seconds = time.perf_counter() - start
        assert one.score == one.max_score > 0, grading.format_table(one)
        folder = Path(tmp) / "batch"
        folder.mkdir()
        for i in range(batch):
            shutil.copy(source, folder / f"learner{i:02d}.ipynb")
        start = time.perf_counter()
        results = grading.grade_all(folder, f"{tmp}/batch-grades")
        batch_seconds = time.perf_counter() - start
        assert all(r.score == r.max_score for r in results)
    return {
        "one_seconds": one_seconds,
        "run_all_seconds": run_all_seconds,
        "ratio": one_seconds / run_all_seconds,
        "batch": batch,
        "batch_seconds": batch_seconds,
    }


def browser_latencies():
    """Key press to new figure on screen, per explorer, in JupyterLab and chromium (empty with
    a note when chromium is missing)."""
    from helpers import data
    from tools import browser

    if browser.chromium_path() is None:
        print("chromium not found: no browser timings (Debian: apt-get install chromium)")
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        lab = Path(tmp) / "lab"  # the labs without their demo cells: the explorers are the same
        server = browser.jupyterlab(ROOT / "notebooks", lab, data.data_dir(), demos=False)
        with server as (url, token), browser.chromium(Path(tmp) / "profile") as context:
            return browser.explorer_latencies(url, token, context)


def labs_table(result):
    """The Markdown lines of the Run All table: each lab beside the course's trainings of it."""
    lines = []
    if result["labs"]:
        lines += [
            "| lab | Run All | the course's trainings of it | ratio (target <= 1.0x) "
            "| peak kernel memory |",
            "|---|---|---|---|---|",
        ]
        for r in result["labs"]:
            course = r.get("course_seconds")
            yardstick = (
                ("none (the course trains nothing here)", "")
                if course is None
                else (f"{course:.1f} s", f"{r['seconds'] / course:.2f}x")
            )
            lines.append(
                f"| {r['lab']} | {r['seconds']:.1f} s | {yardstick[0]} | {yardstick[1]} "
                f"| {r['peak_mib']:.0f} MiB |"
            )
        total = result["course_seconds"]
        verdict = "met" if total < COURSE_TARGET else f"missed by {total - COURSE_TARGET:.0f} s"
        course = sum(r["course_seconds"] or 0 for r in result["labs"])
        lines += [
            f"| **whole course** | **{total:.1f} s** (target < {COURSE_TARGET:.0f} s: "
            f"{verdict}) | {course:.1f} s | | |",
            "",
        ]
    return lines


def markdown(result):
    lines = [f"Machine: {result['machine']}", "", *labs_table(result)]
    lines += [
        "| explorer | moves | compute p50 / p95 | draw + PNG p50 / p95 | total p50 / p95 / max "
        "| target p95 |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["explorers"]:
        c, d, t = r["compute"], r["draw"], r["total"]
        ok = (
            "met"
            if t["p95"] < r["target_p95"]
            else (f"missed by {1e3 * (t['p95'] - r['target_p95']):.0f} ms")
        )
        lines.append(
            f"| {r['explorer']} | {r['moves']} | {1e3 * c['p50']:.1f} / {1e3 * c['p95']:.1f} ms "
            f"| {1e3 * d['p50']:.0f} / {1e3 * d['p95']:.0f} ms | {1e3 * t['p50']:.0f} / "
            f"{1e3 * t['p95']:.0f} / {1e3 * t['max']:.0f} ms "
            f"| < {1e3 * r['target_p95']:.0f} ms: {ok} |"
        )
    if result.get("browser"):
        lines += [
            "",
            "| explorer, in JupyterLab + chromium | key presses (from frames drawn "
            "ahead) | key → new figure on screen p50 / p95 | target p95 | frames around "
            "the first setting: how many, ready after | a mouse drag end to end: values "
            "passed, figures painted |",
            "|---|---|---|---|---|---|",
        ]
        for name, b in result["browser"].items():
            ok = (
                "met"
                if b["p95_ms"] <= BROWSER_TARGET_MS
                else (f"missed by {b['p95_ms'] - BROWSER_TARGET_MS:.0f} ms")
            )
            lines.append(
                f"| {name} | {b['moves']} ({b['from_frames']}) | {b['p50_ms']:.0f} / "
                f"{b['p95_ms']:.0f} ms | ≤ {BROWSER_TARGET_MS} ms: {ok} | "
                f"{b['frames']}, {b['ahead_s']:.1f} s | {b['drag']['values']}, "
                f"{b['drag']['painted']} |"
            )
    e = result["signs_epoch"]
    lines += [
        "",
        f"SIGNS model, one epoch (1080 images, mini-batches of 32): {e['graph_step']:.2f} s "
        f"with the lab's `@tf.function` step, {e['eager']:.2f} s eager "
        f"({e['eager'] / e['graph_step']:.1f} times faster as a graph).",
    ]
    new = next(r for r in result["explorers"] if "new_setting_seconds" in r)
    lines.append(f"SIGNS explorer, a setting not trained yet: {new['new_setting_seconds']:.1f} s.")
    if "grading" in result:
        g = result["grading"]
        lines.append(
            f"Grading a correct Initialization submission (sandboxed): {g['one_seconds']:.1f} s, "
            f"{g['ratio']:.2f}x its Run All of {g['run_all_seconds']:.1f} s (target <= 1.5x); "
            f"a batch of {g['batch']} on every core: {g['batch_seconds']:.0f} s (target < 120 s)."
        )
    return "\n".join(lines) + "\n"


def main(argv=None):

    parser = argparse.ArgumentParser(
        prog="python -m tools.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--skip-labs", action="store_true", help="explorers and TF epoch only")
    parser.add_argument("--browser-only", action="store_true", help="only the browser timings")
    parser.add_argument(
        "--labs-only",
        action="store_true",
        help="only Run All of every lab beside the course's trainings",
    )
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import helpers

    helpers.setup(seed=1, tensorflow=True)
    import os

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").open()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    result = {"machine": machine, "labs": []}
    if args.browser_only:
        result["browser"] = browser_latencies()
        print(json.dumps(result, indent=2))
        return 0
    if not args.skip_labs:
        for path in sorted((ROOT / "notebooks").glob("week*/*.ipynb")):
            result["labs"].append(run_lab(path))
            r = result["labs"][-1]
            course = (
                ""
                if r["course_seconds"] is None
                else (f", the course's trainings {r['course_seconds']:.1f} s")
            )
            print(f"{r['lab']}: {r['seconds']:.1f} s{course}", flush=True)
        result["course_seconds"] = sum(r["seconds"] for r in result["labs"])
        if args.labs_only:
            print("\n".join([f"Machine: {machine}", "", *labs_table(result)]))
            return 0
        run_all = next(r["seconds"] for r in result["labs"] if "initialization" in r["lab"])
        result["grading"] = grading_seconds(run_all)
    result["explorers"] = explorer_sweeps()
    result["signs_epoch"] = signs_epoch_seconds()
    result["browser"] = browser_latencies()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    (out / "bench.md").write_text(text)
    print(text)
    print(f"written: {out / 'bench.md'}, {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
