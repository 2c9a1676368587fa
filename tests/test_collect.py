"""`tpm-grade collect`: LMS downloads land in submitted/STUDENT/ID/ID.ipynb, or nothing moves.

The file-name layouts are the ones Canvas and Moodle write (see docs/instructor.md for the sources).
A name no layout explains, two learners on one student id, a stranger under --roster-check, or a
changed notebook without --force stop the command in one line, with submitted/ and the gradebook
exactly as they were; --force keeps the replaced notebook."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from autograder import cli, collect
from tests import grading
from tests.instructor import AID, canvas_zip, copy, refused, rostered_course, snapshot


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return rostered_course(tmp_path_factory.mktemp("collect"))


@pytest.fixture
def course(template, tmp_path):
    return copy(template, tmp_path / "course")


def _target(course, student):
    return course / "submitted" / student / AID / f"{AID}.ipynb"


@pytest.mark.parametrize(("name", "layout", "key", "who", "own", "late"), [
    ("lovelaceada_1001_5001_07-slos.ipynb", "canvas", "1001", "lovelaceada", "07-slos.ipynb", False),
    ("hoppergrace_LATE_1003_5003_07-slos-1.ipynb", "canvas", "1003", "hoppergrace", "07-slos-1.ipynb", True),
    ("hoppergrace_late_1003_5003_07-slos.ipynb", "canvas", "1003", "hoppergrace", "07-slos.ipynb", True),
    ("o_brienpat_1009_5009_my_work_2.ipynb", "canvas", "1009", "o_brienpat", "my_work_2.ipynb", False),
    ("LATE_anon_x7Yq2_5010_07-slos.ipynb", "canvas", "anon_x7Yq2", "", "07-slos.ipynb", True),
    ("lovelaceada_1001_text.html", "canvas", "1001", "lovelaceada", "text.html", False),
    ("LATE_anon_x7Yq2_link.html", "canvas", "anon_x7Yq2", "", "link.html", True),
    ("Ada Lovelace_123456_assignsubmission_file_/07-slos.ipynb", "moodle", "123456", "Ada Lovelace",
     "07-slos.ipynb", False),
    ("Ada Lovelace_123456_assignsubmission_file_/work/07-slos.ipynb", "moodle", "123456", "Ada Lovelace",
     "work/07-slos.ipynb", False),
    ("Ada Lovelace_123456_assignsubmission_file_07-slos.ipynb", "moodle", "123456", "Ada Lovelace", "07-slos.ipynb",
     False),
    ("Participant_987654_assignsubmission_onlinetext_/onlinetext.html", "moodle", "987654", "Participant",
     "onlinetext.html", False),
    ("ana.ipynb", "plain", "ana", "", "ana.ipynb", False),
    ("ana_07-slos.ipynb", "plain", "ana", "", "ana_07-slos.ipynb", False),
])
def test_layouts_are_read_from_file_names(name, layout, key, who, own, late):
    found = collect.explain(PurePosixPath(name))
    assert (found.layout, found.key, found.name, found.file, found.late) == (layout, key, who, own, late)


@pytest.mark.parametrize("name", ["my notebook (1).ipynb", "notes.txt", "ana/07-slos.ipynb",
                                  "Ada Lovelace_123456_assignsubmission_file_/"])
def test_unknown_names_are_not_guessed(name):
    assert collect.explain(PurePosixPath(name)) is None


def test_canvas_download_maps_user_ids_through_the_roster(course, tmp_path, capsys):
    good, blank = grading.submission(AID), grading.blank(AID)
    download = canvas_zip(tmp_path / "submissions.zip", {
        "lovelaceada_1001_5001_07-slos.ipynb": good,
        "babbagecharles_LATE_1002_5002_07-slos-1.ipynb": blank,
        "babbagecharles_LATE_1002_5003_scratch.txt": "notes",
        "turingalan_2001_5004_07-slos.ipynb": blank,                 # not on the roster: kept under its Canvas id
        "hoppergrace_1003_5005_report.pdf": "%PDF",                  # no notebook: reported, not collected
    })
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    out = capsys.readouterr()
    assert json.loads(_target(course, "ana").read_text()) == good
    assert json.loads(_target(course, "bo").read_text()) == blank
    assert _target(course, "2001").is_file() and not (course / "submitted" / "cy").exists()
    assert "bo: collected from babbagecharles_LATE_1002_5002_07-slos-1.ipynb (late)" in out.out
    assert "cy: not collected: no notebook" in out.err
    assert "Not on the roster (1): 2001" in out.err and "nothing in this download (1): di" in out.err
    assert "3 new, 0 unchanged, 0 replaced" in out.out
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    assert "0 new, 3 unchanged, 0 replaced" in capsys.readouterr().out


def test_moodle_download_matches_names_and_roster_check_refuses_strangers(template, tmp_path, capsys):
    course = copy(template, tmp_path / "course")
    # A roster without LMS ids: Moodle's participant ids change per assignment, so names are matched instead.
    (tmp_path / "r.csv").write_text("id,first_name,last_name\nzed,Zora,Neale Hurston\n")
    assert cli.main(["roster", "import", str(tmp_path / "r.csv"), "--course", str(course)]) == 0
    files = {"Zora Neale Hurston_555001_assignsubmission_file_/07-slos.ipynb": grading.submission(AID),
             "Zora Neale Hurston_555001_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
             "Alan Turing_555002_assignsubmission_file_/07-slos.ipynb": grading.blank(AID)}
    download = canvas_zip(tmp_path / "moodle.zip", files)
    before = snapshot(course)
    capsys.readouterr()
    err = refused(["collect", str(download), "-a", AID, "--roster-check", "--course", str(course)], capsys)
    assert "not on the roster, for example 'participant-555002'" in err and snapshot(course) == before
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    assert _target(course, "zed").is_file() and _target(course, "participant-555002").is_file()


def test_plain_layout_in_a_wrapper_folder(course, tmp_path):
    download = canvas_zip(tmp_path / "plain.zip", {"week7/ana.ipynb": grading.blank(AID),
                                                    "week7/bo_07-slos.ipynb": grading.blank(AID),
                                                    "week7/.DS_Store": "x", "__MACOSX/week7/._ana.ipynb": "x"})
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    assert _target(course, "ana").is_file() and _target(course, "bo").is_file()


def test_changed_notebook_needs_force_and_the_old_one_is_kept(course, tmp_path, capsys):
    first = canvas_zip(tmp_path / "first.zip", {"lovelaceada_1001_5001_07-slos.ipynb": grading.blank(AID)})
    assert cli.main(["collect", str(first), "-a", AID, "--course", str(course)]) == 0
    second = canvas_zip(tmp_path / "second.zip", {"lovelaceada_1001_5009_07-slos.ipynb": grading.submission(AID)})
    before = snapshot(course)
    capsys.readouterr()
    err = refused(["collect", str(second), "-a", AID, "--course", str(course)], capsys)
    assert "differ from the ones in second.zip (for example ana): add --force" in err and snapshot(course) == before
    assert cli.main(["collect", str(second), "-a", AID, "--force", "--course", str(course)]) == 0
    assert json.loads(_target(course, "ana").read_text()) == grading.submission(AID)
    kept = list((course / "replaced-submissions" / "ana" / AID).glob("07-slos-*.ipynb"))
    assert len(kept) == 1 and json.loads(kept[0].read_text()) == grading.blank(AID)


@pytest.mark.parametrize(("files", "phrase"), [
    ({"lovelaceada_1001_5001_07-slos.ipynb": {}, "my notebook (1).ipynb": {}, "notes.txt": "x"},
     "2 file name(s) in download.zip fit no known layout, for example 'my notebook (1).ipynb'"),
    ({"lovelaceada_1001_5001_07-slos.ipynb": {}, "ana.ipynb": {}},
     "two learners in download.zip map to the student id 'ana'"),
    ({}, "download.zip holds no files"),
])
def test_bad_download_is_refused_and_nothing_is_written(files, phrase, course, tmp_path, capsys):
    download = canvas_zip(tmp_path / "download.zip", files)
    before = snapshot(course)
    err = refused(["collect", str(download), "-a", AID, "--course", str(course)], capsys)
    assert phrase in err
    assert snapshot(course) == before and not (course / "submitted").exists()


@pytest.mark.parametrize(("argv", "phrase"), [
    (["collect", "{zip}", "-a", "99-nothing"], "No assignment '99-nothing'"),
    (["collect", "{missing}", "-a", AID], "does not exist"),
    (["collect", "{text}", "-a", AID], "is neither a zip file nor a folder"),
    (["collect", "{junk}", "-a", AID], "is not a readable zip file"),
])
def test_command_that_cannot_run_says_why(argv, phrase, course, tmp_path, capsys):
    paths = {"zip": canvas_zip(tmp_path / "ok.zip", {"ana.ipynb": grading.blank(AID)}),
             "missing": tmp_path / "missing.zip", "text": tmp_path / "notes.txt", "junk": tmp_path / "junk.zip"}
    paths["text"].write_text("x")
    paths["junk"].write_text("not a zip")
    before = snapshot(course)
    err = refused([a.format(**paths) for a in argv] + ["--course", str(course)], capsys)
    assert phrase in err and snapshot(course) == before
