"""tpmkit.check: plain values only, honest pass/fail, and messages that never leak the answer."""

from __future__ import annotations

import numpy as np
import pytest

from tpmkit import check
from tpmkit.errors import CheckFailed

# --- plain_number --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected", "kind"), [
    (3000, 3000, int),
    (43.2, 43.2, float),
    (np.float64(43.2), 43.2, float),
    (np.int64(109_897), 109_897, int),
    (np.float32(0.5), 0.5, float),
    (-7, -7, int),
])
def test_plain_number_accepts_numbers_and_returns_plain_types(value, expected, kind):
    got = check.plain_number(value, "answer")
    assert type(got) is kind
    assert got == expected


def test_plain_number_from_a_pandas_sum_is_plain():
    pd = pytest.importorskip("pandas")
    total = pd.Series([1, 2, 3]).sum()
    assert type(check.plain_number(total, "total")) is int


@pytest.mark.parametrize(("value", "phrase"), [
    (True, "a yes/no value"),
    (False, "a yes/no value"),
    (None, "not set yet"),
    (..., "not set yet"),
    ("43.2", "should be a number, but it is a str"),
    ([43.2], "should be a number, but it is a list"),
    (float("nan"), "NaN"),
    (np.float64("nan"), "NaN"),
])
def test_plain_number_refuses(value, phrase):
    with pytest.raises(CheckFailed) as exc:
        check.plain_number(value, "answer")
    message = str(exc.value)
    assert phrase in message
    assert message.startswith("answer ")
    assert "\n" not in message


class EqualsEverything:
    """The classic grading exploit: equal to anything, and convertible to whatever is expected."""

    def __init__(self, pretend):
        self.pretend = pretend

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return float(self.pretend)

    def __int__(self):
        return int(self.pretend)

    __hash__ = object.__hash__


@pytest.mark.parametrize("call", [
    lambda v: check.plain_number(v, "answer"),
    lambda v: check.close(v, 109_897, "answer"),
    lambda v: check.equal(v, 109_897, "answer"),
    lambda v: check.equal(v, "109897", "answer"),
    lambda v: check.equal(v, True, "answer"),
    lambda v: check.number(v, "answer", whole=True),
])
def test_object_that_equals_everything_never_passes(call):
    with pytest.raises(CheckFailed):
        call(EqualsEverything(109_897))


def test_subclass_of_int_with_lying_eq_is_refused():
    class LyingInt(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    with pytest.raises(CheckFailed, match="should be a number"):
        check.equal(LyingInt(1), 109_897, "answer")


# --- close and equal (hidden tests) --------------------------------------------------------------


def test_close_passes_within_tolerance_and_fails_outside():
    check.close(43.2, 43.2, "minutes")
    check.close(30 * 24 * 60 * (1 - 0.999), 43.2, "minutes")  # float noise: 43.20000000000004
    check.close(43.25, 43.2, "minutes", abs_tol=0.05)
    with pytest.raises(CheckFailed, match="minutes is not right yet"):
        check.close(40.32, 43.2, "minutes", abs_tol=0.05)
    with pytest.raises(CheckFailed):
        check.close(43.3, 43.2, "minutes")  # no tolerance given: only float noise is forgiven


def test_equal_numbers_strings_and_bools():
    check.equal(109_897, 109_897, "budget")
    check.equal(np.int64(109_897), 109_897, "budget")
    check.equal(" squash ", "squash", "strategy")
    check.equal(True, True, "pages")
    with pytest.raises(CheckFailed, match="budget is not right yet"):
        check.equal(109_898, 109_897, "budget")
    with pytest.raises(CheckFailed):
        check.equal("rebase", "squash", "strategy")
    with pytest.raises(CheckFailed, match="should be True or False"):
        check.equal(1, True, "pages")
    with pytest.raises(CheckFailed, match="should be text"):
        check.equal(3, "3", "strategy")


@pytest.mark.parametrize("call", [
    lambda: check.equal(109_898, 109_897, "budget", hint="Floor, do not round."),
    lambda: check.close(109_898, 109_897, "budget", hint="Floor, do not round."),
    lambda: check.equal(109_898.0, 109_897, "budget"),
    lambda: check.equal("109898", "109897", "budget"),
])
def test_failure_message_never_contains_the_expected_value(call):
    with pytest.raises(CheckFailed) as exc:
        call()
    message = str(exc.value)
    assert "109897" not in message and "109,897" not in message and "109_897" not in message
    assert message.startswith("budget is not right yet")


def test_failure_message_carries_the_hint():
    with pytest.raises(CheckFailed) as exc:
        check.equal(2, 3, "budget", hint="Floor, do not round.")
    assert str(exc.value) == "budget is not right yet. Floor, do not round."


# --- number (visible self-check) -----------------------------------------------------------------


def test_number_passes_and_prints_one_line(capsys):
    check.number(3000, "budget", whole=True, low=1, high=10_000)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "budget = 3000 has the right form" in out
    assert "Hidden tests check the value" in out


def test_number_whole():
    check.number(3000.0, "budget", whole=True)
    with pytest.raises(CheckFailed, match="should be a whole number") as exc:
        check.number(2999.7, "budget", whole=True)
    assert "2999.7" in str(exc.value)  # the learner's own value, which is fine to show
    check.number(2999.7, "budget")  # not asked to be whole


def test_number_low_and_high():
    check.number(43.2, "minutes", low=0, high=1440, unit="min")
    with pytest.raises(CheckFailed, match="too small") as exc:
        check.number(-1, "minutes", low=0, unit="min")
    assert "-1 min" in str(exc.value)
    with pytest.raises(CheckFailed, match="too large"):
        check.number(2592.0, "minutes", high=1440, unit="min")
    check.number(0, "minutes", low=0)  # the bounds are inclusive
    check.number(1440, "minutes", high=1440)


def test_number_refuses_unset_and_text():
    with pytest.raises(CheckFailed, match="not set yet"):
        check.number(None, "budget")
    with pytest.raises(CheckFailed, match="but it is a str"):
        check.number("3000", "budget")


# --- text_format ---------------------------------------------------------------------------------


def test_text_format(capsys):
    check.text_format("v2", "version", r"v\d+", "v3")
    assert "version = 'v2' has the right form" in capsys.readouterr().out
    with pytest.raises(CheckFailed) as exc:
        check.text_format("version 2", "version", r"v\d+", "v3")
    assert str(exc.value) == "version should look like 'v3', not 'version 2'."
    with pytest.raises(CheckFailed, match="should be text"):
        check.text_format(2, "version", r"v\d+", "v3")
    with pytest.raises(CheckFailed, match="not set yet"):
        check.text_format(None, "version", r"v\d+", "v3")


def test_text_format_matches_the_whole_text():
    with pytest.raises(CheckFailed):
        check.text_format("v2 please", "version", r"v\d+", "v3")


def test_plain_text():
    assert check.plain_text("abc", "name") == "abc"
    with pytest.raises(CheckFailed, match="should be text"):
        check.plain_text(b"abc", "name")
