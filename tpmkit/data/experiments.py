"""Tillpoint's product numbers for module 05-metrics: experiments, segments, checkout times, daily payments.

Every table is generated from a seed, and the figures the lesson and the exercise are built on are
planted: the seed moves the details around them, never the planted figures. They are documented in
tests/content/test_experiments_data.py.

- `checkout_times(month)`: how long each card payment took, from "Pay" to the receipt, in one month.
  August and September are the lesson's months; October is the exercise's month.
- `conversion_by_device()`: checkout conversion by device for August and September (the lesson).
- `checkout_flows()`: conversion of the Classic and Express checkout flows by device (the exercise).
  Shops chose their flow.
- `ab_test(name)`, `ab_test_daily(name)`: randomised A/B tests, per variant and per day. "saved-cards"
  is the lesson's test, "express-pay" the exercise's.
- `daily_payments()`: payments per day for twelve weeks, and two launches: new receipts on Wednesday
  9 September and Tap to Pay on Thursday 1 October.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

DEFAULT_SEED = 2026


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def _choose(value, allowed: dict, what: str):
    if not isinstance(value, str) or value not in allowed:
        raise KitError(f"There is no {what} {value!r}; choose one of {', '.join(repr(k) for k in allowed)}.")
    return allowed[value]


# --- checkout times -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutMonth:
    """One month of payments: a lognormal body plus a share of payments that hung (uniform, in ms)."""

    payments: int
    median_ms: float  # median of the body
    sigma: float  # spread of the body (lognormal sigma)
    hung: int  # payments that hung waiting for the card issuer
    hung_ms: tuple[int, int]  # how long a hung payment took: from, to


# Fixed figures the lesson and the exercise are built on; documented in tests/content/test_experiments_data.py.
CHECKOUT_MONTHS = {
    "2026-08": CheckoutMonth(1_840, 1_050, 0.45, 7, (6_000, 12_000)),
    "2026-09": CheckoutMonth(1_910, 930, 0.42, 34, (6_000, 14_000)),
    "2026-10": CheckoutMonth(1_949, 900, 0.42, 49, (6_000, 14_000)),
}


def checkout_times(month: str = "2026-10", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Every card payment at the pilot shops in `month` ("2026-08", "2026-09" or "2026-10").

    One row per payment: `payment_id` and `checkout_ms`, the time from pressing "Pay" to the receipt,
    in whole milliseconds. A fixed number of payments hung waiting for the card issuer (6 to 14 s).
    """
    plan = _choose(month, CHECKOUT_MONTHS, "month")
    rng = np.random.default_rng([_seed(seed), int(month.replace("-", ""))])
    body = rng.lognormal(np.log(plan.median_ms), plan.sigma, plan.payments - plan.hung)
    body = np.clip(body, 250, plan.hung_ms[0] - 1_000)  # a quick payment still takes a quarter second
    hung = rng.uniform(*plan.hung_ms, plan.hung)
    times = np.round(np.concatenate([body, hung])).astype(np.int64)
    rng.shuffle(times)
    ids = [f"P-{month.replace('-', '')}-{i:04d}" for i in range(1, plan.payments + 1)]
    return pd.DataFrame({"payment_id": ids, "checkout_ms": times})


# --- segments: conversion by device ------------------------------------------------------------------

# (group, segment): (planned visitors, conversion rate). Conversions are the rate times the visitors,
# rounded, so the rates are planted; the seed only moves the visitor counts a little. The figures the lesson
# and the exercise are built on are documented in tests/content/test_experiments_data.py.
DEVICE_MONTHS = {
    ("2026-08", "app"): (30_000, 0.070),
    ("2026-08", "mobile web"): (20_000, 0.025),
    ("2026-08", "desktop web"): (15_000, 0.050),
    ("2026-09", "app"): (31_000, 0.073),
    ("2026-09", "mobile web"): (52_000, 0.027),
    ("2026-09", "desktop web"): (15_500, 0.052),
}
FLOWS = {
    ("Classic", "iPhone app"): (3_000, 0.080),
    ("Classic", "Android app"): (4_000, 0.060),
    ("Classic", "mobile web"): (14_000, 0.026),
    ("Classic", "desktop web"): (9_000, 0.050),
    ("Express", "iPhone app"): (12_000, 0.076),
    ("Express", "Android app"): (9_000, 0.064),
    ("Express", "mobile web"): (3_000, 0.023),
    ("Express", "desktop web"): (4_000, 0.053),
}


def _segments(plan: dict, group: str, segment: str, seed: int, salt: int) -> pd.DataFrame:
    rng = np.random.default_rng([_seed(seed), salt])
    rows = []
    for (group_value, segment_value), (visitors, rate) in plan.items():
        visitors = int(round(visitors * rng.uniform(0.98, 1.02)))
        rows.append({group: group_value, segment: segment_value, "visitors": visitors,
                     "conversions": int(round(visitors * rate))})
    return pd.DataFrame(rows)


