"""`tpm-grade collect`: put the notebooks from an LMS download into submitted/STUDENT/ID/ID.ipynb.

That is where `tpm-grade grade submitted/ -a ID` and nbgrader's formgrader look. The layouts it knows
(docs/instructor.md says where each comes from):

- Canvas "Download Submissions": one flat zip; each file is `NAME[_LATE]_USERID_FILEID_FILENAME`
  (NAME is the sortable name with everything but letters, digits and _ removed; USERID is the
  Canvas user id; anonymous grading writes `[LATE_]anon_ANONID_FILEID_FILENAME`; text and URL
  submissions are `NAME[_LATE]_USERID_text.html` and `_link.html`).
- Moodle "Download all submissions": a folder per participant, `FULL NAME_PARTICIPANTID_assignsubmission_file_/`
  holding the uploaded files (or, with folders turned off, `FULL NAME_PARTICIPANTID_assignsubmission_file_FILENAME`).
- Plain: `STUDENTID.ipynb` or `STUDENTID_anything.ipynb` at the top of the zip or folder.

LMS ids become student ids through the roster (Canvas: the LMS user id column, else a unique name
match; Moodle: a unique name match); without a match the Canvas user id, or `participant-ID` for
Moodle, is the student id. Everything is checked before anything is written: a file name no layout
explains, or (with --roster-check) a student who is not on the roster, stops the command and nothing
is written. A notebook already in submitted/ is replaced only with --force, and the old one is kept
in replaced-submissions/.

File names are hostile input: the learner chose FILENAME, which may hold anything, so names are read
from the left, where the LMS writes its own part. Two claimants on one student (two LMS ids, or two
names on one LMS id, which an LMS never writes) are a conflict: that student is not collected, each
conflict is one line on stderr, the rest is collected and the command exits 1. A symbolic link, an
unsafe zip path or a name twice in the zip makes its student not collected, with the reason.

With nbgrader's exchange (a shared machine or JupyterHub), stock `nbgrader collect ID` fills
submitted/ instead; this command is for LMS downloads.
"""

from __future__ import annotations

import os
import re
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from autograder import assignment as assignment_mod
from autograder import records
from autograder.errors import GradeError
from autograder.files import atomic_write
from autograder.submissions import (
    MEMBER_ERRORS,
    STUDENT_ID,
    SYMLINK,
    ZIP_MAX_BYTES,
    ZIP_MAX_FILES,
    SubmissionError,
    printable,
    read_submission,
)


class CollectError(GradeError):
    """The download cannot be collected as it is; nothing was written. The message says why."""


# Canvas names are read from the left (lazy NAME): the learner's FILE comes last and may hold anything,
# newlines too (DOTALL), so a name the learner chose is always explained and cannot stop the command.
NAMES = re.IGNORECASE | re.DOTALL
CANVAS = re.compile(r"^(?P<name>\w*?)(?P<late>_late)?_(?P<key>\d+)_(?P<file_id>\d+)_(?P<file>.+)$", NAMES)
CANVAS_ANONYMOUS = re.compile(r"^(?P<late>late_)?(?P<key>anon_[A-Za-z0-9]+)_(?P<file_id>\d+)_(?P<file>.+)$", NAMES)
# Text-entry and website-URL submissions have no attachment id: NAME[_LATE]_USERID_text.html or _link.html.
ONLINE = r"(?P<file>(?:text|link)\.html)$"
CANVAS_ONLINE = re.compile(r"^(?P<name>\w*?)(?P<late>_late)?_(?P<key>\d+)_" + ONLINE, re.IGNORECASE)
CANVAS_ANONYMOUS_ONLINE = re.compile(r"^(?P<late>late_)?(?P<key>anon_[A-Za-z0-9]+)_" + ONLINE, re.IGNORECASE)
CANVAS_LAYOUTS = (CANVAS_ANONYMOUS, CANVAS_ANONYMOUS_ONLINE, CANVAS, CANVAS_ONLINE)
# Lazy name: the first `_ID_assignsubmission_PLUGIN_` is Moodle's own; the learner's FILE after it may repeat it.
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<key>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.*)$", re.DOTALL)
PLAIN = re.compile(r"^(?P<key>[^_]+)(?:_(?P<rest>.*))?\.ipynb$", re.DOTALL)
IGNORED = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Found:
    """One file of the download, explained by a layout."""

    where: str            # its path in the download, for messages
    layout: str           # canvas | moodle | plain
    key: str              # the LMS's id for the learner (Canvas user id, Moodle participant id, or the student id)
    name: str             # the learner's name as the LMS wrote it ('' if none)
    file: str             # the learner's own file name
    late: bool
    data: bytes
    problem: str = ""     # why this file must not be collected (a symbolic link, an unsafe path ...)


