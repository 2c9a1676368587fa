"""Find the submissions a grading command was given: notebook files, folders of students, or zips of those.

- `alice.ipynb`: one submission; the student id is the file's stem.
- a folder holding one folder per student: `STUDENT/NOTEBOOK.ipynb`, or nbgrader's
  `STUDENT/ASSIGNMENT/NOTEBOOK.ipynb` (so `submitted/` works as it is);
- a zip of such a folder (the zip's own top folder, if it has one, is looked through).

A student folder with no notebook, or several and none named after the assignment, is still
reported (as ungradable, with the reason) so that no learner silently disappears from a batch.

Names, folders and zip members are hostile input. Below a path given on the command line nothing is
followed through a symbolic link, and nothing in a zip is unpacked outside its folder: a symbolic link,
a zip name that is both a file and a folder (or is there twice), or an unsafe zip path makes the
student it belongs to ungradable, with the reason. Hidden names (`.x`) and `__MACOSX` are never
submissions. `read_submission` reads a discovered notebook the same way (no link, regular file, capped).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.errors import GradeError

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")  # so never '.', '..', '' or anything with '/'
NOTEBOOK_MAX_BYTES = 20 * 1024**2   # a submission larger than this is not a notebook a learner wrote
ZIP_MAX_BYTES = 500 * 1024**2
ZIP_MAX_FILES = 20_000
SYMLINK = "is a symbolic link; submit the notebook file itself"
# What reading one zip member can raise: I/O, bad CRC, encryption, unknown compression, truncated data.
MEMBER_ERRORS = (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error)


class SubmissionError(GradeError):
    """A path given on the command line cannot be used at all; the message says why."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None          # None: nothing gradable was found for this student
    problem: str = ""          # why it cannot be graded, when path is None
    notebook: str = ""         # which of the assignment's notebooks this is ("" when it has one)
    missing: bool = False      # the student's folder lacks this notebook: scored 0, as stock nbgrader does
    folder: Path | None = None  # the folder the notebook came from: its other files go beside it (learner_files)


LEARNER_FILES_MAX = 100                  # files, and bytes in all, of a learner's folder put beside a notebook
LEARNER_FILES_MAX_BYTES = 20 * 1024**2


def learner_files(folder: Path | None) -> dict[str, bytes]:
    """The learner's own files beside a submitted notebook (nbgrader copies the submitted folder): regular,
    visible, non-notebook files of that one folder, read without following links, within a cap. Subfolders
    are not read: a folder can be swapped for a link between listing and reading, a file opened with
    O_NOFOLLOW cannot."""
    out: dict[str, bytes]
    out, total = {}, 0
    if folder is None:
        return out
    for entry in _listing(folder):
        if len(out) >= LEARNER_FILES_MAX or entry.name.endswith(".ipynb") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            data = read_submission(Path(entry.path), LEARNER_FILES_MAX_BYTES - total)
        except SubmissionError:
            continue   # a link, a FIFO, or past the cap: left out, the notebook is still graded
        out[entry.name] = data
        total += len(data)
    return out


def read_submission(path: Path, limit: int = NOTEBOOK_MAX_BYTES) -> bytes:
    """The bytes of the submission file at `path` (at most `limit`), read without following a symbolic link.

    Raises SubmissionError, one sentence, if `path` is a symbolic link, not a regular file (a FIFO, a
    device, a folder), larger than `limit`, or unreadable. The checks are made on the open file, so a
    link or FIFO swapped in after discovery is refused too. Only the last component is checked here;
    `discover` has already refused links in the folders between the command-line path and the file.
    """
    name = Path(path).name
    try:
        # O_NOFOLLOW: fail on a link rather than read its target; O_NONBLOCK: a FIFO cannot hang the grader;
        # O_NOCTTY: a terminal device is never adopted (fstat refuses it just after).
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SubmissionError(f"{name} {SYMLINK}.") from None
        raise SubmissionError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{name} is not a regular file; submit the notebook file itself.")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SubmissionError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SubmissionError(f"{name} is larger than {limit / 1024**2:g} MB, too large to be a notebook.")
    return data


