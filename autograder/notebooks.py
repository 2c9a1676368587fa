"""Reading, cleaning and checking notebooks: the small steps the grading commands share."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Home folders and scratch paths that must never be committed inside a notebook.
MACHINE_PATH = re.compile(r"/(?:home|root|Users|tmp|work|private/var)/[A-Za-z0-9_.-]+/")
# Cell metadata worth keeping; the rest (collapsed, scrolled, execution timings) is editor noise.
KEEP_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")


def read(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and editor metadata; pin the python3 kernel."""
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    kept = {"tpmkit": nb.metadata["tpmkit"]} if "tpmkit" in nb.metadata else {}   # the released-notebook mark
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}, **kept}
    return nb


def hygiene_problems(path: str | Path) -> list[str]:
    """What is wrong with a committed notebook: outputs, counts, kernel, machine paths."""
    problems = []
    nb = read(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"cell {index} has outputs or an execution count")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernel is {kernel!r}, not 'python3'")
    match = MACHINE_PATH.search(Path(path).read_text(encoding="utf-8"))
    if match:
        problems.append(f"holds a machine path ({match.group(0)})")
    return problems


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Cells nbgrader gives points to (autograded tests and manually graded answers)."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def nbgrader_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def solution_text(source: str) -> str:
    """A solution cell's source with nbgrader's solution markers taken out (what a learner would type)."""
    return _MARKERS.sub("", source).rstrip("\n")
