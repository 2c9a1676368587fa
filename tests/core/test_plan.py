"""autograder.plan on its own: which cells run, in what order, and which answers are found, missing or unchanged,
for submissions that deleted, duplicated, reordered or retyped cells. No kernel.

tests/grading/test_plan.py covers notebooks without cell ids (matched by text) and added cells; the end-to-end
test_grade_bad_submissions grades such notebooks and checks only the score. Here the plan itself is checked:
every step, where it came from, and the found/missing/unchanged sets, on a small hand-made assignment and on
the real 07-slos exercise."""

from __future__ import annotations

import copy

import pytest

from autograder import assignment
from autograder.assignment import Assignment, SourceCell
from autograder.plan import Step, build
from tests.support import grading
from tests.support.cells import cell, nbgrader

# A small source: setup, an answer and its test, a second answer and test, a written answer, an unmarked cell.
SOURCE = [
    SourceCell(0, "c0", "code", "import math", "setup", "locked"),
    SourceCell(1, "c1", "markdown", "Work out `area`.", "prompt", "locked"),
    SourceCell(2, "c2", "code", "area = math.pi", "a1", "answer", released="area = ...  # your answer"),
    SourceCell(3, "c3", "code", "assert area > 0", "t1", "test", 1.0),
    SourceCell(4, "c4", "code", "side = 2", "a2", "answer", released="side = ..."),
    SourceCell(5, "c5", "code", "assert side == 2", "t2", "test", 1.0),
    SourceCell(6, "c6", "markdown", "Because.", "w1", "written", 2.0, released="YOUR ANSWER HERE"),
    SourceCell(7, None, "code", "print('done')", None, "locked"),
]
ASG = Assignment("ps", "ps.ipynb", SOURCE, [], "import math")


def answer(grade_id: str, text: str, cell_type: str = "code", cell_id: str | None = None) -> dict:
    out = cell(cell_type, text, nbgrader(grade_id, solution=True))
    if cell_id:
        out["id"] = cell_id
    return out


def locked(index: int, text: str | None = None) -> dict:
    """The learner's copy of a locked source cell (as released: same metadata and id), optionally edited."""
    src = SOURCE[index]
    out = cell(src.cell_type, src.source if text is None else text, nbgrader(src.grade_id) if src.grade_id else {})
    if src.cell_id:
        out["id"] = src.cell_id
    return out


def full() -> list[dict]:
    return [locked(0), locked(1), answer("a1", "area = 3", cell_id="c2"), locked(3),
            answer("a2", "side = 2", cell_id="c4"), locked(5), answer("w1", "Mine.", "markdown", "c6"), locked(7)]


def steps(plan) -> list[tuple[str, str, str]]:
    return [(s.kind, s.source, s.origin) for s in plan.steps]


EXPECTED = [("code", "import math", "source"), ("markdown", "Work out `area`.", "source"),
            ("code", "area = 3", "answer"), ("test", "assert area > 0", "source"),
            ("code", "side = 2", "answer"), ("test", "assert side == 2", "source"),
            ("markdown", "Mine.", "answer"), ("code", "print('done')", "source")]


def test_a_complete_submission_runs_the_source_with_the_learners_answers():
    plan = build(ASG, full())
    assert steps(plan) == EXPECTED
    assert [s.grade_id for s in plan.steps] == ["setup", "prompt", "a1", "t1", "a2", "t2", "w1", None]
    assert (plan.found, plan.missing, plan.unchanged) == ({"a1", "a2", "w1"}, set(), set())


def test_edited_locked_cells_and_tests_run_as_the_course_wrote_them():
    cells = full()
    cells[0]["source"] = "import math\nmath.pi = 3"               # the setup, edited
    cells[3]["source"] = "pass  # test removed"                     # the test, emptied
    cells[3]["metadata"]["nbgrader"]["points"] = 100                # its points, raised
    assert steps(build(ASG, cells)) == EXPECTED


def test_an_edited_cell_with_neither_grade_id_nor_id_runs_as_the_learners_own_after_the_sources():
    cells = full()
    cells[7]["source"] = "print('done!')"
    # after the last cell it could be matched to (the written answer), then the source's own
    assert steps(build(ASG, cells)) == EXPECTED[:7] + [("code", "print('done!')", "extra")] + EXPECTED[7:]


def test_deleted_test_and_setup_cells_still_run_from_the_source():
    cells = [c for i, c in enumerate(full()) if i not in (0, 3, 5)]
    assert steps(build(ASG, cells)) == EXPECTED


