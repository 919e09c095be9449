"""Write the labs' "Expected output" blocks from their committed outputs (maintainers).

    python -m tools.expected_output notebooks/week*/*.ipynb

After every code cell that prints numbers (not a test cell, not an explorer), a Markdown cell
tagged ``expected-output`` shows what the solved lab prints, so that a learner, whose release
has no outputs, can compare. Of each run of "Cost after ..." lines it keeps the first and the
last. Run it after ``make notebooks`` when numbers changed, and read the diff:
``tests/test_notebooks.py`` fails while a block and its cell disagree.
"""

import re
import sys

import nbformat

TAG = "expected-output"
HEADER = "**Expected output** (what the solved lab prints; compare yours):"


def printed_lines(cell):
    """The lines a code cell printed (streams and its result), right-stripped, non-empty."""
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    text += "".join(
        o.get("data", {}).get("text/plain", "")
        for o in cell.outputs
        if o.output_type == "execute_result"
    )
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def needs_block(cell):
    """A demo or training run that prints numbers."""
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code" or meta.get("grade") or meta.get("solution"):
        return False
    if "nbval-ignore-output" in cell.metadata.get("tags", []):
        return False
    return any(re.search(r"\d", line) for line in printed_lines(cell))


def summary(lines, longest=12):
    """The lines to show: each run of "Cost after" lines shortened to its first and last."""
    shown, run = [], []
    for line in [*lines, None]:
        if line is not None and line.startswith("Cost after"):
            run.append(line)
            continue
        shown += run if len(run) <= 2 else [run[0], "...", run[-1]]
        run = []
        if line is not None:
            shown.append(line)
    return shown if len(shown) <= longest else [*shown[:5], "...", *shown[-5:]]


def write_blocks(nb):
    """Add or refresh the block after every cell that needs one (in place); returns how many."""
    cells, count = [], 0
    for i, cell in enumerate(nb.cells):
        if TAG in cell.metadata.get("tags", []):
            continue  # rewritten after its code cell
        cells.append(cell)
        if needs_block(cell):
            text = "\n".join(summary(printed_lines(cell)))
            block = nbformat.v4.new_markdown_cell(f"{HEADER}\n\n```text\n{text}\n```")
            old = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            if old is not None and TAG in old.metadata.get("tags", []):
                block.id = old.id  # keep the cell's identity: a small diff
            block.metadata["tags"] = [TAG]
            cells.append(block)
            count += 1
    nb.cells = cells
    return count


def main(paths):
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        count = write_blocks(nb)
        nbformat.write(nb, path)
        print(f"{path}: {count} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