@dataclass(frozen=True)
class Pick:
    student: str
    found: Found | None
    problem: str = ""     # why nothing is collected for this student
    conflict: bool = False  # several learners claim this student


def _members(source: Path) -> Iterator[tuple[PurePosixPath, bytes, str]]:
    """(path, content, problem) of every file in a zip or folder, skipping system clutter. A file that must
    not be read (a symbolic link, an unsafe zip path, an unreadable member) has no content and a problem."""
    if source.is_dir():
        found = []
        for folder, dirs, files in os.walk(source, onerror=_unreadable):   # never descends through a link
            here = Path(folder)
            dirs[:] = [d for d in dirs if not _ignored(PurePosixPath(d))]
            for name in files + [d for d in dirs if (here / d).is_symlink()]:
                rel = PurePosixPath((here / name).relative_to(source).as_posix())
                if _ignored(rel):
                    continue
                try:   # O_NOFOLLOW, regular files only: a link to another learner's notebook is never read
                    found.append((rel, read_submission(here / name, ZIP_MAX_BYTES), ""))
                except SubmissionError as exc:
                    found.append((rel, b"", str(exc)))
        yield from sorted(found, key=lambda item: item[0])
        return
    if source.suffix.lower() != ".zip":
        raise CollectError(f"{source.name} is neither a zip file nor a folder: give the LMS's download as it is.")
    try:
        with zipfile.ZipFile(source) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) > ZIP_MAX_FILES or sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise CollectError(f"{source.name} is too large to collect ({len(members)} files).")
            for member in members:
                rel = PurePosixPath(member.filename.replace("\\", "/"))
                if rel.is_absolute() or ".." in rel.parts:   # named by what is left, so its student is told
                    yield (PurePosixPath(*[p for p in rel.parts if p not in ("/", "..")]), b"",
                           f"the zip holds an unsafe path ({member.filename}).")
                elif _ignored(rel):
                    continue
                elif (member.external_attr >> 16) & 0o170000 == 0o120000:
                    yield rel, b"", f"{rel.name} {SYMLINK}."
                else:
                    try:
                        yield rel, zf.read(member), ""
                    except MEMBER_ERRORS as exc:
                        yield rel, b"", f"{rel.name} cannot be unpacked ({getattr(exc, 'strerror', None) or exc})."
    except (zipfile.BadZipFile, OSError):
        raise CollectError(f"{source.name} is not a readable zip file.") from None


def _unreadable(exc: OSError) -> None:
    raise CollectError(f"{exc.filename} cannot be read ({exc.strerror}); nothing was collected.")


def _ignored(rel: PurePosixPath) -> bool:
    return any(part in IGNORED or part.startswith(".") for part in rel.parts)


def _strip_wrapper(paths: list[PurePosixPath]) -> int:
    """How many leading folders every path shares (a zip of the download folder adds one)."""
    depth = 0
    while paths and all(len(p.parts) > depth + 1 for p in paths) and len({p.parts[depth] for p in paths}) == 1:
        if MOODLE.match(paths[0].parts[depth]):
            break
        depth += 1
    return depth


def explain(rel: PurePosixPath, data: bytes = b"") -> Found | None:
    """Which layout names this file, and who it belongs to; None when no layout explains it."""
    parts = rel.parts
    for depth, part in enumerate(parts):
        match = MOODLE.match(part)
        if match is None:
            continue
        own = match["file"] if depth == len(parts) - 1 else "/".join(parts[depth + 1:])
        if not own:
            return None
        return Found(str(rel), "moodle", match["key"], match["name"], own, False, data)
    if len(parts) != 1:
        return None
    base = parts[0]
    for layout in CANVAS_LAYOUTS:
        match = layout.match(base)
        if match:
            return Found(str(rel), "canvas", match["key"], match.groupdict().get("name") or "", match["file"],
                         bool(match["late"]), data)
    match = PLAIN.match(base)
    if match and STUDENT_ID.fullmatch(match["key"]):
        return Found(str(rel), "plain", match["key"], "", base, False, data)
    return None


