"""Reading a date a learner typed (text, a datetime or a pandas Timestamp), with a one-line error otherwise."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

_STARTS_WITH_A_DATE = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}")


def timestamp(value, name: str, example: str = "2026-11-02", what: str = "a date") -> pd.Timestamp:
    """`value` as a Timestamp: a date or datetime, or text that starts with YYYY-MM-DD. Anything else is a one-line
    error naming `name`, including what pandas would quietly read as some other moment: a number (5 ns after
    1970) or a time alone ("14:20" is today)."""
    stamp = None
    if isinstance(value, (date, np.datetime64)) or (isinstance(value, str) and _STARTS_WITH_A_DATE.match(value)):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            stamp = None
    if stamp is None or stamp is pd.NaT:
        raise KitError(f"{name} must be {what} such as '{example}', not {value!r}.")
    return stamp
