"""Scale slips (the right number in the wrong unit) and how numbers are shown in check messages.

The unit tests pin the design in tpmkit.check: a visible self-check names a slip when a value outside
the question's plausible range would be inside it in a neighbouring unit; a hidden test, which knows the
expected value, names it when the value is the expected one in a neighbouring unit. The exercise tests
run every graded cell whose self-check has a percent, fraction or time unit: its solution passes, and
the solution in each neighbouring unit fails with a message that names that unit and never shows the
expected value.
"""

from __future__ import annotations

import ast
import math
import re

import pytest

from autograder import notebooks, release
from tests.support import ROOT
from tests.support.keys import hidden_keys
from tpmkit import check
from tpmkit.errors import CheckFailed

HIDDEN = "### BEGIN HIDDEN TESTS"


def failure(call, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as exc:
        call(*args, **kwargs)
    return exc.value


def numbers_in(message: str) -> list[float]:
    return [float(n.replace(",", "").replace("_", "")) for n in re.findall(r"\d[\d,_]*(?:\.\d+)?(?:e-?\d+)?", message)]


def shows(message: str, expected: float) -> bool:
    """True if `message` holds `expected` as a number (to 3 significant digits, so rounding cannot hide it)."""
    return any(math.isclose(n, expected, rel_tol=5e-3) for n in numbers_in(message))


# --- shown: numbers without float noise ----------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (1_500 / (3_000_000 * (1 - 0.999)), "0.5"),         # the 0.49999999999999956
    (30 * 24 * 60 * (1 - 0.999), "43.2"),               # 43.20000000000004
    (0.1 + 0.2, "0.3"),
    (2999.7, "2999.7"),                                 # a genuine decimal stays
    (100 / 3, "33.3333"),                               # 6 significant digits
    (123_456_789.25, "123456789.0"),                    # never drops a digit before the point
    (-2.0163934, "-2.01639"),
    (1e-7, "1e-07"),
    (3000, "3000"),
    (0.0, "0.0"),
    ("3000", "'3000'"),
])
def test_shown(value, text):
    assert check.shown(value) == text


def test_self_check_messages_show_no_float_noise(capsys):
    noisy = 1_500 / (3_000_000 * (1 - 0.999)) * 100  # 49.99999999999996
    check.number(noisy, "outage_budget_pct", low=1, high=100, unit="%")
    assert "outage_budget_pct = 50.0% has the right form" in capsys.readouterr().out
    message = str(failure(check.number, noisy / 100, "outage_budget_pct", low=1, high=100, unit="%"))
    assert "0.5%" in message and "0.4999" not in message
    assert "0.3000" not in str(failure(check.number, 0.1 + 0.2, "count", whole=True))
    assert "0.3000" not in str(failure(check.mapping, {"a": 0.1 + 0.2}, "m", ["a"], [1, 2]))
    assert "0.3000" not in str(failure(check.choices, [0.1 + 0.2], "c", ["x"]))


# --- visible self-check: a value outside the plausible range, inside it in another unit -----------


def test_a_fraction_for_a_percentage_is_named_without_the_percentage():
    message = str(failure(check.number, 0.49999999999999956, "outage_budget_pct", low=1, high=100, unit="%"))
    assert message == ("outage_budget_pct = 0.5% is too small to be right. It looks like a fraction: the question "
                       "asks for a percentage, such as 12.5 for 12.5% (not 0.125).")
    assert not shows(message, 50)


def test_the_example_is_never_the_learners_converted_value():
    message = str(failure(check.number, 0.125, "share", low=1, high=100, unit="%"))
    assert "It looks like a fraction" in message and not shows(message, 12.5)


def test_a_percentage_for_a_fraction_is_named():
    message = str(failure(check.number, 63.75, "objective_score", low=0, high=1, unit="fraction"))
    assert "It looks like a percentage: the question asks for a fraction" in message
    # just over 1 is an uncapped score far more often than a percentage: no guess
    message = str(failure(check.number, 1.28, "kr3", low=0, high=1, unit="fraction"))
    assert message == "kr3 = 1.28 is too large to be right: check the units and the formula."