def _name_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


class _Roster:
    """Maps an LMS's ids and names to student ids, through the students in the gradebook."""

    def __init__(self, students: list[records.Student]):
        self.ids = {s.id for s in students}
        self.exists = any(s.on_roster for s in students)
        self.by_lms = {s.lms_user_id: s.id for s in students if s.lms_user_id}
        self.by_name: dict[str, list[str]] = {}
        for s in students:
            if s.on_roster and not s.lms_user_id:   # a student with a known LMS id is matched by that id only
                for key in {_name_key(s.last_name + s.first_name), _name_key(s.first_name + s.last_name)}:
                    self.by_name.setdefault(key, []).append(s.id)

    def student(self, found: Found) -> str:
        if found.layout == "plain":
            stem = found.file[: -len(".ipynb")]
            return stem if stem in self.ids or found.key == stem else found.key
        if found.layout == "canvas" and found.key in self.by_lms:
            return self.by_lms[found.key]
        named = sorted(set(self.by_name.get(_name_key(found.name), []))) if found.name else []
        if len(named) == 1:
            return named[0]
        return self.by_id(found)

    def by_id(self, found: Found) -> str:
        """The student the LMS id alone names, ignoring the name written beside it."""
        # Canvas user ids are the same in every course, so they can serve as student ids; Moodle's participant
        # ids are drawn per assignment and could equal a real student number, so they are marked as such.
        if found.layout == "canvas":
            return self.by_lms.get(found.key, found.key)
        return f"participant-{found.key}" if found.layout == "moodle" else found.key


def _conflict(student: str, files: list[Found]) -> Pick | None:
    """A conflict when files of more than one learner (LMS id and name) claim `student`; neither is collected."""
    claimants: dict[tuple[str, str, str], str] = {}
    for f in files:
        claimants.setdefault((f.layout, f.key, f.name), f"'{f.where}'")
    if len(claimants) < 2:
        return None
    *rest, last = claimants.values()
    return Pick(student, None, f"conflict: {', '.join(rest)} and {last} {'both' if len(rest) == 1 else 'all'} "
                               f"claim {student}; none of them was collected", conflict=True)


def _choose(student: str, files: list[Found], aid: str) -> Pick:
    bad = next((f for f in files if f.problem), None)
    if bad:
        return Pick(student, None, f"{bad.problem.rstrip('.')} ({bad.where})")
    notebooks = [f for f in files if f.file.lower().endswith(".ipynb")]
    if not notebooks:
        return Pick(student, None, f"no notebook among {len(files)} file(s) ({files[0].where})")
    if len(notebooks) == 1:
        return Pick(student, notebooks[0])
    stems = [PurePosixPath(f.file).stem for f in notebooks]
    for chosen in ([f for f, stem in zip(notebooks, stems, strict=True) if stem == aid],
                   [f for f, stem in zip(notebooks, stems, strict=True) if stem.startswith(aid)]):
        if len(chosen) == 1:
            return Pick(student, chosen[0])
    return Pick(student, None, f"{len(notebooks)} notebooks and none is clearly {aid}.ipynb "
                               f"({', '.join(f.file for f in notebooks[:3])})")


