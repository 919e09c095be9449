"""The course's solutions, read from the solved labs: a graded function's one copy is its
solution cell in ``notebooks/`` (nbgrader's ``solution: true``). ``tools.reference`` and
``tools.reference_tf`` take them from here for the answer key, the tests and the bench.

``solutions(lab)`` runs, in a namespace of the lab's own, the lab's imports and the ``def``
and ``class`` statements of its code cells (nothing else: no training, no plot), and returns
the functions its solution cells define. A name a function needs that no import of the lab
gives (the TensorFlow module the setup cell returns) is passed in as a keyword.
"""

import ast
import builtins
import dis
import functools
import linecache
import types
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


@functools.cache
def _cells(lab):
    """(code, is a solution cell) of each code cell of ``lab`` (``week1/initialization.ipynb``)."""
    nb = nbformat.read(NOTEBOOKS / lab, as_version=4)
    return tuple(
        (cell.source, bool(cell.metadata.get("nbgrader", {}).get("solution")))
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def solutions(lab, **given):
    """The functions the solution cells of ``lab`` define: name -> function, in lab order."""
    kept, solved = [], []
    for source, is_solution in _cells(lab):
        lines = source.splitlines(keepends=True)
        for node in ast.parse(source).body:
            if isinstance(node, DEFINITIONS):
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                kept.append("".join(lines[first - 1 : node.end_lineno]))
                if is_solution and isinstance(node, ast.FunctionDef):
                    solved.append(node.name)
    # The code as the cells write it, under a name of its own that inspect (and so
    # TensorFlow's AutoGraph, tracebacks) can read its source from.
    text, filename = "\n\n".join(kept) + "\n", f"<solutions of {lab}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = {"__name__": f"solutions:{lab}", **given}
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - the course's solved labs
    return {name: namespace[name] for name in solved}


def unresolved(function):
    """The global names ``function`` (and any function inside it) reads that neither its
    module's namespace nor Python's builtins hold: names it would fail on when called."""
    known = function.__globals__.keys() | set(dir(builtins))
    missing, codes = set(), [function.__code__]
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for instruction in dis.get_instructions(code):
            if (
                instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")
                and instruction.argval not in known
            ):
                missing.add(instruction.argval)
    return missing
