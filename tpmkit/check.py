"""Answer checks for exercise notebooks: visible self-checks and hidden tests use the same calls.

Every check first turns the learner's value into a plain Python value (int, float, str, bool)
and refuses anything else, so an object that claims to equal everything cannot pass. A failed
check raises `CheckFailed` with a message the learner may see; it never contains the expected
value.

Scale slips: a `unit` the kit knows ("%", "fraction", "ms", "seconds", "minutes", "hours", "days",
"weeks", or a rate such as "deployments per week") lets a check name the commonest wrong answer,
the right number in the wrong unit. The visible `number` names it when a value outside the
question's plausible range `low`..`high` would be inside it in a neighbouring unit (0.5 for a
percentage between 1 and 100 is a fraction); the hidden `close` and `equal`, which know the
expected value, name it when the value is the expected one converted to another unit. Neither
message shows the expected value.

Numbers in messages are shown to 6 significant digits (`shown`): no float noise such as
0.49999999999999956.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from numbers import Integral, Real

from tpmkit.errors import CheckFailed

__all__ = ["choices", "close", "equal", "mapping", "number", "plain_number", "plain_text", "plain_value",
           "same_items", "shown", "text_format"]


def shown(value) -> str:
    """A value as a message shows it: floats to 6 significant digits (never dropping a digit before the
    point), so float noise (0.49999999999999956, 43.20000000000004) never reaches a learner."""
    if type(value) is not float or not math.isfinite(value) or value == 0:
        return repr(value)
    places = max(0, 5 - math.floor(math.log10(abs(value))))
    return repr(round(value, places))


# --- units and scale slips ----------------------------------------------------------------------

# Time units in seconds, smallest first; a slip is the right number in another of them.
_TIME = {"ms": 0.001, "seconds": 1, "minutes": 60, "hours": 3_600, "days": 86_400, "weeks": 604_800}
_TIME_NAMES = {"ms": "ms", "millisecond": "ms", "milliseconds": "ms", "s": "seconds", "sec": "seconds",
               "secs": "seconds", "second": "seconds", "seconds": "seconds", "min": "minutes", "mins": "minutes",
               "minute": "minutes", "minutes": "minutes", "h": "hours", "hr": "hours", "hrs": "hours",
               "hour": "hours", "hours": "hours", "day": "days", "days": "days", "week": "weeks", "weeks": "weeks"}
_SINGULAR = {"ms": "millisecond", "seconds": "second", "minutes": "minute", "hours": "hour", "days": "day",
             "weeks": "week"}
_PERCENT = ("%", "percent", "percentage")
_FRACTION = ("fraction",)
# Examples for percent-or-fraction messages: (percentage, fraction). The first that is not the
# learner's (converted) value or the expected value is used, so an example never gives an answer away.
_RATIO_EXAMPLES = (("12.5", "0.125"), ("40", "0.4"), ("7", "0.07"))


def _plural(key: str) -> str:
    """A time unit of _TIME as a message names it: "milliseconds", "minutes"."""
    return f"{_SINGULAR[key]}s"


@dataclass(frozen=True)
class _Scale:
    family: str     # "ratio" (percent or fraction), "time" (a duration) or "rate" (something per a time)
    key: str        # "%" or "fraction"; a time unit of _TIME (for a rate: the time it is per)
    wanted: str     # how the question names the unit: "a percentage", "minutes", "deployments per week"

    @property
    def size(self) -> float:
        if self.family == "ratio":
            return 0.01 if self.key == "%" else 1.0
        return _TIME[self.key] if self.family == "time" else 1 / _TIME[self.key]


def _scale(unit: str) -> _Scale | None:
    """The scale `unit` names, or None for a unit the kit cannot convert (a count, pounds, "x")."""
    text = " ".join(unit.strip().lower().split())
    if text in _PERCENT:
        return _Scale("ratio", "%", "a percentage")
    if text in _FRACTION:
        return _Scale("ratio", "fraction", "a fraction")
    if text in _TIME_NAMES:
        return _Scale("time", _TIME_NAMES[text], _plural(_TIME_NAMES[text]))
    rate = re.fullmatch(r"(?:.* )?per (\w+)", text)
    if rate and rate.group(1) in _TIME_NAMES:
        return _Scale("rate", _TIME_NAMES[rate.group(1)], unit.strip())
    return None


@dataclass(frozen=True)
class _Slip:
    factor: float   # the slipped value is the right value times this
    other: _Scale   # the unit the slipped value is in


def _slips(scale: _Scale | None, *, adjacent: bool = False) -> list[_Slip]:
    """The other units of `scale`'s kind (only the next smaller and larger if `adjacent`), nearest first."""
    if scale is None:
        return []
    if scale.family == "ratio":
        other = _Scale("ratio", "fraction", "a fraction") if scale.key == "%" else _Scale("ratio", "%", "a percentage")
        others = [other]
    else:
        keys = list(_TIME)
        at = keys.index(scale.key)
        near = keys[max(0, at - 1):at + 2] if adjacent else keys
        others = [_Scale(scale.family, key, _plural(key)) for key in near if key != scale.key]
    slips = [_Slip(scale.size / other.size, other) for other in others]
    return sorted(slips, key=lambda slip: abs(math.log(slip.factor)))


