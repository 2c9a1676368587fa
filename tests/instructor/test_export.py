"""`tpm-grade export`: the three layouts, empty cells for missing submissions, pending hand grades
flagged, and refusals that write nothing. (The walkthrough test checks the numbers of real grades.)"""

from __future__ import annotations

import pytest

from autograder import export, records
from tests.support import grading
from tests.support.instructor import AID, copy, refused, rostered_course, snapshot

STUDENTS = [records.Student("ana", "Ada", "Lovelace", "ana@x.org", "1001"), records.Student("zed")]
MAXIMA = {AID: 15.0, "05-metrics": 18.0}
CELLS = {("ana", AID): export.Cell(14.5), ("ana", "05-metrics"): export.Cell(12.0, pending=True),
         ("zed", AID): export.Cell(0.0)}


def test_csv_layout():
    rows = export.table("csv", [AID, "05-metrics"], STUDENTS, MAXIMA, CELLS)
    assert rows == [
        ["student_id", "first_name", "last_name", "email", "assignment", "score", "max_score", "hand_grading"],
        ["ana", "Ada", "Lovelace", "ana@x.org", AID, "14.5", "15", "done"],
        ["ana", "Ada", "Lovelace", "ana@x.org", "05-metrics", "12", "18", "pending"],
        ["zed", "", "", "", AID, "0", "15", "done"],
        ["zed", "", "", "", "05-metrics", "", "18", ""]]


def test_canvas_layout():
    # Canvas reads "Title (123)" as the assignment with id 123, so points go in the Points Possible row instead.
    rows = export.table("canvas", [AID, "05-metrics"], STUDENTS, MAXIMA, CELLS)
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", AID, "05-metrics"],
                    ["Points Possible", "", "", "", "", "15", "18"],
                    ["Lovelace, Ada", "1001", "ana", "", "", "14.5", "12"],
                    ["zed", "", "zed", "", "", "0", ""]]


def test_moodle_layout():
    rows = export.table("moodle", [AID], STUDENTS, MAXIMA, CELLS)
    assert rows == [["First name", "Last name", "ID number", "Email address", f"Assignment: {AID} (Real)"],
                    ["Ada", "Lovelace", "ana", "ana@x.org", "14.5"], ["", "", "zed", "", "0"]]


def test_numbers_keep_two_decimals_at_most():
    assert [export.number(v) for v in (None, 0.0, 12.0, 14.5, 2 / 3, 1234567.0)] == ["", "0", "12", "14.5", "0.67",
                                                                                     "1234567"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return rostered_course(tmp_path_factory.mktemp("export"))


@pytest.mark.parametrize(("extra", "phrase"), [
    (["-a", "99-nothing"], "the gradebook has no assignment '99-nothing' (it has: none yet)"),
    (["-a", AID], "the gradebook has no assignment '07-slos'"),
])
def test_unknown_assignment_is_refused_and_nothing_written(extra, phrase, template, tmp_path, capsys):
    course = copy(template, tmp_path / "course")
    before = snapshot(course)
    output = tmp_path / "grades.csv"
    err = refused(["export", *extra, "--format", "canvas", "--output", str(output), "--course", str(course)], capsys)
    assert phrase in err and not output.exists() and snapshot(course) == before


def test_no_gradebook_and_folder_output_are_refused(tmp_path, capsys):
    course = grading.make_course(tmp_path / "course", [AID])
    err = refused(["export", "-a", AID, "--output", str(tmp_path / "g.csv"), "--course", str(course)], capsys)
    assert "there is no gradebook at" in err and not (course / "gradebook.db").exists()
    err = refused(["export", "-a", AID, "--output", str(tmp_path), "--course", str(course)], capsys)
    assert "is a folder" in err
