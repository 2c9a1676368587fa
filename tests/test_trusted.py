"""autograder.trusted on its own, with values handed in as if fetched from a kernel (no sandbox needed):
a failed assert says whether it was a visible test (naming its line, which the learner has) or a hidden
one (saying nothing of it)."""

from __future__ import annotations

from autograder import trusted

TEST = '''assert isinstance(total, int), "total should be a whole number"
assert total > 0
### BEGIN HIDDEN TESTS
assert total == 4321
### END HIDDEN TESTS
'''


def run(source: str, values: dict) -> trusted.Outcome:
    compiled = trusted.compile_test(source, "")
    return trusted.evaluate(compiled, "", lambda expression: values[expression])


def test_a_failed_visible_assert_names_its_line_and_message():
    outcome = run(TEST, {"total": 2.5})
    assert outcome.status == "failed"
    assert outcome.message == ("The visible test `assert isinstance(total, int), \"total should be a whole number\"` "
                               "did not pass: total should be a whole number")
    outcome = run(TEST, {"total": -3})
    assert outcome.message == "The visible test `assert total > 0` did not pass."


def test_a_failed_hidden_assert_says_only_that():
    outcome = run(TEST, {"total": 17})
    assert outcome == trusted.Outcome("failed", "A hidden test did not pass.")
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
