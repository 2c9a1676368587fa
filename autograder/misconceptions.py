"""The known wrong answers of an exercise, and the misconception behind each: course content, kept beside the
exercise's source (`SOURCE/ID/misconceptions.yaml`) and released nowhere.

Each entry:
- `id`: a short name for the mistake, unique in the file (`30-day-month`);
- `question`: the graded question it loses (its grade_id), and `answer`: the answer cell its `code` replaces;
- `misconception`: what the mistake is, for the course's authors;
- `explanation`: the same for the learner: what the mistake is and where the lesson covers it, never the
  right value;
- `code`: what a learner with this misconception types into the answer cell;
- `loses` (optional): the questions it loses when that is not just `question` (a later answer that reuses it).

The exercise tests submit each `code` and prove that it loses exactly its questions (tests/grading/test_exercises.py).
The kit's nbgrader_config.py ignores the file, so no release and no grading sandbox ever holds it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from autograder import course_config
from autograder.errors import GradeError

FILE = "misconceptions.yaml"
FIELDS = {"id": str, "question": str, "answer": str, "misconception": str, "explanation": str, "code": str}
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class MisconceptionError(GradeError):
    """A misconceptions file cannot be read; the message names the file and the entry."""


def path(course: Path, aid: str) -> Path:
    return course_config.load(course).folder("source", aid) / FILE


def load(course: Path, aid: str) -> list[dict]:
    """The exercise's misconceptions, checked (an empty list when it has none)."""
    where = path(course, aid)
    if not where.is_file():
        return []
    try:
        entries = yaml.safe_load(where.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise MisconceptionError(f"{where} is not valid YAML ({str(exc).splitlines()[0]}).") from None
    if not isinstance(entries, list):
        raise MisconceptionError(f"{where} must hold a list of misconceptions.")
    seen = set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise MisconceptionError(f"{where}: entry {number} is not a mapping.")
        for field, kind in FIELDS.items():
            if not isinstance(entry.get(field), kind) or not str(entry.get(field)).strip():
                raise MisconceptionError(f"{where}: entry {number} needs a text `{field}`.")
        if not ID.fullmatch(entry["id"]) or entry["id"] in seen:
            raise MisconceptionError(f"{where}: entry {number}'s id {entry['id']!r} must be a new lowercase-"
                                     "and-hyphens name.")
        seen.add(entry["id"])
        loses = entry.get("loses", [entry["question"]])
        if not isinstance(loses, list) or not all(isinstance(q, str) for q in loses):
            raise MisconceptionError(f"{where}: entry {number}'s `loses` must be a list of question ids.")
    return entries
