"""Disaster recovery in numbers: RPO and RTO, backup schedules, the four strategies, and two pictures.

Definitions (AWS whitepaper "Disaster Recovery of Workloads on AWS: Recovery in the Cloud", 2021):

- **RPO** (recovery point objective): the most data loss you accept, measured as the time since the
  last recovery point (the newest backup or copy you can actually restore).
- **RTO** (recovery time objective): the longest you accept between the interruption of service and
  its restoration.

The whitepaper orders four strategies from cheap and slow to expensive and fast: backup and restore
(RPO and RTO in hours), pilot light (tens of minutes), warm standby (minutes) and multi-site
active/active (near zero). `STRATEGIES` holds those bands with the figures Tillpoint's platform team
quotes for its own set-up (the kit's fictional figures, not AWS prices).

Schedule times are clock times on one day, "HH:MM"; durations are minutes. Notebooks import this
module as `from tpmkit import dr`; the hands-on restore is `restore_drill` (`tpmkit.drill`).

    dr.data_loss_minutes("12:10", every_minutes=240, takes_minutes=25)    # 250: the 12:00 backup was not done
    dr.compare(rpo_minutes=15, rto_minutes=60, budget_per_month=2000)      # which strategies fit
    dr.cost_chart()                                                        # cost against recovery time
    dr.incident_timeline(last_backup=..., failure=..., detect=..., mitigate=..., resolve=...)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from numbers import Real

import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from tpmkit.dates import timestamp
from tpmkit.errors import KitError

__all__ = ["SOURCE", "STRATEGIES", "Strategy", "compare", "cost_chart", "data_loss_minutes", "incident_timeline",
           "last_recovery_point", "strategy_table", "worst_case_data_loss_minutes"]

SOURCE = ('AWS whitepaper "Disaster Recovery of Workloads on AWS: Recovery in the Cloud" (2021): '
          "RPO and RTO, and the four strategies with their RPO/RTO bands")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Strategy:
    """One DR strategy: the whitepaper's band, what it keeps running, and Tillpoint's quote for it."""

    name: str
    aws_band: str          # the whitepaper's RPO/RTO band
    keeps_running: str     # what sits in the recovery region before a disaster
    rpo_minutes: float     # Tillpoint's quote: the most data it would lose
    rto_minutes: float     # Tillpoint's quote: the longest it would take to serve again
    cost_per_month: int    # Tillpoint's quote: extra pounds a month on top of running production


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("backup and restore", "hours",
             "nothing: backups are copied to another region, and everything is rebuilt after a disaster",
             rpo_minutes=240, rto_minutes=480, cost_per_month=300),
    Strategy("pilot light", "tens of minutes",
             "the data, copied continuously; servers exist but are switched off until needed",
             rpo_minutes=10, rto_minutes=40, cost_per_month=1_200),
    Strategy("warm standby", "minutes",
             "a small but working copy of the whole service, which is scaled up after a disaster",
             rpo_minutes=1, rto_minutes=10, cost_per_month=3_500),
    Strategy("multi-site active/active", "near zero",
             "a full copy serving real customers all the time, in two or more regions",
             rpo_minutes=0, rto_minutes=0, cost_per_month=9_000),
)
_NAMES = tuple(s.name for s in STRATEGIES)


# --- checking input ---------------------------------------------------------------------------------

def _minutes_value(value, name: str, *, positive: bool = False, unit: str = "minutes") -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) or math.isinf(value):
        raise KitError(f"{name} must be a number of {unit}, such as 60, not {value!r}.")
    if value < 0 or (positive and value == 0):
        raise KitError(f"{name} must be {'more than' if positive else 'at least'} 0 {unit}, not {value!r}.")
    return float(value)


def _clock(value, name: str) -> int:
    """'HH:MM' -> minutes after midnight."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise KitError(f"{name} must be a clock time such as '14:35' (24-hour, HH:MM), not {value!r}.")
    return int(match[1]) * 60 + int(match[2])


