"""Answer checks for exercise notebooks: visible self-checks and hidden tests use the same calls.

Every check first turns the learner's value into a plain Python value (int, float, str, bool)
and refuses anything else, so an object that claims to equal everything cannot pass. A failed
check raises `CheckFailed` with a message the learner may see; it never contains the expected
value.
"""

from __future__ import annotations

import functools
import math
import re
from numbers import Integral, Real

from tpmkit.errors import CheckFailed

__all__ = ["choices", "close", "equal", "mapping", "number", "plain_number", "plain_text", "plain_value",
           "same_items", "text_format"]


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
    """Visible self-check: `value` is a plain number of the right kind and scale."""
    got = plain_number(value, name)
    if whole and not float(got).is_integer():
        raise CheckFailed(f"{name} should be a whole number (the question says how to round), not {got}.")
    units = f" {unit}" if unit else ""
    if low is not None and got < low:
        raise CheckFailed(f"{name} = {got}{units} is too small to be right: check the units and the formula.")
    if high is not None and got > high:
        raise CheckFailed(f"{name} = {got}{units} is too large to be right: check the units and the formula.")
    print(f"✓ {name} = {got}{units} has the right form. Hidden tests check the value when graded.")


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
            raise CheckFailed(f"{name} holds {item!r}, which is not one of the choices the question lists.")
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
            raise CheckFailed(f"{name}[{key!r}] is {item!r}, which is not one of {allowed}.")
    print(f"✓ {name} has an allowed answer for each of its {len(keys)} entries. Hidden tests check them when graded.")


def close(value, expected: float, name: str, *, abs_tol: float = 0.0, hint: str = "") -> None:
    """Hidden test: `value` is within `abs_tol` of `expected` (a tiny relative slack covers float noise)."""
    got = plain_number(value, name)
    if not math.isclose(got, expected, rel_tol=1e-9, abs_tol=abs_tol):
        raise CheckFailed(f"{name} is not right yet. {hint}".rstrip(), value_free=True)


def equal(value, expected, name: str, *, hint: str = "") -> None:
    """Hidden test: `value` equals `expected` exactly, compared as plain values of the same kind."""
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
        raise CheckFailed(f"{name} is not right yet. {hint}".rstrip(), value_free=True)


def same_items(value, expected: list, name: str, *, hint: str = "") -> None:
    """Hidden test: `value` is a list holding the same items as `expected`, in any order."""
    got = plain_value(value, name)
    if type(got) is not list:
        raise CheckFailed(f"{name} should be a list, but it is a {type(value).__name__}.")
    if sorted(map(repr, got)) != sorted(map(repr, expected)):
        raise CheckFailed(f"{name} is not right yet. {hint}".rstrip(), value_free=True)
