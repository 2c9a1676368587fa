"""Find the submissions a grading command was given: notebook files, folders of students, or zips of those.

- `alice.ipynb`: one submission; the student id is the file's stem.
- a folder holding one folder per student: `STUDENT/NOTEBOOK.ipynb`, or nbgrader's
  `STUDENT/ASSIGNMENT/NOTEBOOK.ipynb` (so `submitted/` works as it is);
- a zip of such a folder (the zip's own top folder, if it has one, is looked through).

A student folder with no notebook, or several and none named after the assignment, is still
reported (as ungradable, with the reason) so that no learner silently disappears from a batch.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")
ZIP_MAX_BYTES = 500 * 1024**2
ZIP_MAX_FILES = 20_000


class SubmissionError(ValueError):
    """A path given on the command line cannot be used at all; the message says why."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None          # None: nothing gradable was found for this student
    problem: str = ""          # why it cannot be graded, when path is None


def _pick_notebook(folder: Path, aid: str) -> tuple[Path | None, str]:
    nested = folder / aid
    where = nested if nested.is_dir() else folder
    found = sorted(p for p in where.glob("*.ipynb") if p.is_file())
    if not found:
        return None, f"no notebook in {where.name}/"
    named = [p for p in found if p.stem == aid]
    if named:
        return named[0], ""
    if len(found) == 1:
        return found[0], ""
    return None, f"{len(found)} notebooks in {where.name}/ and none is named {aid}.ipynb"


def _from_folder(folder: Path, aid: str) -> list[Submission]:
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not STUDENT_ID.fullmatch(sub.name):
            out.append(Submission(sub.name[:100], None, "the folder name is not a usable student id"))
            continue
        path, problem = _pick_notebook(sub, aid)
        out.append(Submission(sub.name, path, problem))
    loose = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    out += [_from_file(p) for p in loose]
    return out


def _from_file(path: Path) -> Submission:
    if not STUDENT_ID.fullmatch(path.stem):
        return Submission(path.stem[:100] or "unnamed", None, "the file name is not a usable student id")
    return Submission(path.stem, path)


def _extract(archive: Path, into: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > ZIP_MAX_FILES or sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise SubmissionError(f"{archive.name} is too large to unpack ({len(members)} files).")
            for member in members:
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise SubmissionError(f"{archive.name} holds an unsafe path ({member.filename}).")
                if member.is_dir() or (member.external_attr >> 16) & 0o170000 == 0o120000:
                    continue  # folders are made as needed; symbolic links are never unpacked
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as dst:
                    dst.write(src.read(ZIP_MAX_BYTES + 1))
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive.name} is not a readable zip file.") from None
    entries = [p for p in into.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    # A zip of the `submitted` folder itself holds one top folder whose children are the students.
    if len(entries) == 1 and entries[0].is_dir() and all(p.is_dir() for p in entries[0].iterdir()):
        return entries[0]
    return into


def discover(paths: list[Path], aid: str, unpack_into: Path) -> list[Submission]:
    """Every submission under `paths`; a student named twice keeps the first and the rest are reported."""
    found: list[Submission] = []
    for number, path in enumerate(map(Path, paths)):
        if not path.exists():
            raise SubmissionError(f"{path} does not exist.")
        if path.is_file() and path.suffix == ".zip":
            found += _from_folder(_extract(path, unpack_into / f"zip{number}"), aid)
        elif path.is_file():
            found.append(_from_file(path))
        elif path.is_dir():
            found += _from_folder(path, aid)
        else:
            raise SubmissionError(f"{path} is neither a file nor a folder.")
    seen, unique = set(), []
    for sub in found:
        if sub.student in seen:
            unique.append(Submission(sub.student + "~duplicate", None, "the same student id appears twice"))
            continue
        seen.add(sub.student)
        unique.append(sub)
    return unique
