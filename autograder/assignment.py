"""An assignment as the grader sees it: read from the course's solutions/ID/ID.ipynb, never from a submission.

The source notebook is the single truth for the order of cells, which cells are answers, which are
tests (with their hidden parts), and how many points each question is worth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import notebooks

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.MULTILINE | re.DOTALL)


class AssignmentError(ValueError):
    """The assignment cannot be graded as asked (unknown id, malformed source); one sentence says why."""


@dataclass(frozen=True)
class SourceCell:
    """One cell of the source notebook, in order."""

    index: int
    cell_id: str | None
    cell_type: str
    source: str
    grade_id: str | None
    role: str  # "answer" (learner writes it), "test" (autograded), "written" (hand-graded answer),
    #            "task" (nbgrader's task cell: the course's text, the whole notebook graded by hand), "locked"
    points: float = 0.0
    metadata: dict = field(default_factory=dict, compare=False)  # the released cell's metadata (nbgrader checksum)
    released: str | None = None   # the released (student) text of an answer cell: unchanged means unanswered


@dataclass(frozen=True)
class Question:
    """A graded cell: an autograded test or a hand-graded written answer."""

    id: str
    points: float
    manual: bool
    test_source: str = ""                      # the whole test cell, hidden tests included (trusted only)
    answer_ids: tuple[str, ...] = ()           # answer cells since the previous question


@dataclass
class Assignment:
    id: str
    notebook: str                              # file name, e.g. 07-slos.ipynb
    cells: list[SourceCell]
    questions: list[Question]
    imports: str                               # import statements of the locked code cells, run by the grader

    @property
    def answer_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells if c.role in ("answer", "written")}

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions if not q.manual)

    @property
    def manual_max_score(self) -> float:
        return sum(q.points for q in self.questions if q.manual)


def visible_part(test_source: str) -> str:
    """A test cell as the learner may see it: the hidden tests replaced by a one-line note."""
    return HIDDEN.sub("# (hidden tests ran here when this notebook was graded)\n", test_source).rstrip("\n")


def _role(cell) -> tuple[str, float]:
    meta = cell.metadata.get("nbgrader", {})
    points = float(meta.get("points", 0) or 0)
    if meta.get("task"):
        return "task", points
    if meta.get("solution") and meta.get("grade"):
        return "written", points
    if meta.get("solution"):
        return "answer", 0.0
    if meta.get("grade") and cell.cell_type == "code":
        return "test", points
    return "locked", 0.0


def _imports(cells: list[SourceCell]) -> str:
    """The import lines of the locked code cells (setup): the only part of them the grader replays."""
    import ast

    lines = []
    for cell in cells:
        if cell.role != "locked" or cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(lines)


def _not_found(course: Path, aid: str) -> str:
    """Why there is no solutions/AID/AID.ipynb, in one sentence that says what tpm-grade reads today."""
    folder = course / "solutions" / aid
    if folder.is_dir():
        held = sorted(p.name for p in folder.glob("*.ipynb"))
        return (f"{folder} has no {aid}.ipynb (it holds {', '.join(held) or 'no notebooks'}): tpm-grade grades one "
                f"notebook per assignment, named after it; name the notebook {aid}.ipynb.")
    if not (course / "solutions").is_dir() and (course / "source" / aid).is_dir():
        return (f"{course} keeps its assignments in nbgrader's default source/ folder; tpm-grade reads "
                f"solutions/{aid}/{aid}.ipynb for now: copy or link source/{aid} to solutions/{aid}.")
    known = sorted(p.name for p in (course / "solutions").glob("*") if p.is_dir())
    return f"No assignment '{aid}' in {course / 'solutions'} (known: {', '.join(known) or 'none'})."


def load(course: Path, aid: str) -> Assignment:
    """Read solutions/AID/AID.ipynb (and the released copy's checksums, when there is one)."""
    folder = Path(course) / "solutions" / aid
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", aid or ""):
        raise AssignmentError(f"'{aid}' is not an assignment id: ids look like 07-slos.")
    path = folder / f"{aid}.ipynb"
    if not path.is_file():
        raise AssignmentError(_not_found(Path(course), aid))
    nb = notebooks.read(path)
    cells, questions, pending = [], [], []
    for index, cell in enumerate(nb.cells):
        role, points = _role(cell)
        gid = notebooks.nbgrader_id(cell)
        cells.append(SourceCell(index, cell.get("id"), cell.cell_type, cell.source, gid, role, points))
        if role == "answer":
            pending.append(gid)
        elif role == "test":
            questions.append(Question(gid, points, False, cell.source, tuple(pending)))
            pending = []
        elif role == "written":
            questions.append(Question(gid, points, True, answer_ids=(gid,)))
        elif role == "task":   # graded by hand on the notebook as a whole: there is no answer cell to be blank
            questions.append(Question(gid, points, True))
    if not any(not q.manual for q in questions):
        raise AssignmentError(f"{path.name} has no autograded test cells: is it an nbgrader source notebook?")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise AssignmentError(f"{path.name} repeats a grade_id; every graded cell needs its own.")
    released = Path(course) / "exercises" / aid / f"{aid}.ipynb"
    released_cells = {}
    if released.is_file():
        released_cells = {notebooks.nbgrader_id(c): c for c in notebooks.read(released).cells
                          if notebooks.nbgrader_id(c)}
    for i, cell in enumerate(cells):
        twin = released_cells.get(cell.grade_id)
        cells[i] = replace(cell, metadata=dict(twin.metadata) if twin else dict(nb.cells[i].metadata),
                           released=twin.source if twin is not None and cell.role in ("answer", "written") else None)
    return Assignment(aid, path.name, cells, questions, _imports(cells))
