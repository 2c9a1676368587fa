"""Record results where stock nbgrader looks: its gradebook, and autograded/STUDENT/ID/NOTEBOOK.ipynb.

Only the grading command's main process writes here, one submission at a time, and only after that
submission was graded: a run that fails or is interrupted never overwrites what is recorded. A
hand grade already given in formgrader is kept; the question is flagged for review, as nbgrader does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import nbformat

from autograder import course_config, nbgrader_bridge
from autograder.assignment import Assignment, with_instantiated_tests
from autograder.errors import GradeError
from autograder.files import atomic_write
from autograder.results import Result


class GradebookError(GradeError):
    """The gradebook could not be prepared or written; the message says why."""


def _open(db_url: str):
    return nbgrader_bridge.open_gradebook(db_url)


def default_url(course: Path) -> str:
    return f"sqlite:///{(Path(course) / 'gradebook.db').resolve()}"


_ADVISORY_KEY = 0x74706D6B6974  # "tpmkit": one PostgreSQL advisory lock for every grader of a gradebook


ENV_URL = "TPM_GRADE_DB_URL"


def resolve_url(course: Path, db_url: str | None = None) -> str:
    """The gradebook's URL, for every command: --db-url, else $TPM_GRADE_DB_URL, else the course config's
    CourseDirectory.db_url, else sqlite at COURSE/gradebook.db.

    A password never needs to be on a command line: it can be in $TPM_GRADE_DB_URL, or left to libpq
    (~/.pgpass, $PGPASSFILE or $PGPASSWORD) with a URL that has none.
    """
    if db_url:
        parse_url(db_url, "--db-url")
        return db_url
    if os.environ.get(ENV_URL):
        parse_url(os.environ[ENV_URL], ENV_URL)
        return os.environ[ENV_URL]
    configured = course_config.load(course).db_url
    if configured:
        parse_url(configured, "the course's CourseDirectory.db_url")
        return configured
    return default_url(course)


def refuse_password_in_argv(db_url: str | None) -> None:
    """A --db-url typed on a command line is in /proc/PID/cmdline, which every user of the machine can read."""
    if db_url and _has_password(parse_url(db_url, "--db-url")):
        raise GradebookError("--db-url holds a password, which other users of this machine can read in the process "
                             f"list; put the URL in {ENV_URL}, or the password in ~/.pgpass or PGPASSWORD.")


def _has_password(url) -> bool:
    return bool(url.password) or "password" in url.query


def shown(db_url: str) -> str:
    """The URL as messages print it: never the password."""
    url = parse_url(db_url)
    if "password" in url.query:
        url = url.update_query_dict({"password": "***"})
    return url.render_as_string(hide_password=True)


def parse_url(db_url: str, where: str = "the gradebook URL"):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db_url)
    except (ArgumentError, ValueError):
        hidden = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", db_url)  # an unparsable URL may still hold a password
        raise GradebookError(f"{where} {hidden!r} is not a database URL (sqlite:///PATH or "
                             "postgresql://USER@HOST:PORT/DB).") from None


def check_reachable(db_url: str) -> None:
    """Fail in one line, before any grading, when the gradebook's database cannot be reached."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    url = parse_url(db_url)
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or ".").resolve().parent
        if not folder.is_dir():
            raise GradebookError(f"the gradebook's folder {folder} does not exist.")
        return
    args = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise GradebookError(f"no database driver for {shown(db_url)}: {exc}") from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise GradebookError(f"cannot reach the gradebook at {shown(db_url)}: {reason}") from None


