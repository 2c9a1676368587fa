"""autograder.trusted on its own, with values handed in as if fetched from a kernel (no sandbox needed):
a failed assert says whether it was a visible test (naming its line, which the learner has) or a hidden
one (saying nothing of it)."""

from __future__ import annotations

import pytest

from autograder import trusted

TEST = '''assert isinstance(total, int), "total should be a whole number"
assert total > 0
### BEGIN HIDDEN TESTS
assert total == 4321
### END HIDDEN TESTS
'''


def run(source: str, values: dict) -> trusted.Outcome:
    compiled = trusted.compile_test(source, "")
    return trusted.evaluate(compiled, "", lambda expressions: [values[e] for e in expressions])


def test_a_failed_visible_assert_names_its_line_and_message():
    outcome = run(TEST, {"total": 2.5})
    assert outcome.status == "failed"
    assert outcome.message == ("The visible test `assert isinstance(total, int), \"total should be a whole number\"` "
                               "did not pass: total should be a whole number")
    outcome = run(TEST, {"total": -3})
    assert outcome.message == "The visible test `assert total > 0` did not pass."


def test_a_failed_hidden_assert_says_only_that():
    outcome = run(TEST, {"total": 17})
    assert outcome == trusted.Outcome("failed", "A hidden test did not pass.", answer={"total": 17})
    assert "4321" not in outcome.message


def test_the_right_answer_passes():
    assert run(TEST, {"total": 4321}).status == "passed"


def test_a_probing_visible_assert_never_repeats_its_message():
    """A probing test hands learner code the test's inputs; the assert message could carry them back."""
    source = 'assert double(21) == 42, f"got {double(21)}"\n'
    outcome = run(source, {"double(21)": 41})
    assert outcome.status == "failed"
    assert outcome.message == "The visible test `assert double(21) == 42, f\"got {double(21)}\"` did not pass."
    assert "41" not in outcome.message


@pytest.mark.parametrize("test, expected", [
    ('with open("data.txt") as f:\n    data = f.read()\nassert len(data.split("\\n")) == 4', "`open`"),
    ('import pandas as pd\nassert len(pd.read_csv("orders.csv")) == total', "`pd.read_csv`"),
    ('import os\nassert os.path.exists("report.md")', "`os.path.exists`"),
    ('from pathlib import Path\nassert Path("out.txt").read_text() == answer', "`Path"),
])
def test_a_test_that_reads_files_runs_beside_them_in_the_kernel(test, expected):
    """The assignment's files are put beside the learner's notebook (as nbgrader's autograde does), so a test
    that opens files can only run there; the grader's own folder holds none of them."""
    mode, why = trusted.mode_for(test, "")
    assert mode == trusted.KERNEL and expected in why and "reads files" in why


def test_a_test_on_plain_values_stays_in_the_grader():
    assert trusted.mode_for("assert round(budget_minutes, 1) == 40.3", "") == (trusted.GRADER, "")