def _hhmm(minutes: float) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def _duration(minutes: float) -> str:
    if minutes == 0:
        return "near 0"
    return f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"


def _stamp(value, name: str) -> pd.Timestamp:
    return timestamp(value, name, "2026-10-17 14:20", what="a date and time")


# --- backup schedules --------------------------------------------------------------------------------

def last_recovery_point(failure: str, every_minutes: float, *, first: str = "00:00", takes_minutes: float = 0) -> str:
    """The start time ('HH:MM') of the newest backup that had FINISHED by `failure`.

    Backups start at `first` and then every `every_minutes` through the day. Each captures the data as
    it was when it started and takes `takes_minutes` to finish; a backup still running at the failure
    cannot be restored, so it is not a recovery point.
    """
    fail = _clock(failure, "failure")
    start = _clock(first, "first")
    every = _minutes_value(every_minutes, "every_minutes", positive=True)
    takes = _minutes_value(takes_minutes, "takes_minutes")
    if takes >= every:
        raise KitError(f"A backup that takes {takes:g} minutes cannot start every {every:g} minutes: "
                       "each would still be running when the next starts.")
    if fail < start + takes:
        raise KitError(f"No backup of the day had finished by {failure} (the first starts at {first} and takes "
                       f"{takes:g} minutes): give a later failure time.")
    done = math.floor((fail - takes - start) / every)  # backups 0..done have finished
    return _hhmm(start + done * every)


def data_loss_minutes(failure: str, every_minutes: float, *, first: str = "00:00", takes_minutes: float = 0) -> float:
    """Minutes of data lost if the primary fails at `failure`: the time since the last recovery point.

    Everything written after the newest finished backup started is lost. This is the RPO the schedule
    achieved for that failure; compare it with the RPO target.
    """
    point = last_recovery_point(failure, every_minutes, first=first, takes_minutes=takes_minutes)
    return float(_clock(failure, "failure") - _clock(point, "point"))


def worst_case_data_loss_minutes(every_minutes: float, takes_minutes: float = 0) -> float:
    """The most a schedule can lose: a failure just before a backup finishes loses the interval plus the run time.

    This is the RPO a backup schedule can promise. Backups every 4 hours that take 25 minutes promise
    4 h 25 min, not 4 hours.
    """
    every = _minutes_value(every_minutes, "every_minutes", positive=True)
    takes = _minutes_value(takes_minutes, "takes_minutes")
    if takes >= every:
        raise KitError(f"A backup that takes {takes:g} minutes cannot start every {every:g} minutes: "
                       "each would still be running when the next starts.")
    return every + takes


# --- the four strategies -----------------------------------------------------------------------------

def strategy_table() -> pd.DataFrame:
    """The four strategies, cheapest first: the whitepaper's band and Tillpoint's quotes. Source: `.attrs`."""
    frame = pd.DataFrame([{
        "strategy": s.name,
        "AWS RPO/RTO band": s.aws_band,
        "what runs before a disaster": s.keeps_running,
        "RPO (min)": s.rpo_minutes,
        "RTO (min)": s.rto_minutes,
        "cost per month (£)": s.cost_per_month,
    } for s in STRATEGIES]).set_index("strategy")
    frame.attrs["source"] = SOURCE + "; RPO, RTO and cost columns: Tillpoint platform team's quotes"
    return frame


def compare(rpo_minutes: float, rto_minutes: float, budget_per_month: float | None = None) -> pd.DataFrame:
    """Each strategy against an RPO target, an RTO target and (optionally) a monthly budget.

    A strategy meets a target when its quoted figure is at or under it ("longest acceptable").
    The choice is still yours: usually the cheapest row that meets both targets, and if that row is
    over budget, the targets and the budget have to be renegotiated with the business.
    """
    rpo = _minutes_value(rpo_minutes, "rpo_minutes")
    rto = _minutes_value(rto_minutes, "rto_minutes")
    table = strategy_table()[["RPO (min)", "RTO (min)", "cost per month (£)"]].copy()
    table["meets RPO"] = table["RPO (min)"] <= rpo
    table["meets RTO"] = table["RTO (min)"] <= rto
    if budget_per_month is not None:
        budget = _minutes_value(budget_per_month, "budget_per_month", unit="pounds a month")
        table["within budget"] = table["cost per month (£)"] <= budget
    return table


