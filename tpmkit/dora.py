"""DORA's software delivery metrics from a deployments table, and the report tables to compare with.

The five metrics (dora.dev guide "DORA's software delivery performance metrics", and its history page):

- change lead time: time from a change's commit to its deployment in production (median, in hours);
- deployment frequency: production deployments per week in a stated period;
- failed deployment recovery time: from a failed deployment to restored service (median, in hours).
  Before 2023 DORA measured "time to restore service" (MTTR) for any incident; since the 2023 report
  it counts only failures caused by a deployment;
- change fail rate: share of deployments that failed in production and needed immediate
  intervention (a rollback or a hotfix);
- deployment rework rate: share of deployments that were unplanned, made because of an incident in
  production (added in the 2024 report).

Every function takes a period [start, end): deployments with start <= deploy_time < end count.

The performance levels (Elite, High, Medium, Low) come from a cluster analysis of each year's survey,
so the table changes every year. `CLUSTER_TABLES` holds each table by report year with its source
(report and page). A cell the kit could not confirm would be None and never used to classify; every
cell of the 2023 and 2024 tables is filled in, checked against published copies of each report's
table (the page is in `source`). Always pin the year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from tpmkit.dates import timestamp
from tpmkit.errors import KitError

__all__ = [
    "CLUSTER_TABLES", "LEVELS", "METRICS", "ClusterTable", "Level", "change_fail_rate_pct", "change_lead_time_hours",
    "classify", "cluster_table", "deployment_rework_rate_pct", "deployments_per_week",
    "failed_deployment_recovery_hours", "monthly", "monthly_chart", "select", "summary",
]

REQUIRED_COLUMNS = ("deploy_id", "service", "commit_time", "deploy_time", "failed", "restored_time", "rework")
DAY, WEEK, MONTH, SIX_MONTHS = 24.0, 7 * 24.0, 30 * 24.0, 182 * 24.0  # hours; a month is 30 days here


# --- the metrics ----------------------------------------------------------------------------------


def select(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> pd.DataFrame:
    """The deployments of `service` (every service if None) with start <= deploy_time < end."""
    if not isinstance(deploys, pd.DataFrame):
        raise KitError(f"deploys must be the deployments table (a DataFrame), not a {type(deploys).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in deploys.columns]
    if missing:
        raise KitError(f"The deployments table has no column {', '.join(missing)}: "
                       "pass the table from tpmkit.data.deployments().")
    start, end = timestamp(start, "start", "2026-06-29"), timestamp(end, "end", "2026-06-29")
    if end <= start:
        raise KitError(f"The period ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}): swap start and end.")
    rows = deploys[(deploys["deploy_time"] >= start) & (deploys["deploy_time"] < end)]
    if service is not None:
        known = sorted(deploys["service"].unique())
        if service not in known:
            raise KitError(f"There is no service {service!r} in the table; the services are {', '.join(known)}.")
        rows = rows[rows["service"] == service]
    if rows.empty:
        raise KitError(f"No deployments between {start:%Y-%m-%d} and {end:%Y-%m-%d}"
                       f"{f' for {service}' if service else ''}: check the period.")
    return rows


def _hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600


def deployments_per_week(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> float:
    """Production deployments (all of them: failed ones and hotfixes too) per 7 days of the period."""
    rows = select(deploys, start=start, end=end, service=service)
    weeks = (timestamp(end, "end", "2026-06-29") - timestamp(start, "start", "2026-06-29")) / pd.Timedelta(days=7)
    return len(rows) / weeks


def change_lead_time_hours(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> float:
    """Median hours from commit to production deployment. Median, because a few slow changes drag a mean up."""
    rows = select(deploys, start=start, end=end, service=service)
    return float(_hours(rows["deploy_time"] - rows["commit_time"]).median())


def change_fail_rate_pct(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> float:
    """Failed deployments as a percentage of all deployments of the service in the period."""
    rows = select(deploys, start=start, end=end, service=service)
    return 100 * float(rows["failed"].sum()) / len(rows)


def failed_deployment_recovery_hours(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> float:
    """Median hours from a failed deployment to restored service (failed deployments only)."""
    rows = select(deploys, start=start, end=end, service=service)
    failed = rows[rows["failed"]]
    if failed.empty:
        raise KitError("No deployment failed in that period, so there is no recovery time to measure.")
    return float(_hours(failed["restored_time"] - failed["deploy_time"]).median())


def deployment_rework_rate_pct(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> float:
    """Unplanned (rework) deployments as a percentage of all deployments of the service in the period."""
    rows = select(deploys, start=start, end=end, service=service)
    return 100 * float(rows["rework"].sum()) / len(rows)


def summary(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> dict:
    """All five metrics for one service and period, as plain numbers (rounded for reading)."""
    period = {"start": start, "end": end, "service": service}
    failed = int(select(deploys, **period)["failed"].sum())
    return {
        "service": service or "all services",
        "deployments": len(select(deploys, **period)),
        "deployments_per_week": round(deployments_per_week(deploys, **period), 2),
        "median_lead_time_hours": round(change_lead_time_hours(deploys, **period), 2),
        "change_fail_rate_pct": round(change_fail_rate_pct(deploys, **period), 1),
        "median_recovery_hours": round(failed_deployment_recovery_hours(deploys, **period), 2) if failed else None,
        "rework_rate_pct": round(deployment_rework_rate_pct(deploys, **period), 1),
    }


def monthly(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> pd.DataFrame:
    """The metrics month by month within [start, end). A month cut short by the period counts only its days in it."""
    rows = select(deploys, start=start, end=end, service=service)
    start, end = timestamp(start, "start", "2026-06-29"), timestamp(end, "end", "2026-06-29")
    out = []
    for month, group in rows.groupby(rows["deploy_time"].dt.to_period("M")):
        first, after = month.to_timestamp(), (month + 1).to_timestamp()
        days = (min(after, end) - max(first, start)) / pd.Timedelta(days=1)
        failed = group[group["failed"]]
        out.append({
            "month": first,
            "deployments": len(group),
            "deployments_per_week": len(group) / (days / 7),
            "median_lead_time_hours": _hours(group["deploy_time"] - group["commit_time"]).median(),
            "change_fail_rate_pct": 100 * len(failed) / len(group),
            "median_recovery_hours": _hours(failed["restored_time"] - failed["deploy_time"]).median(),
            "rework_rate_pct": 100 * group["rework"].sum() / len(group),
        })
    return pd.DataFrame(out).set_index("month")


def monthly_chart(deploys: pd.DataFrame, *, start, end, service: str | None = None) -> Figure:
    """Deployments per week (bars) and change fail rate and rework rate (lines), month by month."""
    table = monthly(deploys, start=start, end=end, service=service)
    name = service or "all services"
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.bar(table.index, table["deployments_per_week"], width=20, color="#1b9e77")
    left.set(title=f"{name}: deployments per week", ylabel="deployments per week")
    right.plot(table.index, table["change_fail_rate_pct"], marker="o", color="#d95f02", label="change fail rate")
    right.plot(table.index, table["rework_rate_pct"], marker="s", color="#7570b3", label="deployment rework rate")
    right.set(title=f"{name}: instability", ylabel="% of deployments", ylim=(0, None))
    right.legend(loc="upper right", fontsize="small")
    for ax in (left, right):
        ax.xaxis.set_major_formatter(DateFormatter("%b"))
    return fig


# --- the report tables ----------------------------------------------------------------------------

LEVELS = ("Elite", "High", "Medium", "Low")
METRICS = ("deployment_frequency", "change_lead_time", "change_fail_rate", "recovery_time")


@dataclass(frozen=True)
class Level:
    """One performance level of one report: the words the report uses, and the same bands in numbers.

    Bands are (lowest, highest) in deployments per week or in hours; None means the kit could not
    confirm the cell, and it is never used to classify.
    """

    name: str
    deployment_frequency: str
    change_lead_time: str
    change_fail_rate_pct: float | None
    recovery_time: str | None
    deploys_per_week: tuple[float, float]
    lead_time_hours: tuple[float, float]
    recovery_hours: tuple[float, float] | None


@dataclass(frozen=True)
class ClusterTable:
    year: int
    source: str
    levels: tuple[Level, ...]
    note: str = ""


_ON_DEMAND = "On demand (multiple deploys per day)"
_DAY_WEEK = "Between once per day and once per week"
_WEEK_MONTH = "Between once per week and once per month"
_MONTH_SIX = "Between once per month and once every six months"
_LT = ("Less than one day", "Between one day and one week", "Between one week and one month",
       "Between one month and six months")
# Deployments per week: on demand is more than one a day; a month is 30 days, six months 182 days.
_F_ELITE, _F_HIGH, _F_MEDIUM, _F_LOW = (7.0, math.inf), (1.0, 7.0), (7 / 30, 1.0), (7 / 182, 7 / 30)
_L_ELITE, _L_HIGH, _L_MEDIUM, _L_LOW = (0.0, DAY), (DAY, WEEK), (WEEK, MONTH), (MONTH, SIX_MONTHS)

CLUSTER_TABLES: dict[int, ClusterTable] = {
    2023: ClusterTable(
        year=2023,
        source="Accelerate State of DevOps Report 2023 (DORA, Google Cloud), chapter 1 \"How do you compare?\" "
               "(from p. 10): software delivery performance levels",
        levels=(
            Level("Elite", _ON_DEMAND, _LT[0], 5.0, "Less than one hour", _F_ELITE, _L_ELITE, (0.0, 1.0)),
            Level("High", _DAY_WEEK, _LT[1], 10.0, "Less than one day", _F_HIGH, _L_HIGH, (1.0, DAY)),
            Level("Medium", _WEEK_MONTH, _LT[2], 15.0, "Between one day and one week", _F_MEDIUM, _L_MEDIUM,
                  (DAY, WEEK)),
            # The 2023 Low level deploys and waits like Medium, but fails far more often and recovers
            # far more slowly.
            Level("Low", _WEEK_MONTH, _LT[2], 64.0, "Between one month and six months", _F_MEDIUM, _L_MEDIUM,
                  (MONTH, SIX_MONTHS)),
        ),
        note="Low deploys and waits like Medium; it differs in stability: a 64% change fail rate and one "
             "to six months to recover from a failed deployment.",
    ),
    2024: ClusterTable(
        year=2024,
        source="Accelerate State of DevOps Report 2024 (DORA, Google Cloud), software delivery performance "
               "levels (p. 13)",
        levels=(
            Level("Elite", _ON_DEMAND, _LT[0], 5.0, "Less than one hour", _F_ELITE, _L_ELITE, (0.0, 1.0)),
            Level("High", _DAY_WEEK, _LT[1], 20.0, "Less than one day", _F_HIGH, _L_HIGH, (1.0, DAY)),
            Level("Medium", _WEEK_MONTH, _LT[2], 10.0, "Less than one day", _F_MEDIUM, _L_MEDIUM, (1.0, DAY)),
            Level("Low", _MONTH_SIX, _LT[3], 40.0, "Between one week and one month", _F_LOW, _L_LOW,
                  (WEEK, MONTH)),
        ),
        note="The change fail rates are not in level order: High 20%, Medium 10%. High and Medium share a "
             "recovery band (less than one day), and no level's recovery band covers one day to one week.",
    ),
}


def _table(year) -> ClusterTable:
    if isinstance(year, bool) or year not in CLUSTER_TABLES:
        held = " and ".join(str(y) for y in CLUSTER_TABLES)
        raise KitError(f"This kit holds the DORA tables of {held}, not {year!r}: pin one of those years.")
    return CLUSTER_TABLES[year]


def cluster_table(year: int) -> pd.DataFrame:
    """One report's table, one row per level, as the report words it. Source: `.attrs["source"]`."""
    table = _table(year)
    rows = {level.name: {
        "deployment frequency": level.deployment_frequency,
        "change lead time": level.change_lead_time,
        "change fail rate": "not confirmed" if level.change_fail_rate_pct is None
        else f"{level.change_fail_rate_pct:g}%",
        "failed deployment recovery time": level.recovery_time or "not confirmed",
    } for level in table.levels}
    frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis(f"{year} level")
    frame.attrs["source"] = table.source
    frame.attrs["note"] = table.note
    return frame


