"""tpm-grade on ordinary nbgrader courses, compared with stock nbgrader on nbgrader's own material.

Two sets ship inside the installed nbgrader package, so these run offline:
- its documentation course (`docs/source/user_guide`: ps1 with problem1.ipynb, problem2.ipynb and
  jupyter.png, and the submissions of bitdiddle and hacker), which nbgrader's own grades.csv scores
  1.5 and 3.0;
- the notebooks its autograde tests use (`tests/apps/files`), arranged the way those tests arrange them.

Each course is built twice. Stock nbgrader generates and autogrades one copy. The other copy is left as
`nbgrader generate_assignment` leaves it (release/ made, the gradebook knowing the assignment) and graded by
`tpm-grade grade`, started from another folder. Every grade the two gradebooks hold must agree: the
autograded scores and the automatic 0 of a blank hand-graded answer.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbgrader
import pytest

from autograder.nbgrader_bridge import env as nbgrader_env
from tests.support import grading

NBGRADER = Path(nbgrader.__file__).parent
DOCS = NBGRADER / "docs" / "source" / "user_guide"
FILES = NBGRADER / "tests" / "apps" / "files"


def stock(course: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def tpm_grade(course: Path, aid: str, report: Path, *extra: str, cwd: Path = Path("/")) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder.cli", "grade", str(course / "submitted"), "--assignment", aid,
               "--course", str(course), "--json", str(report), "--workers", "2", *extra]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=nbgrader_env())


def gradebook_scores(course: Path, aid: str) -> dict[tuple[str, str, str], float | None]:
    """(student, notebook, grade cell) -> the automatic score the gradebook holds."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(aid):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    out[(submission.student.id, notebook.name, grade.name)] = grade.auto_score
    return out


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def both_ways(build, aid: str, tmp_path: Path) -> tuple[dict, dict, dict, Path]:
    """Build the course twice; stock-grade one and tpm-grade the other. Returns both gradebooks' scores, the
    tpm-grade report and the tpm-grade course."""
    ours, theirs = tmp_path / "tpm", tmp_path / "stock"
    for course in (ours, theirs):
        build(course)
        stock(course, "generate_assignment", aid, "--force")
    stock(theirs, "autograde", aid, "--force")
    submitted = tree_digest(ours / "submitted")
    report = tmp_path / "report.json"
    done = tpm_grade(ours, aid, report)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tree_digest(ours / "submitted") == submitted, "tpm-grade changed a submission"
    return gradebook_scores(ours, aid), gradebook_scores(theirs, aid), json.loads(report.read_text()), ours


def docs_course(course: Path) -> None:
    """nbgrader's documentation course as it ships: source/ and submitted/, no gradebook."""
    for part in ("source", "submitted"):
        shutil.copytree(DOCS / part, course / part)
    shutil.copy(DOCS / "autotests.yml", course / "autotests.yml")


def test_nbgraders_documentation_course_gets_stocks_scores(tmp_path):
    grading.require_sandbox()
    ours, theirs, report, course = both_ways(docs_course, "ps1", tmp_path)
    assert ours == theirs
    totals: dict[str, float] = {}
    for entry in report["submissions"]:
        assert entry["status"] == "graded"
        totals[entry["student"]] = totals.get(entry["student"], 0) + entry["score"]
    shipped = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader((DOCS / "grades.csv").open())}
    assert totals == shipped == {"bitdiddle": 1.5, "hacker": 3.0}
    # One entry per student and notebook; questions named by grade_id; every hand-graded answer and task listed.
    assert sorted((e["student"], e["notebook"]) for e in report["submissions"]) == [
        ("bitdiddle", "problem1.ipynb"), ("bitdiddle", "problem2.ipynb"),
        ("hacker", "problem1.ipynb"), ("hacker", "problem2.ipynb")]
    problem1 = next(e for e in report["submissions"] if e["notebook"] == "problem1.ipynb")
    assert [q["id"] for q in problem1["questions"]] == [
        "correct_squares", "squares_invalid_input", "correct_sum_of_squares", "sum_of_squares_uses_squares"]
    assert [m["id"] for m in problem1["manual_questions"]] == [
        "sum_of_squares_equation", "sum_of_squares_application", "cell-938593c4a215c6cc"]
    # Left where nbgrader puts them: autograded/STUDENT/ps1/, with the course's image beside each notebook's run.
    assert (course / "autograded" / "hacker" / "ps1" / "problem2.ipynb").is_file()
    assert (course / "release" / "ps1" / "problem1.ipynb").is_file()
    # The gradebook is stock nbgrader's own: its feedback and export read it unchanged.
    stock(course, "generate_feedback", "ps1")
    assert (course / "feedback" / "bitdiddle" / "ps1" / "problem1.html").is_file()
    stock(course, "export", "--to", str(course / "grades.csv"))
    exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader((course / "grades.csv").open())}
    assert exported == shipped


