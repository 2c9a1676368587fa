"""Misconceptions are course content (autograder/misconceptions.py): every exercise has its file beside its source,
each explanation speaks to the learner, names the lesson section that covers the mistake and never gives the
right value, and the file is released nowhere (not in exercises/, not beside a notebook being graded)."""

from __future__ import annotations

import re

import pytest

from autograder import assignment, misconceptions, notebooks, release
from tests.support import ROOT
from tests.support.exercises import autograded
from tests.support.forms import written_forms
from tests.support.keys import hidden_keys

EXERCISES = release.assignment_ids(ROOT)
QUOTED = re.compile(r'"([^"]+)"')


def lesson_headings(aid: str) -> set[str]:
    nb = notebooks.read(ROOT / "course" / f"{aid}.ipynb")
    return {line.lstrip("#").strip().casefold() for cell in nb.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if re.match(r"#{1,4} ", line)}


def test_every_exercise_has_its_misconceptions():
    assert EXERCISES and all(misconceptions.load(ROOT, aid) for aid in EXERCISES)


@pytest.mark.parametrize("aid", EXERCISES)
def test_each_misconception_names_a_graded_question_and_its_answer_cell(aid):
    source = notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")
    answer_cells = {notebooks.nbgrader_id(c) for c in notebooks.graded_cells(source)} | {
        c.metadata.get("nbgrader", {}).get("grade_id") for c in source.cells}
    for entry in misconceptions.load(ROOT, aid):
        assert entry["question"] in autograded(aid), entry["id"]
        assert entry["answer"] in answer_cells, entry["id"]


@pytest.mark.parametrize("aid", EXERCISES)
def test_explanations_name_the_lesson_section_and_never_the_right_value(aid):
    headings = lesson_headings(aid)
    keys = hidden_keys(aid)
    for entry in misconceptions.load(ROOT, aid):
        text = entry["explanation"]
        assert 40 <= len(text) <= 400, (entry["id"], len(text))
        assert "lesson" in text.casefold(), entry["id"]
        quoted = {q.strip().casefold() for q in QUOTED.findall(text)}
        assert quoted & headings, f"{entry['id']}: quote a section heading of course/{aid}.ipynb"
        said = text.casefold()
        for form in written_forms(keys.get(entry["question"])):
            assert form not in said, f"{entry['id']}'s explanation gives the right value ({form})"
        # Nor another question's number (a status code, a count): words like "merge" are the lessons' own.
        for qid, key in keys.items():
            for form in written_forms(key):
                if sum(ch.isdigit() for ch in form) >= 3:
                    assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", said), (entry["id"], qid, form)


def test_the_check_catches_an_explanation_that_gives_the_value():
    assert "21,092" in written_forms(21092) and "21092" in written_forms(21092)
    assert "40.32" in written_forms(40.32) and "3" not in written_forms(3)
    assert "receipt_printer" in written_forms(["receipt_printer", 5])


@pytest.mark.parametrize("aid", EXERCISES)
def test_the_file_is_released_nowhere(aid):
    assert misconceptions.path(ROOT, aid).is_file()
    assert not (ROOT / "exercises" / aid / misconceptions.FILE).exists()
    for asg in assignment.load_all(ROOT, aid):
        assert misconceptions.FILE not in asg.files, "it would be copied beside the learner's notebook"


def test_a_broken_file_is_refused_in_one_line(tmp_path):
    course = tmp_path / "course"
    (course / "solutions" / "07-slos").mkdir(parents=True)
    (course / "solutions" / "07-slos" / misconceptions.FILE).write_text("- id: Not An Id\n  question: q1\n")
    with pytest.raises(misconceptions.MisconceptionError, match="needs a text `answer`|must be a new"):
        misconceptions.load(course, "07-slos")