def test_a_deleted_answer_cell_is_missing_and_nothing_runs_in_its_place():
    cells = [c for c in full() if c.get("id") != "c4"]
    plan = build(ASG, cells)
    assert (plan.found, plan.missing) == ({"a1", "w1"}, {"a2"})
    assert "a2" not in [s.grade_id for s in plan.steps]
    assert ("test", "assert side == 2", "source") in steps(plan)   # its test still runs (and finds it missing)


def test_every_answer_deleted_is_all_missing():
    plan = build(ASG, [c for c in full() if c["metadata"].get("nbgrader", {}).get("solution") is not True])
    assert plan.found == set() and plan.missing == {"a1", "a2", "w1"}


def test_reordered_cells_run_in_the_sources_order():
    plan = build(ASG, list(reversed(full())))
    assert steps(plan) == EXPECTED and plan.missing == set()


def test_a_duplicated_answer_runs_its_first_copy_as_the_answer_and_the_second_as_the_learners_own():
    cells = full()
    cells.insert(3, answer("a1", "area = 0  # pasted again", cell_id="c2"))   # same grade_id and cell id
    plan = build(ASG, cells)
    assert steps(plan)[2:5] == [("code", "area = 3", "answer"), ("code", "area = 0  # pasted again", "extra"),
                                ("test", "assert area > 0", "source")]
    assert plan.found == {"a1", "a2", "w1"}


def test_a_duplicated_test_or_setup_cell_runs_once():
    cells = full()
    cells.insert(4, copy.deepcopy(cells[3]))
    cells.insert(1, copy.deepcopy(cells[0]))
    assert steps(build(ASG, cells)) == EXPECTED


def test_unmarked_cells_without_ids_are_matched_one_source_cell_each():
    """nbformat 4.4: a source with the same unmarked cell twice; a third copy in the submission is the learner's."""
    source = SOURCE + [SourceCell(8, None, "code", "print('done')", None, "locked")]
    asg = Assignment("ps", "ps.ipynb", source, [], "import math")
    two = full() + [cell("code", "print('done')")]
    assert steps(build(asg, two)) == EXPECTED + [EXPECTED[-1]]
    three = two + [cell("code", "print('done')")]
    assert steps(build(asg, three)) == EXPECTED + [EXPECTED[-1], ("code", "print('done')", "extra")]


def test_an_answer_cell_turned_into_markdown_is_missing_and_its_text_never_runs_as_code():
    cells = full()
    cells[4]["cell_type"] = "markdown"
    plan = build(ASG, cells)
    assert plan.missing == {"a2"}
    assert ("markdown", "side = 2", "extra") in steps(plan)
    assert ("code", "side = 2", "answer") not in steps(plan)


def test_a_markdown_answer_turned_into_code_never_runs_as_the_answer():
    cells = full()
    cells[6]["cell_type"] = "code"
    cells[6]["source"] = "import os"
    plan = build(ASG, cells)
    assert plan.missing == {"w1"}
    assert ("code", "import os", "extra") in steps(plan)   # the learner's own cell: it runs like any other


def test_a_locked_cell_turned_into_markdown_runs_from_the_source():
    cells = full()
    cells[0]["cell_type"] = "markdown"
    plan = build(ASG, cells)
    assert steps(plan)[0] == ("markdown", "import math", "extra") and steps(plan)[1] == EXPECTED[0]
    assert [s for s in steps(plan) if s[2] != "extra"] == EXPECTED


def test_raw_and_unknown_cells_never_run():
    cells = full()
    cells.insert(2, cell("raw", "import os; os._exit(1)"))
    cells.insert(2, cell("widget", "x"))
    cells[4]["cell_type"] = "raw"                  # an answer cell made raw: missing, not run
    plan = build(ASG, cells)
    assert "os._exit" not in "".join(s.source for s in plan.steps)
    assert plan.missing == {"a1"}


def test_an_answer_matched_by_cell_id_when_its_metadata_was_lost():
    cells = full()
    cells[2]["metadata"] = {}
    plan = build(ASG, cells)
    assert ("code", "area = 3", "answer") in steps(plan) and plan.found == {"a1", "a2", "w1"}


def test_an_answer_with_another_assignments_ids_is_the_learners_own_code_not_an_answer():
    cells = full()
    cells[2] = answer("other-a1", "area = 3", cell_id="other-c2")
    plan = build(ASG, cells)
    assert plan.missing == {"a1"}
    assert ("code", "area = 3", "extra") in steps(plan)