@pytest.mark.parametrize(("value", "unit", "low", "high", "phrase"), [
    (20.16 / 60, "minutes", 1, 600, "If it is in hours, convert it: the question asks for minutes."),
    (20.16 * 60, "minutes", 1, 600, "If it is in seconds, convert it: the question asks for minutes."),
    (30 / 14.4, "hours", 3, 720, "If it is in days, convert it: the question asks for hours."),
    (50 * 60, "hours", 3, 720, "If it is in minutes, convert it: the question asks for hours."),
    (136.8, "days", 0, 56, "If it is in hours, convert it: the question asks for days."),
    (0.24, "ms", 1, 1000, "If it is in seconds, convert it: the question asks for milliseconds."),
    (9 / 7, "tickets per week", 2, None, "If it is a number per day, convert it: the question asks for tickets "
                                         "per week."),
    (120_000, "requests per second", 0, 100_000, "If it is a number per minute, convert it"),
])
def test_a_duration_or_rate_in_a_neighbouring_unit_is_named(value, unit, low, high, phrase):
    message = str(failure(check.number, value, "answer", low=low, high=high, unit=unit))
    assert phrase in message
    assert "too small to be right" in message or "too large to be right" in message


def test_a_value_no_unit_explains_gets_the_plain_message():
    message = str(failure(check.number, 0.001, "downtime_minutes", low=1, high=600, unit="minutes"))
    assert message == "downtime_minutes = 0.001 minutes is too small to be right: check the units and the formula."
    message = str(failure(check.number, 5, "count", low=10, unit="failed requests"))  # not a unit the kit converts
    assert message.endswith("check the units and the formula.")


def test_a_whole_number_question_names_the_unit_in_which_the_value_would_be_whole():
    message = str(failure(check.number, 250 / 60, "lost_minutes", whole=True, low=0, high=24 * 60, unit="minutes"))
    assert message == ("lost_minutes should be a whole number (the question says how to round), not 4.16667. "
                       "If it is in hours, convert it: the question asks for minutes.")
    message = str(failure(check.number, 4.3, "lost_minutes", whole=True, low=0, high=24 * 60, unit="minutes"))
    assert message == "lost_minutes should be a whole number (the question says how to round), not 4.3."


def test_values_in_range_pass_and_a_small_percentage_gets_a_note(capsys):
    check.number(0.6, "kr1", low=0, high=1, unit="fraction")
    assert "✓ kr1 = 0.6 has the right form." in capsys.readouterr().out
    check.number(20.16, "downtime_minutes", low=1, high=600, unit="minutes")
    assert "✓ downtime_minutes = 20.16 minutes has the right form." in capsys.readouterr().out
    check.number(0.5, "error_rate_pct", low=0, high=100, unit="%")  # 0.5% may be right: a note, never a failure
    out = capsys.readouterr().out
    assert out.startswith("✓ error_rate_pct = 0.5% has the right form.") and "if it is a fraction" in out
    assert out.count("\n") == 1


# --- hidden tests: the expected value in a neighbouring unit -------------------------------------


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: check.close(0.5, 50.0, "pct", abs_tol=0.05, unit="%", hint="h"),
     "It looks like the answer as a fraction: the question asks for a percentage"),
    (lambda: check.close(63.75, 0.64, "score", abs_tol=0.005, unit="fraction", hint="h"),
     "It looks like the answer as a percentage: the question asks for a fraction"),
    (lambda: check.close(0.34, 20.16, "minutes", abs_tol=0.005, unit="minutes", hint="h"),  # hours, rounded
     "It looks like the answer in hours: the question asks for minutes."),
    (lambda: check.close(3.0, 21.0, "days", abs_tol=0.05, unit="days", hint="h"),
     "It looks like the answer in weeks: the question asks for days."),
    (lambda: check.close(1.29, 9.0, "per_week", abs_tol=0.005, unit="tickets per week", hint="h"),
     "It looks like the answer per day: the question asks for tickets per week."),
    (lambda: check.equal(15_000, 250, "lost", unit="minutes", hint="h"),
     "It looks like the answer in seconds: the question asks for minutes."),
])
def test_hidden_tests_name_the_slip_in_place_of_the_hint(call, phrase):
    error = failure(call)
    assert phrase in str(error)
    assert " h" not in str(error).replace(" hours", "")  # the hint gives way to the slip
    assert error.value_free


def test_hidden_tests_never_show_the_expected_value_in_a_slip_message():
    for expected in (12.5, 0.125, 40.0, 7.0):  # the examples step aside for an answer that equals them
        for got, unit in ((expected / 100, "%"), (expected * 100, "fraction")):
            message = str(failure(check.close, got, expected, "answer", abs_tol=1e-6, unit=unit))
            assert "It looks like the answer as a" in message
            assert not shows(message, expected), message


