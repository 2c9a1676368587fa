"""Every exercise discriminates, proved with stock `nbgrader autograde` in a scratch course:
the solution scores full marks, the released (blank) version scores 0, and each misconception
variant in solutions/ID/misconceptions.yaml loses exactly the questions it names. Also: the committed
exercises/ equal a fresh release."""

from __future__ import annotations

import filecmp

import pytest

from autograder import notebooks, release
from autograder.scratch import ScratchCourse, fill_answers
from tests.support import ROOT
from tests.support.exercises import autograded, graded_questions, misconceptions

EXERCISES = release.assignment_ids(ROOT)
VARIANTS = [(aid, i) for aid in EXERCISES for i in range(len(misconceptions(aid)))]


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    """Grade each exercise once: student 'solution', 'blank' and 'wrong-NN' per misconception."""
    cache = {}

    def grade(aid: str):
        if aid not in cache:
            course = ScratchCourse(tmp_path_factory.mktemp(f"course-{aid}"), ROOT)
            course.generate(aid)
            released, source = course.released(aid, aid), course.source(aid, aid)
            course.submit("solution", aid, aid, fill_answers(released, source))
            course.submit("blank", aid, aid, released)
            for i, wrong in enumerate(misconceptions(aid)):
                course.submit(f"wrong-{i:02d}", aid, aid,
                              fill_answers(released, source, {wrong["answer"]: wrong["code"]}))
            course.autograde(aid)
            cache[aid] = course.scores(aid)
        return cache[aid]

    return grade


def test_there_is_an_exercise():
    assert "07-slos" in EXERCISES


@pytest.mark.parametrize("aid", EXERCISES)
def test_each_exercise_has_enough_questions_and_a_written_answer(aid):
    questions = graded_questions(aid)
    manual = [gid for gid, meta in questions.items() if meta.get("solution")]
    assert len(autograded(aid)) >= 4, "an exercise needs at least 4 autograded questions"
    assert manual, "an exercise needs a hand-graded written answer"


@pytest.mark.parametrize("aid", EXERCISES)
def test_every_autograded_question_has_a_misconception_variant(aid):
    covered = {v["question"] for v in misconceptions(aid)}
    assert autograded(aid) <= covered, f"no misconception variant for {sorted(autograded(aid) - covered)}"
    for variant in misconceptions(aid):
        assert variant["question"] in autograded(aid)
        assert variant.get("misconception"), "say which misconception the variant models"


@pytest.mark.parametrize("aid", EXERCISES)
def test_solution_scores_full_marks(aid, scores):
    grades = scores(aid)["solution"]
    assert set(grades) == set(graded_questions(aid))
    for gid in autograded(aid):
        assert grades[gid].score == grades[gid].max_score > 0, gid
    for gid in set(grades) - autograded(aid):
        assert grades[gid].score is None, f"{gid}: a written answer waits for a hand grade"


@pytest.mark.parametrize("aid", EXERCISES)
def test_blank_exercise_scores_zero(aid, scores):
    grades = scores(aid)["blank"]
    assert set(grades) == set(graded_questions(aid))
    assert all(g.score == 0 for g in grades.values()), grades


@pytest.mark.parametrize(("aid", "index"), VARIANTS,
                         ids=[f"{a}-{misconceptions(a)[i]['question']}-{i}" for a, i in VARIANTS])
def test_misconception_loses_exactly_its_questions(aid, index, scores):
    variant = misconceptions(aid)[index]
    loses = set(variant.get("loses", [variant["question"]]))
    grades = scores(aid)[f"wrong-{index:02d}"]
    for gid in autograded(aid):
        expected = 0 if gid in loses else grades[gid].max_score
        assert grades[gid].score == expected, f"{gid} ({variant['misconception']})"


def test_every_released_notebook_says_it_is_generated_and_where_to_edit():
    released = sorted((ROOT / "exercises").glob("*/*.ipynb"))
    assert released
    for path in released:
        note = notebooks.read(path).metadata.get("tpmkit", {}).get("generated", "")
        assert note == release.generated_note(path.parent.name, path.name), path
        assert (ROOT / "solutions" / path.parent.name / path.name).is_file(), f"{note} names no source"
    stripped = notebooks.strip(notebooks.read(released[0]))
    assert "generated" in stripped.metadata["tpmkit"], "tpm-grade strip keeps the mark"


def test_committed_exercises_equal_a_fresh_release(tmp_path):
    release.generate(root=ROOT, dest=tmp_path)
    committed = ROOT / "exercises"
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    present = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert fresh == present, "exercises/ is out of date: run `make release` and commit the result"
    for rel in fresh:
        assert filecmp.cmp(tmp_path / rel, committed / rel, shallow=False), (
            f"exercises/{rel} differs from a fresh release: run `make release` and commit the result")
