"""docs/instructor.md, run end to end: from a copy of the kit to grades an LMS imports.

Release, roster import, collect a Canvas download, grade in the sandbox, a hand grade entered the
way formgrader enters it, feedback pages, and the three export formats; every step through
`tpm-grade` (autograder.cli.main), on generated submissions: the solution, the blank exercise and a
misconception variant (whose answers also try to inject HTML), plus a rostered student who
submitted nothing. The numbers in every file are checked, and the feedback pages are searched for
every hidden key and every piece of solution-only text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re

import pytest

from autograder import assignment, cli, export, feedback, notebooks
from tests.support import grading
from tests.support.exercises import misconceptions
from tests.support.instructor import AID, ROSTER, canvas_zip, write_roster
from tests.support.keys import hidden_keys

HOSTILE_CODE = "# <script>alert('code')</script>\n"
HOSTILE_TEXT = "<script>alert('written')</script> Freeze features when the budget is spent; <b>bold</b> & more."
ANA_POLICY = "When the 30-day budget is spent we stop feature releases; the PM and lead decide; security fixes ship."
HAND_COMMENT = "Clear freeze rule. <Name> who decides when the lead and PM disagree."


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """Every step of docs/instructor.md, once, from the course root; returns the course and what was printed."""
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("walkthrough")
    course = grading.make_course(base / "course", [AID])        # git clone (only this exercise)
    log = io.StringIO()

    def run(*argv: str) -> None:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = cli.main([*argv, "--course", str(course)])
        assert code == 0, (argv, log.getvalue()[-2000:])

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(course)
        run("release", AID)                                                        # make release
        write_roster(course)
        run("roster", "import", "roster.csv")                                      # tpm-grade roster import

        wrong = misconceptions(AID)[0]                                             # rounds the budget (q1)
        cy = grading.submission(AID, {wrong["answer"]: HOSTILE_CODE + wrong["code"], "q8-policy": HOSTILE_TEXT})
        canvas_zip(course / "submissions.zip", {                                   # Canvas: Download Submissions
            "lovelaceada_1001_5001_07-slos.ipynb": grading.submission(AID, {"q8-policy": ANA_POLICY}),
            "babbagecharles_1002_5002_07-slos.ipynb": grading.blank(AID),
            "hoppergrace_LATE_1003_5003_07-slos-1.ipynb": cy,
            "hoppergrace_LATE_1003_5004_notes.txt": "my scratch notes",
        })
        run("collect", "submissions.zip", "-a", AID)                               # tpm-grade collect
        run("grade", "submitted/", "-a", AID, "--json", "grades-07.json", "--workers", "2")   # tpm-grade grade

        # Hand grading in formgrader: a score and a comment for ana's written answer, entered the way
        # formgrader's API enters them.
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            grade = gb.find_grade("q8-policy", AID, AID, "ana")
            grade.manual_score, grade.needs_manual_grade = 2.5, False
            gb.find_comment("q8-policy", AID, AID, "ana").manual_comment = HAND_COMMENT
            gb.db.commit()

        run("feedback", "-a", AID)                                                 # tpm-grade feedback
        for fmt in ("canvas", "moodle", "csv"):                                    # tpm-grade export
            run("export", "-a", AID, "--format", fmt, "--output", f"grades-{fmt}.csv")
    return course, {"base": course, "log": log.getvalue()}


def _csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_collect_put_each_notebook_where_grading_looks(walkthrough):
    course, _ = walkthrough
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["ana", "bo", "cy"]
    for student in ("ana", "bo", "cy"):
        assert (submitted / student / AID / f"{AID}.ipynb").is_file()
    ana = notebooks.read(submitted / "ana" / AID / f"{AID}.ipynb")
    assert ana == grading.submission(AID, {"q8-policy": ANA_POLICY})
    assert not list(submitted.rglob("*.txt")), "only the notebook is collected"


def test_the_same_steps_as_library_calls_return_what_the_commands_wrote(walkthrough, tmp_path):
    """export_grades and write_feedback, the functions behind the commands, hand back what they wrote."""
    course, out = walkthrough
    done = export.export_grades(assignments=[AID], fmt="csv", output=tmp_path / "g.csv", course=course)
    assert done.rows == _csv(out["base"] / "grades-csv.csv") and done.students == 4
    assert done.absent == {AID: ["di"]} and done.pending == {AID: ["cy"]}
    pages = feedback.write_feedback(assignment=AID, course=course, students=["ana"], dest=tmp_path / "fb")
    [(page, path)] = pages
    assert (page.student, page.score, page.max_score) == ("ana", 14.5, 15.0)
    assert path == tmp_path / "fb" / "ana" / AID / f"{AID}.html" and path.read_text(encoding="utf-8") == (
        out["base"] / "feedback" / "ana" / AID / f"{AID}.html").read_text(encoding="utf-8")


def test_export_csv_numbers(walkthrough):
    _, out = walkthrough
    with open(out["base"] / "grades-csv.csv", newline="", encoding="utf-8") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"ana", "bo", "cy", "di"}
    assert rows["ana"] == {"student_id": "ana", "first_name": "Ada", "last_name": "Lovelace",
                                "email": "ana@example.edu", "assignment": AID, "score": "14.5", "max_score": "15",
                                "hand_grading": "done"}
    assert (rows["bo"]["score"], rows["bo"]["hand_grading"]) == ("0", "done")      # blank: nothing to hand-grade
    assert (rows["cy"]["score"], rows["cy"]["hand_grading"]) == ("10", "pending")  # lost q1 (2 points)
    assert (rows["di"]["score"], rows["di"]["hand_grading"]) == ("", "")            # no submission: empty, not 0


def test_export_canvas_layout_and_numbers(walkthrough):
    _, out = walkthrough
    rows = _csv(out["base"] / "grades-canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", AID]
    assert rows[1] == ["Points Possible", "", "", "", "", "15"]
    body = {r[2]: r for r in rows[2:]}
    assert body["ana"] == ["Lovelace, Ada", "1001", "ana", "", "", "14.5"]
    assert [body[s][5] for s in ("bo", "cy", "di")] == ["0", "10", ""]


def test_export_moodle_layout_and_numbers(walkthrough):
    _, out = walkthrough
    rows = _csv(out["base"] / "grades-moodle.csv")
    assert rows[0] == ["First name", "Last name", "ID number", "Email address", f"Assignment: {AID} (Real)"]
    body = {r[2]: r for r in rows[1:]}
    assert body["ana"] == ["Ada", "Lovelace", "ana", "ana@example.edu", "14.5"]
    assert [body[s][4] for s in ("bo", "cy", "di")] == ["0", "10", ""]


def _page(course, student: str) -> str:
    return (course / "feedback" / student / AID / f"{AID}.html").read_text(encoding="utf-8")


def test_feedback_shows_scores_messages_and_the_hand_grade(walkthrough):
    course, _ = walkthrough
    assert sorted(p.name for p in (course / "feedback").iterdir()) == ["ana", "bo", "cy"]
    ana, bo, cy = (_page(course, s) for s in ("ana", "bo", "cy"))
    assert "14.5 / 15" in ana and "Graded by hand" in ana and "we stop feature releases" in ana
    assert "Clear freeze rule. &lt;Name&gt; who decides" in ana                   # the formgrader comment, escaped
    assert "0 / 15" in bo and "Not answered" in bo and "No response." in bo
    assert "10 / 15" in cy and "1 answer(s) still to be graded" in cy
    assert "budget_errors is not right yet." in cy                                 # the check's message
    assert "Question 1: an error budget" in cy and "<h2><span>Question 8" in cy    # prompts and titles


def test_feedback_escapes_what_the_learner_typed(walkthrough):
    course, _ = walkthrough
    cy = _page(course, "cy")
    assert "<script" not in cy and "<b>bold</b>" not in cy
    assert "&lt;script&gt;alert(&#x27;code&#x27;)&lt;/script&gt;" in cy
    # The written answer was sanitized when graded (its script is gone); what is left is shown as text.
    assert "alert(&#x27;written&#x27;)" not in cy and "more." in cy


def _forms(value) -> list[str]:
    """How a hidden key could be written out: 21092 as 21092, 21_092 or 21,092; 50.0 as 50.0 or 50."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return [str(value)]
    if isinstance(value, int):
        return [str(value), f"{value:_}", f"{value:,}"]
    if isinstance(value, float):
        return sorted({repr(value), f"{value:g}", f"{value:.2f}"})
    return [repr(value)]


