"""Diagnosis (autograder/diagnosis.py): a wrong answer that a known misconception produces is named, with the
misconception's explanation, in the JSON report, `tpm-grade ci`'s report and the learner's feedback page; a
wrong answer no misconception produces is reported as unmatched; right and blank answers get no diagnosis.

The cohort is generated: every known misconception of 07-slos (twice), 11-prioritisation-and-delivery and
03-deployments (once each) is typed into its answer cell, beside right, blank and an unmatched wrong answer,
and graded through `tpm-grade grade`'s own path."""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter

import pytest

from autograder import ci, diagnosis, feedback, insight, misconceptions, notebooks
from autograder.records import RecordsError
from autograder.scratch import fill_answers
from tests.support import ROOT, grading
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_browser
from tests.support.forms import written_forms
from tests.support.keys import hidden_keys

PLANTED = {"07-slos": 2, "11-prioritisation-and-delivery": 1, "03-deployments": 1, "04-sql": 1}
UNMATCHED = {"q1-answer": "budget_errors = 12345"}   # 07-slos: wrong, and no known misconception's value


# -- the parts, without a kernel ---------------------------------------------------------------------

def test_numbers_match_within_the_questions_tolerance_and_nothing_else_does():
    assert diagnosis.same({"x": 21093}, {"x": 21093.0}, 0)
    assert diagnosis.same({"x": 10.04}, {"x": 10.0}, 0.05) and not diagnosis.same({"x": 10.2}, {"x": 10.0}, 0.05)
    assert not diagnosis.same({"x": True}, {"x": 1}, 0), "a bool is not the number 1"
    assert diagnosis.same({"s": " 14:20 "}, {"s": "14:20"}, 0) and not diagnosis.same({"s": "a"}, {"t": "a"}, 0)
    assert diagnosis.tolerance("check.close(x, 1.5, 'x', abs_tol=0.05)") == 0.05
    assert diagnosis.tolerance("check.equal(x, 2, 'x')") == 0.0


def test_a_workers_answer_is_read_as_plain_data_only():
    assert diagnosis.plain_answer({"x": [1, 2.5, "a", None, {"k": True}]}) == {"x": [1, 2.5, "a", None, {"k": True}]}
    assert diagnosis.plain_answer({"not a name": 1}) is None and diagnosis.plain_answer([1]) is None
    assert diagnosis.plain_answer({"x": float("nan")}) == {"x": "nan"}
    big = diagnosis.plain_answer({"x": "y" * 50_000})
    assert set(big["x"]) == {"__digest__"}, "a large answer is kept as a digest, not in full"


def test_of_two_close_misconceptions_the_nearest_is_named():
    entries = [{"id": "far", "question": "q", "explanation": "F."},
               {"id": "near", "question": "q", "explanation": "N."}]
    known = diagnosis.Known(entries, {"far": {"x": 10.4}, "near": {"x": 10.0}}, {"q": 0.5})
    assert known.diagnose("q", {"x": 10.0})["id"] == "near" and known.diagnose("q", {"x": 10.4})["id"] == "far"


def test_the_first_misconception_of_the_question_whose_answer_matches_is_named():
    entries = [{"id": "a", "question": "q1", "explanation": "A."}, {"id": "b", "question": "q2", "explanation": "B."}]
    known = diagnosis.Known(entries, {"a": {"x": 1}, "b": {"x": 2}}, {"q1": 0, "q2": 0})
    assert known.diagnose("q1", {"x": 1}) == {"id": "a", "explanation": "A."}
    assert known.diagnose("q1", {"x": 2}) is None, "b's value, but b belongs to another question"
    assert known.diagnose("q1", None) is None


def test_what_an_answer_produced_is_compared_when_both_say_not_its_text():
    produced = {"columns": ["n"], "rows": [[1], [2]]}
    known = diagnosis.Known([{"id": "count-rows", "question": "q", "explanation": "C."}],
                            {"count-rows": {"q_sql": "SELECT COUNT(*) AS n ...", diagnosis.PRODUCED: produced}},
                            {"q": 0})
    same_rows = {"q_sql": "select count(1) as n ...", diagnosis.PRODUCED: produced}
    assert known.diagnose("q", same_rows)["id"] == "count-rows"
    other = {"columns": ["n"], "rows": [[1], [3]]}
    assert known.diagnose("q", {"q_sql": "SELECT COUNT(*) AS n ...", diagnosis.PRODUCED: other}) is None
    assert diagnosis.tolerance("sql.same_result(q_sql, rows, 'q_sql', tolerance=0.01)") == 0.01


