"""Two teams' ticket logs (October to December 2026): one row per ticket on the team's Kanban board.

`tickets()` is the Till app team's log (the exercise works on it); `tickets("checkout")` is the Checkout
team's (the lesson works on it). Columns:

- `ticket_id` ("TA-1001", ... for the Till app, "CO-1001", ... for Checkout, in order of creation), `title`,
  `kind` ("feature", "bug" or "chore");
- `created_at`: when the request was written down (it joins the "To do" column);
- `started_at`: when someone pulled it into "In progress" (NaT while it waits in "To do");
- `done_at`: when it reached "Done", which for these teams means released to production (NaT while it is
  still in progress or waiting).

Times are UTC, to the minute; tickets start and finish on weekdays (not Christmas Day) between 09:00 and
18:00. The logs were pulled at PULLED_AT (Monday 28 December 2026, 00:00), so later events are not in them.

The measurement WINDOW is the eight weeks from Monday 2 November 2026 00:00 up to (not including) Monday
28 December 2026 00:00: 56 days. In the week of 23 November Tillpoint froze production changes for Black
Friday (FREEZE), so nothing reached Done that week; work carried on, and the tickets it finished went live on
Monday 30 November, after waiting out the freeze.

The weekly counts of tickets done are fixed for the exercises (PLANS[team]) and the same for every seed,
which moves only the times and the titles; they are documented in tests/content/test_tickets_data.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

COLUMNS = ["ticket_id", "title", "kind", "created_at", "started_at", "done_at"]
WINDOW = (pd.Timestamp("2026-11-02"), pd.Timestamp("2026-12-28"))
PULLED_AT = WINDOW[1]
FREEZE = (pd.Timestamp("2026-11-23"), pd.Timestamp("2026-11-30"))
HOLIDAYS = {pd.Timestamp("2026-12-25")}  # Christmas Day: nobody starts or finishes anything
WAIT_MEDIAN_DAYS, WAIT_SIGMA = 8.0, 0.6  # lognormal days from created to started (waiting in "To do")
CYCLE_SIGMA = 0.6  # spread of the lognormal days from started to done (work, review, release)
KINDS = ("feature", "bug", "chore")
KIND_WEIGHTS = (0.55, 0.3, 0.15)


@dataclass(frozen=True)
class Plan:
    prefix: str  # of the ticket ids
    default_seed: int  # chosen so that no graded figure sits on a rounding edge (tests check)
    weekly_done: tuple[int, ...]  # done per week of the window, Monday to Sunday (week 4 is the freeze)
    earlier_done: tuple[int, ...]  # done per week in the four weeks before the window (from 5 October)
    in_progress_at_pull: int  # started, not done when the log was pulled
    waiting_at_pull: int  # created, not started
    released_after_freeze: int  # of week 5's tickets: finished during the freeze, released on 30 November
    cycle_median_days: float  # from the window on (both teams limited their WIP from 2 November)
    earlier_cycle_median_days: float  # before the window, with no WIP limit


# Fixed figures the exercises are graded on; documented in tests/content/test_tickets_data.py.
PLANS = {
    "till-app": Plan("TA", 2030, (9, 10, 8, 0, 15, 11, 9, 10), (6, 5, 7, 6), 8, 11, 7, 4.0, 7.0),
    "checkout": Plan("CO", 2022, (7, 8, 6, 0, 12, 8, 8, 7), (7, 6, 8, 7), 7, 9, 6, 3.5, 6.0),
}
TEAMS = tuple(PLANS)
TITLES = {
    "till-app": {
        "feature": ["Tip prompt at the till", "Receipt logo upload", "Refund to a different card", "Quick-sale keys",
                    "Product variants", "Barcode search", "Table numbers for cafes", "Staff sales report",
                    "Discount for regulars", "Custom receipt footer", "Sell by weight", "Bulk price edit",
                    "Customer notes on a sale", "Order-ahead link", "End-of-day e-mail"],
        "bug": ["Receipt cuts off long names", "VAT rounding on discounts", "Card reader pairing drops",
                "Duplicate sale after timeout", "Wrong date on refunds", "Crash when stock hits zero",
                "Search misses accented names", "Tip added twice on split bills", "Slow start on old tablets"],
        "chore": ["Upgrade the web framework", "Rotate the API keys", "Remove an unused feature flag",
                  "Speed up the test suite", "Update the privacy notice", "Tidy the error logs"],
    },
    "checkout": {
        "feature": ["Show decline reason codes", "Retry 3-D Secure challenges", "Payment link expiry setting",
                    "Refund reason field", "Partial refunds", "Card on file for regulars", "Payout schedule setting",
                    "Apple Pay domain check", "Tap to Pay timeout setting", "Payment link QR code"],
        "bug": ["Double charge on a slow network", "Refund stuck in pending", "Wrong currency symbol on links",
                "Payment link blank on old Android", "Receipt e-mail missing VAT number", "Timeout on large baskets"],
        "chore": ["Rotate acquirer certificates", "Upgrade the payments SDK", "Remove an old feature flag",
                  "Speed up the checkout tests", "Update card-scheme test cards"],
    },
}
_WORKDAY_START, _WORKDAY_END = 9 * 60, 18 * 60  # minutes after midnight


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def _is_workday(day: pd.Timestamp) -> bool:
    return day.weekday() < 5 and day.normalize() not in HOLIDAYS


def _back_to_working_time(rng: np.random.Generator, moment: pd.Timestamp) -> pd.Timestamp:
    """`moment` if it is a workday minute between 09:00 and 18:00; otherwise a random working minute of the
    last workday at or before it (so nothing lands at night or at the weekend, and nothing moves later)."""
    moment = moment.floor("min")
    minute = moment.hour * 60 + moment.minute
    day = moment.normalize()
    if _is_workday(day) and _WORKDAY_START <= minute < _WORKDAY_END:
        return moment
    if not (_is_workday(day) and minute >= _WORKDAY_END):
        day -= pd.Timedelta(days=1)
        while not _is_workday(day):
            day -= pd.Timedelta(days=1)
    return _working_minute(rng, day)


def _working_minute(rng: np.random.Generator, day: pd.Timestamp) -> pd.Timestamp:
    return day + pd.Timedelta(minutes=int(rng.integers(_WORKDAY_START, _WORKDAY_END)))


def _workday_in(rng: np.random.Generator, week_start: pd.Timestamp) -> pd.Timestamp:
    days = [week_start + pd.Timedelta(days=d) for d in range(5)]
    days = [day for day in days if _is_workday(day)]
    return days[int(rng.integers(0, len(days)))]


def _days(rng: np.random.Generator, median: float, sigma: float, low: float, high: float) -> float:
    return float(np.clip(rng.lognormal(np.log(median), sigma), low, high))


def _done_times(rng: np.random.Generator, plan: Plan) -> list[tuple[pd.Timestamp, float, float]]:
    """(done time, extra days waited for a release, median cycle days) for every ticket done before the pull."""
    out = []
    first = WINDOW[0] - pd.Timedelta(weeks=len(plan.earlier_done))
    for week, count in enumerate(plan.earlier_done + plan.weekly_done):
        week_start = first + pd.Timedelta(weeks=week)
        median = plan.earlier_cycle_median_days if week_start < WINDOW[0] else plan.cycle_median_days
        for i in range(count):
            if week_start == FREEZE[1] and i < plan.released_after_freeze:  # the release after the freeze
                done = week_start + pd.Timedelta(minutes=int(rng.integers(10 * 60, 12 * 60)))
                out.append((done, float(rng.uniform(1.0, 6.0)), median))
            else:
                out.append((_working_minute(rng, _workday_in(rng, week_start)), 0.0, median))
    return out


def _created(rng: np.random.Generator, started: pd.Timestamp) -> pd.Timestamp:
    wait = _days(rng, WAIT_MEDIAN_DAYS, WAIT_SIGMA, 1, 40)
    return _back_to_working_time(rng, started - pd.Timedelta(days=wait))


def tickets(team: str = "till-app", seed: int | None = None) -> pd.DataFrame:
    """A team's tickets (columns: COLUMNS), created from September to December 2026.

    `team` is "till-app" (the exercise's) or "checkout" (the lesson's). `seed` defaults to the team's own;
    the planted weekly counts of tickets done are the same for every seed, which moves only the times.
    """
    if team not in PLANS:
        raise KitError(f"team must be one of {', '.join(repr(t) for t in TEAMS)}, not {team!r}.")
    plan = PLANS[team]
    rng = np.random.default_rng(plan.default_seed if seed is None else _seed(seed))
    rows = []
    for done, waited, median in _done_times(rng, plan):
        cycle = _days(rng, median, CYCLE_SIGMA, 0.3, 25.0) + waited
        if rng.random() < 0.06:  # blocked for a while (waiting on a card scheme, a supplier, a review)
            cycle += float(rng.uniform(8, 16))
        started = _back_to_working_time(rng, done - pd.Timedelta(days=cycle))
        rows.append((_created(rng, started), started, done))
    for _ in range(plan.in_progress_at_pull):
        started = _back_to_working_time(rng, PULLED_AT - pd.Timedelta(days=float(rng.uniform(0.5, 9))))
        rows.append((_created(rng, started), started, pd.NaT))
    for _ in range(plan.waiting_at_pull):
        created = _back_to_working_time(rng, PULLED_AT - pd.Timedelta(days=float(rng.uniform(0.5, 16))))
        rows.append((created, pd.NaT, pd.NaT))
    frame = pd.DataFrame(rows, columns=["created_at", "started_at", "done_at"])
    for column in ("created_at", "started_at", "done_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame = frame.sort_values(["created_at", "started_at"], kind="stable").reset_index(drop=True)
    count = len(frame)
    kinds = [KINDS[i] for i in rng.choice(len(KINDS), size=count, p=KIND_WEIGHTS)]
    titles = [TITLES[team][kind][int(rng.integers(0, len(TITLES[team][kind])))] for kind in kinds]
    frame.insert(0, "ticket_id", [f"{plan.prefix}-{1001 + i}" for i in range(count)])
    frame.insert(1, "title", titles)
    frame.insert(2, "kind", kinds)
    return frame[COLUMNS]