def printable(text: str) -> str:
    """`text` with control and bidi characters as '?', so a file name cannot break or fake a report line."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", "?", text)


def _label(name: str) -> str:
    """A printable row name for a name that is not a usable student id; it can never equal a usable id."""
    label = re.sub(r"[^A-Za-z0-9_.@+-]", "?", name)[:100]
    return label if label.strip(".") and not STUDENT_ID.fullmatch(label) else "?" + label[:99]


def _ungradable(name: str, problem: str) -> Submission:
    return Submission(name if STUDENT_ID.fullmatch(name) else _label(name), None, problem)


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _listing(folder: Path) -> list[os.DirEntry]:
    """The visible entries of `folder` by name; a DirEntry says what it is without following a link."""
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not _hidden(e.name)), key=lambda e: e.name)


def _pick_notebooks(folder: Path, student: str, aid: str, names: list[str]) -> list[Submission]:
    """The student's notebook for each of the assignment's notebooks `names` (one row each)."""
    nested = folder / aid
    if nested.is_symlink():
        return [Submission(student, None, f"{student}/{aid} {SYMLINK}")]
    where = nested if nested.is_dir() else folder
    shown = f"{student}/{aid}/" if where == nested else f"{student}/"
    # Links are candidates too, so that choosing one is reported rather than quietly passed over.
    found = [e for e in _listing(where)
             if e.name.endswith(".ipynb") and (e.is_symlink() or e.is_file(follow_symlinks=False))]
    if len(names) > 1:   # several notebooks: each by its name; one that is not there scores 0
        rows = []
        for name in names:
            entry = next((e for e in found if e.name == name), None)
            if entry is not None and entry.is_symlink():
                rows.append(Submission(student, None, f"{shown}{name} {SYMLINK}", notebook=name))
            else:
                rows.append(Submission(student, Path(entry.path) if entry else None, notebook=name,
                                       missing=entry is None, folder=where))
        return rows
    if not found:
        return [Submission(student, None, f"no notebook in {where.name}/")]
    wanted = {f"{aid}.ipynb", *names}
    named = [e for e in found if e.name in wanted]
    chosen = named[0] if named else found[0] if len(found) == 1 else None
    if chosen is None:
        return [Submission(student, None, f"{len(found)} notebooks in {where.name}/ and none is named "
                                          f"{' or '.join(sorted(wanted))}")]
    if chosen.is_symlink():
        return [Submission(student, None, f"{shown}{chosen.name} {SYMLINK}")]
    return [Submission(student, Path(chosen.path), folder=where)]


def _from_folder(folder: Path, aid: str, names: list[str]) -> list[Submission]:
    out, loose = [], []
    for entry in _listing(folder):
        if entry.is_symlink():   # a linked student folder or notebook could point anywhere, solutions included
            out.append(_ungradable(entry.name.removesuffix(".ipynb"), f"{entry.name} {SYMLINK}"))
        elif entry.is_dir(follow_symlinks=False):
            if not STUDENT_ID.fullmatch(entry.name):
                out.append(_ungradable(entry.name, "the folder name is not a usable student id"))
                continue
            try:
                out += _pick_notebooks(Path(entry.path), entry.name, aid, names)
            except OSError as exc:
                out.append(Submission(entry.name, None, f"{entry.name}/ cannot be read ({exc.strerror or exc})"))
        elif entry.name.endswith(".ipynb") and entry.is_file(follow_symlinks=False):
            loose.append(_from_file(Path(entry.path), names))
    return out + loose


def _from_file(path: Path, names: list[str]) -> Submission:
    if not STUDENT_ID.fullmatch(path.stem):
        return _ungradable(path.stem, "the file name is not a usable student id")
    if len(names) > 1:
        return Submission(path.stem, None, f"{path.name} alone cannot say which of {', '.join(names)} it is: "
                                           "submit a folder per student (STUDENT/ASSIGNMENT/NOTEBOOK.ipynb)")
    return Submission(path.stem, path)


def _zip_wrapper(entries: list[tuple[PurePosixPath, str]], aid: str) -> str | None:
    """The one top folder of a zip of the `submitted` folder itself (every file is at least two folders
    down), else None. `entries` are (path, kind) with kind 'dir', 'file' or 'link'. A zip of one student's
    folder in nbgrader's layout (STUDENT/AID/NOTEBOOK) has no wrapper: its top folder is the student."""
    tops = {rel.parts[0] for rel, _ in entries}
    deep = all(len(rel.parts) >= {"dir": 1, "link": 2}.get(kind, 3) for rel, kind in entries)
    one_student = all(len(rel.parts) == 3 and rel.parts[1] == aid for rel, kind in entries if kind == "file")
    if len(tops) == 1 and deep and any(len(rel.parts) > 1 for rel, _ in entries) and not one_student:
        return tops.pop()
    return None