def _ratio_example(scale: _Scale, avoid: list[float]) -> str:
    for pct, frac in _RATIO_EXAMPLES:
        if not any(math.isclose(float(text), value, rel_tol=1e-6) for text in (pct, frac) for value in avoid):
            break
    if scale.key == "%":
        return f"such as {pct} for {pct}% (not {frac})"
    return f"such as {frac} for {pct}% (not {pct})"


def _slip_sentence(slip: _Slip, scale: _Scale, *, hidden: bool, avoid: list[float]) -> str:
    """What a check says about a slip: hedged in a self-check, which only knows a plausible range."""
    if scale.family == "ratio":
        looks = "the answer as " if hidden else ""
        return (f"It looks like {looks}{slip.other.wanted}: the question asks for {scale.wanted}, "
                f"{_ratio_example(scale, avoid)}.")
    other = slip.other.wanted if scale.family == "time" else f"per {_SINGULAR[slip.other.key]}"
    other_text = f"in {other}" if scale.family == "time" else other
    if hidden:
        return f"It looks like the answer {other_text}: the question asks for {scale.wanted}."
    if scale.family == "time":
        return f"If it is in {other}, convert it: the question asks for {scale.wanted}."
    return f"If it is a number {other}, convert it: the question asks for {scale.wanted}."


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _range_slip(got: float, scale: _Scale | None, low, high) -> str | None:
    """A self-check's guess: the slip to a neighbouring unit that would bring `got`, outside low..high,
    inside it."""
    # A fraction is at most 1; a percentage that a fraction question gets is well over 1
    # (1.28 for a 0-to-1 score is more likely uncapped than a percentage).
    if scale is not None and scale.family == "ratio" and (
            (scale.key == "%" and not 0 < abs(got) <= 1) or (scale.key == "fraction" and abs(got) < 2)):
        return None
    for slip in _slips(scale, adjacent=True):
        fixed = got / slip.factor
        if _within(fixed, low, high):
            return _slip_sentence(slip, scale, hidden=False, avoid=[got, fixed])
    return None


def _whole_slip(got: float, scale: _Scale | None, low, high) -> str | None:
    """A self-check's guess for a whole-number question: the neighbouring unit in which `got` would be whole.
    Only for a value with more than 2 decimals (4.1666... hours is 250 minutes; 4.3 may just be unrounded)."""
    if round(got, 2) == got:
        return None
    for slip in _slips(scale, adjacent=True):
        fixed = got / slip.factor
        if abs(fixed) >= 1 and math.isclose(fixed, round(fixed), rel_tol=1e-9) and _within(fixed, low, high):
            return _slip_sentence(slip, scale, hidden=False, avoid=[got, fixed])
    return None


def _expected_slip(got: float, expected: float, scale: _Scale | None, abs_tol: float) -> str | None:
    """A hidden test's diagnosis: `got` is `expected` in another unit (2% slack covers rounding)."""
    if isinstance(expected, bool) or not isinstance(expected, (int, float)) or expected == 0:
        return None
    for slip in _slips(scale):
        target = expected * slip.factor
        if math.isclose(got, target, rel_tol=0.02, abs_tol=abs_tol * slip.factor):
            return _slip_sentence(slip, scale, hidden=True, avoid=[expected, target])
    return None


