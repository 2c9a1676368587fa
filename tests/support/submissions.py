"""Submissions as hostile input (autograder.submissions): a planted answer key the grader must never read,
zips built member by member (links included), and `discover`'s rows by student."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

AID = "07-slos"
MARKER = b'{"cells": [], "note": "SECRET-MARKER: the answer key"}'


def rows_by_student(found) -> dict[str, tuple[Path | None, str]]:
    assert len({s.student for s in found}) == len(found), "one row per student: none may overwrite another"
    return {s.student: (s.path, s.problem) for s in found}


@pytest.fixture
def answer_key(tmp_path) -> Path:
    """A file the grader must never read for a learner: the solutions' notebook, with a marker."""
    key = tmp_path / "solutions" / AID / f"{AID}.ipynb"
    key.parent.mkdir(parents=True)
    key.write_bytes(MARKER)
    return key


def write_zip(path: Path, files: dict[str, str], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16   # how `zip --symlinks` stores a link
            zf.writestr(info, target)
    return path
