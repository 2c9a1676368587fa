"""Tillpoint's production deployments for 26 weeks (30 March to 27 September 2026), with DORA fields.

One row per production deployment of three services (`checkout`, `payouts`, `dashboard`):

- `deploy_id`: "D-1001", "D-1002", ... in deploy order;
- `service`: which service was deployed;
- `commit_time`: when the change was committed to version control (the start of change lead time);
- `deploy_time`: when it reached production;
- `failed`: True if the deployment failed in production and needed immediate intervention
  (a rollback or a hotfix);
- `restored_time`: when service was restored after a failed deployment (empty otherwise);
- `rework`: True if the deployment was unplanned, made to fix a failed deployment (a hotfix).

A failed deployment is fixed either by rolling back (no new row) or by a hotfix, which is a new
row with `rework` True whose deploy time is the restore time of the failure it fixes.

Each service has a fixed number of deployments, failures and hotfixes in each 13-week quarter, and an
exact median change lead time and failed-deployment recovery time (PLANTED). The seed moves the times
around, never these figures. The exercises are graded on them; they are documented in
tests/content/test_deployments_data.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

START = pd.Timestamp("2026-03-30")  # a Monday
WEEKS_PER_QUARTER = 13
QUARTERS = {  # the two 13-week quarters the table covers: start (inclusive), end (exclusive)
    "Q2": (START, START + pd.Timedelta(weeks=WEEKS_PER_QUARTER)),
    "Q3": (START + pd.Timedelta(weeks=WEEKS_PER_QUARTER), START + pd.Timedelta(weeks=2 * WEEKS_PER_QUARTER)),
}
END = QUARTERS["Q3"][1]
DEFAULT_SEED = 2026
SERVICES = ("checkout", "payouts", "dashboard")
COLUMNS = ["deploy_id", "service", "commit_time", "deploy_time", "failed", "restored_time", "rework"]


@dataclass(frozen=True)
class Plan:
    """What one service does in one quarter. All counts and medians are exact in the table."""

    planned: int  # planned deployments (not rework)
    failed: int  # planned deployments that failed in production
    hotfixed: int  # failures fixed by a hotfix deployment (the rest were rolled back)
    median_lead_minutes: int  # median change lead time over ALL deployments in the quarter
    recovery_minutes: tuple[int, ...]  # one per failure, from deploy to restore; rollbacks get the shortest

    @property
    def deployments(self) -> int:
        return self.planned + self.hotfixed


# Fixed figures the exercises are graded on; documented in tests/content/test_deployments_data.py.
PLANTED: dict[tuple[str, str], Plan] = {
    ("checkout", "Q2"): Plan(60, 10, 6, 30 * 60, (20, 35, 45, 60, 80, 110, 150, 240, 420, 700)),
    ("checkout", "Q3"): Plan(73, 9, 5, 21 * 60 + 30, (18, 25, 40, 55, 75, 95, 140, 260, 1860)),
    ("payouts", "Q2"): Plan(25, 5, 2, 52 * 60, (35, 70, 110, 190, 300)),
    ("payouts", "Q3"): Plan(30, 3, 2, 40 * 60, (30, 65, 150)),
    ("dashboard", "Q2"): Plan(100, 12, 5, 6 * 60, (10, 12, 15, 20, 22, 30, 35, 45, 60, 90, 120, 200)),
    ("dashboard", "Q3"): Plan(110, 10, 4, 5 * 60, (8, 10, 14, 18, 25, 30, 40, 70, 95, 150)),
}


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def _working_time(rng: np.random.Generator, week_start: pd.Timestamp) -> pd.Timestamp:
    """A time on a weekday of the week, between 09:00 and 17:30, to the minute."""
    day = int(rng.integers(0, 5))
    minute = int(rng.integers(9 * 60, 17 * 60 + 31))
    return week_start + pd.Timedelta(days=day, minutes=minute)


def _lead_minutes(rng: np.random.Generator, plan: Plan, rework_leads: list[int]) -> list[int]:
    """Lead times for the planned deployments so that the median over ALL deployments is exact.

    Half the values sit below the median and half above (one or two values sit exactly on it),
    with a tail of changes that waited far longer than usual.
    """
    n, median = plan.deployments, plan.median_lead_minutes
    on_median = 2 - n % 2
    below = (n - on_median) // 2 - len(rework_leads)
    above = (n - on_median) // 2
    low = np.exp(rng.uniform(np.log(min(120, median // 2)), np.log(median - 1), below))
    high = np.exp(rng.uniform(np.log(median + 1), np.log(3 * median), above))
    tail = rng.choice(above, size=max(1, above // 10), replace=False)
    high[tail] = rng.uniform(6 * median, 10 * median, len(tail))  # waited days for a review or a release window
    values = [int(v) for v in np.clip(np.floor(low), 60, median - 1)]
    values += [int(v) for v in np.clip(np.ceil(high), median + 1, None)]
    values += [median] * on_median
    rng.shuffle(values)
    return values


def _quarter(rng: np.random.Generator, service: str, quarter: str, plan: Plan) -> list[dict]:
    start, end = QUARTERS[quarter]
    per_week = rng.multinomial(plan.planned, [1 / WEEKS_PER_QUARTER] * WEEKS_PER_QUARTER)
    times = sorted(_working_time(rng, start + pd.Timedelta(weeks=w)) for w, k in enumerate(per_week)
                   for _ in range(k))
    # Failures are drawn from deployments early enough for the slowest recovery to end in the quarter.
    latest = end - pd.Timedelta(minutes=max(plan.recovery_minutes) + 24 * 60)
    eligible = [i for i, t in enumerate(times) if t < latest]
    failed = sorted(int(i) for i in rng.choice(eligible, size=plan.failed, replace=False))
    recoveries = sorted(plan.recovery_minutes)
    rolled_back = plan.failed - plan.hotfixed
    order = rng.permutation(plan.failed)  # which failure gets which recovery time
    rows = [{"service": service, "deploy_time": t, "failed": False, "restored_time": pd.NaT, "rework": False}
            for t in times]
    rework_rows, rework_leads = [], []
    for rank, index in zip(order, failed, strict=True):
        row = rows[index]
        row["failed"] = True
        row["restored_time"] = row["deploy_time"] + pd.Timedelta(minutes=recoveries[rank])
        if rank >= rolled_back:  # the slower recoveries are hotfixes: a new, unplanned deployment
            lead = int(rng.uniform(0.3, 0.8) * min(recoveries[rank], 180))
            rework_leads.append(lead)
            rework_rows.append({"service": service, "deploy_time": row["restored_time"], "failed": False,
                                "restored_time": pd.NaT, "rework": True,
                                "commit_time": row["restored_time"] - pd.Timedelta(minutes=lead)})
    for row, lead in zip(rows, _lead_minutes(rng, plan, rework_leads), strict=True):
        row["commit_time"] = row["deploy_time"] - pd.Timedelta(minutes=lead)
    return rows + rework_rows


def deployments(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Every production deployment of Tillpoint's three services, 30 March to 27 September 2026.

    The planted counts and medians (PLANTED) are the same for every seed; the seed only moves
    the times.
    """
    rng = np.random.default_rng(_seed(seed))
    rows = [row for (service, quarter), plan in PLANTED.items() for row in _quarter(rng, service, quarter, plan)]
    table = pd.DataFrame(rows).sort_values(["deploy_time", "service"], kind="stable").reset_index(drop=True)
    table["deploy_id"] = [f"D-{1001 + i}" for i in range(len(table))]
    for column in ("commit_time", "deploy_time", "restored_time"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[ns]")
    table["failed"] = table["failed"].astype(bool)
    table["rework"] = table["rework"].astype(bool)
    return table[COLUMNS]
