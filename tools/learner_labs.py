"""The learner's own labs (``make lab``): released copies in ``my_labs/``, made once, never
overwritten.

    python -m tools.learner_labs prepare [--folder my_labs]

Each lab of ``notebooks/`` is released with nbgrader (``generate_assignment``: solutions
replaced by ``raise NotImplementedError()``, hidden tests and outputs removed, check cells
kept) and copied to ``my_labs/weekN/NAME.ipynb`` if the learner has no copy yet. A lab that
changed upstream since the learner's copy was made is put beside it as
``NAME.updated.ipynb``, with one line saying so; the learner's copy stays as it is.
``my_labs/.released.json`` remembers which release each copy came from, and which source
lab (with the nbgrader config and version) each release was made from: a lab whose source
has not changed and whose copy is there is not released again, so a later ``make lab``
starts JupyterLab in seconds.
"""

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import tempfile
from pathlib import Path

from tools.grading import ROOT, release

FOLDER = ROOT / "my_labs"
MANIFEST = ".released.json"
SOURCES = "released from"  # manifest key: {lab: hash of what its release was made from}


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def source_hashes(root=ROOT):
    """{"weekN/NAME.ipynb": hash of the source lab, the nbgrader config and nbgrader's
    version}: what its student version is made from."""
    made_with = Path(root, "nbgrader_config.py").read_bytes()
    made_with += importlib.metadata.version("nbgrader").encode()
    return {
        f"{p.parent.name}/{p.name}": hashlib.sha256(made_with + p.read_bytes()).hexdigest()
        for p in sorted(Path(root, "notebooks").glob("week*/*.ipynb"))
    }


def released_labs(names, root=ROOT):
    """Release the labs ``names`` ("weekN/NAME.ipynb") of ``root``/notebooks in a private
    folder; {"weekN/NAME.ipynb": bytes of the student version}."""
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        course = Path(tmp)
        shutil.copy(Path(root) / "nbgrader_config.py", course)
        for name in names:
            (course / "notebooks" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(root) / "notebooks" / name, course / "notebooks" / name)
        return {f"{p.parent.name}/{p.name}": p.read_bytes() for p in release(course)}


def prepare(folder=FOLDER, root=ROOT):
    """Bring ``folder`` up to date with the labs of ``root``; returns one line per change.

    New labs are copied in; a learner's copy is never overwritten: when its lab changed
    upstream, the new version goes beside it as ``NAME.updated.ipynb`` (or, if the learner
    has edited that one too, ``NAME.updated-<sha>.ipynb``). A copy the learner deleted is
    released again.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    lines = []
    sources, released_from = source_hashes(root), manifest.get(SOURCES, {})
    stale = [
        n for n, sha in sources.items() if released_from.get(n) != sha or not (folder / n).exists()
    ]
    for name, content in (released_labs(stale, root) if stale else {}).items():
        sha = hashlib.sha256(content).hexdigest()
        target = folder / name
        updated = target.with_name(target.stem + ".updated.ipynb")
        ours = manifest.get(f"{name} (updated)")  # what we last wrote there
        if updated.exists() and ours != _sha(updated):  # the learner works in it: keep it
            updated = target.with_name(f"{target.stem}.updated-{sha[:8]}.ipynb")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            again = " again (your copy was gone)" if name in manifest else ""
            lines.append(f"{name}: released{again}")
            manifest[name] = sha
        elif manifest.get(name) != sha and not (updated.exists() and _sha(updated) == sha):
            updated.write_bytes(content)
            manifest[f"{name} (updated)"] = sha
            lines.append(
                f"{name} changed upstream: the new version is {updated.name} beside "
                "it; your copy is untouched"
            )
        released_from[name] = sources[name]
    manifest[SOURCES] = released_from
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.learner_labs", description=__doc__)
    parser.add_argument("command", choices=["prepare"])
    parser.add_argument("--folder", default=str(FOLDER), help="default: my_labs/")
    args = parser.parse_args(argv)
    lines = prepare(args.folder)
    print("\n".join(lines) if lines else f"{args.folder}: your labs are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
