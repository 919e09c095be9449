"""The grader's memory stays bounded whatever the sandbox sends (README, "Grading you can
trust"): a hostile runner in place of ``tools/submission_runner.py`` floods the grader's pipes,
and the grader's own peak RSS is measured in a process of its own.

The runner is the sandbox's side of the pipe, so anything a submission could make it print is
covered by a runner that prints the worst on purpose: one 1.5 GiB stderr line, 64 MiB of stdout
in one line, an ``executed`` event holding as many outputs as the line limit lets through, and
replies to every graded call at the line limit.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build_fixtures  # noqa: E402
import nbformat  # noqa: E402

PEAK_LIMIT = 10**9  # bytes of the grader's peak RSS for any bomb (measured: 150-480 MB)

HOSTILE_RUNNER = textwrap.dedent(
    """
    import json, os, sys
    from tools import sandbox
    bomb, line_limit = sys.argv[1], sandbox.Limits().output + sandbox.REPLY_MARGIN
    mib = b"x" * 2**20
    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n"); sys.stdout.flush()
    if bomb == "stderr line of 1.5 GiB":
        for _ in range(1536):
            os.write(2, mib)
        sys.exit(1)
    if bomb == "stdout line of 64 MiB":
        for _ in range(64):
            os.write(1, mib)
        os.write(1, b"\\n")
        sys.exit(1)
    output = {"output_type": "stream", "name": "stdout", "text": "x"}
    if bomb == "outputs at the line limit":  # the most outputs one line may carry
        count = min(sandbox.MAX_NODES // 5, (line_limit - 100) // (len(json.dumps(output)) + 2))
        send({"event": "executed", "outputs": [[i, [output] * (count // 40), 1] for i in range(40)]})
    else:
        send({"event": "executed", "outputs": []})
    for request in sys.stdin:  # then every call answered with the most values a line may hold
        words = ["x" * 12] * min(sandbox.MAX_NODES - 10, (line_limit - 100) // 16)
        send({"id": json.loads(request)["id"], "result": words, "stdout": "", "stderr": ""})
    """
)

GRADER = textwrap.dedent(
    """
    import json, sys
    from tools import grading, sandbox
    runner, bomb, submission, out = sys.argv[1:]
    sandbox.command = lambda files, limits, sandboxed, uid=None: (
        [sys.executable, runner, bomb], None)
    result = grading.grade(submission, out, timeout=60, sandboxed=False)
    # VmHWM, not ru_maxrss: that one keeps the RSS of the process this one was forked from
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    peak = int(status["VmHWM"].split()[0]) * 1024
    print(json.dumps({"peak": peak, "error": result.error, "score": result.score,
                      "messages": [e["message"] for e in result.exercises]}))
    """
)

BOMBS = {  # bomb: what each exercise's message says
    "stderr line of 1.5 GiB": "the notebook did not finish: the sandbox stopped: xxxx",
    "stdout line of 64 MiB": "the notebook did not finish: the sandbox sent something unreadable",
    "outputs at the line limit": "forward_propagation returned something unreadable",
    "replies at the line limit": "forward_propagation returned something unreadable",
    "rendering bomb": "forward_propagation returned something unreadable",
}
HEAVY = 48_000  # characters per added cell of the rendering bomb (one took 1-12 s to render)
NESTED = 40_000  # <div> in the deepest Markdown cell of the rendering bomb


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    (folder / "runner.py").write_text(HOSTILE_RUNNER)
    (folder / "grader.py").write_text(GRADER)
    nb = build_fixtures.student_copy(build_fixtures.SOURCE, None)
    nbformat.write(nb, folder / "lab.ipynb")
    for _ in range(475):  # 46 MB, 988 cells: under the limits a file is held to
        nb.cells.append(nbformat.v4.new_markdown_cell("[" * HEAVY))  # mistune: quadratic
        nb.cells.append(nbformat.v4.new_code_cell("'a" * (HEAVY // 2)))  # Pygments: 22 us/char
    for depth in (NESTED, 400):  # nested tags: 429 KiB of them took a sanitizer 200 s
        nb.cells.append(nbformat.v4.new_markdown_cell("<div>" * depth + "</div>" * depth))
    nbformat.write(nb, folder / "rendering bomb.ipynb")
    return folder


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_the_graders_memory_stays_bounded(files, bomb):
    lab = "rendering bomb.ipynb" if bomb == "rendering bomb" else "lab.ipynb"
    paths = [files / name for name in ("grader.py", "runner.py", lab, "out")]
    command = [sys.executable, paths[0], paths[1], bomb, *paths[2:]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["peak"] < PEAK_LIMIT, f"{bomb}: peak RSS {report['peak'] / 2**20:.0f} MiB"
    assert not report["error"] and report["score"] == 0 and len(report["messages"]) == 4
    assert report["messages"][0].startswith(BOMBS[bomb]), report["messages"]
    if bomb == "rendering bomb":  # shown as text beyond the page's budgets
        page = (files / "out" / "rendering bomb.html").read_text()
        assert page.count('<pre class="not-rendered">' + "[" * HEAVY) == 475
        assert page.count('<pre class="not-rendered">' + "'a" * (HEAVY // 2)) == 475
        deep = '<pre class="not-rendered">' + "&lt;div&gt;" * 9000  # shown as text, shortened
        assert deep in page and "[shortened: 340,000 more characters]" in page
        shallow = "&lt;div&gt;" * 400 + "&lt;/div&gt;" * 400  # rendered, its tags as text
        assert shallow in page and "<div><div>" not in page
        assert "<h1" in page and '<span class="k">def</span>' in page  # the lab's own cells
