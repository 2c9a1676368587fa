"""Broken, edited and foreign submissions never crash a batch or cost a recorded grade.

Each is graded from the course's own questions (a missing answer scores 0) or reported ungradable
with a one-sentence reason; the good submission in the same batch is graded as usual.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from autograder import notebooks
from tests.support import grading

AID = "07-slos"


def _solution():
    return grading.submission(AID)


def _drop_tests(nb):
    nb.cells = [c for c in nb.cells if not (c.metadata.get("nbgrader", {}).get("grade")
                                            and not c.metadata["nbgrader"].get("solution"))]
    return nb


def _edit_tests(nb):
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            c.source = "pass  # tests removed by the learner"
            meta["points"] = 100
    return nb


def _reverse(nb):
    nb.cells = list(reversed(nb.cells))
    return nb


def _strip_metadata_keep_ids(nb):
    for c in nb.cells:
        c.metadata = {}
    return nb


def _strip_everything(nb):
    for c in nb.cells:
        c.metadata = {}
        c.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def _duplicate_answer(nb):
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-answer")
    copy_cell = copy.deepcopy(answer)
    copy_cell.source = "budget_errors = 0  # a pasted copy, edited later"
    nb.cells.insert(nb.cells.index(answer) + 1, copy_cell)
    return nb


def _delete_answer(nb):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "q3-answer"]
    return nb


def _other_assignment(nb):
    for c in nb.cells:
        meta = c.metadata.get("nbgrader")
        if meta:
            meta["grade_id"] = "other-" + meta["grade_id"]
        c["id"] = "other-" + c.get("id", "x")
    return nb


def _as_v3(nb):
    return nbformat.writes(nbformat.convert(nb, 3))


# name -> (make the file's text, expected status, expected score or None for ungradable)
CASES = {
    "empty-file": (lambda: "", "ungradable", None),
    "binary-junk": (lambda: "\x00\xff\xfe junk".encode("latin-1").decode("latin-1"), "ungradable", None),
    "not-json": (lambda: "{ this is not json", "ungradable", None),
    "json-but-not-a-notebook": (lambda: json.dumps({"hello": "world"}), "ungradable", None),
    "old-nbformat-3": (lambda: _as_v3(_solution()), "graded", 12.0),
    "test-cells-deleted": (lambda: nbformat.writes(_drop_tests(_solution())), "graded", 12.0),
    "test-cells-and-points-edited": (lambda: nbformat.writes(_edit_tests(_solution())), "graded", 12.0),
    "cells-moved": (lambda: nbformat.writes(_reverse(_solution())), "graded", 12.0),
    "metadata-lost-ids-kept": (lambda: nbformat.writes(_strip_metadata_keep_ids(_solution())), "graded", 12.0),
    "metadata-and-ids-lost": (lambda: json.dumps(_strip_everything(_solution())), "ungradable", None),
    "duplicated-answer-cell": (lambda: nbformat.writes(_duplicate_answer(_solution())), "graded", 10.0),
    "answer-cell-deleted": (lambda: nbformat.writes(_delete_answer(_solution())), "graded", 10.0),
    "another-assignment": (lambda: nbformat.writes(_other_assignment(_solution())), "ungradable", None),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("bad")
    course = grading.make_course(base / "course", [AID])
    folder = base / "submitted"
    grading.write(_solution(), folder, "good", AID)
    for name, (make, _, _) in CASES.items():
        path = folder / name / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        data = make()
        if name == "binary-junk":
            path.write_bytes(b"\x00\xff\xfe\x89PNG junk")
        else:
            path.write_text(data)
    return course, grading.run(course, [folder], AID, base / "report.json")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_submission_is_graded_from_the_source_or_reported(name, report):
    _, entries = report
    _, status, score = CASES[name]
    entry = entries[name]
    assert entry["status"] == status, entry
    if status == "graded":
        assert entry["score"] == score and entry["max_score"] == 12.0
    else:
        assert entry["reason"] and "\n" not in entry["reason"]


def test_the_deleted_answer_is_reported_missing(report):
    _, entries = report
    by_id = {q["id"]: q for q in entries["answer-cell-deleted"]["questions"]}
    assert by_id["q3-downtime"]["status"] == "missing"


def test_good_submission_in_the_same_batch_is_graded(report):
    course, entries = report
    assert entries["good"]["score"] == 12.0
    # Ungradable submissions leave the gradebook alone.
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(AID, "not-json")
        assert gb.find_submission(AID, "good").code_score == 12.0


def test_a_failed_regrade_never_overwrites_a_recorded_grade(tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [AID])
    path = grading.write(_solution(), tmp_path / "in", "kim", AID)
    grading.run(course, [tmp_path / "in"], AID, tmp_path / "a.json")
    path.write_text("{ truncated")           # the file is later damaged and graded again
    again = grading.run(course, [tmp_path / "in"], AID, tmp_path / "b.json", force=True)
    assert again["kim"]["status"] == "ungradable"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(AID, "kim").code_score == 12.0
    assert notebooks.read(course / "autograded" / "kim" / AID / f"{AID}.ipynb").cells
