"""`tpm-grade grade` keeps its contract: the solution gets full marks, the released exercise 0, each
misconception variant loses exactly its questions; the JSON report has the promised shape; results
land in nbgrader's gradebook where stock formgrader and generate_feedback read them; a re-run
skips what is graded; a command that cannot run says why in one line and exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from autograder import cli, release
from autograder.nbgrader_bridge import env as nbgrader_env
from tests.support import grading
from tests.support.exercises import autograded, misconceptions

EXERCISES = release.assignment_ids(grading.ROOT)


@pytest.fixture(scope="module")
def grade_exercise(tmp_path_factory):
    """Grade one exercise on first use (solution, blank, one submission per misconception); cached."""
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("grade")
    cache = {}

    def grade(aid: str) -> dict:
        if aid not in cache:
            course = grading.make_course(base / f"course-{aid}", [aid])
            folder = base / f"submitted-{aid}"
            grading.write(grading.submission(aid), folder, "solution", aid)
            grading.write(grading.blank(aid), folder, "blank", aid)
            for i, wrong in enumerate(misconceptions(aid)):
                grading.write(grading.submission(aid, {wrong["answer"]: wrong["code"]}), folder, f"wrong-{i:02d}",
                              aid)
            cache[aid] = (course, grading.run(course, [folder], aid, base / f"{aid}.json"))
        return cache[aid]

    return grade


@pytest.mark.parametrize("aid", EXERCISES)
def test_solution_full_marks_blank_zero(aid, grade_exercise):
    _, report = grade_exercise(aid)
    solution, blank = report["solution"], report["blank"]
    assert solution["status"] == blank["status"] == "graded"
    assert solution["score"] == solution["max_score"] > 0
    assert all(q["status"] == "passed" for q in solution["questions"])
    assert blank["score"] == 0 and blank["max_score"] == solution["max_score"]
    assert {q["id"] for q in solution["questions"]} == autograded(aid)


@pytest.mark.parametrize("aid", EXERCISES)
def test_each_misconception_loses_exactly_its_questions(aid, grade_exercise):
    _, report = grade_exercise(aid)
    for i, wrong in enumerate(misconceptions(aid)):
        loses = set(wrong.get("loses", [wrong["question"]]))
        got = grading.scores(report[f"wrong-{i:02d}"])
        full = grading.scores(report["solution"])
        for qid, score in got.items():
            assert score == (0 if qid in loses else full[qid]), f"{qid}: {wrong['misconception']}"


def test_json_report_matches_the_contract(grade_exercise):
    _, report = grade_exercise("07-slos")
    entry = report["wrong-00"]
    assert set(entry) >= {"student", "notebook", "status", "score", "max_score", "questions"}
    assert entry["notebook"] == "07-slos.ipynb"
    for q in entry["questions"]:
        # A failed question also holds the learner's values it read and their diagnosis (docs/grading.md).
        extra = {"answer", "diagnosis"} if q["status"] == "failed" else set()
        assert set(q) == {"id", "score", "max_score", "status", "message", "mode"} | extra
        assert q["status"] in {"passed", "failed", "error", "timeout", "missing"}
        assert q["mode"] == "grader"   # every test of the kit's own runs on fetched plain values
        assert isinstance(q["score"], float) and isinstance(q["max_score"], float)
        assert q["message"] and "\n" not in q["message"]
    failed = next(q for q in entry["questions"] if q["status"] != "passed")
    assert failed["status"] == "failed" and "not right yet" in failed["message"]
    assert failed["diagnosis"]["id"] == "rounds-budget" and failed["answer"] == {"budget_errors": 21093}
    assert entry["manual_questions"] == [{"id": "q8-policy", "max_score": 3.0, "answered": True}]
    assert report["blank"]["manual_questions"][0]["answered"] is False


def test_messages_never_reveal_hidden_tests_or_expected_values(grade_exercise):
    course, report = grade_exercise("07-slos")
    for student, entry in report.items():
        text = json.dumps(entry)
        for secret in ("21_092", "21092,", "2026-10-17 14:25\"", "BEGIN HIDDEN", "check.equal"):
            if student == "solution" and secret in ("21092,", "2026-10-17 14:25\""):
                continue  # the solution's own values are echoed back to its author by the self-checks
            assert secret not in text, (student, secret)
        notebook = (course / "autograded" / student / "07-slos" / "07-slos.ipynb").read_text()
        assert "BEGIN HIDDEN TESTS" not in notebook and "check.equal(" not in notebook


def test_gradebook_feeds_stock_formgrader_and_feedback(grade_exercise):
    course, report = grade_exercise("07-slos")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solution = gb.find_submission("07-slos", "solution")
        assert solution.code_score == report["solution"]["score"]
        assert gb.find_submission("07-slos", "blank").code_score == 0
        written = gb.find_grade("q8-policy", "07-slos", "07-slos", "solution")
        assert written.needs_manual_grade and written.auto_score is None
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", "07-slos", "--force",
                           f"--CourseDirectory.root={course}"], cwd=course, env=nbgrader_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    page = (course / "feedback" / "solution" / "07-slos" / "07-slos.html").read_text()
    assert "q1-budget" in page or "Question 1" in page
    assert "BEGIN HIDDEN TESTS" not in page and "check.equal(" not in page


def test_rerun_skips_graded_keeps_hand_grades_and_force_regrades(tmp_path, capsys):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", ["07-slos"])
    folder = tmp_path / "in"
    path = grading.write(grading.submission("07-slos"), folder, "ana", "07-slos")
    first = grading.run(course, [folder], "07-slos", tmp_path / "a.json")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("q8-policy", "07-slos", "07-slos", "ana").manual_score = 2.5
        gb.db.commit()
    capsys.readouterr()
    again = grading.run(course, [folder], "07-slos", tmp_path / "b.json")
    assert "already graded, skipped" in capsys.readouterr().out
    assert again == first
    forced = grading.run(course, [folder], "07-slos", tmp_path / "c.json", force=True)
    assert "skipped" not in capsys.readouterr().out and forced["ana"]["score"] == first["ana"]["score"]
    path.write_text(path.read_text().replace("budget_errors = math.floor", "budget_errors = round"))
    changed = grading.run(course, [folder], "07-slos", tmp_path / "d.json")
    assert changed["ana"]["score"] == first["ana"]["score"] - 2, "a changed file is graded again"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_grade("q8-policy", "07-slos", "07-slos", "ana").manual_score == 2.5


def test_submission_layouts_file_folder_nested_and_zip(tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", ["07-slos"])
    good = grading.submission("07-slos")
    from autograder import notebooks

    notebooks.write(good, tmp_path / "loose" / "bo.ipynb")                     # a file: id = stem
    notebooks.write(good, tmp_path / "flat" / "cy" / "my-work.ipynb")          # STUDENT/NOTEBOOK.ipynb
    grading.write(good, tmp_path / "nested", "di", "07-slos")                  # STUDENT/ASSIGNMENT/NOTEBOOK
    (tmp_path / "flat" / "ed").mkdir()                                          # a student with nothing
    with zipfile.ZipFile(tmp_path / "lms.zip", "w") as zf:
        zf.writestr("submitted/fay/07-slos/07-slos.ipynb", json.dumps(good))
    report = grading.run(course, [tmp_path / "loose" / "bo.ipynb", tmp_path / "flat", tmp_path / "nested",
                                  tmp_path / "lms.zip"], "07-slos", tmp_path / "r.json")
    assert {s: r["status"] for s, r in report.items()} == {
        "bo": "graded", "cy": "graded", "di": "graded", "ed": "ungradable", "fay": "graded"}
    assert all(report[s]["score"] == 12 for s in ("bo", "cy", "di", "fay"))
    assert "no notebook" in report["ed"]["reason"]


@pytest.mark.parametrize(("argv", "phrase"), [
    (["grade", "x.ipynb", "-a", "99-nothing"], "No assignment '99-nothing'"),
    (["grade", "does-not-exist.ipynb", "-a", "07-slos"], "does-not-exist.ipynb does not exist"),
    (["grade", "x.ipynb", "-a", "07-slos", "--timeout", "0"], "--timeout must be a positive"),
])
def test_command_that_cannot_run_says_why_in_one_line(argv, phrase, tmp_path, capsys, monkeypatch):
    grading.require_sandbox()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.ipynb").write_text("{}")
    course = grading.make_course(tmp_path / "course", ["07-slos"])
    assert cli.main([*argv, "--course", str(course)]) == 2
    err = capsys.readouterr().err.strip()
    assert phrase in err and len(err.splitlines()) == 1


def test_progress_prints_one_line_per_submission(tmp_path, capsys):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", ["07-slos"])
    for who in ("a1", "a2", "a3"):
        grading.write(grading.blank("07-slos"), tmp_path / "in", who, "07-slos")
    grading.run(course, [tmp_path / "in"], "07-slos", tmp_path / "r.json")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Grading 3 submission(s) of 07-slos") and "sandbox on" in lines[0]
    assert sorted(line.split("] ")[1].split(":")[0] for line in lines[1:]) == ["a1", "a2", "a3"]


def test_unsafe_mode_is_refused_as_root(tmp_path, capsys):
    import os

    if os.geteuid() != 0:
        pytest.skip("only root is refused --unsafe-no-sandbox")
    course = grading.make_course(tmp_path / "course", ["07-slos"])
    (tmp_path / "x.ipynb").write_text("{}")
    assert cli.main(["grade", str(tmp_path / "x.ipynb"), "-a", "07-slos", "--course", str(course),
                     "--unsafe-no-sandbox"]) == 2
    assert "refused as root" in capsys.readouterr().err