def _without_prompts(page: str) -> str:
    return re.sub(r'<details class="prompt">.*?</details>', "", page, flags=re.DOTALL)


def test_feedback_never_shows_hidden_tests_keys_or_solutions(walkthrough):
    course, _ = walkthrough
    source = notebooks.read(course / "solutions" / AID / f"{AID}.ipynb")
    asg = assignment.load(course, AID)
    hidden_lines = [line.strip() for cell in notebooks.graded_cells(source) if "BEGIN HIDDEN TESTS" in cell.source
                    for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                    .splitlines() if line.strip().startswith("check.")]
    written = next(c for c in asg.cells if c.grade_id == "q8-policy")
    solution_only = [line.strip() for line in notebooks.solution_text(written.source).splitlines() if line.strip()]
    answers = {c.grade_id: notebooks.solution_text(c.source) for c in asg.cells if c.role == "answer"}
    assert hidden_lines and solution_only and len(answers) == 7
    lost = {"bo": set(hidden_keys(AID)), "cy": {misconceptions(AID)[0]["question"]}, "ana": set()}
    for student, questions in lost.items():
        page = _page(course, student)
        for marker in ("BEGIN HIDDEN", "END HIDDEN", "BEGIN SOLUTION", "END SOLUTION", "Model answer", "Rubric"):
            assert marker not in page, (student, marker)
        for line in hidden_lines + solution_only:
            assert line not in page, (student, line)
        learner_part = _without_prompts(page)
        for qid in questions:
            for form in _forms(hidden_keys(AID)[qid]):
                assert not re.search(rf"(?<![\w.]){re.escape(form)}(?![\w]|\.\d)", learner_part), (student, qid, form)
        if student == "bo":    # the blank notebook: no line of any solution answer appears either
            for code in answers.values():
                for line in code.splitlines():
                    if len(line.strip()) > 12:
                        assert line.strip() not in page, line