def test_of_two_misconceptions_with_the_same_result_the_one_whose_query_reads_alike_is_named():
    nothing = {"columns": ["user_id"], "rows": []}
    known = diagnosis.Known(
        [{"id": "equals-null", "question": "q", "explanation": "E."},
         {"id": "not-in-with-null", "question": "q", "explanation": "N."}],
        {"equals-null": {"q_sql": "SELECT user_id FROM users WHERE user_id = NULL", diagnosis.PRODUCED: nothing},
         "not-in-with-null": {"q_sql": "SELECT user_id FROM users WHERE user_id NOT IN (SELECT user_id FROM orders)",
                              diagnosis.PRODUCED: nothing}}, {"q": 0})
    learner = {"q_sql": "select user_id from users where user_id not in (select user_id from orders o)",
               diagnosis.PRODUCED: nothing}
    assert known.diagnose("q", learner)["id"] == "not-in-with-null"
    learner["q_sql"] = "SELECT user_id FROM users WHERE user_id=NULL"
    assert known.diagnose("q", learner)["id"] == "equals-null"


# -- a generated cohort, graded ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("diagnosis")
    course = grading.make_course(base / "course", list(PLANTED))
    planted: dict[str, dict[str, str]] = {}   # aid -> student -> misconception id planted
    reports = {}
    for aid, times in PLANTED.items():
        released = notebooks.read(ROOT / "exercises" / aid / f"{aid}.ipynb")
        source = notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")
        submitted = base / "submitted" / aid
        planted[aid] = {}
        for entry in misconceptions.load(ROOT, aid):
            for n in range(times):
                student = f"{entry['id']}-{n}"
                grading.write(fill_answers(released, source, {entry["answer"]: entry["code"]}), submitted, student, aid)
                planted[aid][student] = entry["id"]
        grading.write(fill_answers(released, source), submitted, "right", aid)
        grading.write(released, submitted, "blank", aid)
        if aid == "07-slos":
            grading.write(fill_answers(released, source, UNMATCHED), submitted, "unmatched", aid)
        reports[aid] = grading.run(course, [submitted], aid, base / f"{aid}.json")
    return course, planted, reports


@pytest.mark.parametrize("aid", PLANTED)
def test_every_planted_misconception_is_named_on_its_question(cohort, aid):
    _, planted, reports = cohort
    entries = {e["id"]: e for e in misconceptions.load(ROOT, aid)}
    named = Counter()
    for student, mid in planted[aid].items():
        by_id = {q["id"]: q for q in reports[aid][student]["questions"]}
        lost = by_id[entries[mid]["question"]]
        if lost["mode"] != "grader":
            assert "diagnosis" not in lost, "a test run in the kernel reads no values to diagnose"
            continue
        assert lost["status"] == "failed", (student, lost["status"])
        assert lost["diagnosis"] == {"id": mid, "explanation": entries[mid]["explanation"]}, student
        named[lost["diagnosis"]["id"]] += 1
    graded_in_grader = [m for s, m in planted[aid].items()
                        if next(q for q in reports[aid][s]["questions"]
                                if q["id"] == entries[m]["question"])["mode"] == "grader"]
    assert named == Counter(graded_in_grader), "each misconception counted exactly as often as it was planted"
    assert len(named) >= 0.8 * len(entries)


def test_right_and_blank_answers_get_no_diagnosis_and_an_unknown_wrong_one_is_unmatched(cohort):
    _, _, reports = cohort
    for aid in PLANTED:
        assert all(q["status"] == "passed" for q in reports[aid]["right"]["questions"])
        assert not any(q.get("diagnosis") for q in reports[aid]["blank"]["questions"])
    q1 = next(q for q in reports["07-slos"]["unmatched"]["questions"] if q["id"] == "q1-budget")
    assert q1["status"] == "failed" and q1["diagnosis"] is None and q1["answer"] == {"budget_errors": 12345}


def test_the_learner_sees_the_explanation_and_never_the_right_value(cohort, tmp_path):
    """The feedback page (tpm-grade feedback) and a push's report (tpm-grade ci, JSON, JUnit and Markdown)."""
    course, _, _ = cohort
    aid, student = "07-slos", "rounds-budget-0"
    entry = next(e for e in misconceptions.load(ROOT, aid) if e["id"] == "rounds-budget")
    feedback.main(assignment=aid, course=course, students=[student], dest=tmp_path / "feedback")
    page = (tmp_path / "feedback" / student / aid / f"{aid}.html").read_text()
    repo = tmp_path / "repo"
    released = notebooks.read(ROOT / "exercises" / aid / f"{aid}.ipynb")
    source = notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")
    notebooks.write(fill_answers(released, source, {entry["answer"]: entry["code"]}),
                    repo / "exercises" / aid / f"{aid}.ipynb")
    ci.main(path=repo, course=course, json_path=tmp_path / "ci.json", junit_path=tmp_path / "ci.xml",
            markdown_path=tmp_path / "ci.md", stream=io.StringIO())
    q1 = next(q for q in json.loads((tmp_path / "ci.json").read_text())["assignments"][0]["questions"]
              if q["id"] == "q1-budget")
    assert q1["diagnosis"]["id"] == "rounds-budget"
    first_sentence = entry["explanation"].split(". ")[0]
    for name, shown in (("feedback page", page), ("ci markdown", (tmp_path / "ci.md").read_text()),
                        ("ci junit", (tmp_path / "ci.xml").read_text())):
        assert "A common mistake" in shown and first_sentence in shown.replace("\\", ""), name
        for form in written_forms(hidden_keys(aid)["q1-budget"]):
            assert form not in shown.casefold(), (name, form)