def conversion_by_device(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Checkout visitors and conversions by `month` and `device` (app, mobile web, desktop web)."""
    return _segments(DEVICE_MONTHS, "month", "device", seed, 1)


def checkout_flows(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Visitors and conversions by checkout `flow` (Classic, Express) and `device`, for October.

    Shops opted in to Express, so this is not an experiment: the flows see different mixes of devices.
    """
    return _segments(FLOWS, "flow", "device", seed, 2)


# --- A/B tests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A planned A/B test. `checkpoints` fixes the running totals at the end of some days, per variant,
    as (visitors, conversions, payment_errors); the days in between are split at random."""

    start: str  # first day
    days: int  # planned length
    checkpoints: dict[int, dict[str, tuple[int, int, int]]]


# Fixed figures the lesson and the exercise are built on; documented in tests/content/test_experiments_data.py.
EXPERIMENTS = {
    # Saved cards for returning customers (the lesson's test).
    "saved-cards": Experiment("2026-09-07", 14, {
        3: {"A": (4_700, 226, 47), "B": (4_720, 275, 49)},
        7: {"A": (11_000, 538, 108), "B": (11_040, 580, 112)},
        14: {"A": (22_000, 1_080, 215), "B": (22_050, 1_101, 221)},
    }),
    # Express pay (the exercise's test).
    "express-pay": Experiment("2026-10-05", 14, {
        4: {"A": (6_300, 295, 60), "B": (6_280, 362, 68)},
        14: {"A": (22_100, 1_061, 210), "B": (22_080, 1_156, 265)},
    }),
}
# Weekday weights of test traffic (Monday first).
WEEKDAY_WEIGHTS = (0.86, 0.88, 0.92, 0.97, 1.12, 1.38, 0.87)


def ab_test_daily(name: str = "express-pay", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per day and variant of the A/B test `name` ("saved-cards" or "express-pay").

    Columns: `day` (1, 2, ...), `date`, `variant` ("A" is the control, "B" the new version), `visitors`,
    `conversions` (visitors who paid) and `payment_errors` (visitors who saw a payment fail with an error).
    """
    plan = _choose(name, EXPERIMENTS, "experiment")
    rng = np.random.default_rng([_seed(seed), sum(map(ord, name))])
    dates = pd.date_range(plan.start, periods=plan.days, freq="D")
    weights = np.array([WEEKDAY_WEIGHTS[d.weekday()] for d in dates])
    rows = []
    for variant in ("A", "B"):
        daily = np.zeros((plan.days, 3), dtype=np.int64)
        previous_day, previous = 0, np.zeros(3, dtype=np.int64)
        for day in sorted(plan.checkpoints):
            total = np.array(plan.checkpoints[day][variant], dtype=np.int64)
            span = slice(previous_day, day)
            share = weights[span] / weights[span].sum()
            for column in range(3):
                daily[span, column] = rng.multinomial(total[column] - previous[column], share)
            previous_day, previous = day, total
        for i, date in enumerate(dates):
            rows.append({"day": i + 1, "date": date, "variant": variant, "visitors": int(daily[i, 0]),
                         "conversions": int(daily[i, 1]), "payment_errors": int(daily[i, 2])})
    table = pd.DataFrame(rows).sort_values(["day", "variant"], kind="stable").reset_index(drop=True)
    table["date"] = table["date"].astype("datetime64[ns]")
    return table


def ab_test(name: str = "express-pay", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The A/B test `name` at its planned end: one row per variant with visitors, conversions and
    payment_errors summed over every day."""
    daily = ab_test_daily(name, seed)
    totals = daily.groupby("variant", as_index=False)[["visitors", "conversions", "payment_errors"]].sum()
    return totals.astype({"visitors": "int64", "conversions": "int64", "payment_errors": "int64"})


# --- daily payments ---------------------------------------------------------------------------------

PAYMENTS_START = pd.Timestamp("2026-08-03")  # a Monday
PAYMENTS_WEEKS = 12
PAYMENTS_PER_DAY = 50_000  # an average day in the first week
WEEKLY_GROWTH = 0.003  # the business grows a little every week
LAUNCHES = {"receipts": pd.Timestamp("2026-09-09"), "tap-to-pay": pd.Timestamp("2026-10-01")}
TAP_TO_PAY_LIFT = 0.02  # Tap to Pay's effect on payments; documented in tests/content/test_experiments_data.py
PAYMENT_WEEKDAYS = (0.88, 0.90, 0.93, 0.98, 1.12, 1.38, 0.72)  # Monday first


def daily_payments(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Card payments per day across all shops, 3 August to 25 October 2026 (twelve whole weeks).

    Columns: `date`, `weekday` ("Mon" ... "Sun") and `payments`. New receipts launched on 9 September and
    Tap to Pay on 1 October (LAUNCHES).
    """
    rng = np.random.default_rng([_seed(seed), 3])
    dates = pd.date_range(PAYMENTS_START, periods=7 * PAYMENTS_WEEKS, freq="D")
    days = np.arange(len(dates))
    expected = (PAYMENTS_PER_DAY * np.array([PAYMENT_WEEKDAYS[d.weekday()] for d in dates])
                * (1 + WEEKLY_GROWTH) ** (days / 7)
                * np.where(dates >= LAUNCHES["tap-to-pay"], 1 + TAP_TO_PAY_LIFT, 1.0))
    noise = np.clip(rng.normal(0, 0.015, len(dates)), -0.03, 0.03)
    payments = np.round(expected * (1 + noise)).astype(np.int64)
    return pd.DataFrame({"date": dates.astype("datetime64[ns]"), "weekday": dates.strftime("%a"),
                         "payments": payments})
