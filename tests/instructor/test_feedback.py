"""`tpm-grade feedback`: pages built from the gradebook, the result files and the course's prompts.

These tests need no sandbox: a graded submission is recorded the way `tpm-grade grade` records one
(autograder.gradebook.record). The walkthrough test grades real submissions in the sandbox."""

from __future__ import annotations

import pytest

from autograder import assignment, cli, feedback, gradebook, release, runner
from tests.support import grading
from tests.support.instructor import AID, copy, refused, rostered_course, snapshot

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A rostered course where ana's submission is graded (one question failed with a hostile message)."""
    course = rostered_course(tmp_path_factory.mktemp("feedback"))
    asg = assignment.load(course, AID)
    url = gradebook.default_url(course)
    gradebook.ensure_assignment(course, [asg], url)
    nb = grading.submission(AID, {"q6-answer": f'first_page = "{SCRIPT}"', "q8-policy": f"My policy {SCRIPT}"})
    questions = [runner.QuestionResult(q.id, q.points, q.points, "passed", f"✓ {q.id} has the right form.")
                 for q in asg.questions if not q.manual]
    questions[5] = runner.QuestionResult("q6-first-page", 0.0, 2.0, "failed",
                                         f"first_page should look like '2026-10-01 09:30', not '{SCRIPT}'.")
    result = runner.Result("ana", f"{AID}.ipynb", "graded", questions=questions,
                           manual=[{"id": "q8-policy", "max_score": 3.0, "answered": True}], autograded=nb)
    gradebook.record(course, asg, url, result, "0" * 64)
    return course


@pytest.fixture
def course(template, tmp_path):
    return copy(template, tmp_path / "course")


def test_prompts_are_each_questions_own_heading_and_text():
    for aid in release.assignment_ids(grading.ROOT):
        asg = assignment.load(grading.ROOT, aid)
        text = feedback.prompts(asg)
        assert list(text) == [q.id for q in asg.questions]
        number, before = 0, None
        for q in asg.questions:
            if text[q.id] != before:   # the parts of a question graded in parts share its prompt
                number, before = number + 1, text[q.id]
            assert text[q.id].startswith(f"## Question {number}:"), (aid, q.id)
            assert "BEGIN SOLUTION" not in text[q.id] and "HIDDEN" not in text[q.id]


def test_render_escapes_every_learner_and_instructor_text():
    question = feedback.QuestionView("q1", "Question 1 <i>", "Use **bold**. <img src=x onerror=alert(1)>", False,
                                     2.0, 0.0, "failed", message=f"x is '{SCRIPT}'", answers=[f"x = '{SCRIPT}'"],
                                     comments=[f"see {SCRIPT} & fix"])
    page = feedback.render(feedback.Page(AID, "ana<x>", "Ada <Lovelace>", [question]))
    assert "<script" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "ana&lt;x&gt;" in page and "Ada &lt;Lovelace&gt;" in page
    assert "<strong>bold</strong>" in page, "course markdown is still rendered"


def test_page_from_the_gradebook_with_a_hand_grade_and_comments(course, capsys):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.default_url(course)) as gb:
        written = gb.find_grade("q8-policy", AID, AID, "ana")
        written.manual_score, written.needs_manual_grade = 2.0, False
        gb.find_comment("q8-policy", AID, AID, "ana").manual_comment = "Say who decides."
        gb.find_comment("q1-answer", AID, AID, "ana").manual_comment = "Nice use of floor."
        gb.find_grade("q5-exhaust", AID, AID, "ana").manual_score = 0.5      # an autograded score changed by hand
        gb.db.commit()
    assert cli.main(["feedback", "-a", AID, "--course", str(course)]) == 0
    assert "ana: 11.5/15 -> feedback/ana/07-slos/07-slos.html" in capsys.readouterr().out
    page = (course / "feedback" / "ana" / AID / f"{AID}.html").read_text()
    assert "11.5 / 15" in page and "Say who decides." in page and "Nice use of floor." in page
    assert "Your instructor set this score by hand." in page and "0.5 / 1" in page
    assert "<script" not in page and "My policy &lt;script&gt;" in page
    assert "not &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;." in page


def test_pending_hand_grade_is_shown_as_waiting(course):
    assert cli.main(["feedback", "ana", "-a", AID, "--course", str(course), "--dest", str(course / "out")]) == 0
    page = (course / "out" / "ana" / AID / f"{AID}.html").read_text()
    assert "Waiting for your instructor&#x27;s grade" in page and "10 / 15" in page


@pytest.mark.parametrize(("argv", "phrase"), [
    (["feedback", "-a", "99-nothing"], "No assignment '99-nothing'"),
    (["feedback", "bo", "ana", "-a", AID], "no graded submission of 07-slos for bo (graded: ana); nothing was written"),
])
def test_refusals_write_nothing(argv, phrase, course, capsys):
    before = snapshot(course)
    assert phrase in refused([*argv, "--course", str(course)], capsys)
    assert snapshot(course) == before


def test_refused_before_anything_is_graded(tmp_path, capsys):
    course = grading.make_course(tmp_path / "course", [AID])
    assert "there is no gradebook at" in refused(["feedback", "-a", AID, "--course", str(course)], capsys)
    assert not (course / "gradebook.db").exists()
    roster_only = rostered_course(tmp_path / "rostered")
    before = snapshot(roster_only)
    err = refused(["feedback", "-a", AID, "--course", str(roster_only)], capsys)
    assert "the gradebook has no assignment '07-slos'" in err and snapshot(roster_only) == before