def test_stock_nbgraders_gradebook_is_graded_again_without_a_clash(tmp_path):
    """A course stock nbgrader has already autograded: tpm-grade records over it, with the same scores; a source
    changed since then is refused in one line before anything is graded."""
    grading.require_sandbox()
    course = tmp_path / "course"
    docs_course(course)
    stock(course, "generate_assignment", "ps1")
    stock(course, "autograde", "ps1")
    before = gradebook_scores(course, "ps1")
    done = tpm_grade(course, "ps1", tmp_path / "r.json", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert gradebook_scores(course, "ps1") == before
    source = course / "source" / "ps1" / "problem1.ipynb"
    source.write_text(source.read_text().replace('"points": 2', '"points": 3'))
    done = tpm_grade(course, "ps1", tmp_path / "r2.json", "--force", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds ps1 with other graded cells or points in problem1" in lines[0], done.stderr
    assert "see the above traceback" not in done.stderr and not (tmp_path / "r2.json").exists()


# nbgrader's autograde tests: (source notebook, {student: submitted notebook}, course files)
CASES = {
    "changed-and-unchanged": ("submitted-unchanged.ipynb",
                              {"foo": "submitted-unchanged.ipynb", "bar": "submitted-changed.ipynb"}, {}),
    "showtraceback-exploit": ("submitted-unchanged.ipynb",
                              {"spam": "submitted-cheat-attempt.ipynb",
                               "eggs": "submitted-cheat-attempt-alternative.ipynb"}, {}),
    "autotest-simple": ("autotest-simple.ipynb", {"foo": "autotest-simple-unchanged.ipynb",
                                                  "bar": "autotest-simple-changed.ipynb"}, {"autotests.yml": None}),
    "autotest-hashed": ("autotest-hashed.ipynb", {"foo": "autotest-hashed-unchanged.ipynb",
                                                  "bar": "autotest-hashed-changed.ipynb"}, {"autotests.yml": None}),
    "autotest-multi": ("autotest-multi.ipynb", {"foo": "autotest-multi-unchanged.ipynb",
                                                "bar": "autotest-multi-changed.ipynb"}, {"autotests.yml": None}),
    "autotest-hidden": ("autotest-hidden.ipynb", {"foo": "autotest-hidden-unchanged.ipynb",
                                                  "bar": "autotest-hidden-changed-wrong.ipynb",
                                                  "baz": "autotest-hidden-changed-right.ipynb"},
                        {"autotests.yml": None}),
    "hidden-tests": ("test-hidden-tests.ipynb", {"foo": "test-hidden-tests.ipynb"}, {}),
    "side-effects": ("side-effects.ipynb", {"foo": "side-effects.ipynb"}, {}),
    "relative-file": ("open_relative_file.ipynb", {"foo": "open_relative_file.ipynb"}, {"source/ps1/data.txt": None}),
    "two-notebooks": ("test.ipynb", {"foo": "test.ipynb"}, {}),
}


def nbgrader_test_course(name: str):
    source, submitted, files = CASES[name]

    def build(course: Path) -> None:
        (course / "source" / "ps1").mkdir(parents=True)
        shutil.copy(FILES / source, course / "source" / "ps1" / "p1.ipynb")
        if name == "two-notebooks":   # nbgrader's test_force_single_notebook: one assignment, two notebooks
            shutil.copy(FILES / source, course / "source" / "ps1" / "p2.ipynb")
        for target in files:
            shutil.copy(FILES / Path(target).name, course / target)
        for student, notebook in submitted.items():
            folder = course / "submitted" / student / "ps1"
            folder.mkdir(parents=True)
            shutil.copy(FILES / notebook, folder / "p1.ipynb")
            if name == "two-notebooks" and student == "foo":
                shutil.copy(FILES / notebook, folder / "p2.ipynb")
        if name == "two-notebooks":   # bar hands in only p1: p2 scores 0, as stock records it
            (course / "submitted" / "bar" / "ps1").mkdir(parents=True)
            shutil.copy(FILES / source, course / "submitted" / "bar" / "ps1" / "p1.ipynb")
    return build


@pytest.mark.parametrize("name", sorted(CASES))
def test_nbgraders_own_autograde_notebooks_get_stocks_scores(name, tmp_path):
    grading.require_sandbox()
    ours, theirs, report, _ = both_ways(nbgrader_test_course(name), "ps1", tmp_path)
    assert ours == theirs
    assert ours or name == "side-effects", "nothing was graded"   # side-effects has no graded cell
    assert all(e["status"] == "graded" for e in report["submissions"]), report


def small_course(course: Path, submissions: dict[str, object]) -> None:
    """One notebook: an answer cell (`mean`) and a test cell that warns on stderr, as library deprecations do."""
    import nbformat

    def cell(kind: str, text: str, **meta) -> object:
        made = nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)
        if meta:
            made.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False, "grade": False,
                                         **meta}
        return made

    source = nbformat.v4.new_notebook(cells=[
        cell("code", "def mean(xs):\n    ### BEGIN SOLUTION\n    return sum(xs) / len(xs)\n    ### END SOLUTION",
             grade_id="mean", solution=True),
        cell("code", "import warnings\nwarnings.warn('a library warns on stderr')\nassert mean([1, 2, 3]) == 2",
             grade_id="test_mean", grade=True, points=1, locked=True),
        cell("markdown", "The mean is the sum over the count.", grade_id="explain", solution=True, grade=True,
             points=1),
    ])
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (course / "source" / "ps1").mkdir(parents=True)
    nbformat.write(source, course / "source" / "ps1" / "p1.ipynb")
    for student, change in submissions.items():
        nb = nbformat.reads(nbformat.writes(source), as_version=4)
        change(nb)
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "p1.ipynb")


