"""The course's records as the instructor commands read them: nbgrader's gradebook and its students.

`tpm-grade grade` writes the gradebook (autograder/gradebook.py); the roster, collect, feedback
and export commands read it, and only `roster import` adds to it. Opening it for reading never
creates it: a command with nothing to read says so instead of leaving an empty gradebook.db behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder import gradebook, nbgrader_bridge
from autograder.errors import GradeError


class RecordsError(GradeError):
    """The gradebook cannot be read as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Student:
    """A student row of the gradebook, as plain values (usable after the gradebook is closed)."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    @property
    def on_roster(self) -> bool:
        """Imported from a roster (grading alone records only the id)."""
        return bool(self.first_name or self.last_name or self.email or self.lms_user_id)


def url_for(course: Path, db_url: str | None) -> str:
    """--db-url, else $TPM_GRADE_DB_URL, else the course's sqlite gradebook (gradebook.resolve_url)."""
    return gradebook.resolve_url(course, db_url)


def sqlite_file(url: str) -> Path | None:
    """The file behind a sqlite URL (None for a database server, which knows whether the database exists)."""
    parsed = gradebook.parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def exists(url: str) -> bool:
    path = sqlite_file(url)
    return path is None or path.is_file()


@contextmanager
def open_gradebook(url: str, *, create: bool = False) -> Iterator:
    """nbgrader's Gradebook at `url`; unless `create`, a missing sqlite gradebook is an error."""
    if not create and not exists(url):
        raise RecordsError(f"there is no gradebook at {sqlite_file(url)} yet: import a roster "
                           "(tpm-grade roster import) or grade submissions (tpm-grade grade) first.")
    gradebook.check_reachable(url)   # a database server that cannot be reached: one line, not a traceback
    from sqlalchemy.exc import SQLAlchemyError

    try:
        gb = nbgrader_bridge.open_gradebook(url)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RecordsError(f"cannot open the gradebook at {gradebook.shown(url)}: {first}") from None
    try:
        yield gb
    finally:
        gb.close()


def students(gb) -> list[Student]:
    """Every student in the gradebook, sorted by id (the names grading gave a student the roster has not
    named yet, gradebook.NOT_ON_ROSTER, read as no name)."""
    def student(s) -> Student:
        unnamed = s.first_name == gradebook.NOT_ON_ROSTER and s.last_name == s.id
        first, last = ("", "") if unnamed else (s.first_name or "", s.last_name or "")
        return Student(s.id, first, last, s.email or "", s.lms_user_id or "")

    return sorted((student(s) for s in gb.students), key=lambda s: s.id)


def read_students(url: str) -> list[Student]:
    """The gradebook's students, or none when there is no gradebook yet."""
    if not exists(url):
        return []
    with open_gradebook(url) as gb:
        return students(gb)


def graded_assignment(gb, aid: str):
    """The gradebook's record of assignment `aid`, or an error naming the assignments it knows."""
    from nbgrader.api import MissingEntry

    try:
        return gb.find_assignment(aid)
    except MissingEntry:
        known = ", ".join(sorted(a.name for a in gb.assignments)) or "none yet"
        raise RecordsError(f"the gradebook has no assignment '{aid}' (it has: {known}); "
                           f"grade it first with tpm-grade grade SUBMISSIONS -a {aid}.") from None


def submission_scores(gb, aid: str) -> dict[str, tuple[float, bool]]:
    """student -> (score, still waiting for a hand grade) for every submission of `aid`, in one query.
    nbgrader's per-submission `score` and `grades` each scan every grade in the gradebook (no index covers
    them), which made reading a class quadratic: 10 s for 1,600 students. Score is nbgrader's (hand grade,
    else auto score, plus extra credit; no late penalty); waiting means a graded cell with no score at all."""
    from nbgrader.api import Assignment, BaseCell, Grade, Notebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import and_, case, func

    # Naming the notebooks and cells lets the database find each submitted notebook and grade by nbgrader's
    # unique indexes, (notebook_id, assignment_id) and (cell_id, notebook_id), instead of scanning for each.
    notebooks = [n for (n,) in gb.db.query(Notebook.id).join(Assignment).filter(Assignment.name == aid)]
    cells = [c for (c,) in gb.db.query(BaseCell.id).filter(BaseCell.notebook_id.in_(notebooks))]
    unscored = case((and_(Grade.id.isnot(None), Grade.manual_score.is_(None), Grade.auto_score.is_(None)), 1),
                    else_=0)
    rows = (gb.db.query(SubmittedAssignment.student_id, func.sum(Grade.score), func.max(unscored))
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .outerjoin(SubmittedNotebook, and_(SubmittedNotebook.notebook_id.in_(notebooks),
                                               SubmittedNotebook.assignment_id == SubmittedAssignment.id))
            .outerjoin(Grade, and_(Grade.cell_id.in_(cells), Grade.notebook_id == SubmittedNotebook.id))
            .filter(Assignment.name == aid)
            .group_by(SubmittedAssignment.student_id))
    return {student: (float(score or 0.0), bool(waiting)) for student, score, waiting in rows}
