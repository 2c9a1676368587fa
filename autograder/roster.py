"""`tpm-grade roster import|list`: the class list in nbgrader's gradebook, read from a CSV file.

The file needs a student id column and the names, as first and last name columns or one name column
("Last, First" as Canvas writes it, or "First Last"); email and an LMS user id are optional. Common
header spellings are accepted (see HEADERS). The whole file is checked before anything is written:
a duplicate, empty or unusable id stops the import with one line naming the row, and the gradebook
is left as it was. Students already in the gradebook are updated, never removed.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import gradebook, records
from autograder.errors import GradeError
from autograder.submissions import STUDENT_ID


class RosterError(GradeError):
    """The roster file cannot be imported; the message names the row or column and what to do."""


def normal(header: str) -> str:
    """'SIS User ID', 'sis_user_id' and ' SIS-User-Id ' all become 'sis user id'."""
    return re.sub(r"[\s_\-]+", " ", header.replace("\ufeff", "")).strip().lower()


# Accepted spellings (after `normal`), best first. The student id is the first of ID_HEADERS present;
# a plain `id`/`ID` column that was not taken as the student id is the LMS user id (Canvas's "ID").
ID_HEADERS = ("student id", "studentid", "sis user id", "sis id", "id number", "idnumber", "student number",
              "username", "user name", "id")
LMS_HEADERS = ("lms user id", "lms id", "canvas user id", "canvas id")
FIRST_HEADERS = ("first name", "firstname", "given name", "forename")
LAST_HEADERS = ("last name", "lastname", "surname", "family name")
NAME_HEADERS = ("student", "name", "full name", "student name", "sortable name")
EMAIL_HEADERS = ("email", "email address", "e mail", "e mail address", "mail")
HEADERS = {"id": ID_HEADERS, "lms_user_id": LMS_HEADERS + ("id",), "first_name": FIRST_HEADERS,
           "last_name": LAST_HEADERS, "name": NAME_HEADERS, "email": EMAIL_HEADERS}


@dataclass(frozen=True)
class Entry:
    row: int              # line number in the file (the header is line 1)
    id: str
    first_name: str
    last_name: str
    email: str | None     # None: the file has no email column (keep what the gradebook has)
    lms_user_id: str | None


def _pick(columns: dict[str, int], spellings: tuple[str, ...], taken: set[int]) -> int | None:
    for spelling in spellings:
        index = columns.get(spelling)
        if index is not None and index not in taken:
            return index
    return None


def _split_name(full: str) -> tuple[str, str]:
    """'Lovelace, Ada' or 'Ada Lovelace' -> ('Ada', 'Lovelace')."""
    if "," in full:
        last, first = full.split(",", 1)
        return first.strip(), last.strip()
    parts = full.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", full.strip())


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise RosterError(f"{path} does not exist.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{path.name} is not UTF-8 text: save it from your spreadsheet as 'CSV UTF-8'.") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t", key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise RosterError(f"{path.name} is not a readable CSV file ({exc}).") from None


def read(path: Path, *, id_column: str | None = None) -> list[Entry]:  # noqa: C901 - one branch per roster layout and column
    """Every student in the roster file, checked; raises RosterError on the first problem."""
    path = Path(path)
    rows = _rows(path)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RosterError(f"{path.name} is empty: it needs a header row and one row per student.")
    columns: dict[str, int] = {}
    for index, header in enumerate(rows[0]):
        columns.setdefault(normal(header), index)
    taken: set[int] = set()
    if id_column is not None:
        sid = columns.get(normal(id_column))
        if sid is None:
            raise RosterError(f"{path.name} has no column '{id_column}' (it has: {', '.join(rows[0])}).")
    else:
        sid = _pick(columns, ID_HEADERS, taken)
    if sid is None:
        raise RosterError(f"{path.name} has no student id column: name one 'id', 'Student ID' or 'SIS User ID' "
                          f"(or pass --id-column); its columns are: {', '.join(rows[0])}.")
    taken.add(sid)
    lms = _pick(columns, HEADERS["lms_user_id"], taken)
    first, last = _pick(columns, FIRST_HEADERS, taken), _pick(columns, LAST_HEADERS, taken)
    name = _pick(columns, NAME_HEADERS, taken) if first is None or last is None else None
    if (first is None or last is None) and name is None:
        missing = "first_name" if first is None else "last_name"
        raise RosterError(f"{path.name} has no {missing} column: give first_name and last_name columns, or one "
                          f"name column such as 'Student' ('Last, First'); its columns are: {', '.join(rows[0])}.")
    email = _pick(columns, EMAIL_HEADERS, taken)

    entries: list[Entry] = []
    seen: dict[str, int] = {}
    seen_lms: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(index: int | None, row=row) -> str:
            return row[index].strip() if index is not None and index < len(row) else ""

        student_id = cell(sid)
        label = cell(name) if name is not None else f"{cell(first)} {cell(last)}".strip()
        if name is not None and "points possible" in label.lower() and not student_id:
            continue  # the second row of a Canvas gradebook export
        where = f"{path.name}, row {line}" + (f" ({label})" if label else "")
        if not student_id:
            raise RosterError(f"{where}: the student id ('{rows[0][sid].strip()}') is empty; fill it in or delete "
                              "the row.")
        if not STUDENT_ID.fullmatch(student_id):
            raise RosterError(f"{where}: '{student_id}' is not a usable student id (letters, digits and . _ @ + -, "
                              "starting with a letter or digit, at most 100 characters).")
        key = student_id.lower()
        if key in seen:
            raise RosterError(f"{where}: the student id '{student_id}' is already on row {seen[key]}; each student "
                              "needs their own id.")
        seen[key] = line
        if first is not None and last is not None:
            first_name, last_name = cell(first), cell(last)
        else:
            first_name, last_name = _split_name(cell(name))
        mail = cell(email) if email is not None else None
        if mail and "@" not in mail:
            raise RosterError(f"{where}: '{mail}' is not an email address.")
        lms_id = cell(lms) if lms is not None else None
        if lms_id:
            if lms_id in seen_lms:
                raise RosterError(f"{where}: the LMS user id '{lms_id}' is already on row {seen_lms[lms_id]}.")
            seen_lms[lms_id] = line
        entries.append(Entry(line, student_id, first_name, last_name, mail, lms_id))
    if not entries:
        raise RosterError(f"{path.name} has a header row but no students.")
    return entries


def import_roster(*, path: Path, course: Path, db_url: str | None = None, id_column: str | None = None,
                  stream=None) -> int:
    stream = stream or sys.stdout
    entries = read(path, id_column=id_column)          # everything is checked before the gradebook is opened
    url = records.url_for(course, db_url)
    gradebook.check_reachable(url)
    with gradebook.exclusive(url), records.open_gradebook(url, create=True) as gb:   # one writer at a time
        before = {s.id for s in records.students(gb)}
        for entry in entries:
            fields: dict[str, str | None] = {"first_name": entry.first_name, "last_name": entry.last_name}
            if entry.email is not None:
                fields["email"] = entry.email or None
            if entry.lms_user_id is not None:
                fields["lms_user_id"] = entry.lms_user_id or None
            gb.update_or_create_student(entry.id, **fields)
        after = records.students(gb)
    added = sum(1 for e in entries if e.id not in before)
    print(f"Imported {len(entries)} student(s) from {Path(path).name}: {added} added, {len(entries) - added} updated "
          f"({len(after)} in the gradebook).", file=stream)
    return 0


def list_roster(*, course: Path, db_url: str | None = None, stream=None) -> int:
    stream = stream or sys.stdout
    everyone = records.read_students(records.url_for(course, db_url))
    if not everyone:
        print("No students in the gradebook yet: tpm-grade roster import ROSTER.csv adds them.", file=stream)
        return 0
    table = [("id", "first_name", "last_name", "email", "lms_user_id")]
    table += [(s.id, s.first_name, s.last_name, s.email, s.lms_user_id) for s in everyone]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip(), file=stream)
    return 0