def _not_right(name: str, hint: str, slip: str | None = None) -> CheckFailed:
    return CheckFailed(f"{name} is not right yet. {slip or hint}".rstrip(), value_free=True)


def _unset(value, name: str) -> None:
    if value is None or value is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: assign your answer to {name} and run the cell.")


def reports_progress(kind: str | None = None):
    """Mark a visible self-check `f(value, name, ...)`: its pass or fail goes to the learner's progress
    (tpmkit.progress), filed under `kind` (default: the function's name). Modules' own self-checks use it too."""

    def mark(func):
        @functools.wraps(func)
        def run(value, name, *args, **kwargs):
            from tpmkit import progress  # imported late: the store is optional for the checks themselves

            try:
                result = func(value, name, *args, **kwargs)
            except CheckFailed:
                progress.record_self_check(name, False, kind or func.__name__)
                raise
            progress.record_self_check(name, True, kind or func.__name__)
            return result

        return run

    return mark


def plain_number(value, name: str) -> int | float:
    """Return `value` as a plain int or float, or fail saying what the learner gave instead."""
    _unset(value, name)
    kind = type(value)
    if kind is bool:
        raise CheckFailed(f"{name} is {value}, a yes/no value; this question wants a number.")
    if kind is int:
        return value
    if kind is float:
        if math.isnan(value):
            raise CheckFailed(f"{name} is NaN (not a number): check for a division by zero or empty data.")
        return value
    # NumPy and pandas scalars (np.float64 from a pandas sum, say) are read by their own .item();
    # other number-like objects are refused because their __eq__ and __float__ could say anything.
    if kind.__module__ == "numpy" and isinstance(value, (Integral, Real)):
        return plain_number(value.item(), name)
    raise CheckFailed(f"{name} should be a number, but it is a {kind.__name__}.")


def plain_text(value, name: str) -> str:
    """Return `value` as a plain str, or fail saying what the learner gave instead."""
    _unset(value, name)
    if type(value) is not str:
        raise CheckFailed(f"{name} should be text (a str), but it is a {type(value).__name__}.")
    return value


def plain_value(value, name: str):
    """`value` as plain data: None, bool, int, float, str, and lists and str-keyed dicts of those.

    Tuples become lists. Anything else (a custom class, a set, a NumPy array) is refused with a
    message naming the part that is not plain, so a lying object cannot hide inside a container.
    """
    return _plain(value, name, depth=0)


