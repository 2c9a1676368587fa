"""Two ways to run a test (issue #16): in the grader on fetched plain values where the test's code allows
it, else in the learner's sandboxed kernel after their code, as stock nbgrader runs every test. Each
question says which in the report; --strict refuses an assignment with a kernel-mode test.

The course is written the way nbgrader's documentation teaches (its `squares` problem, nbformat 4.4 with
no cell ids): a test that expects a ValueError and one that deletes `squares` cannot run on fetched values.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder import assignment, grade, gradebook, records, release, runner, trusted
from autograder.scratch import fill_answers
from tests.support import grading

AID = "ps"
SQUARES = '''def squares(n):
    """The squares of 1 to n; n < 1 is a ValueError."""
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be at least 1")
    return [i ** 2 for i in range(1, n + 1)]
    ### END SOLUTION
'''
SUM = '''def sum_of_squares(n):
    ### BEGIN SOLUTION
    return sum(squares(n))
    ### END SOLUTION
'''
TESTS = {
    "correct_squares": ('assert squares(1) == [1]\nassert squares(2) == [1, 4]\n### BEGIN HIDDEN TESTS\n'
                        'assert squares(10)[-1] == 100\n### END HIDDEN TESTS\n', 1),
    "squares_invalid_input": ('try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n'
                              '    raise AssertionError("did not raise")\n### BEGIN HIDDEN TESTS\n'
                              'try:\n    squares(-4)\nexcept ValueError:\n    pass\nelse:\n'
                              '    raise AssertionError("negative")\n### END HIDDEN TESTS\n', 1),
    "uses_squares": ('orig_squares = squares\ndel squares\ntry:\n    sum_of_squares(1)\nexcept NameError:\n'
                     '    pass\nelse:\n    raise AssertionError("sum_of_squares does not use squares")\n'
                     'finally:\n    squares = orig_squares\n', 1),
}


def source_notebook() -> nbformat.NotebookNode:
    def meta(grade_id: str, **flags) -> dict:
        return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "locked": False, "grade": False,
                             "solution": False, **flags}}

    cells = [nbformat.v4.new_markdown_cell("Write `squares` and `sum_of_squares`."),
             nbformat.v4.new_code_cell(SQUARES, metadata=meta("squares", solution=True)),
             nbformat.v4.new_code_cell("squares(3)")]
    for gid in ("correct_squares", "squares_invalid_input"):
        cells.append(nbformat.v4.new_code_cell(TESTS[gid][0], metadata=meta(gid, grade=True, points=TESTS[gid][1])))
    cells.append(nbformat.v4.new_code_cell(SUM, metadata=meta("sum_of_squares", solution=True)))
    cells.append(nbformat.v4.new_code_cell(TESTS["uses_squares"][0],
                                           metadata=meta("uses_squares", grade=True, points=1)))
    cells.append(nbformat.v4.new_markdown_cell("Is your `sum_of_squares` readable? (graded by hand)",
                                               metadata=meta("style", task=True, points=2, locked=True)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.nbformat_minor = 4   # as nbgrader's own examples: no cell ids
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("modes")
    path = root / "solutions" / AID / f"{AID}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(source_notebook(), path, version=nbformat.NO_CONVERT)
    release.generate(root=root, dest=root / "exercises", ids=[AID])
    return root


def test_each_test_cell_gets_the_mode_its_code_allows(course):
    modes = runner.test_modes(assignment.load(course, AID))
    assert modes["correct_squares"] == (trusted.GRADER, "")
    assert modes["squares_invalid_input"] == (trusted.KERNEL, "it expects `squares(0)` to raise an exception")
    assert modes["uses_squares"][0] == trusted.KERNEL and "`squares`" in modes["uses_squares"][1]


def test_strict_refuses_in_one_line_naming_the_cell(course, tmp_path):
    with pytest.raises(assignment.AssignmentError) as refused:
        grade.main(submissions=[tmp_path], assignment=AID, course=course, strict=True)
    message = str(refused.value)
    assert "\n" not in message and "squares_invalid_input" in message and "raise an exception" in message


def test_the_kits_own_exercises_all_run_in_the_grader():
    """`--strict` passes for every module: nothing of the kit's is left to the learner's kernel."""
    for folder in sorted((grading.ROOT / "solutions").iterdir()):
        grade.refuse_kernel_mode(assignment.load(grading.ROOT, folder.name))


@pytest.fixture(scope="module")
def report(course, tmp_path_factory):
    grading.require_sandbox()
    released = nbformat.read(course / "exercises" / AID / f"{AID}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / AID / f"{AID}.ipynb", as_version=4)
    folder = tmp_path_factory.mktemp("submitted")
    variants = {
        "solution": {},
        "no-valueerror": {"squares": "def squares(n):\n    return [i ** 2 for i in range(1, n + 1)]\n"},
        "reimplements": {"sum_of_squares": "def sum_of_squares(n):\n    return sum(i * i for i in range(1, n + 1))\n"},
        # an answer cell below a kernel-mode test prints every cell source the kernel has seen
        "reads-history": {"sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))\n"
                          "import linecache\nprint(In)\n"
                          "print([''.join(v[2]) for v in list(linecache.cache.values())])\n"},
    }
    for student, overrides in variants.items():
        nb = fill_answers(released, source, overrides)
        grading.write(nb, folder, student, AID)
    grading.write(released, folder, "blank", AID)
    return grading.run(course, [folder], AID, tmp_path_factory.mktemp("report") / "report.json", timeout=20)


def test_the_solution_earns_everything_and_each_question_says_where_it_ran(report):
    entry = report["solution"]
    assert grading.scores(entry) == {"correct_squares": 1, "squares_invalid_input": 1, "uses_squares": 1}
    assert {q["id"]: q["mode"] for q in entry["questions"]} == {
        "correct_squares": "grader", "squares_invalid_input": "kernel", "uses_squares": "kernel"}


def test_a_task_cell_is_a_hand_graded_question_never_blank(report, course):
    """nbgrader's task cells (the whole notebook graded by hand) appear with the written answers."""
    for student in ("solution", "blank"):
        assert report[student]["manual_questions"] == [{"id": "style", "max_score": 2.0, "answered": True}]
    with records.open_gradebook(gradebook.default_url(course)) as gb:   # waiting for the instructor in formgrader
        grade_row = gb.find_grade("style", AID, AID, "blank")
        assert grade_row.auto_score is None and grade_row.needs_manual_grade


