"""`tpm-grade export`: the gradebook's scores as a CSV file, in the layout an LMS imports.

- csv:    one row per student and assignment: student_id, first_name, last_name, email, assignment,
          score, max_score, hand_grading (done or pending; empty when there is no submission).
- canvas: Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column
          per assignment named after it, and a "Points Possible" row. Canvas matches a row by ID (the
          Canvas user id, from the roster's LMS user id), then SIS User ID (the student id), then name.
- moodle: Moodle's CSV grade import: First name, Last name, ID number (the student id), Email address,
          then one "Assignment: ID (Real)" column per assignment, which Moodle maps to the grade item
          of that name. Choose "ID number" or "Email address" as the identifier when importing.

A student with no submission gets an empty cell (not 0), and is listed on stderr; so is every
submission whose written answers still wait for a hand grade (its score counts what is graded).
docs/instructor.md says where these layouts come from.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import records
from autograder.errors import GradeError
from autograder.files import atomic_write

FORMATS = ("csv", "canvas", "moodle")


class ExportError(GradeError):
    """The export cannot be written as asked; nothing was written. The message says why."""


@dataclass(frozen=True)
class Cell:
    score: float | None          # None: no submission
    pending: bool = False        # written answers still to grade by hand


def number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def read_scores(gb, ids: list[str]) -> tuple[list[records.Student], dict[str, float], dict[tuple[str, str], Cell]]:
    """(students, max score per assignment, (student, assignment) -> Cell) from an open gradebook."""
    maxima = {aid: float(records.graded_assignment(gb, aid).max_score or 0.0) for aid in ids}
    cells: dict[tuple[str, str], Cell] = {}
    for aid in ids:
        # Waiting for a hand grade: a graded cell with no score at all (stock nbgrader's needs_manual_grade
        # also stays set on answers already graded by hand after a regrade flags them for review).
        for student, (score, pending) in records.submission_scores(gb, aid).items():
            cells[(student, aid)] = Cell(score, pending)
    return records.students(gb), maxima, cells


def _sortable(s: records.Student) -> str:
    if s.last_name and s.first_name:
        return f"{s.last_name}, {s.first_name}"
    return s.last_name or s.first_name or s.id


def table(fmt: str, ids: list[str], everyone: list[records.Student], maxima: dict[str, float],
          cells: dict[tuple[str, str], Cell]) -> list[list[str]]:
    """The rows of the file, header first."""
    empty = Cell(None)
    if fmt == "csv":
        rows = [["student_id", "first_name", "last_name", "email", "assignment", "score", "max_score",
                 "hand_grading"]]
        for s in everyone:
            for aid in ids:
                cell = cells.get((s.id, aid), empty)
                done = "" if cell.score is None else ("pending" if cell.pending else "done")
                rows.append([s.id, s.first_name, s.last_name, s.email, aid, number(cell.score),
                             number(maxima[aid]), done])
        return rows
    if fmt == "canvas":
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *ids],
                ["Points Possible", "", "", "", "", *(number(maxima[aid]) for aid in ids)]]
        rows += [[_sortable(s), s.lms_user_id, s.id, "", "", *(number(cells.get((s.id, aid), empty).score)
                                                             for aid in ids)] for s in everyone]
        return rows
    if fmt == "moodle":
        header = ["First name", "Last name", "ID number", "Email address"]
        rows = [header + [f"Assignment: {aid} (Real)" for aid in ids]]
        rows += [[s.first_name, s.last_name, s.id, s.email, *(number(cells.get((s.id, aid), empty).score)
                                                            for aid in ids)] for s in everyone]
        return rows
    raise ExportError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")


@dataclass
class Export:
    """What export_grades wrote: the rows (header first), and per assignment who had no submission and whose
    hand grading is still pending."""

    rows: list[list[str]]
    students: int
    absent: dict[str, list[str]]
    pending: dict[str, list[str]]


def export_grades(*, assignments: list[str], fmt: str, output: Path, course: Path, db_url: str | None = None) -> Export:
    """Write the gradebook's scores for `assignments` to `output` as CSV in `fmt`'s layout; return what was written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    ids = list(dict.fromkeys(assignments))
    if not ids:
        raise ExportError("name at least one assignment with -a ID.")
    output = Path(output)
    if output.is_dir():
        raise ExportError(f"{output} is a folder: give a file name such as grades-{fmt}.csv.")
    with records.open_gradebook(records.url_for(course, db_url)) as gb:
        everyone, maxima, cells = read_scores(gb, ids)
    if not everyone:
        raise ExportError("the gradebook has no students yet: import a roster or grade submissions first.")
    rows = table(fmt, ids, everyone, maxima, cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    atomic_write(output, buffer.getvalue())
    return Export(rows, len(everyone),
                  {aid: [s.id for s in everyone if (s.id, aid) not in cells] for aid in ids},
                  {aid: [s.id for s in everyone if cells.get((s.id, aid), Cell(None)).pending] for aid in ids})


def main(*, stream=None, err=None, **options) -> int:
    """`tpm-grade export`: export_grades, then who is left empty or pending, on stderr."""
    stream, err = stream or sys.stdout, err or sys.stderr
    done = export_grades(**options)
    for aid in done.absent:
        absent, pending = done.absent[aid], done.pending[aid]
        if absent:
            print(f"{aid}: no submission, left empty ({len(absent)}): {', '.join(absent)}", file=err)
        if pending:
            print(f"{aid}: hand grading pending, score counts only what is graded ({len(pending)}): "
                  f"{', '.join(pending)}", file=err)
    print(f"Wrote {options['output']} ({options['fmt']}): {done.students} student(s), {len(done.absent)} "
          "assignment(s).", file=stream)
    return 0