# --- pictures ----------------------------------------------------------------------------------------

def cost_chart() -> Figure:
    """Monthly cost against recovery time (RTO) for the four strategies, with the whitepaper's bands."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    # Where each label sits, so none runs off the chart: (dx, dy) in points and alignment.
    placement = [((0, 14), "center"), ((10, 22), "left"), ((12, 4), "left"), ((12, -6), "left")]
    ax.plot([s.rto_minutes for s in STRATEGIES], [s.cost_per_month for s in STRATEGIES],
            color="#999999", lw=1, ls="--", zorder=1)
    for s, colour, (offset, align) in zip(STRATEGIES, colours, placement, strict=True):
        ax.scatter([s.rto_minutes], [s.cost_per_month], s=120, color=colour, edgecolor="black", zorder=3)
        text = (f"{s.name}\nRTO {_duration(s.rto_minutes)}, RPO {_duration(s.rpo_minutes)}\n"
                f"£{s.cost_per_month:,} a month")
        ax.annotate(text, (s.rto_minutes, s.cost_per_month),
                    textcoords="offset points", xytext=offset, ha=align, va="bottom", fontsize=8)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(-0.4, 3000)
    ax.set_ylim(0, 11_000)
    ax.set_xticks([0, 1, 10, 60, 480], ["0", "1 min", "10 min", "1 h", "8 h"])
    ax.yaxis.set_major_formatter(lambda value, _: f"£{value:,.0f}")
    bands = [(-0.4, 1, "near zero"), (1, 20, "minutes"), (20, 120, "tens of minutes"), (120, 3000, "hours")]
    for i, (low, high, label) in enumerate(bands):
        if i % 2:
            ax.axvspan(low, high, color="#000000", alpha=0.05, zorder=0)
        middle = 0.2 if low < 0 else (low * high) ** 0.5
        ax.text(middle, 10_800, label, ha="center", va="top", fontsize=8, color="#555555")
    ax.set_xlabel("recovery time, RTO (log scale); shaded bands: the AWS whitepaper's RPO/RTO bands")
    ax.set_ylabel("extra cost per month")
    ax.set_title("Faster recovery costs more: Tillpoint's quotes for the four DR strategies", loc="left", fontsize=10)
    return fig


def incident_timeline(*, failure, detect, mitigate, resolve=None, last_backup=None,  # noqa: C901 - one branch per kind of timeline event
                      rpo_target_minutes: float | None = None, rto_target_minutes: float | None = None,
                      title: str = "An incident, start to finish") -> Figure:
    """One incident on a time line: failure, detect, mitigate (service restored), resolve (cause fixed).

    Failure to mitigate is the RTO achieved. With `last_backup`, the data lost (last recovery point to
    failure) is marked as the RPO achieved. Targets, when given, are drawn as brackets to compare.
    `resolve` may be left out when it came days later and would squash the picture. Times are dates
    and times such as '2026-08-06 14:37' (text or Timestamps).
    """
    times = {"failure": _stamp(failure, "failure"), "detect": _stamp(detect, "detect"),
             "mitigate": _stamp(mitigate, "mitigate")}
    if resolve is not None:
        times["resolve"] = _stamp(resolve, "resolve")
    if last_backup is not None:
        times = {"last_backup": _stamp(last_backup, "last_backup"), **times}
    names = list(times)
    for before, after in zip(names, names[1:], strict=False):
        if times[after] < times[before]:
            raise KitError(f"{after} ({times[after]:%Y-%m-%d %H:%M}) comes before {before} "
                           f"({times[before]:%Y-%m-%d %H:%M}): the order is last_backup, failure, detect, "
                           "mitigate, resolve.")
    for name, value in (("rpo_target_minutes", rpo_target_minutes), ("rto_target_minutes", rto_target_minutes)):
        if value is not None:
            _minutes_value(value, name)
    if not isinstance(title, str):
        raise KitError(f"title must be text, not {title!r}.")

    def minutes(a: str, b: str) -> float:
        return (times[b] - times[a]).total_seconds() / 60

    fig = Figure(figsize=(9.5, 4.2), layout="constrained")
    ax = fig.subplots()
    labels = {"last_backup": "last backup\n(recovery point)", "failure": "failure", "detect": "detected",
              "mitigate": "mitigated\n(service back)", "resolve": "resolved\n(cause fixed)"}
    colours = {"last_backup": "#1b9e77", "failure": "#b42318", "detect": "#d95f02", "mitigate": "#7570b3",
               "resolve": "#444444"}
    first, last = min(times.values()), max(times.values())
    whole = max((last - first).total_seconds(), 60.0)
    ax.axhline(0, color="#999999", lw=1.5, zorder=1)
    level, previous = 0, None
    for name in names:  # labels under the line; points close together get staggered labels
        if previous is not None and (times[name] - times[previous]).total_seconds() < 0.09 * whole:
            level = 1 - level
        else:
            level = 0
        previous = name
        ax.scatter([times[name]], [0], s=90, color=colours[name], edgecolor="black", zorder=3)
        ax.annotate(f"{labels[name]}\n{times[name]:%H:%M}", (times[name], 0), textcoords="offset points",
                    xytext=(0, -10 - 30 * level), ha="center", va="top", fontsize=8)

    def span(a, b, y, text, colour, ls="-"):
        ax.annotate("", xy=(b, y), xytext=(a, y), arrowprops={"arrowstyle": "<->", "color": colour, "lw": 1.8,
                                                               "ls": ls, "shrinkA": 0, "shrinkB": 0})
        ax.annotate(text, (max(a, b), y), textcoords="offset points", xytext=(6, 0), ha="left", va="center",
                    fontsize=8, color=colour)

    fail = times["failure"]
    span(fail, times["detect"], 0.45, f"time to detect: {minutes('failure', 'detect'):g} min", "#d95f02")
    span(fail, times["mitigate"], 0.8, f"RTO achieved: {minutes('failure', 'mitigate'):g} min", "#7570b3")
    if rto_target_minutes is not None:
        span(fail, fail + pd.Timedelta(minutes=rto_target_minutes), 1.15, f"RTO target: {rto_target_minutes:g} min",
             "#7570b3", ls="--")
    if last_backup is not None:
        span(times["last_backup"], fail, -1.3,
             f"RPO achieved: {minutes('last_backup', 'failure'):g} min (writes after the backup are lost)", "#1b9e77")
        if rpo_target_minutes is not None:
            span(fail - pd.Timedelta(minutes=rpo_target_minutes), fail, -1.65,
                 f"RPO target: {rpo_target_minutes:g} min", "#1b9e77", ls="--")
    ax.set_ylim(-1.95 if last_backup is not None else -1.1, 1.45)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    starts = [first] + ([fail - pd.Timedelta(minutes=rpo_target_minutes)]
                        if last_backup is not None and rpo_target_minutes is not None else [])
    ends = [last] + ([fail + pd.Timedelta(minutes=rto_target_minutes)] if rto_target_minutes is not None else [])
    left, right = min(starts), max(ends)
    pad = (right - left) * 0.06 + pd.Timedelta(minutes=2)
    ax.set_xlim(left - pad, right + pad * 3)
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.set_xlabel(f"time on {fail:%Y-%m-%d}" if first.date() == last.date() else "time")
    ax.set_title(title, loc="left", fontsize=10)
    return fig