def test_feedback_prompts_are_the_released_text(walkthrough):
    course, _ = walkthrough
    released = "\n".join(c.source for c in notebooks.read(course / "exercises" / AID / f"{AID}.ipynb").cells)
    page = _page(course, "bo")
    for block in re.findall(r'<details class="prompt"><summary>The question</summary>(.*?)</details>', page, re.S):
        for words in re.findall(r"<p>([^<]{20,})", block):
            plain = words.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&").split("\n")[0]
            assert plain in released, plain


def test_roster_listed_after_the_walkthrough(walkthrough, capsys):
    course, _ = walkthrough
    capsys.readouterr()
    assert cli.main(["roster", "list", "--course", str(course)]) == 0
    listed = capsys.readouterr().out
    for line in ROSTER.splitlines()[1:]:
        sid, first, last, email, lms = line.split(",")
        assert re.search(rf"^{sid}\s+{first}\s+{last}\s+{re.escape(email)}\s+{lms}$", listed, re.M), line


DOCS = grading.ROOT / "docs" / "instructor.md"


def test_docs_show_the_output_the_commands_print(walkthrough):
    _, out = walkthrough
    blocks = re.findall(r"```text\n(.*?)```", DOCS.read_text(), re.DOTALL)
    shown = [line.strip() for block in blocks for line in block.splitlines()
             if line.strip() and not line.strip().startswith("tpm-grade ")]  # error examples: tested elsewhere
    assert len(shown) >= 7
    for line in shown:
        assert line in out["log"], line


def test_docs_show_every_command_the_walkthrough_runs():
    docs = DOCS.read_text()
    for command in ("make release", "source .venv/bin/activate", "tpm-grade roster import roster.csv",
                    "tpm-grade roster list", "nbgrader release_assignment 07-slos",
                    "tpm-grade collect submissions.zip -a 07-slos", "nbgrader collect 07-slos",
                    "tpm-grade grade submitted/ -a 07-slos --json grades-07.json", "jupyter lab",
                    "http://127.0.0.1:8888/formgrader", "tpm-grade feedback -a 07-slos",
                    "nbgrader release_feedback 07-slos",
                    "tpm-grade export -a 07-slos --format canvas --output grades-canvas.csv",
                    "tpm-grade export -a 07-slos --format moodle --output grades-moodle.csv"):
        assert command in docs, command
    assert "(docs/instructor.md)" in (grading.ROOT / "README.md").read_text()
