"""Answer checks for exercise notebooks: visible self-checks and hidden tests use the same calls.

Every check first turns the learner's value into a plain Python value (int, float, str, bool)
and refuses anything else, so an object that claims to equal everything cannot pass. A failed
check raises `CheckFailed` with a message the learner may see; it never contains the expected
value.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real

from tpmkit.errors import CheckFailed

__all__ = ["close", "equal", "number", "plain_number", "plain_text", "text_format"]


def _unset(value, name: str) -> None:
    if value is None or value is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: assign your answer to {name} and run the cell.")


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


def text_format(value, name: str, pattern: str, example: str) -> None:
    """Visible self-check: `value` is a str in the format the question asks for."""
    got = plain_text(value, name)
    if not re.fullmatch(pattern, got):
        raise CheckFailed(f"{name} should look like '{example}', not '{got}'.")
    print(f"✓ {name} = '{got}' has the right form. Hidden tests check the value when graded.")


def close(value, expected: float, name: str, *, abs_tol: float = 0.0, hint: str = "") -> None:
    """Hidden test: `value` is within `abs_tol` of `expected` (a tiny relative slack covers float noise)."""
    got = plain_number(value, name)
    if not math.isclose(got, expected, rel_tol=1e-9, abs_tol=abs_tol):
        raise CheckFailed(f"{name} is not right yet. {hint}".rstrip())


def equal(value, expected, name: str, *, hint: str = "") -> None:
    """Hidden test: `value` equals `expected` exactly, compared as plain values of the same kind."""
    if isinstance(expected, str):
        got = plain_text(value, name).strip()
    elif isinstance(expected, bool):
        if type(value) is not bool:
            raise CheckFailed(f"{name} should be True or False, but it is a {type(value).__name__}.")
        got = value
    else:
        got = plain_number(value, name)
    if got != expected:
        raise CheckFailed(f"{name} is not right yet. {hint}".rstrip())