def _plain(value, where: str, depth: int):
    if depth > 20:
        raise CheckFailed(f"{where} is nested too deeply to be an answer.")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind in (list, tuple):
        return [_plain(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise CheckFailed(f"{where} has the key {key!r}; use text (str) keys.")
            out[key] = _plain(item, f"{where}[{key!r}]", depth + 1)
        return out
    if kind in (set, frozenset):
        raise CheckFailed(f"{where} is a set; use a list, such as sorted(...).")
    if value is Ellipsis:
        raise CheckFailed(f"{where} is not set yet: replace ... with your answer and run the cell.")
    return plain_number(value, where)


@reports_progress()
def number(value, name: str, *, whole: bool = False, low: float | None = None,
           high: float | None = None, unit: str = "") -> None:
    """Visible self-check: `value` is a plain number of the right kind and scale.

    `low` and `high` bound a plausible answer (inclusive). With a `unit` the kit knows (see the module
    notes), a value outside them that would be inside in a neighbouring unit is named as that slip.
    """
    got = plain_number(value, name)
    scale = _scale(unit)
    suffix = "" if not unit or unit in _FRACTION else unit if unit == "%" else f" {unit}"
    said = f"{name} = {shown(got)}{suffix}"
    too = "small" if low is not None and got < low else "large" if high is not None and got > high else ""
    slip = _range_slip(got, scale, low, high) if too else None
    if slip:
        raise CheckFailed(f"{said} is too {too} to be right. {slip}")
    if whole and not float(got).is_integer():
        slip = _whole_slip(got, scale, low, high)
        raise CheckFailed(f"{name} should be a whole number (the question says how to round), not {shown(got)}."
                          + (f" {slip}" if slip else ""))
    if too:
        raise CheckFailed(f"{said} is too {too} to be right: check the units and the formula.")
    note = ""
    if scale is not None and scale.key == "%" and 0 < abs(got) < 1:
        note = " (That is under 1%: if it is a fraction, multiply it by 100.)"
    print(f"✓ {said} has the right form.{note} Hidden tests check the value when graded.")


@reports_progress()
def text_format(value, name: str, pattern: str, example: str) -> None:
    """Visible self-check: `value` is a str in the format the question asks for."""
    got = plain_text(value, name)
    if not re.fullmatch(pattern, got):
        raise CheckFailed(f"{name} should look like '{example}', not '{got}'.")
    print(f"✓ {name} = '{got}' has the right form. Hidden tests check the value when graded.")


@reports_progress()
def choices(value, name: str, allowed: list[str], *, count: int | None = None) -> None:
    """Visible self-check: `value` is a list of distinct texts, each one of `allowed`."""
    _unset(value, name)
    got = plain_value(value, name)
    if type(got) is not list:
        raise CheckFailed(f"{name} should be a list such as ['{allowed[0]}', ...], but it is a {type(value).__name__}.")
    for item in got:
        if item not in allowed:
            raise CheckFailed(f"{name} holds {shown(item)}, which is not one of the choices the question lists.")
    if len(set(got)) != len(got):
        raise CheckFailed(f"{name} names the same choice twice; each should appear once.")
    if count is not None and len(got) != count:
        raise CheckFailed(f"{name} should have {count} items, not {len(got)}.")
    print(f"✓ {name} lists {len(got)} of the choices. Hidden tests check which, when graded.")


@reports_progress()
def mapping(value, name: str, keys: list[str], allowed: list) -> None:
    """Visible self-check: `value` is a dict with exactly `keys`, each mapped to one of `allowed`."""
    _unset(value, name)
    got = plain_value(value, name)
    if type(got) is not dict:
        raise CheckFailed(f"{name} should be a dict such as {{'{keys[0]}': ...}}, but it is a {type(value).__name__}.")
    missing, extra = [k for k in keys if k not in got], [k for k in got if k not in keys]
    if missing:
        raise CheckFailed(f"{name} has no entry for {', '.join(repr(k) for k in missing)}.")
    if extra:
        raise CheckFailed(f"{name} has entries the question does not ask for: {', '.join(repr(k) for k in extra)}.")
    for key, item in got.items():
        if item not in allowed:
            raise CheckFailed(f"{name}[{key!r}] is {shown(item)}, which is not one of {allowed}.")
    print(f"✓ {name} has an allowed answer for each of its {len(keys)} entries. Hidden tests check them when graded.")


def close(value, expected: float, name: str, *, abs_tol: float = 0.0, hint: str = "", unit: str = "") -> None:
    """Hidden test: `value` is within `abs_tol` of `expected` (a tiny relative slack covers float noise).

    With the question's `unit`, a value that is the expected one in a neighbouring unit fails with a
    message naming that slip (in place of `hint`), never the value.
    """
    got = plain_number(value, name)
    if not math.isclose(got, expected, rel_tol=1e-9, abs_tol=abs_tol):
        raise _not_right(name, hint, _expected_slip(got, expected, _scale(unit), abs_tol))


def equal(value, expected, name: str, *, hint: str = "", unit: str = "") -> None:
    """Hidden test: `value` equals `expected` exactly, compared as plain values of the same kind.
    For a number, `unit` names a scale slip as `close` does."""
    if isinstance(expected, (list, dict)):
        got = plain_value(value, name)
    elif isinstance(expected, str):
        got = plain_text(value, name).strip()
    elif isinstance(expected, bool):
        if type(value) is not bool:
            raise CheckFailed(f"{name} should be True or False, but it is a {type(value).__name__}.")
        got = value
    else:
        got = plain_number(value, name)
    if got != expected:
        slip = _expected_slip(got, expected, _scale(unit), 0.0) if isinstance(got, (int, float)) else None
        raise _not_right(name, hint, slip)


def same_items(value, expected: list, name: str, *, hint: str = "") -> None:
    """Hidden test: `value` is a list holding the same items as `expected`, in any order."""
    got = plain_value(value, name)
    if type(got) is not list:
        raise CheckFailed(f"{name} should be a list, but it is a {type(value).__name__}.")
    if sorted(map(repr, got)) != sorted(map(repr, expected)):
        raise _not_right(name, hint)