def _holds(value: float, band: tuple[float, float], open_end: str) -> bool:
    low, high = band
    if open_end == "top":  # "less than one day"
        return low <= value < high
    if open_end == "bottom":  # "multiple deploys per day"
        return low < value <= high
    return low <= value <= high


def classify(metric: str, value: float, *, year: int) -> list[str]:
    """The level(s) of the `year` report whose entry fits `value`. There is no default year on purpose.

    metric is one of METRICS; value is deployments per week (deployment_frequency), hours
    (change_lead_time, recovery_time) or a percentage (change_fail_rate, 18 for 18%).

    - Frequency, lead time and recovery are bands: every level whose band holds the value, best
      first. A value on the edge of two bands belongs to the better level (one day of lead time is
      High; seven deployments a week is High). Two levels can share a band (2023's Medium and Low
      deploy alike and differ in stability; 2024's High and Medium both recover in less than one
      day), and a value in no band gives [] (2024 has no recovery band from one day to one week).
    - Change fail rate is one typical figure per level, not a band: the level whose figure is
      closest. The figures need not be in level order (2024: High 20%, Medium 10%).
    """
    table = _table(year)
    if metric not in METRICS:
        raise KitError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}.")
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) or value < 0:
        raise KitError(f"value must be a number, 0 or more, not {value!r}.")
    if metric == "change_fail_rate":
        return _nearest_rate(table, value)
    if metric == "recovery_time":
        bands = [(lv.name, lv.recovery_hours) for lv in table.levels if lv.recovery_hours is not None]
        if not bands:
            raise KitError(f"This kit has no confirmed recovery times for {year}; pin a year whose table has them.")
        elite_open = "top"
    elif metric == "change_lead_time":
        bands, elite_open = [(lv.name, lv.lead_time_hours) for lv in table.levels], "top"
    else:
        bands, elite_open = [(lv.name, lv.deploys_per_week) for lv in table.levels], "bottom"
    fits: list[tuple[str, tuple[float, float]]] = []
    for name, band in bands:  # best level first
        if not _holds(value, band, elite_open if name == "Elite" else ""):
            continue
        if any(other != band for _, other in fits):  # on an edge: a better level already has it
            continue
        fits.append((name, band))
    return [name for name, _ in fits]


def _nearest_rate(table: ClusterTable, value: float) -> list[str]:
    if value > 100:
        raise KitError(f"A change fail rate is a percentage from 0 to 100 (18 for 18%), not {value!r}.")
    known = [(lv.name, lv.change_fail_rate_pct) for lv in table.levels if lv.change_fail_rate_pct is not None]
    top = max(rate for _, rate in known)
    if len(known) < len(table.levels) and value > top:
        raise KitError(f"This kit's {table.year} table has no confirmed change fail rate for every level, so it "
                       f"cannot place a rate above {top:g}%; use another year's table.")
    best = min(abs(value - rate) for _, rate in known)
    return [name for name, rate in known if math.isclose(abs(value - rate), best)]