@contextlib.contextmanager
def exclusive(db_url: str):
    """One writer at a time, across grader processes (and across machines, for PostgreSQL).

    Two graders may share a gradebook (a cohort split into shards, or a re-run started by mistake);
    serialising the writes is what keeps one student's rows from being created twice.
    """
    url = parse_url(db_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        with open(f"{url.database}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif backend == "postgresql":
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
        engine.dispose()
    else:  # another database: nbgrader's unique constraints still refuse duplicates
        yield


def _recorded_cells(gb, aid: str) -> dict[str, set] | None:
    """notebook -> {(graded cell, points)} of the assignment as the gradebook holds it; None if it holds none."""
    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(aid)
    except MissingEntry:
        return None
    return {nb.name: {(c.name, float(c.max_score)) for c in [*nb.grade_cells, *nb.task_cells]}
            for nb in assignment.notebooks}


def _cells(asgs: list[Assignment]) -> dict[str, set]:
    return {Path(a.notebook).stem: {(q.id, float(q.points)) for q in a.questions} for a in asgs}


def _absent(db_url: str) -> bool:
    """An SQLite gradebook whose file does not exist yet: nothing is recorded, and opening it would create it
    (nbgrader then builds the schema and stamps it with alembic, seconds of work the recording does anyway)."""
    url = parse_url(db_url)
    return url.get_backend_name() == "sqlite" and bool(url.database) and url.database != ":memory:" \
        and not Path(url.database).exists()


def _recorded(asgs: list[Assignment], db_url: str) -> bool:
    """Is the assignment already in the gradebook with the same notebooks, graded cells and points?"""
    if _absent(db_url):
        return False
    with _open(db_url) as gb:
        return _recorded_cells(gb, asgs[0].id) == _cells(asgs)


def check_no_clash(asgs: list[Assignment], db_url: str) -> None:
    """Refuse in one line, before any grading, an assignment the gradebook holds with other graded cells and
    submissions: nbgrader cannot change it then, and every result would be lost at the first write."""
    from sqlalchemy.exc import SQLAlchemyError

    aid = asgs[0].id
    if _absent(db_url):
        return
    try:
        with _open(db_url) as gb:
            have = _recorded_cells(gb, aid)
            if have is None or have == _cells(asgs):
                return
            submissions = gb.assignment_submissions(aid)
    except SQLAlchemyError:
        return   # not an nbgrader gradebook yet: recording it will say what is wrong
    if not submissions:
        return   # recording replaces the old version, as `nbgrader generate_assignment --force` does
    ours = _cells(asgs)
    changed = sorted({nb for nb in {*have, *ours} if have.get(nb) != ours.get(nb)})
    raise GradebookError(f"the gradebook at {shown(db_url)} holds {aid} with other graded cells or points in "
                         f"{', '.join(changed)}, and {len(submissions)} submission(s): nbgrader cannot change it now. "
                         "Grade into a new gradebook (--db-url), or restore the source the gradebook was made from.")


def ensure_assignment(course: Path, asgs: list[Assignment], db_url: str) -> None:
    """Put the assignment's notebooks into the gradebook the way `nbgrader generate_assignment` does."""
    with exclusive(db_url):
        if not _recorded(asgs, db_url):
            _generate(course, asgs[0].id, db_url)


def instantiated(asg: Assignment, db_url: str) -> Assignment:
    """The assignment with its ### AUTOTEST cells as nbgrader recorded them (stock autograde runs these too)."""
    from nbgrader.api import MissingEntry

    sources = {}
    with _open(db_url) as gb:
        for question in asg.questions:
            if not question.manual:
                with contextlib.suppress(MissingEntry):
                    sources[question.id] = gb.find_source_cell(question.id, Path(asg.notebook).stem, asg.id).source
    return with_instantiated_tests(asg, sources)


def _generate(course: Path, aid: str, db_url: str) -> None:
    layout = course_config.load(course)
    with tempfile.TemporaryDirectory(prefix="tpm-gradebook-") as scratch:
        shutil.copytree(layout.folder("source", aid), Path(scratch) / "source" / aid, symlinks=True,
                        ignore=shutil.ignore_patterns(*layout.ignore))   # a link is copied as a link, never followed
        autotests = layout.root / "autotests.yml"   # nbgrader's fallback when the assignment has none of its own
        if autotests.is_file():
            shutil.copy(autotests, Path(scratch) / "autotests.yml")
        # The URL (it may hold a password) travels in the environment, never in argv, which /proc shows everyone.
        Path(scratch, "nbgrader_config.py").write_text(
            f"import os\nc = get_config()\nc.CourseDirectory.db_url = os.environ[{ENV_URL!r}]\n", encoding="utf-8")
        args = ["generate_assignment", aid, "--force", f"--CourseDirectory.root={scratch}",
                   # the course row nbgrader's Gradebook creates; PostgreSQL enforces the foreign key, SQLite does not
                   f"--CourseDirectory.course_id={layout.course_id}",
                   "--CourseDirectory.source_directory=source", "--CourseDirectory.release_directory=release",
                   f"--IncludeHeaderFooter.header={layout.header}", f"--IncludeHeaderFooter.footer={layout.footer}"]
        try:
            nbgrader_bridge.run(args, cwd=Path(scratch), extra_env={ENV_URL: db_url})
        except nbgrader_bridge.NbgraderFailed as exc:
            password = parse_url(db_url).password
            last = str(exc).replace(password, "***") if password else str(exc)
            raise GradebookError(f"could not record {aid} in the gradebook: {last}") from None


def result_path(course: Path, aid: str, student: str, notebook: str | None = None) -> Path:
    """Where one graded notebook's result is kept: STUDENT.json for an assignment's notebook named after it (this
    kit's), STUDENT/NOTEBOOK.json for the others (an nbgrader assignment of several notebooks)."""
    stem = Path(notebook).stem if notebook else aid
    folder = Path(course) / "tpm-grade-results" / aid
    return folder / f"{student}.json" if stem == aid else folder / student / f"{stem}.json"


def load_result(course: Path, aid: str, student: str, notebook: str | None = None) -> dict | None:
    try:
        return json.loads(result_path(course, aid, student, notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# nbgrader's formgrader shows a student without names as "None, None"; one that grading adds before any
# roster import shows as "ID, (not on the roster)" instead. records.students reads these as no name.
NOT_ON_ROSTER = "(not on the roster)"


def _add_student(gb, student: str) -> None:
    """Add a student graded before the roster named them; a student already known keeps their names."""
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
    except MissingEntry:
        gb.update_or_create_student(student, last_name=student, first_name=NOT_ON_ROSTER)


def record(course: Path, asg: Assignment, db_url: str, result: Result, digest: str, gb=None) -> None:
    """Write one graded submission: autograded notebook, gradebook rows, then the result file. `gb`: a gradebook
    already open (a batch's, see Recorder); otherwise one is opened for this write."""
    notebook_id = Path(asg.notebook).stem
    if result.autograded is not None:   # a notebook that was not submitted has none, as with stock nbgrader
        target = course_config.load(course).folder("autograded", asg.id, result.student) / asg.notebook
        atomic_write(target, nbformat.writes(result.autograded))
    scores = {q.id: q for q in result.questions}
    answered = {m["id"]: m["answered"] for m in result.manual}
    opened = contextlib.nullcontext(gb) if gb is not None else _open(db_url)
    with exclusive(db_url), opened as gb, warnings.catch_warnings():
        # nbgrader's own ORM code warns on every new submission (stock `nbgrader autograde` prints the same).
        warnings.filterwarnings("ignore", message=".*not in session.*")
        try:
            _add_student(gb, result.student)
            gb.update_or_create_submission(asg.id, result.student)
            submitted = gb.find_submission_notebook(notebook_id, asg.id, result.student)
            grades, comments = grades_and_comments(gb, submitted)
            for question in asg.questions:
                grade = grades[question.id]
                if question.manual:
                    grade.auto_score = None if answered.get(question.id) else 0.0
                    comments[question.id].auto_comment = None if answered.get(question.id) else "No response."
                else:
                    grade.auto_score = scores[question.id].score
                # A hand grade given earlier is kept and flagged for review, as nbgrader does.
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            gb.db.commit()
        except BaseException:
            gb.db.rollback()   # a shared connection must be usable for the next submission
            raise
    record_json = {**result.as_dict(), "submission_sha256": digest}
    atomic_write(result_path(course, asg.id, result.student, asg.notebook), json.dumps(record_json, indent=1) + "\n")


def grades_and_comments(gb, submitted) -> tuple[dict, dict]:
    """One submitted notebook's grades and comments by cell name. nbgrader's `submitted.grades` selects by
    notebook_id alone, which no index covers: every write scanned every grade ever recorded, and grew with the
    class. Naming the cells too uses the (cell_id, notebook_id) unique index, so a write costs the same at any size."""
    from nbgrader.api import BaseCell, Comment, Grade

    cells = dict(gb.db.query(BaseCell.id, BaseCell.name).filter(BaseCell.notebook_id == submitted.notebook_id))

    def by_name(model) -> dict:
        rows = gb.db.query(model).filter(model.cell_id.in_(list(cells)), model.notebook_id == submitted.id)
        return {cells[row.cell_id]: row for row in rows}

    return by_name(Grade), by_name(Comment)


class Recorder:
    """A batch's writes through one gradebook connection, opened at the first result (after the assignment is
    recorded: opening a new gradebook creates it). Opening nbgrader's Gradebook for every submission cost
    about as much as writing the submission."""

    def __init__(self, course: Path, db_url: str):
        self.course, self.db_url, self.gb = course, db_url, None

    def record(self, asg: Assignment, result: Result, digest: str) -> None:
        if self.gb is None:
            self.gb = _open(self.db_url)
        record(self.course, asg, self.db_url, result, digest, gb=self.gb)

    def close(self) -> None:
        if self.gb is not None:
            self.gb.close()
            self.gb = None
