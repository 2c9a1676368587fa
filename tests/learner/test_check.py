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


# --- plain containers: lists and dicts of plain values -------------------------------------------


def test_plain_value_turns_tuples_into_lists_and_numpy_into_plain():
    got = check.plain_value({"a": (1, np.int64(2)), "b": [None, True, "x", 0.5]}, "answer")
    assert got == {"a": [1, 2], "b": [None, True, "x", 0.5]}
    assert type(got["a"][1]) is int


@pytest.mark.parametrize(("value", "phrase"), [
    ({"a", "b"}, "is a set"),
    ({1: "x"}, "use text (str) keys"),
    ([EqualsEverything(1)], "answer[0] should be a number"),
    ({"k": EqualsEverything("x")}, "answer['k'] should be a number"),
    (np.array([1, 2]), "should be a number"),
])
def test_plain_value_refuses_what_is_not_plain(value, phrase):
    with pytest.raises(CheckFailed) as exc:
        check.plain_value(value, "answer")
    assert phrase in str(exc.value)


def test_equal_compares_lists_and_dicts_as_plain_data():
    check.equal(("open", "review", "merge"), ["open", "review", "merge"], "steps")
    check.equal({"dns": "platform"}, {"dns": "platform"}, "layers")
    with pytest.raises(CheckFailed):
        check.equal(["review", "open", "merge"], ["open", "review", "merge"], "steps")
    with pytest.raises(CheckFailed):
        check.equal({"dns": "interface"}, {"dns": "platform"}, "layers")
    with pytest.raises(CheckFailed):
        check.equal(EqualsEverything([]), ["open"], "steps")


def test_same_items_ignores_order_only():
    check.same_items(["b", "a"], ["a", "b"], "gaps")
    for wrong in (["a"], ["a", "b", "c"], ["a", "a"], "ab", None):
        with pytest.raises(CheckFailed):
            check.same_items(wrong, ["a", "b"], "gaps")


def test_choices_self_check(capsys):
    check.choices(["b", "a"], "gaps", ["a", "b", "c"])
    assert "lists 2 of the choices" in capsys.readouterr().out
    for wrong, phrase in ((["z"], "not one of the choices"), (["a", "a"], "twice"), ("a", "should be a list"),
                          (None, "not set yet")):
        with pytest.raises(CheckFailed, match=phrase):
            check.choices(wrong, "gaps", ["a", "b", "c"])
    with pytest.raises(CheckFailed, match="should have 3 items"):
        check.choices(["a"], "order", ["a", "b", "c"], count=3)


def test_mapping_self_check(capsys):
    check.mapping({"dns": "platform", "ui": "interface"}, "layers", ["dns", "ui"], ["platform", "interface"])
    assert "each of its 2 entries" in capsys.readouterr().out
    for wrong, phrase in (({"dns": "platform"}, "no entry for 'ui'"),
                          ({"dns": "platform", "ui": "interface", "x": "platform"}, "does not ask for"),
                          ({"dns": "cloud", "ui": "interface"}, "not one of"),
                          ([], "should be a dict")):
        with pytest.raises(CheckFailed, match=phrase):
            check.mapping(wrong, "layers", ["dns", "ui"], ["platform", "interface"])
