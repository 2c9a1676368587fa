"""Tillpoint's pull requests (August to October 2026), one row per pull request.

Shape: about 40 pull requests merged a month, a few closed without merging (abandoned after days),
and a handful still open when the data was pulled (1 November 2026, 00:00 UTC). Time from opened to
merged is lognormal with a long right tail: a few pull requests wait days for a security review.

The figure the exercise is graded on is fixed (the same for every seed); it is documented in
tests/content/test_pull_requests_data.py.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

PULLED_AT = pd.Timestamp("2026-11-01 00:00")
MONTHS = {"2026-08": 36, "2026-09": 38, "2026-10": 41}  # pull requests merged in each month
CLOSED_PER_MONTH = 5
STILL_OPEN = 6
MEDIAN_HOURS, SIGMA = 19.5, 0.8  # the lognormal's median and spread of hours from opened to merged
DEFAULT_SEED = 2026
AUTHORS = ["Priya Shah", "Sam Okafor", "Alex Byrne", "Mei Chen", "Tomasz Nowak", "Grace Adeyemi"]
TITLES = [
    "Offer tips at the till", "Show the card's last four digits", "Shorten the refund window",
    "E-mail receipts", "Give slow card readers more time", "Welsh receipt footer", "Refund button",
    "Manager PIN for refunds", "Daily takings report", "Fix rounding in VAT totals", "Faster product search",
    "Barcode scanner support", "Split a bill between two cards", "Low-stock warning", "Offline mode for tills",
    "Loyalty stamps", "Gift cards", "Dark mode", "Upgrade the payments SDK", "Retry failed card payments",
    "Cash drawer report", "Export sales to CSV", "Staff logins", "Receipt printer settings",
    "Accessibility: larger buttons", "Discount codes", "Fix double-tap on Pay", "Contactless limit setting",
    "Audit log for settings", "Faster start-up",
]


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def _hours(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """n lognormal durations (hours) whose cumulative probabilities lie between low and high."""
    z = np.array([NormalDist().inv_cdf(u) for u in rng.uniform(low, high, n)])
    return MEDIAN_HOURS * np.exp(SIGMA * z)


def _durations(rng: np.random.Generator, month: str, n: int) -> list[int]:
    """Minutes from opened to merged for the n pull requests merged in `month`."""
    if month == "2026-10":  # planted for the exercise; documented in tests/content/test_pull_requests_data.py
        below = _hours(rng, 0.03, 0.46, 20)
        above = np.concatenate([_hours(rng, 0.54, 0.97, 17), rng.uniform(150, 320, 3)])  # security reviews
        hours = np.concatenate([below, [MEDIAN_HOURS], above])
    else:
        hours = np.concatenate([_hours(rng, 0.03, 0.97, n - 2), rng.uniform(120, 300, 2)])
    return [max(20, round(h * 60)) for h in hours]


def _minute_in(rng: np.random.Generator, month: str) -> pd.Timestamp:
    start = pd.Timestamp(f"{month}-01")
    minutes = int((start + pd.offsets.MonthBegin(1) - start) / pd.Timedelta(minutes=1))
    return start + pd.Timedelta(minutes=int(rng.integers(0, minutes)))


def pull_requests(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per pull request to Tillpoint's till app, opened July to October 2026.

    Columns: `pr` (number), `title`, `author`, `state` ("merged", "closed" = closed without
    merging, "open"), `opened_at`, `first_review_at`, `merged_at` (NaT unless merged), `closed_at`
    (when it was merged or closed; NaT while open), `commits`, `lines_added`, `lines_deleted`.
    Times are UTC, to the minute. The seed moves the times, never the figure the exercise is graded on.
    """
    rng = np.random.default_rng(_seed(seed))
    rows = []
    for month, n in MONTHS.items():
        for minutes in _durations(rng, month, n):
            merged = _minute_in(rng, month)
            opened = merged - pd.Timedelta(minutes=minutes)
            review = opened + pd.Timedelta(minutes=round(minutes * rng.uniform(0.1, 0.7)))
            rows.append(("merged", opened, review, merged, merged))
        for _ in range(CLOSED_PER_MONTH):
            closed = _minute_in(rng, month)
            opened = closed - pd.Timedelta(minutes=round(rng.uniform(30, 400) * 60))
            review = opened + pd.Timedelta(hours=float(rng.uniform(2, 20))) if rng.random() < 0.6 else pd.NaT
            rows.append(("closed", opened, review, pd.NaT, closed))
    for _ in range(STILL_OPEN):
        opened = PULLED_AT - pd.Timedelta(minutes=int(rng.integers(60, 5 * 24 * 60)))
        review = opened + pd.Timedelta(minutes=30) if rng.random() < 0.5 else pd.NaT
        rows.append(("open", opened, review, pd.NaT, pd.NaT))
    frame = pd.DataFrame(rows, columns=["state", "opened_at", "first_review_at", "merged_at", "closed_at"])
    for column in ("opened_at", "first_review_at", "merged_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]").dt.floor("min")
    frame = frame.sort_values("opened_at", kind="stable").reset_index(drop=True)
    count = len(frame)
    frame.insert(0, "pr", np.arange(101, 101 + count))
    frame.insert(1, "title", [TITLES[i] for i in rng.integers(0, len(TITLES), count)])
    frame.insert(2, "author", [AUTHORS[i] for i in rng.integers(0, len(AUTHORS), count)])
    frame["commits"] = rng.integers(1, 9, count)
    frame["lines_added"] = np.round(rng.lognormal(3.6, 1.0, count)).astype(int) + 1
    frame["lines_deleted"] = np.round(rng.lognormal(2.3, 1.1, count)).astype(int)
    return frame
