"""Reading a date a learner typed (text, a datetime or a pandas Timestamp), with a one-line error otherwise."""

from __future__ import annotations

import pandas as pd

from tpmkit.errors import KitError


def timestamp(value, name: str, example: str = "2026-11-02") -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or stamp is pd.NaT:
        raise KitError(f"{name} must be a date such as '{example}', not {value!r}.")
    return stamp
