"""The gradebook's cost per submission does not grow with the class.

nbgrader's own `submitted.grades`, `submitted.comments` and `submission.score` select grades by a column no index
covers, so each scanned every grade ever recorded: writing one result grew with the class, and reading a class
for export was quadratic (10 s for 1,600 students). These tests count SQLite's virtual-machine steps, which are
deterministic, instead of timing anything: the same write into a gradebook of 10 students and of 300 must take
about the same number of steps. They also check that the faster reads give nbgrader's own answers.
"""

from __future__ import annotations

import itertools
import warnings

import pytest

from autograder import gradebook, records
from autograder.assignment import Assignment, Question
from autograder.results import QuestionResult, Result
from tests.support.postgres import postgres  # noqa: F401 - a fixture

AID = "a1"
DATABASES = itertools.count()   # a new PostgreSQL database for each test
QUESTIONS = [Question("q1", 2.0, False), Question("q2", 3.0, False), Question("w1", 5.0, True)]


def sqlite_url(path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'gradebook.db'}"


def build(url: str, students: int) -> str:
    """A gradebook as `nbgrader generate_assignment` and earlier grading leave it: a1 (two autograded cells and
    one written answer), a2 (two notebooks) so that reads must keep to their assignment, and `students` graded."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.add_assignment(AID)
        gb.add_notebook(AID, AID)
        for q in QUESTIONS:
            gb.add_grade_cell(q.id, AID, AID, max_score=q.points, cell_type="markdown" if q.manual else "code")
            gb.add_solution_cell(q.id, AID, AID)
        gb.add_assignment("a2")
        for nb in ("x", "y"):
            gb.add_notebook(nb, "a2")
            gb.add_grade_cell("q1", nb, "a2", max_score=1.0, cell_type="code")
        for i in range(students):
            gb.add_student(f"s{i}")
            for aid in (AID, "a2"):
                gb.add_submission(aid, f"s{i}")
                for nb in gb.find_submission(aid, f"s{i}").notebooks:
                    for grade in nb.grades:
                        grade.auto_score = 1.0
        gb.db.commit()
    return url


def result(student: str) -> Result:
    return Result(student, f"{AID}.ipynb", "graded",
                  questions=[QuestionResult("q1", 2.0, 2.0, "passed", ""),
                             QuestionResult("q2", 0.0, 3.0, "failed", "")],
                  manual=[{"id": "w1", "answered": True}])


def steps_of(gb, action) -> int:
    """SQLite virtual-machine instructions that `action()` runs on `gb`'s connections."""
    from sqlalchemy import event

    count = [0]

    def tick():
        count[0] += 1
        return 0   # go on

    def install(conn, *_):
        conn.connection.driver_connection.set_progress_handler(tick, 1)

    engine = gb.db.get_bind()
    event.listen(engine, "before_cursor_execute", install)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", install)
        gb.db.connection().connection.driver_connection.set_progress_handler(None, 1)
    return count[0]


def record_steps(tmp_path, students: int) -> int:
    """Steps to record a new student's submission, then the same student's regrade."""
    url = build(sqlite_url(tmp_path), students)
    asg = Assignment(AID, f"{AID}.ipynb", [], QUESTIONS, imports="")
    with gradebook._open(url) as gb:
        def both():
            gradebook.record(tmp_path, asg, url, result("new"), "digest", gb=gb)
            gradebook.record(tmp_path, asg, url, result("new"), "digest", gb=gb)
        return steps_of(gb, both)


def test_recording_a_submission_costs_the_same_in_a_class_of_10_and_of_300(tmp_path):
    small, large = record_steps(tmp_path / "small", 10), record_steps(tmp_path / "large", 300)
    # B-tree lookups grow with log(size), a scan with size: the old write took 6.8x the steps at 300.
    assert large < 1.2 * small, (small, large)


def score_steps(tmp_path, students: int) -> int:
    url = build(sqlite_url(tmp_path), students)
    with records.open_gradebook(url) as gb:
        return steps_of(gb, lambda: records.submission_scores(gb, AID))


def test_reading_scores_grows_in_step_with_the_class(tmp_path):
    small, large = score_steps(tmp_path / "small", 10), score_steps(tmp_path / "large", 300)
    # 30x the students: about 30x the steps (plus the lookups' log), never the square (the old read: 513x).
    assert large < 45 * small, (small, large)


@pytest.fixture(params=["sqlite", "postgresql"])
def varied(request, tmp_path):
    """A gradebook where every way a score can be made appears: auto, hand over auto, extra credit, a written
    answer not yet graded, a submission with nothing scored; in SQLite and in PostgreSQL."""
    from nbgrader.api import Gradebook

    if request.param == "postgresql":
        url = build(request.getfixturevalue("postgres").create_database(f"scores{next(DATABASES)}"), 4)
    else:
        url = build(sqlite_url(tmp_path), 4)
    with Gradebook(url) as gb:
        def grades(student, aid=AID):
            return {(nb.name, g.name): g for nb in gb.find_submission(aid, student).notebooks for g in nb.grades}
        g = grades("s0")
        g[(AID, "w1")].manual_score = 4.5
        g[(AID, "q2")].extra_credit = 0.5
        g = grades("s1")
        g[(AID, "w1")].auto_score = None      # waiting for a hand grade
        g[(AID, "q1")].manual_score = 0.0     # a hand grade of zero overrides the auto score
        for grade in grades("s2").values():
            grade.auto_score = None
        grades("s3", "a2")[("y", "q1")].extra_credit = 2.0
        gb.db.commit()
    return url


def test_scores_match_nbgraders_own(varied):
    from nbgrader.api import Gradebook

    with Gradebook(varied) as gb:
        for aid in (AID, "a2"):
            expected = {sub.student.id: (float(sub.score), any(g.manual_score is None and g.auto_score is None
                                                              for nb in sub.notebooks for g in nb.grades))
                        for sub in gb.assignment_submissions(aid)}
            assert records.submission_scores(gb, aid) == expected
        # The cases above are really there: not all alike.
        assert records.submission_scores(gb, AID) == {"s0": (7.0, False), "s1": (1.0, True), "s2": (0.0, True),
                                                      "s3": (3.0, False)}
        assert records.submission_scores(gb, "a2")["s3"] == (4.0, False)


def test_grades_and_comments_match_nbgraders_own(varied):
    from nbgrader.api import Gradebook

    with Gradebook(varied) as gb:
        for student in ("s0", "s1"):
            submitted = gb.find_submission_notebook(AID, AID, student)
            grades, comments = gradebook.grades_and_comments(gb, submitted)
            assert {k: v.id for k, v in grades.items()} == {g.name: g.id for g in submitted.grades}
            assert {k: v.id for k, v in comments.items()} == {c.name: c.id for c in submitted.comments}
            assert set(grades) == {"q1", "q2", "w1"}