def plan(source: Path, aid: str, students: list[records.Student], *, roster_check: bool = False) -> list[Pick]:
    """What would be collected from `source`, per student; raises CollectError if the download is not usable."""
    source = Path(source)
    if not source.exists():
        raise CollectError(f"{source} does not exist.")
    members = list(_members(source))
    if not members:
        raise CollectError(f"{source.name} holds no files.")
    depth = _strip_wrapper([rel for rel, _, _ in members])
    twice = Counter(rel for rel, _, _ in members)
    found, unknown = [], []
    for rel, data, problem in members:
        inner = PurePosixPath(*rel.parts[depth:])
        item = explain(inner, data)
        if item is None:
            if problem:   # a linked LMS folder, say: give its real problem, not "no known layout"
                raise CollectError(f"'{printable(str(rel))}' in {source.name} cannot be collected: "
                                   f"{printable(problem).rstrip('.')}; nothing was collected.")
            unknown.append(printable(str(rel)))
            continue
        if twice[rel] > 1:   # a zip can name one path twice: which one would be "the" file is anyone's guess
            problem = problem or "the zip holds this file more than once"
        found.append(replace(item, where=printable(item.where), problem=printable(problem)))
    if unknown:
        raise CollectError(f"{len(unknown)} file name(s) in {source.name} fit no known layout, for example "
                           f"'{unknown[0]}' (expected Canvas NAME_USERID_FILEID_FILE, Moodle NAME_ID_assignsubmission_"
                           f"file_/FILE, or STUDENTID.ipynb); nothing was collected.")
    roster = _Roster(students)
    claims: dict[tuple[str, str], list[Found]] = {}
    for item in found:
        claims.setdefault((item.layout, roster.student(item) if item.layout == "plain" else item.key), []).append(item)
    by_student: dict[str, list[Found]] = {}
    for files in claims.values():
        # The LMS writes one name per id: when names on one id differ, one of them is forged, so trust neither.
        student = roster.student(files[0]) if len({f.name for f in files}) == 1 else roster.by_id(files[0])
        if not STUDENT_ID.fullmatch(student):
            raise CollectError(f"'{files[0].where}' gives the student id '{printable(student)}', which is not "
                               "usable; nothing was collected.")
        by_student.setdefault(student, []).extend(files)
    if roster_check and roster.exists:
        strangers = sorted(s for s in by_student if s not in roster.ids)
        if strangers:
            raise CollectError(f"{len(strangers)} student(s) in {source.name} are not on the roster, for example "
                               f"'{strangers[0]}' ({by_student[strangers[0]][0].where}): add them with tpm-grade "
                               "roster import or drop --roster-check; nothing was collected.")
    return [_conflict(student, files) or _choose(student, files, aid) for student, files in sorted(by_student.items())]


def main(*, source: Path, assignment: str, course: Path, db_url: str | None = None, force: bool = False,
         roster_check: bool = False, stream=None, err=None) -> int:
    stream, err = stream or sys.stdout, err or sys.stderr
    course = Path(course).resolve()
    asg = assignment_mod.load(course, assignment)
    students = records.read_students(records.url_for(course, db_url))
    picks = plan(Path(source), asg.id, students, roster_check=roster_check)
    targets = {p.student: course / "submitted" / p.student / asg.id / asg.notebook for p in picks if p.found}
    differ = [p.student for p in picks if p.found and targets[p.student].is_file()
              and targets[p.student].read_bytes() != p.found.data]
    if differ and not force:
        raise CollectError(f"{len(differ)} notebook(s) in submitted/ differ from the ones in {Path(source).name} "
                           f"(for example {differ[0]}): add --force to replace them (the old ones are kept in "
                           "replaced-submissions/); nothing was collected.")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    counts = {"new": 0, "unchanged": 0, "replaced": 0}
    for pick in picks:
        if pick.found is None:
            print(f"{pick.student}: not collected: {pick.problem}", file=err)
            continue
        target = targets[pick.student]
        late = " (late)" if pick.found.late else ""
        if target.is_file() and target.read_bytes() == pick.found.data:
            counts["unchanged"] += 1
            print(f"{pick.student}: unchanged{late}", file=stream)
            continue
        if target.is_file():
            kept = course / "replaced-submissions" / pick.student / asg.id / f"{target.stem}-{stamp}{target.suffix}"
            atomic_write(kept, target.read_bytes())
            counts["replaced"] += 1
            status = f"replaced (the old one is in {kept.relative_to(course)})"
        else:
            counts["new"] += 1
            status = "collected"
        atomic_write(target, pick.found.data)
        print(f"{pick.student}: {status} from {pick.found.where}{late}", file=stream)
    roster = _Roster(students)
    if roster.exists:
        strangers = sorted(p.student for p in picks if p.student not in roster.ids)
        if strangers:
            print(f"Not on the roster ({len(strangers)}): {', '.join(strangers)}. Add them with tpm-grade roster "
                  "import, or check the LMS user ids in the roster.", file=err)
        missing = sorted(s.id for s in students if s.on_roster and s.id not in {p.student for p in picks})
        if missing:
            print(f"On the roster, nothing in this download ({len(missing)}): {', '.join(missing)}.", file=err)
    print(f"{asg.id}: {counts['new']} new, {counts['unchanged']} unchanged, {counts['replaced']} replaced in "
          f"{(course / 'submitted').relative_to(course)}/.", file=stream)
    return 1 if any(p.conflict for p in picks) else 0   # collected, but someone must look at the conflicts
