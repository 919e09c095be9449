"""Labs as pages that need no kernel and no network, explorers included: ``make html``.

Usage: python -m tools.html_export [LAB.ipynb ...] [--out build/html]
Runs each lab (default: every solved lab in notebooks/) with its explorers saving the frames
around the setting they open at (``helpers.explorer.Explorer.save_frames``), then writes

    OUT/<week>/<lab>.ipynb  the lab run, with its widget state, trusted (signed, as a
                            notebook you ran): JupyterLab shows its explorers alive with
                            no kernel
    OUT/<week>/<lab>.html   the same for any browser, offline
    OUT/_static/            what the pages load: RequireJS, the widgets' HTML manager,
                            anywidget's front end and MathJax, fetched once from the npm
                            registry (``npm pack``) and kept

Moving a slider of a page swaps the saved frames in the browser; any other setting says
"run the lab to explore further". A lab is never changed: each runs in memory.
"""

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import nbformat
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from nbformat.sign import NotebookNotary

from helpers.explorer import Explorer
from tools import execute_notebooks

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"  # holds offline_page/
STATIC = "_static"

# What the pages load, by npm package: (version, the folders and files of it kept). The HTML
# manager 1.x renders ipywidgets 8's state; anywidget's front end is the Python package's own
# version; MathJax 2.7 is the one nbconvert's page configures.
PACKAGES = {
    "requirejs": ("2.3.8", ["require.js"]),
    "@jupyter-widgets/html-manager": ("1.0.15", ["dist/embed-amd.js", "dist/*.woff2"]),
    "anywidget": (importlib.metadata.version("anywidget"), ["dist"]),
    "mathjax": (
        "2.7.9",
        ["MathJax.js", "config", "extensions", "jax", "localization/en", "fonts/HTML-CSS/TeX/woff"],
    ),
}


def folder_of(package):
    """The folder of ``package`` in OUT/_static: its name without the npm scope."""
    return package.rsplit("/", 1)[-1]


def vendor(static):
    """Put every package of ``PACKAGES`` in ``static`` (those there already are kept)."""
    missing = [p for p in PACKAGES if _version_in(static / folder_of(p)) != PACKAGES[p][0]]
    if missing and shutil.which("npm") is None:
        raise SystemExit(
            "make html needs npm (Node.js) once, to fetch the scripts the pages load "
            f"({', '.join(missing)}): install it (Debian: apt install npm) and run it again"
        )
    for package in missing:
        version, kept = PACKAGES[package]
        with tempfile.TemporaryDirectory() as scratch:
            packed = subprocess.run(
                ["npm", "pack", "--silent", f"{package}@{version}", "--pack-destination", scratch],
                capture_output=True,
                text=True,
                check=False,
            )
            if packed.returncode != 0:
                raise SystemExit(f"npm could not fetch {package}@{version}:\n{packed.stderr}")
            target = static / folder_of(package)
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(Path(scratch) / packed.stdout.split()[-1]) as archive:
                members = [m for m in archive.getmembers() if _kept(m.name, kept)]
                archive.extractall(scratch, members=members, filter="data")
            shutil.copytree(Path(scratch) / "package", target)
            (target / ".version").write_text(version + "\n")


def _version_in(folder):
    """The version of the package fetched into ``folder`` (None if none is, or not whole)."""
    marker = folder / ".version"  # written last: a fetch cut short leaves none
    return marker.read_text().strip() if marker.is_file() else None


def _kept(name, kept):
    """Whether the file ``name`` of an npm package's archive is one of ``kept`` (paths in the
    package, a folder meaning all it holds, ``*`` any name)."""
    path = PurePosixPath(name).relative_to("package")
    return any(path.match(k) or PurePosixPath(k) in path.parents for k in kept)


def run_saving_frames(lab):
    """The lab ``lab`` run from a copy in its own folder, its explorers saving frames."""
    nb = nbformat.read(lab, as_version=4)
    os.environ[Explorer.SAVE_FRAMES] = "1"
    try:
        execute_notebooks.run(nb, Path(lab).parent)
    except CellExecutionError as error:
        failed = next(c for c in nb.cells if _failed(c))
        raise SystemExit(
            f"{lab}: the cell `{failed.source.splitlines()[0]}` stopped with "
            f"{': '.join(filter(None, (error.ename, error.evalue)))}\n"
            "A page shows a lab that runs to the end: finish or fix that cell, then run it again."
        ) from None
    finally:
        del os.environ[Explorer.SAVE_FRAMES]
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


def _failed(cell):
    """Whether a cell's outputs hold an error (markdown cells have none)."""
    return any(output.output_type == "error" for output in cell.get("outputs", []))


def page(nb, static_url):
    """The offline HTML page of the run lab ``nb``, loading its scripts from ``static_url``."""
    exporter = HTMLExporter(
        template_name="offline_page",
        extra_template_basedirs=[str(TEMPLATES)],
        widget_renderer_url=f"{static_url}html-manager/dist/embed-amd.js",
        mathjax_url=f"{static_url}mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"static_url": static_url})
    return body


def export(lab, out):
    """Write OUT/<week>/<lab>.ipynb and .html for ``lab``; returns the page's path."""
    lab = Path(lab).resolve()
    target = out / lab.parent.name
    target.mkdir(parents=True, exist_ok=True)
    nb = run_saving_frames(lab)
    NotebookNotary().sign(nb)  # you ran it: JupyterLab shows its widgets, as after a run
    nbformat.write(nb, target / lab.name)
    html = target / lab.with_suffix(".html").name
    html.write_text(page(nb, f"../{STATIC}/"), encoding="utf-8")
    return html


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labs", nargs="*", help="labs to export (default: every solved lab)")
    parser.add_argument("--out", default="build/html", help="folder of the pages")
    args = parser.parse_args(argv)
    labs = args.labs or sorted(str(p) for p in (ROOT / "notebooks").glob("week*/*.ipynb"))
    for lab in labs:
        if not Path(lab).is_file() or not lab.endswith(".ipynb"):
            raise SystemExit(f"{lab}: not a notebook; give the path of a lab (.ipynb)")
    out = Path(args.out).resolve()
    vendor(out / STATIC)
    for lab in labs:
        print(f"{lab} -> {export(lab, out)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
