"""autograder.plan on its own (no kernel): which cells run, in what order, from a submission's cells."""

from __future__ import annotations

from autograder.assignment import Assignment, Question, SourceCell
from autograder.plan import build
from tests.support.cells import cell, nbgrader

SOURCE = [
    SourceCell(0, None, "code", "import math", None, "locked"),
    SourceCell(1, None, "markdown", "Write `area`.", None, "locked"),
    SourceCell(2, None, "code", "area = 0", "answer", "answer"),
    SourceCell(3, None, "code", "assert area > 0", "test", "test", 1.0),
]
ASSIGNMENT = Assignment("ps", "ps.ipynb", SOURCE, [Question("test", 1.0, False, "assert area > 0", ("answer",))], "")


def test_cells_without_ids_that_the_learner_left_alone_run_once():
    """nbformat 4.4 notebooks (nbgrader's own examples) have no cell ids."""
    submission = [cell("code", "import math"), cell("markdown", "Write `area`."),
                  cell("code", "area = math.pi", nbgrader("answer", solution=True)),
                  cell("code", "assert area > 0", nbgrader("test", grade=True, points=1))]
    plan = build(ASSIGNMENT, submission)
    assert [(s.kind, s.source, s.origin) for s in plan.steps] == [
        ("code", "import math", "source"), ("markdown", "Write `area`.", "source"),
        ("code", "area = math.pi", "answer"), ("test", "assert area > 0", "source")]


def test_a_cell_the_learner_added_still_runs_after_the_cell_it_follows():
    submission = [cell("code", "import math"), cell("code", "print('scratch work')"),
                  cell("code", "area = 1", nbgrader("answer", solution=True))]
    steps = [(s.source, s.origin) for s in build(ASSIGNMENT, submission).steps]
    assert steps[:2] == [("import math", "source"), ("print('scratch work')", "extra")]
    assert steps.count(("import math", "source")) == 1


def test_an_unmarked_cell_repeated_by_the_learner_runs_as_their_own():
    submission = [cell("code", "import math"), cell("code", "import math"),
                  cell("code", "area = 1", nbgrader("answer", solution=True))]
    steps = [(s.source, s.origin) for s in build(ASSIGNMENT, submission).steps]
    assert steps.count(("import math", "source")) == 1 and steps.count(("import math", "extra")) == 1
