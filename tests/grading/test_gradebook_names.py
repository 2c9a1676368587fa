"""A student that grading adds before any roster import: formgrader shows "ID, (not on the roster)"
rather than stock nbgrader's "None, None"; the kit's own pages and exports read it as no name, and a
roster import names them."""

from __future__ import annotations

from autograder import gradebook, records, roster


def test_grading_names_a_new_student_by_id_and_keeps_roster_names(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with records.open_gradebook(url, create=True) as gb:
        gb.update_or_create_student("ada", first_name="Ada", last_name="King")
        gradebook._add_student(gb, "ada")
        gradebook._add_student(gb, "s042")
        ada, s042 = gb.find_student("ada"), gb.find_student("s042")
        assert (ada.first_name, ada.last_name) == ("Ada", "King")
        assert (s042.first_name, s042.last_name) == (gradebook.NOT_ON_ROSTER, "s042")
        listed = {s.id: s for s in records.students(gb)}
    assert (listed["s042"].first_name, listed["s042"].last_name) == ("", "")
    assert not listed["s042"].on_roster and listed["ada"].on_roster

    csv = tmp_path / "roster.csv"
    csv.write_text("id,first_name,last_name,email\ns042,Sam,Ng,sam@example.edu\n")
    roster.import_roster(path=csv, course=tmp_path, db_url=url, stream=open("/dev/null", "w"))  # noqa: SIM115
    with records.open_gradebook(url) as gb:
        named = gb.find_student("s042")
        assert (named.first_name, named.last_name) == ("Sam", "Ng")
