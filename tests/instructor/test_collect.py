"""`tpm-grade collect`: LMS downloads land in submitted/STUDENT/ID/ID.ipynb, or nothing moves.

The file-name layouts are the ones Canvas and Moodle write (see docs/instructor.md for the sources).
A name no layout explains, a stranger under --roster-check, or a changed notebook without --force
stop the command in one line, with submitted/ and the gradebook exactly as they were; --force keeps
the replaced notebook.

File names are hostile input (the learner chose the end of each one): a name cannot claim another
learner's id, two claims on one student are a reported conflict that collects neither, and a symbolic
link or unsafe zip path is reported for its student and never read."""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import PurePosixPath

import pytest

from autograder import cli, collect
from tests.support import grading
from tests.support.instructor import AID, canvas_zip, copy, refused, rostered_course, snapshot


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
    # The learner chose everything after the LMS's own part, including text that looks like someone else's:
    ("Mallory_777_assignsubmission_file_x_555_assignsubmission_file_07-slos.ipynb", "moodle", "777", "Mallory",
     "x_555_assignsubmission_file_07-slos.ipynb", False),
    ("Mallory_777_assignsubmission_file_/Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb", "moodle", "777",
     "Mallory", "Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb", False),
    ("turingalan_2001_5004_lovelaceada_1001_5001_07-slos.ipynb", "canvas", "2001", "turingalan",
     "lovelaceada_1001_5001_07-slos.ipynb", False),
    ("turingalan_LATE_2001_5004_x_LATE_1001_5001_07-slos.ipynb", "canvas", "2001", "turingalan",
     "x_LATE_1001_5001_07-slos.ipynb", True),
    ("LATE_anon_x7Yq2_5010_anon_zzz_5011_07-slos.ipynb", "canvas", "anon_x7Yq2", "", "anon_zzz_5011_07-slos.ipynb",
     True),
    ("turingalan_2001_5004_two\nlines.ipynb", "canvas", "2001", "turingalan", "two\nlines.ipynb", False),
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


# --- learner-controlled names are hostile input ---------------------------------------------------------------

GREEDY_MOODLE = re.compile(r"^(?P<name>.+)_(?P<key>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.*)$")
FORGED = "Mallory_777_assignsubmission_file_x_555_assignsubmission_file_07-slos.ipynb"


def _add_links(download, links: dict[str, str]):
    """Append symbolic-link members (name -> target) to a zip, as `zip --symlinks` writes them."""
    with zipfile.ZipFile(download, "a") as zf:
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return download


def test_the_forged_name_hijacks_when_read_greedily():
    """Not vacuous: read greedily, Mallory's upload claims Ada's participant id, and its name wins over hers."""
    match = GREEDY_MOODLE.match(FORGED)
    assert (match["key"], match["file"]) == ("555", "07-slos.ipynb")
    hers = collect.Found("Ada Lovelace_555_assignsubmission_file_my-work.ipynb", "moodle", "555", "Ada Lovelace",
                         "my-work.ipynb", False, b"hers")
    forged = collect.Found(FORGED, "moodle", "555", match["name"], match["file"], False, b"mallory's")
    assert collect._choose("participant-555", [hers, forged], AID).found is forged


@pytest.mark.parametrize(("victim_file", "forged", "victim", "uploader"), [
    ("Ada Lovelace_555_assignsubmission_file_my-work.ipynb", FORGED, "participant-555", "participant-777"),
    ("Ada Lovelace_555_assignsubmission_file_/my-work.ipynb",
     "Mallory_777_assignsubmission_file_/Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb",
     "participant-555", "participant-777"),
    ("lovelaceada_1001_5001_my-work.ipynb", "turingalan_2001_5004_lovelaceada_1001_5001_07-slos.ipynb", "ana", "2001"),
    ("lovelaceada_1001_5001_my-work.ipynb", "turingalan_LATE_2001_5004_x_LATE_1001_5001_07-slos.ipynb", "ana", "2001"),
])
def test_a_file_name_cannot_claim_another_learner(victim_file, forged, victim, uploader, course, tmp_path, capsys):
    good, blank = grading.submission(AID), grading.blank(AID)
    download = canvas_zip(tmp_path / "hijack.zip", {victim_file: good, forged: blank})
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    assert json.loads(_target(course, victim).read_text()) == good, "the victim keeps their own notebook"
    assert json.loads(_target(course, uploader).read_text()) == blank, "the upload is its uploader's"
    assert "conflict" not in capsys.readouterr().err


