"""What runs, in what order, for one submission: the source's cells with the learner's answers put in.

The source gives the order and everything locked (prompts, setup, tests, points). From the
submission the grader takes only the answer cells (matched by nbgrader grade_id, or by cell id when
the metadata was lost) and any cells the learner added, which run after the source cell they
followed. So deleted, edited or moved test cells, edited points and reordered cells change nothing;
a deleted answer cell is a missing answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.assignment import Assignment, SourceCell


@dataclass(frozen=True)
class Step:
    kind: str              # "code" (runs in the learner's kernel), "test" (runs in the grader), "markdown"
    source: str
    origin: str            # "source" (locked, from the course), "answer" (learner's answer), "extra" (learner added)
    grade_id: str | None = None


@dataclass
class Plan:
    steps: list[Step]
    missing: set[str] = field(default_factory=set)   # answer grade_ids not found in the submission
    found: set[str] = field(default_factory=set)     # answer grade_ids found
    unchanged: set[str] = field(default_factory=set)  # found, but still the released text (not answered)


def _text(cell) -> str:
    """A cell's source as nbformat allows it (a str, or a list of str); anything else counts as empty."""
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return ""


def _cell_id(cell) -> str | None:
    value = cell.get("id")
    return value if isinstance(value, str) else None


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return gid if isinstance(gid, str) else None


def build(assignment: Assignment, cells: list) -> Plan:
    """`cells` are the submission's cells (dicts as read from JSON, already checked to be a list)."""
    by_grade: dict[str | None, SourceCell] = {c.grade_id: c for c in assignment.cells if c.grade_id}
    by_cell_id: dict[str | None, SourceCell] = {c.cell_id: c for c in assignment.cells if c.cell_id}
    # Notebooks older than nbformat 4.5 (all of nbgrader's examples) have no cell ids: an unmarked cell the
    # learner left as it was is known by its text, so it is the source's cell, not one the learner added.
    by_text: dict[tuple[str, str], list] = {}
    for c in assignment.cells:
        if not c.grade_id:
            by_text.setdefault((c.cell_type, c.source.strip()), []).append(c)
    answers: dict[str, str] = {}
    extras: dict[int, list[tuple[str, str]]] = {}   # source index it follows (-1: start) -> [(type, text)]
    anchor = -1
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cell_type = cell.get("cell_type")
        match = by_grade.get(_grade_id(cell)) or by_cell_id.get(_cell_id(cell))
        if match is None and _grade_id(cell) is None and _cell_id(cell) is None and isinstance(cell_type, str):
            same = by_text.get((cell_type, _text(cell).strip()))
            match = same.pop(0) if same else None
        if match is not None and match.cell_type == cell_type:
            anchor = match.index
            if match.role in ("answer", "written") and match.grade_id not in answers:
                answers[match.grade_id] = _text(cell)  # type: ignore[index]  # an answer cell has one (assignment.py)
                continue
            if match.role in ("answer", "written"):
                # A duplicated answer cell: it still runs, as a cell the learner added.
                extras.setdefault(anchor, []).append((cell_type, _text(cell)))
            continue  # locked cells always come from the source
        if cell_type in ("code", "markdown"):
            extras.setdefault(anchor, []).append((cell_type, _text(cell)))

    steps: list[Step] = [Step(kind, text, "extra") for kind, text in extras.get(-1, [])]
    for cell in assignment.cells:
        if cell.role in ("answer", "written"):
            if cell.grade_id in answers:
                kind = "code" if cell.cell_type == "code" else "markdown"
                steps.append(Step(kind, answers[cell.grade_id], "answer", cell.grade_id))
        elif cell.role == "test":
            steps.append(Step("test", cell.source, "source", cell.grade_id))
        else:
            steps.append(Step("code" if cell.cell_type == "code" else "markdown", cell.source, "source",
                              cell.grade_id))
        steps += [Step(kind, text, "extra") for kind, text in extras.get(cell.index, [])]
    expected = assignment.answer_ids
    released = {c.grade_id: c.released for c in assignment.cells if c.released is not None}
    unchanged = {g for g, text in answers.items() if g in released and text.strip() == released[g].strip()}
    return Plan(steps, missing=expected - set(answers), found=expected & set(answers), unchanged=unchanged)
