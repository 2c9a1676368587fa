"""SLO arithmetic used by the lessons: budgets, downtime, burn rates, windows over a request log.

Formulas follow the Google SRE Workbook, ch. 2 "Implementing SLOs" and ch. 5 "Alerting on
SLOs". SLOs are fractions (0.999, not 99.9); windows are stated in days, never implied.
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Real

import pandas as pd

from tpmkit.errors import KitError

__all__ = [
    "allowed_downtime_minutes", "burn_rate", "downtime_table", "error_budget",
    "hours_to_exhaust", "rolling_burn_rate", "validate_log",
]

MINUTES_PER_DAY = 24 * 60


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise KitError(f"{name} must be a number, not {value!r}.")
    return value


def _slo(slo) -> float:
    _number(slo, "slo")
    if not 0 < slo < 1:
        hint = f" (for {slo}% write {slo / 100:g})" if 1 < slo < 100 else ""
        raise KitError(f"slo must be a fraction between 0 and 1, such as 0.999 for 99.9%{hint}.")
    return slo


def _positive(value, name: str) -> float:
    if _number(value, name) <= 0:
        raise KitError(f"{name} must be greater than 0, not {value!r}.")
    return value


def error_budget(slo: float, events: int) -> int:
    """Bad events allowed: (1 - SLO) x events, rounded down as the Workbook does."""
    _slo(slo)
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise KitError(f"events must be a whole number of events (0 or more), not {events!r}.")
    # Decimal keeps 0.1 x 30 from landing just under 3 and flooring to 2.
    return math.floor((1 - Decimal(str(slo))) * events)


def allowed_downtime_minutes(slo: float, window_days: float) -> float:
    """Minutes of total outage the SLO allows in a window of `window_days` days."""
    return (1 - _slo(slo)) * _positive(window_days, "window_days") * MINUTES_PER_DAY


def downtime_table(slos=(0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999), windows=(28, 30)) -> pd.DataFrame:
    """Allowed downtime in minutes, one row per SLO and one column per window length."""
    rows = {f"{s * 100:g}%": {f"{w}-day window (min)": round(allowed_downtime_minutes(s, w), 3)
                              for w in windows} for s in slos}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("SLO")


def burn_rate(budget_spent: float, alert_window_hours: float, slo_window_days: float = 30) -> float:
    """How fast the budget burns: fraction spent x (SLO window / alert window). 1 = exactly on budget."""
    spent = _number(budget_spent, "budget_spent")
    if spent < 0:
        raise KitError(f"budget_spent is a fraction of the budget (0.02 for 2%), not {spent!r}.")
    window_hours = _positive(slo_window_days, "slo_window_days") * 24
    return spent * window_hours / _positive(alert_window_hours, "alert_window_hours")


def hours_to_exhaust(rate: float, slo_window_days: float = 30) -> float:
    """Hours until a full budget is gone at a steady burn rate: window / burn rate."""
    return _positive(slo_window_days, "slo_window_days") * 24 / _positive(rate, "rate")


def validate_log(log) -> pd.DataFrame:
    """A request log is a non-empty DataFrame with `minute`, `requests` and `errors` columns."""
    if not isinstance(log, pd.DataFrame):
        raise KitError("Expected a request log DataFrame (from tpmkit.data.request_log()), "
                       f"not a {type(log).__name__}.")
    missing = {"minute", "requests", "errors"} - set(log.columns)
    if missing:
        raise KitError("The request log needs the columns minute, requests and errors; "
                       f"missing: {', '.join(sorted(missing))}.")
    if log.empty:
        raise KitError("The request log is empty: generate one with tpmkit.data.request_log().")
    return log


def rolling_burn_rate(log: pd.DataFrame, slo: float, window_minutes: int) -> pd.Series:
    """Burn rate over the `window_minutes` minutes ending at (and including) each minute.

    Minutes without a full window of history are NaN, so a window is never judged on part-data.
    """
    validate_log(log)
    _slo(slo)
    if isinstance(window_minutes, bool) or not isinstance(window_minutes, int) or window_minutes < 1:
        raise KitError(f"window_minutes must be a whole number of minutes, 1 or more, not {window_minutes!r}.")
    errors = log["errors"].rolling(window_minutes, min_periods=window_minutes).sum()
    requests = log["requests"].rolling(window_minutes, min_periods=window_minutes).sum()
    rate = (errors / requests) / (1 - slo)
    rate.index = pd.DatetimeIndex(log["minute"])
    return rate.rename(f"{window_minutes}-minute burn rate")