# -- the instructor's cohort report -------------------------------------------------------------------

@pytest.fixture(scope="module")
def insight_07(cohort, tmp_path_factory):
    course, planted, _ = cohort
    out = tmp_path_factory.mktemp("insight")
    insight.main(assignment="07-slos", course=course, output=out / "insight.html", json_path=out / "insight.json",
                 threshold=50)
    return out, json.loads((out / "insight.json").read_text()), planted["07-slos"]


def test_insight_counts_every_misconception_as_planted(insight_07):
    _, report, planted = insight_07
    entries = {e["id"]: e for e in misconceptions.load(ROOT, "07-slos")}
    assert report["assignment"] == "07-slos" and report["students"] == len(planted) + 3
    by_q = {q["id"]: q for q in report["questions"]}
    expected = Counter((entries[m]["question"], m) for m in planted.values())
    seen = Counter({(qid, m["id"]): m["count"] for qid, q in by_q.items() for m in q["misconceptions"]})
    assert seen == expected
    for q in report["questions"]:
        for m in q["misconceptions"]:
            assert m["share"] == round(m["count"] / report["students"], 4)
        parts = q["passed"] + q["failed"] + q["missing"] + q["error"] + q["timeout"]
        assert abs(parts - 1) < 1e-3, q["id"]
    assert by_q["q1-budget"]["unmatched"] == [{"value": "12345", "count": 1}]
    # Scores come from the gradebook, whose total counts the hand-graded questions too.
    assert report["scores_from"] == "gradebook"
    assert {"student": "blank", "score": 0.0, "max_score": 15.0, "percent": 0.0} in report["below_threshold"]
    assert all(s["percent"] < 50 for s in report["below_threshold"])
    assert all(isinstance(q["discrimination"], (float, type(None))) for q in report["questions"])


def test_discrimination_is_the_point_biserial_correlation():
    assert insight.point_biserial([1, 1, 0, 0], [10, 8, 2, 0]) == pytest.approx(8 / 68 ** 0.5, abs=1e-12)
    assert insight.point_biserial([1, 1, 1], [3, 4, 5]) is None, "no spread: no correlation"


def test_insight_on_nothing_graded_says_so_in_one_line(tmp_path):
    with pytest.raises(insight.InsightError, match="grade it first"):
        insight.main(assignment="07-slos", course=tmp_path, output=tmp_path / "x.html")


def test_insight_takes_scores_from_the_gradebook_hand_grades_included(cohort, tmp_path):
    """The gradebook's scores count hand grades (an instructor's override here); without a gradebook the page
    says its scores are autograded only; a --db-url that names no gradebook is refused in one line."""
    from nbgrader.api import Gradebook

    course, _, _ = cohort
    copy = tmp_path / "course"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("autograded", "submitted"))
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        grade = gb.find_grade("q1-budget", "07-slos", "07-slos", "blank")
        grade.manual_score = grade.max_score
        points = float(grade.max_score)
        gb.db.commit()
    out = tmp_path / "out"
    insight.main(assignment="07-slos", course=copy, output=out / "i.html", json_path=out / "i.json")
    blank = next(s for s in insight.analyse(copy, "07-slos", 50, insight.gradebook_scores(copy, "07-slos", None))
                 ["scores"] if s["student"] == "blank")
    assert blank["score"] == points and blank["max_score"] == 15.0   # 12 autograded points and 3 hand-graded
    assert "scores from the gradebook, hand grades included" in (out / "i.html").read_text()
    with pytest.raises(RecordsError, match="no gradebook"):
        insight.main(assignment="07-slos", course=copy, output=out / "j.html",
                     db_url=f"sqlite:///{tmp_path / 'none.db'}")
    (copy / "gradebook.db").unlink()
    insight.main(assignment="07-slos", course=copy, output=out / "k.html")
    assert "scores autograded only" in (out / "k.html").read_text()
    assert insight.gradebook_scores(copy, "07-slos", None) is None


def test_the_insight_and_feedback_pages_render_in_chromium(insight_07, cohort, tmp_path):
    from playwright.sync_api import sync_playwright

    need_browser()
    out, _, _ = insight_07
    course, _, _ = cohort
    feedback.main(assignment="07-slos", course=course, students=["30-day-month-0"], dest=tmp_path / "fb")
    pages = [out / "insight.html", tmp_path / "fb" / "30-day-month-0" / "07-slos" / "07-slos.html"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(pages[0].as_uri())
        assert page.evaluate("() => document.getElementById('distribution').naturalWidth") > 0, "the plot is drawn"
        assert "30-day-month" in page.inner_text("body")
        page.goto(pages[1].as_uri())
        assert "A common mistake" in page.inner_text(".diagnosis")
        browser.close()
    assert errors == []
