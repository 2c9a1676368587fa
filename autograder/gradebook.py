"""Record results where stock nbgrader looks: its gradebook, and autograded/STUDENT/ID/NOTEBOOK.ipynb.

Only the grading command's main process writes here, one submission at a time, and only after that
submission was graded: a run that fails or is interrupted never overwrites what is recorded. A
hand grade already given in formgrader is kept; the question is flagged for review, as nbgrader does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat

from autograder.assignment import Assignment
from autograder.release import nbgrader_env
from autograder.runner import Result


class GradebookError(RuntimeError):
    """The gradebook could not be prepared or written; the message says why."""


def _open(db_url: str):
    """nbgrader's Gradebook, with this environment's bin/ on PATH: creating a gradebook runs `alembic`."""
    from nbgrader.api import Gradebook

    os.environ["PATH"] = nbgrader_env()["PATH"]
    return Gradebook(db_url)


def default_url(course: Path) -> str:
    return f"sqlite:///{(Path(course) / 'gradebook.db').resolve()}"


def _recorded(asg: Assignment, db_url: str) -> bool:
    """Is the assignment already in the gradebook with the same graded cells and points?"""
    from nbgrader.api import MissingEntry

    try:
        with _open(db_url) as gb:
            nb = gb.find_notebook(Path(asg.notebook).stem, asg.id)
            have = {(c.name, float(c.max_score)) for c in nb.grade_cells}
    except MissingEntry:
        return False
    return have == {(q.id, float(q.points)) for q in asg.questions}


def ensure_assignment(course: Path, asg: Assignment, db_url: str) -> None:
    """Put the assignment's cells into the gradebook the way `nbgrader generate_assignment` does."""
    if _recorded(asg, db_url):
        return
    with tempfile.TemporaryDirectory(prefix="tpm-gradebook-") as scratch:
        shutil.copytree(Path(course) / "solutions" / asg.id, Path(scratch) / "source" / asg.id,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", asg.id, "--force",
                   f"--CourseDirectory.root={scratch}", f"--CourseDirectory.db_url={db_url}",
                   "--CourseDirectory.source_directory=source", "--CourseDirectory.release_directory=release"]
        done = subprocess.run(command, cwd=scratch, env=nbgrader_env(), capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise GradebookError(f"could not record {asg.id} in the gradebook: {last}")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def result_path(course: Path, aid: str, student: str) -> Path:
    return Path(course) / "tpm-grade-results" / aid / f"{student}.json"


def load_result(course: Path, aid: str, student: str) -> dict | None:
    try:
        return json.loads(result_path(course, aid, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record(course: Path, asg: Assignment, db_url: str, result: Result, digest: str) -> None:
    """Write one graded submission: autograded notebook, gradebook rows, then the result file."""
    notebook_id = Path(asg.notebook).stem
    target = Path(course) / "autograded" / result.student / asg.id / asg.notebook
    _atomic_write(target, nbformat.writes(result.autograded))
    scores = {q.id: q for q in result.questions}
    answered = {m["id"]: m["answered"] for m in result.manual}
    with _open(db_url) as gb, warnings.catch_warnings():
        # nbgrader's own ORM code warns on every new submission (stock `nbgrader autograde` prints the same).
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.update_or_create_student(result.student)
        gb.update_or_create_submission(asg.id, result.student)
        for question in asg.questions:
            grade = gb.find_grade(question.id, notebook_id, asg.id, result.student)
            if question.manual:
                grade.auto_score = None if answered.get(question.id) else 0.0
                comment = gb.find_comment(question.id, notebook_id, asg.id, result.student)
                comment.auto_comment = None if answered.get(question.id) else "No response."
            else:
                grade.auto_score = scores[question.id].score
            # A hand grade given earlier is kept and flagged for review, as nbgrader does.
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gb.db.commit()
    record_json = {**result.as_dict(), "submission_sha256": digest}
    _atomic_write(result_path(course, asg.id, result.student), json.dumps(record_json, indent=1) + "\n")