def _extract(archive: Path, into: Path, aid: str) -> tuple[Path, list[Submission]]:
    """Unpack `archive` into `into`: the folder of students, and one row per student with a member that
    cannot be unpacked safely (nothing of theirs is unpacked). SubmissionError if the zip is unusable."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise SubmissionError(f"{archive.name} is not a readable zip file.") from None
    with zf:
        members = zf.infolist()
        if len(members) > ZIP_MAX_FILES or sum(m.file_size for m in members) > ZIP_MAX_BYTES:
            raise SubmissionError(f"{archive.name} is too large to unpack ({len(members)} files).")
        return _unpack(zf, members, into, aid)


def _unpack(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], into: Path,  # noqa: C901 - one refusal per hazard
            aid: str) -> tuple[Path, list[Submission]]:
    problems: dict[str, str] = {}          # student -> the first reason nothing of theirs is unpacked
    unsafe: list[tuple[PurePosixPath, str]] = []
    safe: list[tuple[zipfile.ZipInfo, PurePosixPath, str]] = []
    for member in members:
        rel = PurePosixPath(member.filename.replace("\\", "/"))
        kind = "dir" if member.is_dir() else "link" if stat.S_ISLNK(member.external_attr >> 16) else "file"
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            unsafe.append((PurePosixPath(*[p for p in rel.parts if p not in ("/", "..")]), member.filename))
        elif not any(_hidden(part) for part in rel.parts):
            safe.append((member, rel, kind))
    wrapper = _zip_wrapper([(rel, kind) for _, rel, kind in safe], aid)

    def inner(rel: PurePosixPath) -> tuple[str, ...]:   # the path below the wrapper folder, if there is one
        return rel.parts[1:] if wrapper and rel.parts[:1] == (wrapper,) else rel.parts

    def owner(rel: PurePosixPath, kind: str) -> str:   # the student a member belongs to: its first component
        parts = inner(rel) or ("",)
        return parts[0].removesuffix(".ipynb") if len(parts) == 1 and kind != "dir" else parts[0]

    for rel, name in unsafe:
        problems.setdefault(owner(rel, "file"), f"the zip holds an unsafe path ({name})")
    files = Counter(rel for _, rel, kind in safe if kind != "dir")
    folders = {up for _, rel, _ in safe for up in rel.parents} | {rel for _, rel, kind in safe if kind == "dir"}
    for _, rel, kind in safe:
        shown = "/".join(inner(rel))
        if kind == "link":
            problems.setdefault(owner(rel, kind), f"{shown} {SYMLINK}")
        elif kind == "file" and files[rel] > 1:
            problems.setdefault(owner(rel, kind), f"the zip holds {shown} more than once")
        elif kind == "file" and rel in folders:
            problems.setdefault(owner(rel, kind), f"the zip holds both a file and a folder named {shown}")
    root = into / wrapper if wrapper else into
    root.mkdir(parents=True, exist_ok=True)
    by_owner: dict[str, list[tuple[zipfile.ZipInfo, PurePosixPath, str]]] = {}
    for member, rel, kind in safe:
        if inner(rel):   # the wrapper folder itself is `root`, made above
            by_owner.setdefault(owner(rel, kind), []).append((member, rel, kind))
    for student, entries in by_owner.items():
        if student not in problems:
            problem = _unpack_one(zf, entries, into)
            if problem:
                problems[student] = problem
                for _, rel, _ in entries:   # take back what was unpacked: the student is one ungradable row
                    top = root / inner(rel)[0]
                    with contextlib.suppress(OSError):   # a name too long to make is too long to remove
                        shutil.rmtree(top) if top.is_dir() else top.unlink(missing_ok=True)
    return root, [_ungradable(student, problem) for student, problem in sorted(problems.items())]


def _unpack_one(zf: zipfile.ZipFile, entries: list[tuple[zipfile.ZipInfo, PurePosixPath, str]], into: Path) -> str:
    """Unpack one student's members; '' or why they could not be unpacked."""
    for member, rel, kind in entries:
        target = into.joinpath(*rel.parts)
        try:
            if kind == "dir":
                target.mkdir(parents=True, exist_ok=True)   # so an empty student folder is still reported
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(target, "xb") as dst:   # "x": never write over anything
                shutil.copyfileobj(src, dst)
        except MEMBER_ERRORS as exc:
            return f"{member.filename} cannot be unpacked ({getattr(exc, 'strerror', None) or exc})"
    return ""


def discover(paths: list[Path], aid: str, unpack_into: Path, names: list[str] | None = None) -> list[Submission]:
    """Every submission under `paths`, one row per student named (and per notebook, for an assignment of several
    `names`); a student named twice keeps the first and each other one is reported as `STUDENT~duplicate`
    (numbered from the third on)."""
    names = list(names or [f"{aid}.ipynb"])
    found: list[Submission] = []
    for number, path in enumerate(map(Path, paths)):
        if not path.exists():   # the path the instructor typed may be a link; nothing below it is followed
            raise SubmissionError(f"{path} does not exist.")
        try:
            if path.is_file() and path.suffix == ".zip":
                root, unusable = _extract(path, unpack_into / f"zip{number}", aid)
                found += _from_folder(root, aid, names) + unusable
            elif path.is_file():
                found.append(_from_file(path, names))
            elif path.is_dir():
                found += _from_folder(path, aid, names)
            else:
                raise SubmissionError(f"{path} is neither a file nor a folder.")
        except OSError as exc:
            raise SubmissionError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    seen, unique = set(), []
    for sub in found:
        if (sub.student, sub.notebook) in seen:
            label, n = f"{sub.student}~duplicate", 1
            while (label, sub.notebook) in seen:   # distinct row names, so a report keyed by student loses no row
                n += 1
                label = f"{sub.student}~duplicate{n}"
            sub = Submission(label, None, "the same student id appears twice", notebook=sub.notebook)
        seen.add((sub.student, sub.notebook))
        unique.append(Submission(sub.student, sub.path, printable(sub.problem), sub.notebook, sub.missing, sub.folder))
    return unique
