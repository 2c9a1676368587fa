"""Flow metrics from a ticket log: WIP, throughput, cycle time, lead time, Little's law, forecasts (cycle-time
percentiles and a seeded Monte Carlo throughput forecast), and the cumulative flow diagram.

Definitions (the Kanban Guide, ProKanban.org; every function states its window):

- cycle time: from when work STARTED on a ticket to when it was DONE, in calendar days;
- lead time: from when the ticket was CREATED (requested) to when it was DONE: cycle time plus the wait in
  "To do";
- throughput: tickets done per unit of time; here per week = tickets done in the window / (window days / 7);
- WIP (work in progress): tickets started and not yet done, at a moment;
- Little's law (John Little, 1961): average WIP = average throughput x average cycle time, for a stable
  system over a long enough window, with the SAME time unit in throughput and cycle time.

A window is [start, end): a ticket counts when start <= done_at < end. A ticket log is a DataFrame (or a
list of row dicts) with ticket_id, created_at, started_at and done_at; a missing time means "not yet".
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from tpmkit.dates import timestamp
from tpmkit.errors import KitError

__all__ = ["cfd_chart", "cumulative_flow", "cycle_time_chart", "cycle_times", "daily_wip", "done_in",
           "forecast_chart", "forecast_days", "forecast_items", "lead_times", "littles_law", "simulate_totals",
           "throughput_per_week", "weekly_throughput", "wip_at"]

REQUIRED_COLUMNS = ("ticket_id", "created_at", "started_at", "done_at")
DAY = pd.Timedelta(days=1)


def _window(start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = timestamp(start, "start"), timestamp(end, "end")
    if end <= start:
        raise KitError(f"The window ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}): swap start and end.")
    return start, end


def _tickets(tickets) -> pd.DataFrame:
    if isinstance(tickets, list) and all(isinstance(row, dict) for row in tickets):
        tickets = pd.DataFrame(tickets)
    if not isinstance(tickets, pd.DataFrame):
        raise KitError(f"tickets must be the ticket log (a DataFrame or a list of row dicts), "
                       f"not a {type(tickets).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in tickets.columns]
    if missing:
        raise KitError(f"The ticket log has no column {', '.join(missing)}: pass the table from tpmkit.data.tickets().")
    table = tickets.copy()
    for column in ("created_at", "started_at", "done_at"):
        try:
            table[column] = pd.to_datetime(table[column])
        except (TypeError, ValueError):
            raise KitError(f"The column {column} holds something that is not a time: check the ticket log.") from None
    if table["created_at"].isna().any():
        raise KitError("A ticket has no created_at time: every ticket was created at some moment.")
    if (table["done_at"].notna() & table["started_at"].isna()).any():
        raise KitError("A ticket is done but never started: give it a started_at time.")
    if (table["started_at"] < table["created_at"]).any() or (table["done_at"] < table["started_at"]).any():
        raise KitError("A ticket starts before it is created or finishes before it starts: check its times.")
    return table


def done_in(tickets, start, end) -> pd.DataFrame:
    """The tickets done in the window: start <= done_at < end."""
    table, (start, end) = _tickets(tickets), _window(start, end)
    return table[(table["done_at"] >= start) & (table["done_at"] < end)]


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86_400


def cycle_times(tickets, start, end) -> pd.Series:
    """Cycle time (started to done) in calendar days of each ticket done in the window, by ticket_id."""
    done = done_in(tickets, start, end)
    if done.empty:
        raise KitError("No ticket was done in that window, so there is no cycle time: check the dates.")
    return pd.Series(_days(done["done_at"] - done["started_at"]).to_numpy(), index=done["ticket_id"],
                     name="cycle_time_days")


def lead_times(tickets, start, end) -> pd.Series:
    """Lead time (created to done) in calendar days of each ticket done in the window, by ticket_id."""
    done = done_in(tickets, start, end)
    if done.empty:
        raise KitError("No ticket was done in that window, so there is no lead time: check the dates.")
    return pd.Series(_days(done["done_at"] - done["created_at"]).to_numpy(), index=done["ticket_id"],
                     name="lead_time_days")


def throughput_per_week(tickets, start, end) -> float:
    """Tickets done in the window per 7 days of the window (weeks with nothing done count as 0)."""
    start, end = _window(start, end)
    return len(done_in(tickets, start, end)) / ((end - start) / pd.Timedelta(days=7))


def weekly_throughput(tickets, start, end) -> pd.Series:
    """Tickets done in each 7-day week of the window, counted from `start`; a week with nothing done is 0."""
    start, end = _window(start, end)
    weeks = (end - start) / pd.Timedelta(days=7)
    if not float(weeks).is_integer():
        raise KitError(f"The window is {(end - start) / DAY:g} days, not a whole number of weeks: "
                       "make it a multiple of 7 days.")
    done = done_in(tickets, start, end)
    week = ((done["done_at"] - start) // pd.Timedelta(days=7)).astype(int)
    counts = week.value_counts().reindex(range(int(weeks)), fill_value=0).sort_index()
    counts.index = [start + pd.Timedelta(weeks=int(w)) for w in counts.index]
    counts.index.name = "week_starting"
    return counts.rename("done")


def wip_at(tickets, moment) -> int:
    """Work in progress at `moment`: tickets started at or before it and not done by then."""
    table, moment = _tickets(tickets), timestamp(moment, "moment")
    started = table["started_at"] <= moment
    done = table["done_at"] <= moment
    return int((started & ~done).sum())


def daily_wip(tickets, start, end) -> pd.Series:
    """WIP at the end of each day of the window (at midnight after it), indexed by day."""
    table, (start, end) = _tickets(tickets), _window(start, end)
    days = pd.date_range(start.normalize(), end, freq="D", inclusive="left")
    return pd.Series([wip_at(table, day + DAY) for day in days], index=days, name="wip")


def littles_law(*, wip=None, throughput_per_day=None, cycle_time_days=None) -> float:
    """Give exactly two of the three; returns the third from WIP = throughput x cycle time.

    The names carry the units: throughput in items per DAY, cycle time in DAYS, WIP in items. Convert a
    weekly throughput first (6 a week is 6 / 7 a day).
    """
    given = {"wip": wip, "throughput_per_day": throughput_per_day, "cycle_time_days": cycle_time_days}
    known = {name: value for name, value in given.items() if value is not None}
    if len(known) != 2:
        raise KitError("Give exactly two of wip, throughput_per_day and cycle_time_days; the law gives the third.")
    for name, value in known.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
            raise KitError(f"{name} must be a number above 0, not {value!r}.")
    if wip is None:
        return float(throughput_per_day) * float(cycle_time_days)
    if throughput_per_day is None:
        return float(wip) / float(cycle_time_days)
    return float(wip) / float(throughput_per_day)


def forecast_days(days, percent: float = 85) -> int:
    """The smallest whole number of days N such that at least `percent`% of the values are N or less.

    "85% of tickets finish within N days": nearest rank, then rounded up to a whole day.
    """
    if isinstance(days, (pd.DataFrame, str, bytes, dict)) or not hasattr(days, "__len__"):
        raise KitError("days must be a list or column of durations in days, such as flow.cycle_times(...).")
    values = sorted(float(v) for v in days)
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise KitError("days must be a non-empty list of durations (numbers of 0 or more).")
    if isinstance(percent, bool) or not isinstance(percent, Real) or not 0 < percent <= 100:
        raise KitError(f"percent must be a number above 0 and at most 100 (such as 85), not {percent!r}.")
    rank = math.ceil(percent / 100 * len(values) - 1e-9)
    return math.ceil(values[max(rank, 1) - 1] - 1e-9)


def _weekly_counts(weekly_counts) -> np.ndarray:
    if isinstance(weekly_counts, (str, bytes, dict, pd.DataFrame)) or not hasattr(weekly_counts, "__iter__"):
        counts = None
    else:
        try:
            counts = np.asarray(list(weekly_counts), dtype=float)
        except (TypeError, ValueError):
            counts = None
    if counts is None or counts.ndim != 1 or counts.size == 0 or not np.isfinite(counts).all() or (counts < 0).any():
        raise KitError("weekly_counts must be a non-empty list of items done per week (0 or more), "
                       "such as flow.weekly_throughput(...).")
    return counts


def simulate_totals(weekly_counts, weeks: int, *, runs: int = 10_000, seed: int = 2026) -> np.ndarray:
    """The totals of `runs` simulated futures of `weeks` weeks, smallest first (a Monte Carlo simulation).

    Each future draws `weeks` weekly counts at random, with replacement, from the past weeks (an empty week
    included: bad weeks happen) and adds them up. Seeded, so the same call gives the same futures.
    """
    counts = _weekly_counts(weekly_counts)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise KitError(f"weeks must be a whole number of weeks, 1 or more, not {weeks!r}.")
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 100:
        raise KitError(f"runs must be a whole number of simulated futures, 100 or more (such as 10_000), "
                       f"not {runs!r}.")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(counts, size=(runs, weeks), replace=True).sum(axis=1))


def _at_least(totals: np.ndarray, percent: float) -> int:
    """The largest of the sorted `totals` that at least `percent`% of them reach or beat ("at least N")."""
    reach = math.ceil(percent * len(totals) / 100 - 1e-9)  # how many totals must be N or more
    return int(totals[len(totals) - max(reach, 1)])


def _percent(percent) -> float:
    if isinstance(percent, bool) or not isinstance(percent, Real) or not 0 < percent < 100:
        raise KitError(f"percent must be a number between 0 and 100 (such as 85), not {percent!r}.")
    return float(percent)


def forecast_items(weekly_counts, weeks: int, *, percent: float = 85, runs: int = 10_000, seed: int = 2026) -> int:
    """How many items the team finishes in `weeks` weeks with `percent`% confidence (a Monte Carlo forecast).

    Each run adds up `weeks` weekly counts drawn at random (with replacement) from past weeks; the answer
    is the largest number of items N that at least `percent`% of the runs reach or beat ("at least N").
    The `percent`th percentile of the totals would be the other end: a number that `percent`% of runs stay
    AT OR UNDER ("at most").
    """
    percent = _percent(percent)
    return _at_least(simulate_totals(weekly_counts, weeks, runs=runs, seed=seed), percent)


def forecast_chart(weekly_counts, weeks: int, *, percents=(50, 85), runs: int = 10_000, seed: int = 2026) -> Figure:
    """A histogram of the simulated totals (`simulate_totals`), with a line at "at least N" for each of
    `percents`, the futures that fall short of the highest one shaded, and the average pace x weeks dashed."""
    totals = simulate_totals(weekly_counts, weeks, runs=runs, seed=seed)
    percents = sorted((_percent(p) for p in percents), reverse=True)
    if not percents:
        raise KitError("percents must name at least one confidence level, such as (50, 85).")
    mean_pace = float(np.mean(_weekly_counts(weekly_counts))) * weeks
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    low, high = int(totals[0]), int(totals[-1])
    values, heights = np.unique(totals, return_counts=True)
    top = percents[0]
    cut = _at_least(totals, top)
    short = float((totals < cut).mean()) * 100
    ax.bar(values, heights / runs * 100, width=1.0, color=np.where(values < cut, "#d95f02", "#7570b3"),
           edgecolor="white", linewidth=0.3)
    ax.add_patch(Rectangle((0, 0), 0, 0, color="#d95f02", label=f"fewer than {cut}: {short:.1f}% of futures"))
    for percent, style in zip(percents, ("-", ":", "-.", "-"), strict=False):
        value = _at_least(totals, percent)
        ax.axvline(value, color="black", ls=style, lw=1.4, label=f"{percent:g}% of futures: at least {value}")
    ax.axvline(mean_pace, color="#1b9e77", ls="--", lw=1.4,
               label=f"average pace x {weeks} weeks: {mean_pace:g}")
    ax.set_xlim(low - 1, high + 1)
    ax.set_xlabel(f"items finished in {weeks} weeks (one bar per total)")
    ax.set_ylabel("share of simulated futures (%)")
    ax.set_title(f"{runs:,} simulated futures of {weeks} weeks, drawn from {len(_weekly_counts(weekly_counts))} "
                 "past weeks")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def cumulative_flow(tickets, start, end) -> pd.DataFrame:
    """Counts at the end of each day of the window, for a cumulative flow diagram.

    `arrived`, `started`, `done`: tickets created, started and done so far, minus the tickets already done
    when the window opened (so "done" starts at 0). `to_do` = arrived - started and `in_progress` =
    started - done (the WIP) are the bands' heights.
    """
    table, (start, end) = _tickets(tickets), _window(start, end)
    days = pd.date_range(start.normalize(), end, freq="D", inclusive="left")
    base = int((table["done_at"] < start).sum())
    rows = []
    for day in days:
        moment = day + DAY
        arrived = int((table["created_at"] < moment).sum()) - base
        started = int((table["started_at"] < moment).sum()) - base
        done = int((table["done_at"] < moment).sum()) - base
        rows.append({"day": day, "arrived": arrived, "started": started, "done": done,
                     "to_do": arrived - started, "in_progress": started - done})
    return pd.DataFrame(rows)


def cfd_chart(tickets, start, end, *, shade=None, shade_label: str = "") -> Figure:
    """The cumulative flow diagram: Done, In progress and To do stacked, one point per day.

    The In progress band's height is the WIP; the horizontal distance from the top of In progress to the
    top of Done is roughly the cycle time. `shade` = (from, to) shades a period, such as a change freeze.
    """
    flow = cumulative_flow(tickets, start, end)
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    x = flow["day"] + DAY  # each count is taken at the end of its day
    ax.stackplot(x, flow["done"], flow["in_progress"], flow["to_do"],
                 labels=["Done", "In progress (WIP)", "To do"], colors=["#1b9e77", "#d95f02", "#7570b3"],
                 alpha=0.85, step="post")
    if shade is not None:
        low, high = _window(*shade)
        ax.axvspan(low, high, color="black", alpha=0.08, lw=0)
        if shade_label:
            ax.text(low + (high - low) / 2, flow["arrived"].max() * 0.97, shade_label, ha="center", va="top",
                    fontsize=8.5)
    ax.set_xlim(x.iloc[0] - DAY, x.iloc[-1])
    ax.set_ylabel("tickets (cumulative)")
    ax.set_xlabel("end of day")
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    ax.set_title(f"Cumulative flow, {flow['day'].iloc[0]:%d %b} to {flow['day'].iloc[-1]:%d %b %Y}")
    ax.legend(loc="upper left", fontsize="small", reverse=True)
    return fig


def cycle_time_chart(tickets, start, end, *, percent: float = 85) -> Figure:
    """A histogram of cycle times in the window, with the mean, the median and the `percent`% forecast line."""
    days = cycle_times(tickets, start, end)
    forecast = forecast_days(days, percent)
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.hist(days, bins=np.arange(0, math.ceil(days.max()) + 1, 1), color="#7570b3", edgecolor="white")
    for value, style, label in ((days.median(), ":", f"median {days.median():.1f} days"),
                                (days.mean(), "--", f"mean {days.mean():.1f} days"),
                                (forecast, "-", f"{percent:g}% finish within {forecast} days")):
        ax.axvline(value, color="black", ls=style, lw=1.4, label=label)
    ax.set_xlabel("cycle time (calendar days, started to done)")
    ax.set_ylabel("tickets")
    ax.set_title(f"Cycle times of the {len(days)} tickets done in the window")
    ax.legend(loc="upper right", fontsize="small")
    return fig
