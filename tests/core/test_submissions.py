"""autograder.submissions: the layouts an instructor hands the grader, and hostile names, links, sizes and bytes.

tests/grading/test_submissions.py covers links in a cohort folder, bad student ids, duplicates, reading one file, and
zip members that climb out, repeat, or are links. This file covers what it does not: nbgrader's nested
layout, choosing among several notebooks, missing notebooks, assignments of several notebooks, hidden
clutter (checkpoints), the learner's other files, sizes at and past the caps (sparse files, so nothing big
is written), names and contents that are not UTF-8, Windows-style zip paths, and a link swapped in after
discovery. It shares that file's fixture and zip helper (tests/support/submissions.py)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder import submissions
from autograder.submissions import STUDENT_ID, Submission, SubmissionError, discover, learner_files, read_submission
from tests.support.submissions import AID, MARKER, rows_by_student, write_zip

NB = f"{AID}.ipynb"


def put(path: Path, data: bytes | str = b"{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file that says it is `size` bytes long without taking the disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


# --- layouts --------------------------------------------------------------------------------------------------------

def test_nbgraders_nested_layout_and_the_flat_one_in_one_cohort(tmp_path):
    cohort = tmp_path / "submitted"
    nested = put(cohort / "ana" / AID / NB)
    flat = put(cohort / "bo" / NB)
    loose = put(cohort / "cy.ipynb")
    found = discover([cohort], AID, tmp_path / "unpacked")
    assert found == [Submission("ana", nested, folder=nested.parent), Submission("bo", flat, folder=flat.parent),
                     Submission("cy", loose)]


def test_the_nested_assignment_folder_wins_over_notebooks_beside_it(tmp_path):
    cohort = tmp_path / "submitted"
    put(cohort / "ana" / NB, b"old")
    nested = put(cohort / "ana" / AID / NB, b"new")
    assert rows_by_student(discover([cohort], AID, tmp_path / "u")) == {"ana": (nested, "")}


def test_a_lone_notebook_of_any_name_is_the_students(tmp_path):
    path = put(tmp_path / "c" / "ana" / "Untitled (1).ipynb")
    assert rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u")) == {"ana": (path, "")}


def test_among_several_notebooks_the_one_named_after_the_assignment_is_chosen(tmp_path):
    put(tmp_path / "c" / "ana" / "draft.ipynb")
    chosen = put(tmp_path / "c" / "ana" / NB)
    put(tmp_path / "c" / "ana" / "zz.ipynb")
    assert rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u")) == {"ana": (chosen, "")}


def test_several_notebooks_none_named_after_the_assignment_is_a_reason_not_a_guess(tmp_path):
    put(tmp_path / "c" / "ana" / "a.ipynb")
    put(tmp_path / "c" / "ana" / "b.ipynb")
    rows = rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u"))
    assert rows == {"ana": (None, f"2 notebooks in ana/ and none is named {NB}")}


@pytest.mark.parametrize("layout", ["empty", "only-other-files", "nested-empty", "too-deep"])
def test_a_student_without_a_notebook_still_has_a_row(tmp_path, layout):
    student = tmp_path / "c" / "ana"
    student.mkdir(parents=True)
    where = "ana"
    if layout == "only-other-files":
        put(student / "notes.txt", "x")
        put(student / "07-slos.ipynb.bak", "x")
    elif layout == "nested-empty":
        (student / AID).mkdir()
        where = AID
    elif layout == "too-deep":   # only the student folder and its assignment folder are looked in
        put(student / "work" / "more" / NB)
    rows = rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u"))
    assert rows == {"ana": (None, f"no notebook in {where}/")}


def test_checkpoints_and_hidden_files_are_never_a_submission(tmp_path):
    student = tmp_path / "c" / "ana"
    put(student / ".ipynb_checkpoints" / f"{AID}-checkpoint.ipynb", MARKER)
    put(student / f".{NB}", MARKER)
    put(tmp_path / "c" / ".hidden" / NB, MARKER)
    put(tmp_path / "c" / "__MACOSX" / NB, MARKER)
    put(tmp_path / "c" / ".bo.ipynb", MARKER)
    rows = rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u"))
    assert rows == {"ana": (None, "no notebook in ana/")}
    real = put(student / "mine.ipynb")
    assert rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u")) == {"ana": (real, "")}


def test_an_empty_cohort_has_no_rows_and_a_missing_path_is_one_sentence(tmp_path):
    (tmp_path / "c").mkdir()
    assert discover([tmp_path / "c"], AID, tmp_path / "u") == []
    with pytest.raises(SubmissionError, match=r"^\S+/nowhere does not exist\.$"):
        discover([tmp_path / "nowhere"], AID, tmp_path / "u")


def test_an_unreadable_student_folder_is_a_row(tmp_path, monkeypatch):
    put(tmp_path / "c" / "ana" / NB)
    put(tmp_path / "c" / "bo" / NB)
    listing = submissions._listing

    def refusing(folder):
        if Path(folder).name == "bo":
            raise PermissionError(13, "Permission denied")
        return listing(folder)

    monkeypatch.setattr(submissions, "_listing", refusing)
    rows = rows_by_student(discover([tmp_path / "c"], AID, tmp_path / "u"))
    assert rows["bo"] == (None, "bo/ cannot be read (Permission denied)") and rows["ana"][0] is not None


# --- assignments of several notebooks ---------------------------------------------------------------------------

NAMES = ["part1.ipynb", "part2.ipynb"]


def test_each_notebook_of_a_several_notebook_assignment_gets_its_own_row(tmp_path, answer_key):
    cohort = tmp_path / "c"
    one = put(cohort / "ana" / AID / "part1.ipynb")
    two = put(cohort / "ana" / AID / "part2.ipynb")
    put(cohort / "bo" / AID / "part1.ipynb")
    (cohort / "cy" / AID).mkdir(parents=True)
    (cohort / "cy" / AID / "part1.ipynb").symlink_to(answer_key)
    put(cohort / "cy" / AID / "part2.ipynb")
    found = {(s.student, s.notebook): s for s in discover([cohort], AID, tmp_path / "u", NAMES)}
    assert found[("ana", "part1.ipynb")].path == one and found[("ana", "part2.ipynb")].path == two
    assert found[("bo", "part2.ipynb")] == Submission("bo", None, notebook="part2.ipynb", missing=True,
                                                      folder=cohort / "bo" / AID)
    assert found[("cy", "part1.ipynb")] == Submission(
        "cy", None, f"cy/{AID}/part1.ipynb is a symbolic link; submit the notebook file itself", notebook="part1.ipynb")
    assert not found[("bo", "part1.ipynb")].missing and len(found) == 6


def test_a_loose_notebook_cannot_stand_for_a_several_notebook_assignment(tmp_path):
    put(tmp_path / "ana.ipynb")
    [row] = discover([tmp_path / "ana.ipynb"], AID, tmp_path / "u", NAMES)
    assert row.path is None and row.problem.startswith("ana.ipynb alone cannot say which of part1.ipynb, part2.ipynb")


def test_a_student_named_twice_in_a_several_notebook_assignment_keeps_one_row_per_notebook(tmp_path):
    for folder in ("one", "two"):
        for name in NAMES:
            put(tmp_path / folder / "ana" / name)
    found = discover([tmp_path / "one", tmp_path / "two"], AID, tmp_path / "u", NAMES)
    assert sorted((s.student, s.notebook, s.path is None) for s in found) == [
        ("ana", "part1.ipynb", False), ("ana", "part2.ipynb", False),
        ("ana~duplicate", "part1.ipynb", True), ("ana~duplicate", "part2.ipynb", True)]


# --- names that are not UTF-8, or not printable ------------------------------------------------------------------

def test_folder_and_file_names_that_are_not_utf8_are_ungradable_printable_rows(tmp_path):
    cohort = tmp_path / "c"
    cohort.mkdir()
    os.mkdir(os.path.join(os.fsencode(cohort), b"caf\xe9"))
    with open(os.path.join(os.fsencode(cohort), b"\xff\xfe.ipynb"), "wb") as handle:
        handle.write(b"{}")
    found = discover([cohort], AID, tmp_path / "u")
    assert len(found) == 2 and all(s.path is None for s in found)
    for row in found:
        assert row.student.isprintable() and row.problem.isprintable()
        assert not STUDENT_ID.fullmatch(row.student)
        row.student.encode("utf-8")   # a surrogate escape would raise here (and in the JSON report)


def test_a_notebook_whose_name_is_not_utf8_is_still_found_in_a_good_folder(tmp_path):
    student = tmp_path / "c" / "ana"
    student.mkdir(parents=True)
    raw = os.path.join(os.fsencode(student), b"\xe9t\xe9.ipynb")
    with open(raw, "wb") as handle:
        handle.write(b"{}")
    [row] = discover([tmp_path / "c"], AID, tmp_path / "u")
    assert row.student == "ana" and row.path is not None and read_submission(row.path) == b"{}"


@pytest.mark.parametrize("name, shown", [
    ("eve\u202egnp.ipynb", "eve?gnp.ipynb"),     # a right-to-left override would fake the name in a report
    ("a\tb", "a?b"),
    ("x\u200fy", "x?y"),
])
def test_printable_hides_control_and_direction_characters(name, shown):
    assert submissions.printable(name) == shown


def test_a_label_for_a_bad_name_can_never_be_a_real_student_id():
    for name in ("a b", "évé", "-x", "..", "...", "a/b", "x" * 150):
        label = submissions._label(name)
        assert label and not STUDENT_ID.fullmatch(label) and label.strip(".") and "/" not in label


# --- reading a submission: sizes and bytes -------------------------------------------------------------------------

def test_a_file_exactly_at_the_cap_is_read_and_one_byte_more_is_refused(tmp_path):
    assert read_submission(put(tmp_path / "ana.ipynb", b"x" * 1000), limit=1000) == b"x" * 1000
    with pytest.raises(SubmissionError, match=r"^bo.ipynb is larger than"):
        read_submission(put(tmp_path / "bo.ipynb", b"x" * 1001), limit=1000)


def test_a_huge_file_is_refused_without_being_read_whole(tmp_path, monkeypatch):
    huge = sparse(tmp_path / "huge.ipynb", 100 * 1024**2)   # sparse: no disk taken
    asked = []
    original = os.fdopen

    def watching(fd, *args, **kwargs):
        handle = original(fd, *args, **kwargs)
        read = handle.read
        handle.read = lambda n=-1: asked.append(n) or read(n)
        return handle

    monkeypatch.setattr(submissions.os, "fdopen", watching)
    with pytest.raises(SubmissionError, match=r"^huge.ipynb is larger than 20 MB, too large to be a notebook\.$"):
        read_submission(huge)
    assert asked == [submissions.NOTEBOOK_MAX_BYTES + 1]


def test_bytes_that_are_not_utf8_come_back_exactly_as_they_are(tmp_path):
    data = b'{"cells": []}\xff\xfe\x00\x80' + "é".encode("latin-1")
    assert read_submission(put(tmp_path / "ana.ipynb", data)) == data


def test_a_notebook_swapped_for_a_link_after_discovery_is_refused(tmp_path, answer_key):
    path = put(tmp_path / "c" / "ana" / NB)
    [row] = discover([tmp_path / "c"], AID, tmp_path / "u")
    path.unlink()
    path.symlink_to(answer_key)
    assert path.read_bytes() == MARKER   # not vacuous: followed, it reads the answer key
    with pytest.raises(SubmissionError, match="is a symbolic link"):
        read_submission(row.path)


def test_a_device_is_refused_without_being_read(tmp_path):
    with pytest.raises(SubmissionError, match=r"^zero is not a regular file"):
        read_submission(Path("/dev/zero"))


# --- the learner's other files beside the notebook ----------------------------------------------------------------

def test_learner_files_are_the_plain_visible_files_of_that_one_folder(tmp_path, answer_key):
    folder = tmp_path / "ana"
    put(folder / NB)
    put(folder / "data.csv", b"a,b\n1,2\n")
    put(folder / "raw.bin", b"\xff\x00\xfe")
    put(folder / ".secret", b"hidden")
    put(folder / "sub" / "deep.txt", b"deep")
    (folder / "link.csv").symlink_to(answer_key)
    os.mkfifo(folder / "fifo")
    assert learner_files(folder) == {"data.csv": b"a,b\n1,2\n", "raw.bin": b"\xff\x00\xfe"}
    assert learner_files(None) == {}


def test_learner_files_stop_at_their_caps(tmp_path, monkeypatch):
    folder = tmp_path / "ana"
    for i in range(5):
        put(folder / f"f{i}.txt", b"x" * 10)
    monkeypatch.setattr(submissions, "LEARNER_FILES_MAX", 3)
    assert sorted(learner_files(folder)) == ["f0.txt", "f1.txt", "f2.txt"]
    monkeypatch.setattr(submissions, "LEARNER_FILES_MAX", 100)
    monkeypatch.setattr(submissions, "LEARNER_FILES_MAX_BYTES", 25)
    kept = learner_files(folder)
    assert sorted(kept) == ["f0.txt", "f1.txt"] and sum(map(len, kept.values())) <= 25


def test_a_huge_learner_file_is_left_out_and_the_others_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "LEARNER_FILES_MAX_BYTES", 1024**2)
    folder = tmp_path / "ana"
    sparse(folder / "a-huge.bin", 10 * 1024**3)   # sparse: no disk taken
    put(folder / "b.txt", b"ok")
    assert learner_files(folder) == {"b.txt": b"ok"}


# --- zips ----------------------------------------------------------------------------------------------------------

def test_windows_style_paths_that_climb_out_are_unsafe(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {"..\\evil.ipynb": "{}", f"ana\\..\\..\\bo\\{NB}": "{}", f"cy\\{NB}": "{}"})
    rows = rows_by_student(discover([archive], AID, tmp_path / "unpacked"))
    assert rows["evil"] == (None, "the zip holds an unsafe path (..\\evil.ipynb)")
    assert rows["ana"][0] is None and "unsafe path" in rows["ana"][1]
    assert rows["cy"] == (tmp_path / "unpacked" / "zip0" / "cy" / NB, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.zip", "unpacked"]


def test_a_zip_of_a_submitted_folder_in_nbgraders_layout(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {f"submitted/ana/{AID}/{NB}": "{}", f"submitted/bo/{AID}/{NB}": "{}",
                                        f"submitted/bo/{AID}/data.csv": "1"})
    found = discover([archive], AID, tmp_path / "u")
    root = tmp_path / "u" / "zip0" / "submitted"
    assert [(s.student, s.path) for s in found] == [("ana", root / "ana" / AID / NB), ("bo", root / "bo" / AID / NB)]
    assert learner_files(found[1].folder) == {"data.csv": b"1"}


def test_a_zip_member_named_in_cp437_is_an_ungradable_row_not_a_crash(tmp_path):
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo(f"caf\x82/{NB}")    # no UTF-8 flag: read back as cp437 ('é')
        zf.writestr(info, "{}")
        zf.writestr(f"ana/{NB}", "{}")
    rows = rows_by_student(discover([archive], AID, tmp_path / "u"))
    assert rows["ana"][0] is not None
    [(student, (path, problem))] = [(k, v) for k, v in rows.items() if k != "ana"]
    assert path is None and problem == "the folder name is not a usable student id" and student.isprintable()


def test_two_zips_unpack_apart_and_never_over_each_other(tmp_path):
    first = write_zip(tmp_path / "a.zip", {f"ana/{NB}": "A"})
    second = write_zip(tmp_path / "b.zip", {f"bo/{NB}": "B"})
    found = discover([first, second], AID, tmp_path / "u")
    assert [read_submission(s.path) for s in found] == [b"A", b"B"]
    assert found[0].path.parent.parent != found[1].path.parent.parent


def test_a_zip_too_large_once_unpacked_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    archive = write_zip(tmp_path / "c.zip", {f"ana/{NB}": "x" * 1000})
    monkeypatch.setattr(submissions, "ZIP_MAX_BYTES", 999)
    with pytest.raises(SubmissionError, match=r"^c.zip is too large to unpack"):
        discover([archive], AID, tmp_path / "u")
    assert not (tmp_path / "u").exists()


def test_a_zip_of_one_student_in_nbgraders_layout_is_that_student(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {f"ana/{AID}/{NB}": "{}"})
    assert [s.student for s in discover([archive], AID, tmp_path / "u")] == ["ana"]