def test_kernel_mode_tests_still_discriminate(report):
    assert grading.scores(report["no-valueerror"]) == {"correct_squares": 1, "squares_invalid_input": 0,
                                                       "uses_squares": 1}
    assert grading.scores(report["reimplements"]) == {"correct_squares": 1, "squares_invalid_input": 1,
                                                      "uses_squares": 0}
    assert report["blank"]["score"] == 0


def test_a_kernel_mode_failure_shows_no_hidden_code(report):
    failed = next(q for q in report["no-valueerror"]["questions"] if q["id"] == "squares_invalid_input")
    assert failed["status"] == "failed" and "did not raise" in failed["message"]   # a visible test's own words


def test_hidden_kernel_mode_code_never_reaches_the_graded_notebook(report, course):
    """Kernel-mode tests run after the learner's last cell, hidden parts last: a later answer cell that
    prints the kernel's history finds no hidden test there."""
    assert grading.scores(report["reads-history"]) == {"correct_squares": 1, "squares_invalid_input": 1,
                                                       "uses_squares": 1}
    graded = (course / "autograded" / "reads-history" / AID / f"{AID}.ipynb").read_text()
    assert "linecache.cache" in graded   # the learner's cell ran and printed
    assert "squares(-4)" not in graded and "negative" not in graded
