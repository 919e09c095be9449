"""tools.bench: the statistics and the report (the timings themselves are not tested)."""

import pytest

from helpers.explorer import Explorer, LiveFigure, choice_slider
from tools import bench


class LineFigure:
    def __init__(self):
        self.live, (ax,) = LiveFigure.subplots(1, 1)
        (self.line,) = ax.plot([], [])
        self.live.moving = [self.line]

    def update(self, view):  # an explorer's update: new data on its live figure
        self.line.set_data([0, 1], [0, view["y"]])
        return self.live

    def status(self, view):
        return f"y = {view['y']}"


def test_sweep_times_the_moves_an_explorer_makes_without_training():
    computed, trained = [], []

    def view(a, b):
        computed.append((a, b))
        return {"y": a * 2 + b}

    controls = {"a": choice_slider((0, 1, 2, 3), 0, "a"), "b": choice_slider((0, 1, 2), 0, "b")}
    ex = Explorer(
        controls,
        view,
        LineFigure(),
        trains=lambda a, b: b == 2,  # b = 2 trains: never timed as a move
        train=lambda a, b: trained.append((a, b)),
    )
    computed.clear()
    result = bench.sweep(ex, moves=10)
    moves = [(1, 0), (2, 0), (3, 0), (0, 1)]  # one control away from (0, 0), no training
    assert computed == moves + (moves * 3)[:12] and result["moves"] == 12  # first, then timed
    for part in ("compute", "draw", "total"):
        stats = result[part]
        assert 0 <= stats["p50"] <= stats["p95"] <= stats["max"]
    assert result["total"]["max"] >= result["draw"]["max"]
    assert result["target_p95"] == 0.1
    assert trained == [] and bench.new_setting_seconds(ex) >= 0 and trained == [(0, 2)]


def test_report_says_which_targets_are_missed_and_by_how_much():
    def explorer(name, p95):
        stats = {"p50": p95 / 2, "p95": p95, "max": p95}
        return {
            "explorer": name,
            "moves": 20,
            "compute": stats,
            "draw": stats,
            "total": stats,
            "target_p95": 0.1,
        }

    result = {
        "machine": "test CPU",
        "labs": [
            {"lab": "week1/a", "seconds": 100.0, "peak_mib": 300.0, "course_seconds": 80.0},
            {"lab": "week2/b", "seconds": 30.0, "peak_mib": 400.0, "course_seconds": None},
        ],
        "course_seconds": 130.0,
        "kernel_start_seconds": 0.74,
        "explorers": [explorer("fast", 0.05), explorer("slow", 0.62)],
        "signs_epoch": {"graph_step": 0.21, "eager": 0.58},
    }
    result["explorers"][1]["new_setting_seconds"] = 6.0
    result["grading"] = {
        "one_seconds": 9.0,
        "run_all_seconds": 7.5,
        "ratio": 1.2,
        "batch": 20,
        "batch_seconds": 101.0,
    }
    result["browser"] = {
        "Quick (λ)": {
            "p50_ms": 20.0,
            "p95_ms": 40.0,
            "moves": 12,
            "from_frames": 12,
            "frames": 18,
            "ahead_s": 1.24,
            "drag": {"values": 7, "painted": 6},
        },
        "Slow (β)": {
            "p50_ms": 90.0,
            "p95_ms": 130.0,
            "moves": 12,
            "from_frames": 3,
            "frames": 7,
            "ahead_s": 0.5,
            "drag": {"values": 40, "painted": 35},
        },
    }
    text = bench.markdown(result)
    assert "| Quick (λ) | 12 (12) | 20 / 40 ms | ≤ 100 ms: met | 18, 1.2 s | 7, 6 |" in text
    assert (
        "| Slow (β) | 12 (3) | 90 / 130 ms | ≤ 100 ms: missed by 30 ms | 7, 0.5 s | 40, 35 |"
        in text
    )
    assert "| week1/a | 100.0 s | 80.0 s | 1.25x | 300 MiB |" in text
    assert "| week2/b | 30.0 s | none (the course trains nothing here) |  | 400 MiB |" in text
    assert "| **whole course** | **130.0 s** (target < 90 s: missed by 40 s) | 80.0 s | | |" in text
    assert "A kernel's start and one `pass` cell: 0.74 s, in every Run All above" in text
    assert "< 100 ms: met" in text and "< 100 ms: missed by 520 ms" in text
    assert "0.21 s with the lab's `@tf.function` step, 0.58 s eager" in text
    assert "slow, a setting not trained yet: 6.0 s" in text
    assert "9.0 s, 1.20x its Run All of 7.5 s (target <= 1.5x)" in text
    assert "a batch of 20 on every core: 101 s (target < 120 s)" in text


@pytest.mark.parametrize("argv", [["--help"]])
def test_cli_has_help(argv, capsys):
    with pytest.raises(SystemExit) as done:
        bench.main(argv)
    assert done.value.code == 0 and "--skip-labs" in capsys.readouterr().out


def test_course_trainings_cover_the_labs_the_course_trains_in():
    from conftest import NOTEBOOKS

    from tools import course_trainings

    labs = {f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS}
    assert set(course_trainings.TRAININGS) <= labs  # every yardstick names a lab that exists
    assert course_trainings.seconds("week1/gradient_checking") is None  # the course trains nothing


def test_the_labs_served_to_the_browser_answer_their_hidden_tests(tmp_path, monkeypatch):
    """The browser timings serve the source labs, whose hidden test cells need the
    instructor's answer key: the server's environment holds it even when the caller's does
    not (``python -m tools.bench --browser-only`` stopped at the first hidden test)."""
    from tools import browser, execute_notebooks

    monkeypatch.delenv("COURSE_ANSWER_KEY", raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = browser.server_environment(tmp_path, tmp_path / "data")
    assert env["COURSE_ANSWER_KEY"] == "tools.answer_key"
    assert env["PYTHONPATH"].split(":") == [str(execute_notebooks.ROOT), "/elsewhere"]
    assert env["COURSE_DATA_DIR"] == str(tmp_path / "data")
