"""Finding submissions (`autograder.submissions`): folder, file and zip input are hostile.

Nothing below a path given on the command line is followed through a symbolic link, nothing in a zip
is unpacked outside its folder or over another file, every student the input names gets a row (a
notebook, or the reason there is none), and a student id is never '.', '..' or holds '/'. No kernels:
these test `discover` and `read_submission` directly."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder import submissions
from autograder.submissions import STUDENT_ID, SubmissionError, discover, read_submission
from tests.support.submissions import AID, MARKER, rows_by_student, write_zip

# --- folders -----------------------------------------------------------------------------------------------------


def test_symlinks_in_a_cohort_folder_are_ungradable_and_never_read(tmp_path, answer_key):
    cohort = tmp_path / "cohort"
    (cohort / "ana").mkdir(parents=True)
    (cohort / "ana" / f"{AID}.ipynb").write_text("{}")
    (cohort / "mallory").mkdir()
    (cohort / "mallory" / f"{AID}.ipynb").symlink_to(answer_key)                  # a linked notebook
    (cohort / "nina").mkdir()
    (cohort / "nina" / AID).symlink_to(answer_key.parent, target_is_directory=True)  # a linked ASSIGNMENT folder
    (cohort / "oscar").symlink_to(answer_key.parent, target_is_directory=True)     # a linked student folder
    (cohort / "pat.ipynb").symlink_to(answer_key)                                 # a linked loose notebook
    (cohort / "quinn").mkdir()
    (cohort / "quinn" / "work.ipynb").symlink_to(answer_key)                      # the only notebook, linked
    # Not vacuous: followed, each of these reads the answer key.
    for path in (cohort / "mallory" / f"{AID}.ipynb", cohort / "nina" / AID / f"{AID}.ipynb",
                 cohort / "oscar" / f"{AID}.ipynb", cohort / "pat.ipynb", cohort / "quinn" / "work.ipynb"):
        assert path.is_file() and path.read_bytes() == MARKER
    rows = rows_by_student(discover([cohort], AID, tmp_path / "unpacked"))
    assert rows == {
        "ana": (cohort / "ana" / f"{AID}.ipynb", ""),
        "mallory": (None, f"mallory/{AID}.ipynb is a symbolic link; submit the notebook file itself"),
        "nina": (None, f"nina/{AID} is a symbolic link; submit the notebook file itself"),
        "oscar": (None, "oscar is a symbolic link; submit the notebook file itself"),
        "pat": (None, "pat.ipynb is a symbolic link; submit the notebook file itself"),
        "quinn": (None, "quinn/work.ipynb is a symbolic link; submit the notebook file itself"),
    }


def test_a_link_beside_the_real_notebook_is_never_chosen(tmp_path, answer_key):
    cohort = tmp_path / "cohort"
    (cohort / "ana").mkdir(parents=True)
    (cohort / "ana" / f"{AID}.ipynb").write_text("{}")
    (cohort / "ana" / "extra.ipynb").symlink_to(answer_key)
    (cohort / "bo").mkdir()
    (cohort / "bo" / "draft.ipynb").write_text("{}")
    (cohort / "bo" / f"{AID}.ipynb").symlink_to(answer_key)    # the one that would be chosen is a link
    rows = rows_by_student(discover([cohort], AID, tmp_path / "unpacked"))
    assert rows["ana"] == (cohort / "ana" / f"{AID}.ipynb", "")
    assert rows["bo"] == (None, f"bo/{AID}.ipynb is a symbolic link; submit the notebook file itself")


def test_the_path_the_instructor_typed_may_be_a_link(tmp_path):
    (tmp_path / "real" / "ana").mkdir(parents=True)
    (tmp_path / "real" / "ana" / f"{AID}.ipynb").write_text("{}")
    (tmp_path / "cohort").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "bo.ipynb").symlink_to(tmp_path / "real" / "ana" / f"{AID}.ipynb")
    rows = rows_by_student(discover([tmp_path / "cohort", tmp_path / "bo.ipynb"], AID, tmp_path / "unpacked"))
    assert rows == {"ana": (tmp_path / "cohort" / "ana" / f"{AID}.ipynb", ""), "bo": (tmp_path / "bo.ipynb", "")}


def test_student_ids_are_never_dot_dot_or_a_path(tmp_path):
    assert not any(STUDENT_ID.fullmatch(bad) for bad in (".", "..", "", "a/b", "../ana", "-x", "_x", "a b"))
    cohort = tmp_path / "cohort"
    for name in ("a b", "-x", "évé", "x" * 101, "bell\x07\x1b[2J"):
        (cohort / name).mkdir(parents=True)
    (tmp_path / "..ipynb").write_text("{}")   # its stem is '.'
    found = discover([cohort, tmp_path / "..ipynb"], AID, tmp_path / "unpacked")
    assert len(found) == 6 and all(s.path is None for s in found)
    for sub in found:
        assert sub.student not in (".", "..") and "/" not in sub.student and sub.student.isprintable()
        assert not STUDENT_ID.fullmatch(sub.student), "a row for a bad name can never pass for a real student"


def test_a_student_named_three_times_gets_three_rows(tmp_path):
    for folder in ("one", "two", "three"):
        (tmp_path / folder / "ana").mkdir(parents=True)
        (tmp_path / folder / "ana" / f"{AID}.ipynb").write_text("{}")
    folders = [tmp_path / "one", tmp_path / "two", tmp_path / "three"]
    rows = rows_by_student(discover(folders, AID, tmp_path / "unpacked"))
    assert rows["ana"][0] == tmp_path / "one" / "ana" / f"{AID}.ipynb"
    assert rows["ana~duplicate"] == rows["ana~duplicate2"] == (None, "the same student id appears twice")


def test_a_problem_naming_a_file_stays_on_one_line(tmp_path, answer_key):
    (tmp_path / "cohort").mkdir()
    (tmp_path / "cohort" / "eve\n\x1b[31mfake.ipynb").symlink_to(answer_key)
    [row] = discover([tmp_path / "cohort"], AID, tmp_path / "unpacked")
    assert row.path is None and "symbolic link" in row.problem
    assert row.problem.isprintable() and row.student.isprintable()


# --- read_submission ---------------------------------------------------------------------------------------------

def test_read_submission_reads_a_regular_file(tmp_path):
    (tmp_path / "ana.ipynb").write_bytes(b"{}")
    assert read_submission(tmp_path / "ana.ipynb") == b"{}"
    assert read_submission(tmp_path / "ana.ipynb", limit=2) == b"{}"


def test_read_submission_refuses_a_link_and_never_reads_its_target(tmp_path, answer_key):
    link = tmp_path / "mallory.ipynb"
    link.symlink_to(answer_key)
    assert link.read_bytes() == MARKER   # not vacuous: read_bytes follows the link
    with pytest.raises(SubmissionError, match=r"^mallory.ipynb is a symbolic link; submit the notebook file itself\.$"):
        read_submission(link)


def test_read_submission_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "fifo.ipynb")    # opening a FIFO to read would wait for a writer for ever
    (tmp_path / "folder.ipynb").mkdir()
    for name in ("fifo.ipynb", "folder.ipynb"):
        with pytest.raises(SubmissionError, match=rf"^{name} is not a regular file"):
            read_submission(tmp_path / name)
    with pytest.raises(SubmissionError, match=r"^missing.ipynb cannot be read \(No such file or directory\)\.$"):
        read_submission(tmp_path / "missing.ipynb")


def test_read_submission_reads_no_more_than_its_cap(tmp_path):
    (tmp_path / "big.ipynb").write_bytes(b"x" * 11)
    with pytest.raises(SubmissionError, match=r"^big.ipynb is larger than .* MB, too large to be a notebook\.$"):
        read_submission(tmp_path / "big.ipynb", limit=10)


# --- zips --------------------------------------------------------------------------------------------------------

def test_a_file_and_a_folder_of_one_name_make_one_ungradable_row(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {"alice": "x", f"alice/{AID}.ipynb": "{}", f"bo/{AID}.ipynb": "{}"})
    # Not vacuous: unpacking it naively fails (this is what crashed collect and grade).
    with zipfile.ZipFile(archive) as zf, pytest.raises(FileExistsError):
        for member in zf.infolist():
            target = tmp_path / "naive" / member.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(member))
    rows = rows_by_student(discover([archive], AID, tmp_path / "unpacked"))
    assert rows == {"alice": (None, "the zip holds both a file and a folder named alice"),
                    "bo": (tmp_path / "unpacked" / "zip0" / "bo" / f"{AID}.ipynb", "")}


def test_zip_member_problems_are_rows_for_their_students(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {
        f"ana/{AID}.ipynb": "{}",
        "../evil.ipynb": "{}",                     # outside the unpack folder
        f"/abs/{AID}.ipynb": "{}",                 # absolute
        f"bo/../../cy/{AID}.ipynb": "{}",          # climbs out through a student folder
        "ed/": "",                                 # an empty student folder: still a row
        "__MACOSX/ana/._07-slos.ipynb": "junk",    # clutter: no row
    }, links={f"mallory/{AID}.ipynb": "/etc/passwd", "oscar": "../../solutions"})
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(f"ana/{AID}.ipynb", "{}")     # the same path twice: which one is hers?
    rows = rows_by_student(discover([archive], AID, tmp_path / "unpacked"))
    assert rows == {
        "ana": (None, f"the zip holds ana/{AID}.ipynb more than once"),
        "evil": (None, "the zip holds an unsafe path (../evil.ipynb)"),
        "abs": (None, f"the zip holds an unsafe path (/abs/{AID}.ipynb)"),
        "bo": (None, f"the zip holds an unsafe path (bo/../../cy/{AID}.ipynb)"),
        "ed": (None, "no notebook in ed/"),
        "mallory": (None, f"mallory/{AID}.ipynb is a symbolic link; submit the notebook file itself"),
        "oscar": (None, "oscar is a symbolic link; submit the notebook file itself"),
    }
    unpacked = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "unpacked" not in p.parts)
    assert unpacked == [Path("c.zip")], "nothing was written outside the unpack folder"
    assert not any(p.is_symlink() for p in (tmp_path / "unpacked").rglob("*"))


def test_a_zip_of_submitted_keeps_its_top_folder_and_reports_links_in_it(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {f"submitted/bo/{AID}/{AID}.ipynb": "{}", "submitted/.DS_Store": "x"},
                   links={"submitted/mallory": "/"})
    rows = rows_by_student(discover([archive], AID, tmp_path / "unpacked"))
    assert rows == {"bo": (tmp_path / "unpacked" / "zip0" / "submitted" / "bo" / AID / f"{AID}.ipynb", ""),
                    "mallory": (None, "mallory is a symbolic link; submit the notebook file itself")}


def test_an_unreadable_member_is_a_row_not_a_traceback(tmp_path):
    archive = write_zip(tmp_path / "c.zip", {f"ana/{AID}.ipynb": "{}", f"bo/{AID}.ipynb": '{"ok": "BROKEN-HERE"}'})
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"BROKEN-HERE", b"broken-here"))   # stored, so the CRC no longer matches
    rows = rows_by_student(discover([archive], AID, tmp_path / "unpacked"))
    assert rows["ana"][0] is not None
    assert rows["bo"][0] is None and rows["bo"][1].startswith(f"bo/{AID}.ipynb cannot be unpacked (Bad CRC-32")
    assert not (tmp_path / "unpacked" / "zip0" / "bo").exists(), "what was unpacked of bo is taken back"


def test_zip_bomb_limits_and_bad_zips_are_one_line_errors(tmp_path, monkeypatch):
    archive = write_zip(tmp_path / "c.zip", {f"s{i}/{AID}.ipynb": "{}" for i in range(4)})
    monkeypatch.setattr(submissions, "ZIP_MAX_FILES", 3)
    with pytest.raises(SubmissionError, match=r"^c.zip is too large to unpack \(4 files\)\.$"):
        discover([archive], AID, tmp_path / "unpacked")
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(SubmissionError, match=r"^junk.zip is not a readable zip file\.$"):
        discover([tmp_path / "junk.zip"], AID, tmp_path / "unpacked")
