"""Shared pieces for the instructor-command tests: a roster file, an LMS download, and a snapshot of what
a command could have changed (to prove a refused command changed nothing)."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from autograder import cli
from tests.support import grading

AID = "07-slos"

# Student ID, names, email and the Canvas user id that Canvas puts in its download's file names.
ROSTER = """Student ID,First Name,Last Name,Email,Canvas User ID
ana,Ada,Lovelace,ana@example.edu,1001
bo,Charles,Babbage,bo@example.edu,1002
cy,Grace,Hopper,cy@example.edu,1003
di,Dorothy,Vaughan,di@example.edu,1004
"""


def write_roster(folder: Path, text: str = ROSTER, name: str = "roster.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def canvas_zip(path: Path, files: dict[str, object]) -> Path:
    """A Canvas-style download: file name -> notebook (a dict) or text."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content if isinstance(content, str) else json.dumps(content))
    return path


def snapshot(course: Path) -> dict[str, str]:
    """sha256 of every file a command could change: the gradebook, submitted/, feedback/, results ..."""
    keep = {"solutions", "exercises"}
    return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(course.rglob("*")) if p.is_file() and p.relative_to(course).parts[0] not in keep}


def refused(argv: list[str], capsys) -> str:
    """Run a command that must refuse: exit 2 and one line on stderr, `tpm-grade CMD: reason`."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"tpm-grade {argv[0]}: "), err
    return err


def rostered_course(folder: Path) -> Path:
    """A course holding 07-slos and a gradebook with ROSTER imported (creating a gradebook takes nbgrader
    seconds: make this once per test module and `copy` it for each test)."""
    course = grading.make_course(folder / "course", [AID])
    assert cli.main(["roster", "import", str(write_roster(folder)), "--course", str(course)]) == 0
    return course


def copy(course: Path, dest: Path) -> Path:
    shutil.copytree(course, dest)
    return dest
