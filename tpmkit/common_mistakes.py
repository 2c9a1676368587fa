"""The catalogue of common mistakes that quiz answers are tagged with (`course/common-mistakes.yaml`).

Each entry has an `id`, a `summary` written to the learner ("You use a 30-day month where ...") and
the `lesson` section that teaches it. A wrong quiz entry names one with `misconception: <id>`; when a
learner's answer shows it, `tpmkit.progress` keeps the id, and the progress page lists the mistakes
a learner makes most often. The catalogue holds no answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from tpmkit.errors import KitError

__all__ = ["FILE_NAME", "Mistake", "check_tags", "load", "tags_in"]

FILE_NAME = "common-mistakes.yaml"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Mistake:
    id: str
    summary: str
    lesson: str


def load(folder: str | Path = ".") -> dict[str, Mistake]:
    """The catalogue beside the lessons (`folder`), id -> Mistake; {} when there is none."""
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        return {}
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise KitError(f"{path.name} cannot be read ({type(exc).__name__}); fix the file.") from None
    if not isinstance(entries, list):
        raise KitError(f"{path.name}: the catalogue is a list of entries with id, summary and lesson.")
    found: dict[str, Mistake] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) != {"id", "summary", "lesson"}:
            raise KitError(f"{path.name}, entry {number}: give exactly id, summary and lesson.")
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in entry):
            raise KitError(f"{path.name}, entry {number}: id, summary and lesson must be non-empty text.")
        if not _ID.fullmatch(entry["id"]) or entry["id"] in found:
            raise KitError(f"{path.name}, entry {number}: the id {entry['id']!r} must be unique kebab-case text.")
        found[entry["id"]] = Mistake(entry["id"], " ".join(entry["summary"].split()), entry["lesson"].strip())
    return found


def _wrong_entries(spec: dict) -> list[dict]:
    options = [o for o in spec.get("options", []) if isinstance(o, dict) and not o.get("correct")]
    return options + [m for m in spec.get("misconceptions", []) if isinstance(m, dict)]


def tags_in(questions: list[dict]) -> dict[str, list[str]]:
    """Common-mistake id -> ids of the questions whose wrong entries name it."""
    used: dict[str, list[str]] = {}
    for spec in questions:
        for entry in _wrong_entries(spec):
            tag = entry.get("misconception")
            if tag and spec["id"] not in used.setdefault(tag, []):
                used[tag].append(spec["id"])
    return used


def check_tags(questions: list[dict], catalogue: dict[str, Mistake], source: str) -> None:
    """Every `misconception:` a quiz names is in the catalogue. Raises KitError naming the first that is not."""
    for tag, qids in tags_in(questions).items():
        if tag not in catalogue:
            raise KitError(f"{source}, question '{qids[0]}': the misconception {tag!r} is not in {FILE_NAME}; "
                           "add it there or correct the id.")
