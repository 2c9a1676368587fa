"""SLO charts for lesson 07: burn rate against the page threshold, and the error budget spent.

Each function returns a matplotlib Figure, which Jupyter shows. The maths is in tpmkit.slo.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from tpmkit.errors import KitError
from tpmkit.slo import error_budget, rolling_burn_rate, validate_log

__all__ = ["budget_chart", "burn_rate_chart"]


def burn_rate_chart(log: pd.DataFrame, slo: float = 0.999, *, long_minutes: int = 60,
                    short_minutes: int = 5, threshold: float = 14.4, hours: float = 3) -> Figure:
    """Burn rate over a long and a short window around the worst minute, with the page threshold.

    Shaded minutes are where BOTH windows are at or over the threshold: when a multiwindow
    alert pages.
    """
    long = rolling_burn_rate(log, slo, long_minutes)
    short = rolling_burn_rate(log, slo, short_minutes)
    if short.isna().all():
        raise KitError(f"The log is shorter than the {short_minutes}-minute window: use a longer log.")
    peak = short.idxmax()
    view = slice(peak - pd.Timedelta(hours=hours / 3), peak + pd.Timedelta(hours=2 * hours / 3))
    long, short = long[view], short[view]
    pages = (long >= threshold) & (short >= threshold)

    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(short.index, short, color="#d95f02", lw=1.2, label=f"{short_minutes}-minute window")
    ax.plot(long.index, long, color="#1b9e77", lw=2.2, label=f"{long_minutes}-minute window")
    ax.axhline(threshold, color="black", ls="--", lw=1, label=f"page threshold ({threshold:g}x)")
    ax.fill_between(pages.index, 0, 1, where=pages.to_numpy(), transform=ax.get_xaxis_transform(),
                    color="#e7298a", alpha=0.15, label="page fires (both windows over)")
    ax.set_ylabel("burn rate (x budget pace)")
    ax.set_title(f"Burn rate around the worst minute (SLO {slo * 100:g}%)")
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.set_xlabel(f"time on {peak:%Y-%m-%d} (UTC)")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def budget_chart(log: pd.DataFrame, slo: float = 0.999) -> Figure:
    """Failed requests so far against the window's whole error budget."""
    validate_log(log)
    spent = log["errors"].cumsum()
    budget = error_budget(slo, int(log["requests"].sum()))
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(log["minute"], spent, color="#7570b3", lw=2, label="failed requests so far")
    ax.axhline(budget, color="black", ls="--", lw=1, label=f"error budget: {budget:,} failed requests")
    ax.set_ylim(0, budget * 1.1)
    ax.set_ylabel("failed requests")
    ax.set_title(f"Error budget spent over the {len(log) // 1440}-day window (SLO {slo * 100:g}%)")
    ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
    ax.legend(loc="upper left", fontsize="small")
    return fig