def test_hidden_tests_keep_the_hint_for_other_wrong_answers():
    assert str(failure(check.close, 21.6, 20.16, "m", abs_tol=0.005, unit="minutes", hint="28 days.")) == (
        "m is not right yet. 28 days.")
    assert str(failure(check.equal, 10, 9, "m", unit="minutes", hint="Both windows.")) == (
        "m is not right yet. Both windows.")
    check.close(20.16, 20.16, "m", abs_tol=0.005, unit="minutes")
    check.equal(9, 9, "m", unit="minutes")


# --- every exercise question with a scale unit ---------------------------------------------------

# The neighbouring units a learner slips into, as (factor on the right answer, what the message names).
NEIGHBOURS = {
    "%": [(0.01, "a fraction")],
    "fraction": [(100, "a percentage")],
    "ms": [(0.001, "in seconds")],  # a message spells ms out: milliseconds
    "seconds": [(1 / 60, "in minutes"), (1000, "in milliseconds")],
    "minutes": [(1 / 60, "in hours"), (60, "in seconds")],
    "hours": [(1 / 24, "in days"), (60, "in minutes")],
    "days": [(1 / 7, "in weeks"), (24, "in hours")],
    "per second": [(60, "per minute")],
    "per week": [(1 / 7, "per day")],
}


def neighbours(unit: str):
    return NEIGHBOURS.get(unit) or NEIGHBOURS.get(" ".join(unit.split()[-2:])) or []


def scale_questions():
    """(aid, grade_id, variable, unit, visible source, hidden source) of each graded cell whose self-check is
    one check.number with a percent, fraction or time unit, and whose hidden test has one number as its key."""
    found = []
    for aid in release.assignment_ids(ROOT):
        keys = hidden_keys(aid)
        for cell in notebooks.graded_cells(notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")):
            if HIDDEN not in cell.source:
                continue
            visible, hidden = cell.source.split(HIDDEN)
            calls = [n for n in ast.walk(ast.parse(visible))
                     if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "number"]
            units = [ast.literal_eval(k.value) for c in calls for k in c.keywords if k.arg == "unit"]
            gid = notebooks.nbgrader_id(cell)
            if len(calls) == 1 and units and neighbours(units[0]) and isinstance(keys.get(gid), (int, float)):
                found.append((aid, gid, calls[0].args[0].id, units[0], visible, hidden))
    return found


QUESTIONS = scale_questions()


def test_the_questions_with_scale_units_are_found():
    ids = {(aid[:2], gid) for aid, gid, *_ in QUESTIONS}
    assert {("07", "q2-outage"), ("07", "q3-downtime"), ("07", "q5-exhaust"), ("01", "q2-chain"),
            ("03", "q3-fail-rate"), ("05", "q2-objective"), ("08", "q3-mttd"), ("11", "q7-little")} <= ids
    assert len(QUESTIONS) >= 25


def run_cell(visible: str, hidden: str, variable: str, value) -> None:
    namespace = {"check": check, "math": math, variable: value}
    exec(compile(visible + hidden, "<graded cell>", "exec"), namespace)  # noqa: S102 - the kit's own cells


@pytest.mark.parametrize(("aid", "gid", "variable", "unit", "visible", "hidden"), QUESTIONS,
                         ids=[f"{q[0][:2]}-{q[1]}" for q in QUESTIONS])
def test_each_scale_question_names_each_slip_and_never_its_answer(aid, gid, variable, unit, visible, hidden, capsys):
    key = hidden_keys(aid)[gid]
    hidden_call = next(n for n in ast.walk(ast.parse(hidden)) if isinstance(n, ast.Call)
                       and getattr(n.func, "attr", "") in ("close", "equal"))
    assert {k.arg: ast.literal_eval(k.value) for k in hidden_call.keywords}.get("unit") == unit, (
        "the hidden test passes the self-check's unit, so it can name a slip")
    run_cell(visible, hidden, variable, key)  # the answer passes its self-check and its hidden test
    assert "has the right form" in capsys.readouterr().out
    for factor, named in neighbours(unit):
        slipped = key * factor
        if isinstance(key, int) and float(slipped).is_integer():
            slipped = int(slipped)
        with pytest.raises(CheckFailed) as exc:
            run_cell(visible, hidden, variable, slipped)
        message = str(exc.value)
        assert named in message, f"{gid}, the answer {named}: {message}"
        assert not shows(message, key), f"{gid} shows its answer: {message}"
