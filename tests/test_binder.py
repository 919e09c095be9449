"""The learners' image (``binder/``, README "The learners' image"): the Dockerfile repo2docker
would build from the repository, and a rehearsal of that build without Docker: a fresh venv
from ``binder/requirements.txt``, ``binder/postBuild`` in a clean copy of the repository (the
learner's home), then a lab run through ``binder/start`` against its committed outputs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from tools.class_hub import clean_copy, uv_install

HIDDEN = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
GRIDS = (  # every result `make datasets` trains ahead (tools.precompute), by file name
    "regularization",
    "optimizers",
    "loss-surfaces",
    "batchnorm",
    "tuning",
    "tuning-experiments",
    "signs-explorer",
)
LAB = "notebooks/week1/gradient_checking.ipynb"  # the lab run in the image (the fastest)
KEPT = (
    "LICENSE",
    "README.md",
    "binder",
    "constraints.txt",
    "datasets",
    "helpers",
    "my_labs",
    "pyproject.toml",
)


def plain_environment(venv):
    """This process's environment without what the Makefile and the tests set, with ``venv``
    first on PATH: the image sets its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COURSE_", "OPENBLAS_", "NPY_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"
    return env


def test_repo2docker_builds_binder_with_pip_after_the_copy_then_postbuild_and_start(tmp_path):
    copy = clean_copy(tmp_path / "repo")
    repo2docker = Path(sys.executable).with_name("repo2docker")
    command = [repo2docker, "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan"]
    run = subprocess.run([*command, copy], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    dockerfile = run.stdout
    assert "Building conda environment for python=3.11" in run.stderr  # binder/runtime.txt
    copied = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    installed = dockerfile.index('/bin/pip install --no-cache-dir -r "binder/requirements.txt"')
    built = dockerfile.index("RUN ./binder/postBuild")
    assert copied < installed < built, "pip must run on the copied repository (-e .)"
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
    assert "environment.yml" not in dockerfile and "[dev]" not in dockerfile


def test_start_pins_the_cpu_code_paths_as_the_makefile_does(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    pinned = dict(
        re.findall(
            r"^export (OPENBLAS_CORETYPE|NPY_DISABLE_CPU_FEATURES) \?= (.+)$", makefile, re.M
        )
    )
    assert len(pinned) == 2
    code = f"import json, os; print(json.dumps({{k: os.environ.get(k) for k in {list(pinned)}}}))"
    env = plain_environment(Path(sys.prefix))
    run = subprocess.run(
        [ROOT / "binder/start", sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == pinned


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """(the learner's home, the image's venv, its environment) after a rehearsed build.

    The explorer grids `make datasets` trained for this run are put in the copy first, as the
    class hub's build does: postBuild's precompute then checks each one's cache key and trains
    only what differs, instead of training all of them a second time (about 3.5 minutes)."""
    tmp = tmp_path_factory.mktemp("image")
    home, venv = clean_copy(tmp / "home"), tmp / "env"
    (home / "datasets/cache").mkdir(parents=True, exist_ok=True)
    for grid in (ROOT / "datasets/cache").glob("*.npz"):
        shutil.copy2(grid, home / "datasets/cache" / grid.name)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", venv], check=True)
    env = plain_environment(venv)
    # repo2docker installs binder/requirements.txt with pip (the Dockerfile test above); every
    # package is pinned there (constraints.txt), so uv installs the same wheels here, as the
    # class hub does. No bytecode: the image's is not what this checks.
    for step in (uv_install(venv) + ["-r", "binder/requirements.txt"], [home / "binder/postBuild"]):
        run = subprocess.run(step, cwd=home, env=env, capture_output=True, text=True)
        assert run.returncode == 0, f"{step}: {(run.stdout + run.stderr)[-3000:]}"
    return home, venv, env


def test_the_learners_home_holds_the_labs_data_and_grids_and_no_solution(image):
    home, venv, _ = image
    kept = {p.name for p in home.iterdir() if not p.name.endswith(".egg-info")}
    assert kept == set(KEPT)
    labs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("week*/*.ipynb"))
    released = sorted(
        f"notebooks/{p.relative_to(home / 'my_labs')}"
        for p in (home / "my_labs").glob("week*/*.ipynb")
    )
    assert released == labs
    assert len(list((home / "datasets").glob("*.h5"))) == 5
    image_grids = {p.name for p in (home / "datasets/cache").glob("*.npz")}
    tested_grids = {p.name for p in (ROOT / "datasets/cache").glob("*.npz")}
    assert image_grids <= tested_grids, (
        "the image's explorer grids are the ones the tested labs use (same cache keys): "
        f"{sorted(image_grids - tested_grids)} were trained anew"
    )
    assert {n.rsplit("-", 1)[0] for n in image_grids} == set(GRIDS)
    solutions = [
        block.split("### END SOLUTION")[0].strip()
        for path in labs
        for cell in json.loads((ROOT / path).read_text())["cells"]
        for block in "".join(cell["source"]).split("### BEGIN SOLUTION")[1:]
    ]
    solutions = [block for block in solutions if "\n" in block]  # one-liners are too common
    assert len(solutions) > 20
    for path in home.rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".py", ".json", ".md", ".txt"):
            text = path.read_text(errors="replace")
            if path.suffix in (".ipynb", ".py"):  # (the README explains the markers)
                assert not [m for m in HIDDEN if m in text], path
            assert not [b for b in solutions if b in text], f"{path} holds a solution"
    settings = venv / "share/jupyter/lab/settings/overrides.json"
    assert json.loads(settings.read_text())["@jupyter-widgets/jupyterlab-manager:plugin"] == {
        "saveState": True
    }


def test_a_lab_run_in_the_image_through_start_gives_the_committed_outputs(image, tmp_path):
    """nbval runs the solved lab in a kernel of the image's venv started by ``binder/start``,
    on the image's datasets; the hidden cases come from the answer key (not in the image)."""
    home, venv, env = image
    key = tmp_path / "answer_key"  # only tools/ on the kernel's path, not the repository's helpers
    key.mkdir()
    (key / "tools").symlink_to(ROOT / "tools")
    kernel = tmp_path / "jupyter/kernels/course-image"
    kernel.mkdir(parents=True)
    argv = [
        str(home / "binder/start"),
        str(venv / "bin/python"),
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    kernel_env = {
        "COURSE_DATA_DIR": str(home / "datasets"),
        "PYTHONPATH": str(key),
        "COURSE_ANSWER_KEY": "tools.answer_key",
    }
    spec = {"argv": argv, "display_name": "course image", "language": "python", "env": kernel_env}
    (kernel / "kernel.json").write_text(json.dumps(spec))
    probe = "import helpers, numpy; print(helpers.__file__, numpy.__file__)"
    where = subprocess.run(
        [home / "binder/start", venv / "bin/python", "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(home / "helpers")) and str(venv) in where
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--nbval",
        "--nbval-kernel-name",
        "course-image",
        ROOT / LAB,
    ]
    run_env = {**plain_environment(Path(sys.prefix)), "JUPYTER_PATH": str(tmp_path / "jupyter")}
    run = subprocess.run(command, cwd=tmp_path, env=run_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:]
    assert re.search(r"\d+ passed", run.stdout)