def test_where_stock_nbgrader_is_wrong_tpm_grade_differs_on_purpose(tmp_path):
    """Two places where the scores differ, by design (docs/grading.md): a test cell that writes to stderr (a
    library's warning) costs nothing here, while stock scores it 0; and a learner who turns an answer cell into
    markdown is graded (that question only fails), where stock cannot process the notebook."""
    grading.require_sandbox()

    def as_is(nb):
        return None

    def to_markdown(nb):
        nb.cells[0].cell_type = "markdown"
        nb.cells[0].pop("outputs", None)
        nb.cells[0].pop("execution_count", None)

    ours, theirs = tmp_path / "tpm", tmp_path / "stock"
    for course in (ours, theirs):
        small_course(course, {"ada": as_is, "bob": to_markdown} if course == ours else {"ada": as_is})
        stock(course, "generate_assignment", "ps1")
    stock(theirs, "autograde", "ps1")
    assert gradebook_scores(theirs, "ps1")[("ada", "p1", "test_mean")] == 0   # stock: stderr output scores 0
    done = tpm_grade(ours, "ps1", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr[-3000:]
    report = {e["student"]: e for e in json.loads((tmp_path / "r.json").read_text())["submissions"]}
    assert report["ada"]["score"] == 1 and gradebook_scores(ours, "ps1")[("ada", "p1", "test_mean")] == 1
    assert report["bob"]["status"] == "graded" and report["bob"]["score"] == 0
    assert report["bob"]["questions"][0]["status"] == "missing"


def test_a_new_gradebook_is_stamped_with_the_revision_alembic_itself_gives():
    """tpm-grade's nbgrader runs read the schema's head revision in-process (autograder/nbgrader_command.py);
    stock nbgrader asks the alembic command line. Both must stamp the same revision."""
    from autograder import nbgrader_bridge

    stock = subprocess.run([sys.executable, "-c", "from nbgrader.api import get_alembic_version as v; print(v())"],
                           capture_output=True, text=True, check=True, env=nbgrader_env()).stdout.strip()
    assert stock and nbgrader_bridge.alembic_head() == stock