def test_the_grade_id_wins_over_a_cell_id_that_points_elsewhere():
    cells = full()
    cells[2]["id"] = "c4"             # a1's grade_id, a2's cell id
    cells[4]["id"] = "c2"
    plan = build(ASG, cells)
    assert [(s.grade_id, s.source) for s in plan.steps if s.origin == "answer"][:2] == [("a1", "area = 3"),
                                                                                          ("a2", "side = 2")]


def test_unchanged_answers_are_found_but_marked_unchanged():
    cells = full()
    cells[2]["source"] = "area = ...  # your answer\n\n"     # the released text, give or take white space
    cells[6]["source"] = "YOUR ANSWER HERE"
    plan = build(ASG, cells)
    assert plan.found == {"a1", "a2", "w1"} and plan.unchanged == {"a1", "w1"}
    cells[2]["source"] = "area = ...  # your answer\narea = 3"
    assert build(ASG, cells).unchanged == {"w1"}


def test_cells_that_are_not_cells_are_skipped():
    cells = full()
    cells[1:1] = [None, "code", 3, ["x"], {"cell_type": None, "source": "x"}]
    assert steps(build(ASG, cells)) == EXPECTED


@pytest.mark.parametrize("source, text", [
    (["area ", "= 3"], "area = 3"),       # nbformat's list of lines
    (None, ""),
    (["area", 3], ""),                    # not a list of str: empty
    ({"x": 1}, ""),
])
def test_an_answers_text_is_what_nbformat_allows_or_empty(source, text):
    cells = full()
    cells[2]["source"] = source
    assert build(ASG, cells).steps[2] == Step("code", text, "answer", "a1")


@pytest.mark.parametrize("metadata", [None, [], {"nbgrader": []}, {"nbgrader": {"grade_id": 7}},
                                      {"nbgrader": {"grade_id": ["a1"]}}])
def test_odd_metadata_falls_back_to_the_cell_id(metadata):
    cells = full()
    cells[2]["metadata"] = metadata
    plan = build(ASG, cells)
    assert ("code", "area = 3", "answer") in steps(plan)
    cells[2].pop("id")
    assert "a1" in build(ASG, cells).missing


def test_cells_added_before_the_first_source_cell_run_first():
    plan = build(ASG, [cell("code", "x = 1")] + full())
    assert steps(plan)[0] == ("code", "x = 1", "extra") and steps(plan)[1:] == EXPECTED


# --- the real 07-slos exercise: what a learner's notebook looks like ----------------------------------------------

AID = "07-slos"


@pytest.fixture(scope="module")
def slos() -> Assignment:
    return assignment.load(grading.ROOT, AID)


def _cells(nb) -> list[dict]:
    return [dict(c) for c in copy.deepcopy(nb).cells]


def test_the_released_notebook_is_found_whole_and_all_unchanged(slos):
    plan = build(slos, _cells(grading.released(AID)))
    assert plan.missing == set() and plan.found == slos.answer_ids
    assert plan.unchanged == slos.answer_ids
    assert [s.origin for s in plan.steps].count("extra") == 0


def test_the_solution_is_found_whole_and_nothing_is_unchanged(slos):
    plan = build(slos, _cells(grading.submission(AID)))
    assert plan.found == slos.answer_ids and plan.missing == set() and plan.unchanged == set()
    assert [s.kind for s in plan.steps].count("test") == len([q for q in slos.questions if not q.manual])


def test_a_learner_who_answers_one_question_leaves_the_others_unchanged(slos):
    cells = _cells(grading.released(AID))
    for c in cells:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1-answer":
            c["source"] = "budget_errors = 21_092"
    plan = build(slos, cells)
    assert plan.found == slos.answer_ids and plan.unchanged == slos.answer_ids - {"q1-answer"}


def test_a_notebook_with_its_metadata_and_ids_stripped_finds_no_answer(slos):
    cells = _cells(grading.submission(AID))
    for c in cells:
        c["metadata"] = {}
        c.pop("id", None)
    plan = build(slos, cells)
    assert plan.found == set() and plan.missing == slos.answer_ids


def test_a_notebook_of_another_assignment_finds_no_answer(slos):
    cells = _cells(grading.submission(AID))
    for c in cells:
        meta = c["metadata"].get("nbgrader")
        if meta:
            meta["grade_id"] = "other-" + meta["grade_id"]
        c["id"] = "other-" + c["id"]
    plan = build(slos, cells)
    assert plan.found == set() and plan.missing == slos.answer_ids
    assert all(s.origin != "answer" for s in plan.steps)
    # its cells still run, as the learner's own, after the source's (nothing of theirs is dropped)
    assert [s.origin for s in plan.steps].count("extra") == len(cells)