@pytest.mark.parametrize(("first", "second", "victim", "line"), [
    # Canvas: a display name forged to begin with Ada's ids ('mallory_1001_5002', user 2001).
    ({"lovelaceada_1001_5001_07-slos.ipynb": "good"},
     {"lovelaceada_1001_5001_07-slos.ipynb": "good", "mallory_1001_5002_2001_5003_07-slos.ipynb": "blank"},
     "ana", "ana: not collected: conflict: 'lovelaceada_1001_5001_07-slos.ipynb' and "
            "'mallory_1001_5002_2001_5003_07-slos.ipynb' both claim ana; none of them was collected"),
    # Moodle: the same forgery, Mallory's full name being 'Mallory_555_assignsubmission_file_'.
    ({"Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb": "good"},
     {"Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb": "good",
      "Mallory_555_assignsubmission_file__777_assignsubmission_file_/07-slos.ipynb": "blank"},
     "participant-555", "participant-555: not collected: conflict: 'Ada Lovelace_555_assignsubmission_file_/"
     "07-slos.ipynb' and 'Mallory_555_assignsubmission_file__777_assignsubmission_file_/07-slos.ipynb' both "
     "claim participant-555; none of them was collected"),
    # Two LMS ids on one student id (a Canvas user and a plain STUDENTID.ipynb).
    ({"lovelaceada_1001_5001_07-slos.ipynb": "good"},
     {"lovelaceada_1001_5001_07-slos.ipynb": "good", "ana.ipynb": "blank"},
     "ana", "ana: not collected: conflict: 'lovelaceada_1001_5001_07-slos.ipynb' and 'ana.ipynb' both claim ana; "
            "none of them was collected"),
])
def test_two_claims_on_one_learner_are_a_conflict_and_neither_replaces_the_other(first, second, victim, line,
                                                                                 course, tmp_path, capsys):
    notebook = {"good": grading.submission(AID), "blank": grading.blank(AID)}
    one = canvas_zip(tmp_path / "first.zip", {name: notebook[nb] for name, nb in first.items()})
    assert cli.main(["collect", str(one), "-a", AID, "--course", str(course)]) == 0
    kept = _target(course, victim).read_bytes()
    two = canvas_zip(tmp_path / "second.zip", {**{name: notebook[nb] for name, nb in second.items()},
                                               "babbagecharles_1002_5009_07-slos.ipynb": notebook["blank"]})
    capsys.readouterr()
    # Exit 1: the rest is collected, but someone must look; even --force replaces nothing in conflict.
    assert cli.main(["collect", str(two), "-a", AID, "--force", "--course", str(course)]) == 1
    err = capsys.readouterr().err
    assert [x for x in err.splitlines() if "conflict" in x] == [line]
    assert _target(course, victim).read_bytes() == kept
    assert json.loads(_target(course, "bo").read_text()) == notebook["blank"], "the rest of the download is collected"


def test_two_claims_in_a_fresh_course_write_nothing_for_that_student(course, tmp_path, capsys):
    download = canvas_zip(tmp_path / "download.zip", {"lovelaceada_1001_5001_07-slos.ipynb": {}, "ana.ipynb": {}})
    before = snapshot(course)
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 1
    assert "ana: not collected: conflict:" in capsys.readouterr().err
    assert snapshot(course) == before and not (course / "submitted").exists()


def test_links_in_an_unpacked_download_are_reported_and_never_read(course, tmp_path, capsys):
    secret = tmp_path / "answers" / "07-slos.ipynb"
    secret.parent.mkdir()
    secret.write_text("SECRET-MARKER")
    folder = tmp_path / "download"
    good = grading.submission(AID)
    for name in ("Ada Lovelace_555_assignsubmission_file_/07-slos.ipynb", "lovelaceada_1001_5001_07-slos.ipynb"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(good))
    links = [folder / "Mallory_777_assignsubmission_file_" / "07-slos.ipynb",
             folder / "babbagecharles_1002_5002_07-slos.ipynb"]
    links[0].parent.mkdir()
    for link in links:
        link.symlink_to(secret)
        assert link.is_file() and link.read_bytes() == b"SECRET-MARKER"   # not vacuous: followed, it is read
    assert cli.main(["collect", str(folder), "-a", AID, "--course", str(course)]) == 0
    err = capsys.readouterr().err
    assert ("participant-777: not collected: 07-slos.ipynb is a symbolic link; submit the notebook file itself "
            "(Mallory_777_assignsubmission_file_/07-slos.ipynb)") in err
    assert "bo: not collected: babbagecharles_1002_5002_07-slos.ipynb is a symbolic link" in err
    assert _target(course, "ana").is_file() and _target(course, "participant-555").is_file()
    assert not any(b"SECRET-MARKER" in p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file())
    assert not (course / "submitted" / "bo").exists() and not (course / "submitted" / "participant-777").exists()


def test_a_linked_lms_folder_is_refused_and_not_followed(course, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "07-slos.ipynb").write_text("SECRET-MARKER")
    folder = tmp_path / "download"
    (folder / "Ada Lovelace_555_assignsubmission_file_").mkdir(parents=True)
    (folder / "Ada Lovelace_555_assignsubmission_file_" / "07-slos.ipynb").write_text("{}")
    os.symlink(elsewhere, folder / "Mallory_777_assignsubmission_file_")
    before = snapshot(course)
    err = refused(["collect", str(folder), "-a", AID, "--course", str(course)], capsys)
    assert "'Mallory_777_assignsubmission_file_' in download cannot be collected" in err and "symbolic link" in err
    assert snapshot(course) == before


def test_zip_members_that_must_not_be_read_are_reported_for_their_learner(course, tmp_path, capsys):
    good, blank = grading.submission(AID), grading.blank(AID)
    download = canvas_zip(tmp_path / "download.zip", {"lovelaceada_1001_5001_07-slos.ipynb": good,
                                                      "../babbagecharles_1002_5002_07-slos.ipynb": blank,
                                                      "hoppergrace_1003_5003_07-slos.ipynb": blank})
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(download, "a") as zf:
        zf.writestr("hoppergrace_1003_5003_07-slos.ipynb", json.dumps(good))   # a zip may name one path twice
    _add_links(download, {"vaughandorothy_1004_5004_07-slos.ipynb": "/etc/passwd"})
    assert cli.main(["collect", str(download), "-a", AID, "--course", str(course)]) == 0
    err = capsys.readouterr().err
    assert "bo: not collected: the zip holds an unsafe path (../babbagecharles_1002_5002_07-slos.ipynb)" in err
    assert "cy: not collected: the zip holds this file more than once (hoppergrace_1003_5003_07-slos.ipynb)" in err
    assert "di: not collected: vaughandorothy_1004_5004_07-slos.ipynb is a symbolic link" in err
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ana"]
