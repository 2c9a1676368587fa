"""`tpm-grade roster`: a class list goes into nbgrader's gradebook whole or not at all.

Common header spellings (a Canvas gradebook export, a Moodle participants list) are read; a missing
column, a duplicate, empty or unusable id stops the import with one line naming the column or row,
and the gradebook is left exactly as it was."""

from __future__ import annotations

import pytest

from autograder import cli, records, roster
from tests.support import grading
from tests.support.instructor import ROSTER, copy, refused, rostered_course, snapshot, write_roster


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return rostered_course(tmp_path_factory.mktemp("roster"))


@pytest.fixture
def course(template, tmp_path):
    """A course whose gradebook holds ROSTER."""
    return copy(template, tmp_path / "course")


@pytest.fixture
def empty_course(tmp_path):
    return grading.make_course(tmp_path / "empty", ["07-slos"])


def _students(course) -> dict[str, records.Student]:
    return {s.id: s for s in records.read_students(records.url_for(course, None))}


def test_import_adds_then_updates_and_never_removes(course, tmp_path, capsys):
    first = _students(course)
    assert cli.main(["roster", "import", str(write_roster(tmp_path)), "--course", str(course)]) == 0
    assert "0 added, 4 updated" in capsys.readouterr().out
    assert _students(course) == first
    assert first["ana"] == records.Student("ana", "Ada", "Lovelace", "ana@example.edu", "1001")
    text = "id,first_name,last_name,email\nana,Ada,King,ada@example.edu\neve,Eve,Ng,e@x.org\n"
    changed = write_roster(tmp_path, text, "second.csv")
    assert cli.main(["roster", "import", str(changed), "--course", str(course)]) == 0
    assert "1 added, 1 updated (5 in the gradebook)" in capsys.readouterr().out
    after = _students(course)
    assert after["ana"] == records.Student("ana", "Ada", "King", "ada@example.edu", "1001")  # LMS id kept
    assert set(after) == set(first) | {"eve"}


def test_canvas_gradebook_export_is_a_roster(tmp_path):
    path = write_roster(tmp_path, "Student,ID,SIS User ID,SIS Login ID,Section,07-slos (123)\n"
                                  "    Points Possible,,,,,15\n"
                                  '"Lovelace, Ada",1001,s-100,ada,Section 1,\n'
                                  '"Hopper, Grace Brewster",1003,s-300,grace,Section 1,12\n')
    entries = roster.read(path)
    assert [(e.id, e.first_name, e.last_name, e.lms_user_id, e.email) for e in entries] == [
        ("s-100", "Ada", "Lovelace", "1001", None), ("s-300", "Grace Brewster", "Hopper", "1003", None)]


def test_header_spellings(tmp_path):
    path = write_roster(tmp_path, "\ufeffSIS_User_ID;Given Name;Surname;E-mail address\nx1;Ada;Lovelace;a@x.org\n")
    assert roster.read(path)[0] == roster.Entry(2, "x1", "Ada", "Lovelace", "a@x.org", None)
    moodle = write_roster(tmp_path, "First name,Last name,ID number,Email address\nAda,Lovelace,77,a@x.org\n", "m.csv")
    assert roster.read(moodle)[0].id == "77"
    chosen = write_roster(tmp_path, "ID,Name\n1001,Ada Lovelace\n", "c.csv")
    assert roster.read(chosen)[0] == roster.Entry(2, "1001", "Ada", "Lovelace", None, None)


@pytest.mark.parametrize(("text", "phrase"), [
    (ROSTER + "ana,Another,Ana,o@example.edu,1005\n", "row 6 (Another Ana): the student id 'ana' is already on row 2"),
    (ROSTER + "ANA,Upper,Case,u@example.edu,1006\n", "row 6 (Upper Case): the student id 'ANA' is already on row 2"),
    (ROSTER + ",No,Id,n@example.edu,1007\n", "row 6 (No Id): the student id ('Student ID') is empty"),
    (ROSTER + "bad id!,Bad,Id,b@example.edu,1008\n", "row 6 (Bad Id): 'bad id!' is not a usable student id"),
    (ROSTER + "eve,Eve,Ng,e@example.edu,1001\n", "row 6 (Eve Ng): the LMS user id '1001' is already on row 2"),
    (ROSTER + "eve,Eve,Ng,not-an-email,\n", "row 6 (Eve Ng): 'not-an-email' is not an email address"),
    ("first_name,last_name,email\nAda,Lovelace,a@x.org\n", "has no student id column"),
    ("id,first_name,email\nana,Ada,a@x.org\n", "has no last_name column"),
    ("id,first_name,last_name\n", "has a header row but no students"),
    ("", "is empty"),
])
def test_bad_roster_is_refused_in_one_line_and_changes_nothing(text, phrase, course, tmp_path, capsys):
    before, listed = snapshot(course), _students(course)
    capsys.readouterr()
    err = refused(["roster", "import", str(write_roster(tmp_path, text, "bad.csv")), "--course", str(course)], capsys)
    assert phrase in err
    assert snapshot(course) == before and _students(course) == listed


def test_refused_first_import_leaves_no_gradebook(empty_course, tmp_path, capsys):
    bad = write_roster(tmp_path, ROSTER + "ana,A,B,c@d.org,9\n")
    refused(["roster", "import", str(bad), "--course", str(empty_course)], capsys)
    refused(["roster", "import", str(tmp_path / "missing.csv"), "--course", str(empty_course)], capsys)
    assert not (empty_course / "gradebook.db").exists()


def test_list_without_a_gradebook_says_so(empty_course, capsys):
    assert cli.main(["roster", "list", "--course", str(empty_course)]) == 0
    assert "No students in the gradebook yet" in capsys.readouterr().out
    assert not (empty_course / "gradebook.db").exists()


def test_the_gradebook_url_comes_from_the_environment_unless_db_url_is_given(course, tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere" / "gradebook.db"
    elsewhere.parent.mkdir()
    (course / "gradebook.db").rename(elsewhere)
    monkeypatch.setenv("TPM_GRADE_DB_URL", f"sqlite:///{elsewhere}")
    assert cli.main(["roster", "list", "--course", str(course)]) == 0
    assert "Lovelace" in capsys.readouterr().out
    assert not (course / "gradebook.db").exists()
    here = f"sqlite:///{course / 'gradebook.db'}"
    assert cli.main(["roster", "list", "--course", str(course), "--db-url", here]) == 0
    assert "No students in the gradebook yet" in capsys.readouterr().out, "--db-url wins over the environment"
