"""Numbers a TPM sets and reads: OKR scores, percentiles, A/B test statistics, and dashboard pictures.

- OKRs (Google re:Work guide "Set goals with OKRs"; Google's OKR playbook): each key result is scored
  from 0.0 to 1.0 and the objective's score is the mean of its key results. A key result's score here is
  the share of the way from its start to its target, capped to 0.0-1.0, so "cut p90 from 2,400 ms to
  1,600 ms" and "raise conversion from 4.8% to 5.8%" are scored alike.
- Percentiles use NumPy's default ("linear") method, which pandas' `quantile` also uses.
- A/B tests (Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments", 2020): the two-proportion
  z-test with a pooled standard error, and the sample size per variant for a stated baseline, minimum
  detectable effect (absolute), significance level and power. Both use `statistics.NormalDist`.
- Pictures: each function returns a matplotlib Figure. `misleading_chart` is wrong on purpose: the
  lesson and the exercise ask what is wrong with it.
"""

from __future__ import annotations

import math
from numbers import Real
from statistics import NormalDist

import numpy as np
import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from tpmkit.errors import KitError

__all__ = [
    "cumulative_tests", "daily_chart", "kr_score", "misleading_chart", "peeking_chart", "percentile_chart",
    "percentiles", "sample_size_per_variant", "score_okr", "segment_chart", "segment_rates",
    "two_proportion_ztest",
]

ALTERNATIVES = ("two-sided", "greater", "less")


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise KitError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Real) or not float(value).is_integer() or value < 0:
        raise KitError(f"{name} must be a whole number of people or events, 0 or more, not {value!r}.")
    return int(value)


def _fraction(value, name: str, example: str) -> float:
    value = _number(value, name)
    if not 0 < value < 1:
        raise KitError(f"{name} must be a fraction between 0 and 1 (such as {example}), not {value!r}.")
    return value


# --- OKRs -----------------------------------------------------------------------------------------


def kr_score(start, target, actual) -> float:
    """A key result's score: the share of the way from `start` to `target` that `actual` reached.

    (actual - start) / (target - start), capped to 0.0-1.0. Works for "raise" and "cut" key results alike.
    """
    start, target, actual = _number(start, "start"), _number(target, "target"), _number(actual, "actual")
    if target == start:
        raise KitError("The target equals the start, so there is no progress to score: give the key result "
                       "a target that differs from where it started.")
    return min(1.0, max(0.0, (actual - start) / (target - start)))


def score_okr(key_results: dict) -> dict:
    """Score an objective from its key results: {name: (start, target, actual)}.

    Returns {"key_results": {name: score rounded to 2 decimals}, "objective": mean of the unrounded
    scores, rounded to 2 decimals}.
    """
    if not isinstance(key_results, dict) or not key_results:
        raise KitError("key_results must be a dict such as {'KR1': (start, target, actual)}, with at least one "
                       "key result.")
    scores = {}
    for name, values in key_results.items():
        if not isinstance(values, (tuple, list)) or len(values) != 3:
            raise KitError(f"Key result {name!r} must be (start, target, actual), three numbers, not {values!r}.")
        scores[str(name)] = kr_score(*values)
    return {"key_results": {name: round(score, 2) for name, score in scores.items()},
            "objective": round(sum(scores.values()) / len(scores), 2)}


# --- percentiles ----------------------------------------------------------------------------------


def _values(values, name: str = "values") -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        raise KitError(f"{name} must be one column of numbers: pick it, such as table['checkout_ms'].")
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise KitError(f"{name} must be a list or column of numbers, not a {type(values).__name__}.")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise KitError(f"{name} must hold only numbers; one of them is not a number.") from None
    if array.ndim != 1 or array.size == 0:
        raise KitError(f"{name} must be a non-empty list or column of numbers.")
    if not np.isfinite(array).all():
        raise KitError(f"{name} holds an empty or infinite value: drop those rows first (.dropna()).")
    return array


def percentiles(values, ps=(50, 90, 99)) -> dict[str, float]:
    """{"p50": ..., "p90": ..., "p99": ...}: percentiles with NumPy's default (linear) method."""
    array = _values(values)
    if isinstance(ps, (str, bytes)) or not hasattr(ps, "__iter__"):
        raise KitError(f"ps must be a list of percentiles such as [50, 90, 99], not {ps!r}.")
    out = {}
    for p in ps:
        p = _number(p, "each percentile")
        if not 0 <= p <= 100:
            raise KitError(f"Percentiles run from 0 to 100 (p90 is 90, not 0.9); {p:g} is outside that.")
        out[f"p{p:g}"] = float(np.percentile(array, p))
    return out


# --- A/B tests ------------------------------------------------------------------------------------


def two_proportion_ztest(successes_a, trials_a, successes_b, trials_b, *, alternative: str = "two-sided") -> dict:
    """Two-proportion z-test of B against A with a pooled standard error.

    z = (rate_b - rate_a) / sqrt(pooled x (1 - pooled) x (1/trials_a + 1/trials_b)), where pooled is all
    successes over all trials. p_value is two-sided by default; "greater" tests B > A, "less" B < A.
    Returns plain floats: rate_a, rate_b, difference (rate_b - rate_a), z and p_value.
    """
    counts = {"successes_a": successes_a, "trials_a": trials_a, "successes_b": successes_b, "trials_b": trials_b}
    sa, na, sb, nb = (_count(v, k) for k, v in counts.items())
    if na == 0 or nb == 0:
        raise KitError("Each variant needs at least one trial (visitor): check the counts.")
    if sa > na or sb > nb:
        raise KitError("A variant has more successes than trials: pass (successes, trials) in that order.")
    if alternative not in ALTERNATIVES:
        raise KitError(f"alternative must be one of {', '.join(ALTERNATIVES)}, not {alternative!r}.")
    pooled = (sa + sb) / (na + nb)
    if pooled in (0.0, 1.0):
        raise KitError("Every trial had the same outcome in both variants, so there is nothing to test.")
    rate_a, rate_b = sa / na, sb / nb
    z = (rate_b - rate_a) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    normal = NormalDist()
    p_value = {"two-sided": 2 * (1 - normal.cdf(abs(z))), "greater": 1 - normal.cdf(z),
               "less": normal.cdf(z)}[alternative]
    return {"rate_a": rate_a, "rate_b": rate_b, "difference": rate_b - rate_a, "z": z, "p_value": p_value}


def sample_size_per_variant(baseline, mde, *, alpha=0.05, power=0.8, alternative: str = "two-sided") -> int:
    """Visitors needed in EACH variant to detect an absolute change `mde` from a `baseline` rate.

    n = (z_alpha + z_power)^2 x (p1(1 - p1) + p2(1 - p2)) / mde^2, rounded up, where p1 = baseline,
    p2 = baseline + mde, z_alpha = z(1 - alpha/2) for a two-sided test (z(1 - alpha) for a one-sided
    one) and z_power = z(power). `mde` is absolute: 0.006 for 0.6 percentage points.
    """
    p1 = _fraction(baseline, "baseline", "0.048 for 4.8%")
    mde = _number(mde, "mde")
    if mde == 0:
        raise KitError("mde (the smallest change worth detecting) cannot be 0: no test can detect no change.")
    p2 = p1 + mde
    if not 0 < p2 < 1:
        raise KitError(f"baseline + mde = {p2:g} is not a rate between 0 and 1: mde is an absolute change as a "
                       "fraction, such as 0.006 for 0.6 percentage points.")
    alpha = _fraction(alpha, "alpha", "0.05")
    power = _fraction(power, "power", "0.8")
    if alternative not in ALTERNATIVES:
        raise KitError(f"alternative must be one of {', '.join(ALTERNATIVES)}, not {alternative!r}.")
    normal = NormalDist()
    z_alpha = normal.inv_cdf(1 - alpha / 2) if alternative == "two-sided" else normal.inv_cdf(1 - alpha)
    z_power = normal.inv_cdf(power)
    return math.ceil((z_alpha + z_power) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / mde ** 2)


def _daily_table(daily) -> pd.DataFrame:
    if not isinstance(daily, pd.DataFrame):
        raise KitError(f"daily must be the per-day table from tpmkit.data.ab_test_daily(), not a "
                       f"{type(daily).__name__}.")
    missing = [c for c in ("day", "variant", "visitors", "conversions") if c not in daily.columns]
    if missing:
        raise KitError(f"The per-day table has no column {', '.join(missing)}: pass the table from ab_test_daily().")
    if set(daily["variant"]) != {"A", "B"}:
        raise KitError("The per-day table needs rows for exactly two variants, 'A' and 'B'.")
    return daily


def cumulative_tests(daily, *, metric: str = "conversions") -> pd.DataFrame:
    """What a dashboard shows if you look every day: the running totals up to each day, and the
    two-sided z-test of B against A on them. `metric` is a count column ("conversions", "payment_errors")."""
    daily = _daily_table(daily)
    if metric not in daily.columns or metric in ("day", "variant", "date", "visitors"):
        raise KitError(f"metric must be a count column of the table, such as 'conversions', not {metric!r}.")
    totals = daily.pivot_table(index="day", columns="variant", values=["visitors", metric], aggfunc="sum").cumsum()
    rows = []
    for day, row in totals.iterrows():
        test = two_proportion_ztest(row[(metric, "A")], row[("visitors", "A")],
                                    row[(metric, "B")], row[("visitors", "B")])
        rows.append({"day": int(day), "visitors_a": int(row[("visitors", "A")]), f"{metric}_a": int(row[(metric, "A")]),
                     "visitors_b": int(row[("visitors", "B")]), f"{metric}_b": int(row[(metric, "B")]),
                     "rate_a_pct": 100 * test["rate_a"], "rate_b_pct": 100 * test["rate_b"],
                     "z": test["z"], "p_value": test["p_value"]})
    return pd.DataFrame(rows)


# --- segments ---------------------------------------------------------------------------------------


def segment_rates(table, *, segment: str, group: str) -> pd.DataFrame:
    """Conversion rate (%) of each `group` in each `segment`, with an "all" row for the total.

    `table` has one row per (group, segment) with `visitors` and `conversions`. The "all" row is total
    conversions over total visitors, which depends on the mix of segments as much as on the rates.
    """
    if not isinstance(table, pd.DataFrame):
        raise KitError(f"table must be a DataFrame with visitors and conversions, not a {type(table).__name__}.")
    missing = [c for c in (segment, group, "visitors", "conversions") if c not in table.columns]
    if missing:
        raise KitError(f"The table has no column {', '.join(map(repr, missing))}: "
                       f"its columns are {', '.join(map(str, table.columns))}.")
    sums = table.groupby([segment, group], sort=False)[["visitors", "conversions"]].sum()
    totals = table.groupby(group, sort=False)[["visitors", "conversions"]].sum()
    rates = (100 * sums["conversions"] / sums["visitors"]).unstack(group)
    rates.loc["all"] = 100 * totals["conversions"] / totals["visitors"]
    rates.columns.name = f"conversion % by {group}"
    return rates.round(2)


# --- pictures ---------------------------------------------------------------------------------------

_BLUE, _ORANGE, _GREEN, _PURPLE, _GREY = "#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#666666"


def percentile_chart(values, *, unit: str = "ms", title: str = "Checkout time") -> Figure:
    """A histogram of `values` with the mean, p50, p90 and p99 marked. The x axis stops at p99.5."""
    array = _values(values)
    stats = percentiles(array, (50, 90, 99))
    mean = float(array.mean())
    upper = float(np.percentile(array, 99.5))
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.hist(array[array <= upper], bins=80, color="#c6dbef", edgecolor="white")
    marks = [("mean", mean, _ORANGE, "-"), ("p50", stats["p50"], _GREEN, "--"),
             ("p90", stats["p90"], _PURPLE, "--"), ("p99", stats["p99"], "black", "--")]
    for label, value, colour, style in marks:
        ax.axvline(value, color=colour, ls=style, lw=1.8, label=f"{label}: {value:,.0f} {unit}")
    ax.set(xlabel=f"{title.lower()} ({unit})", ylabel="payments", title=f"{title}: {len(array):,} payments",
           xlim=(0, upper * 1.02))
    ax.legend(loc="upper right", fontsize="small")
    return fig


def segment_chart(table, *, segment: str, group: str) -> Figure:
    """Left: conversion rate per segment and in total, for each group. Right: each group's mix of visitors."""
    rates = segment_rates(table, segment=segment, group=group)
    groups = list(rates.columns)
    visitors = table.groupby([group, segment], sort=False)["visitors"].sum().unstack(segment)
    mix = 100 * visitors.div(visitors.sum(axis=1), axis=0)
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    width = 0.8 / len(groups)
    positions = np.arange(len(rates.index))
    colours = [_GREY, _BLUE, _ORANGE, _GREEN]
    for i, name in enumerate(groups):
        bars = left.bar(positions + i * width, rates[name], width, color=colours[i % 4], label=str(name))
        left.bar_label(bars, fmt="%.1f", fontsize="small")
    left.set_xticks(positions + width * (len(groups) - 1) / 2, [str(s) for s in rates.index])
    left.axvline(len(rates.index) - 1.5 + width / 2, color="black", lw=0.8)
    left.set(ylabel="conversion (%)", title=f"Conversion by {segment}, and in total ('all')", ylim=(0, None))
    left.legend(title=group, fontsize="small")
    bottom = np.zeros(len(mix.index))
    for i, seg in enumerate(mix.columns):
        right.bar([str(g) for g in mix.index], mix[seg], bottom=bottom, color=f"C{i}", label=str(seg))
        bottom += mix[seg].to_numpy()
    right.set(ylabel="% of visitors", title=f"Mix of visitors by {segment}", ylim=(0, 100))
    right.legend(fontsize="small", loc="lower right")
    return fig


def _series(series, column: str) -> pd.DataFrame:
    if not isinstance(series, pd.DataFrame) or "date" not in series.columns or column not in series.columns:
        raise KitError(f"series must be a table with a 'date' column and a {column!r} column, such as "
                       "tpmkit.data.daily_payments().")
    return series


def _day(series: pd.DataFrame, value, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        day = None
    if day is None or day is pd.NaT or not (series["date"] == day).any():
        first, last = series["date"].min(), series["date"].max()
        raise KitError(f"{name} must be a date in the series ({first:%Y-%m-%d} to {last:%Y-%m-%d}), "
                       f"not {value!r}.")
    return day


def daily_chart(series, *, column: str = "payments", launch=None, title: str = "Card payments per day") -> Figure:
    """The whole daily series from zero, its 7-day average, Saturdays marked, and an optional launch day."""
    series = _series(series, column)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(series["date"], series[column], color=_BLUE, lw=1, marker=".", label="each day")
    ax.plot(series["date"], series[column].rolling(7).mean(), color=_ORANGE, lw=2.4,
            label="average of the last 7 days")
    saturdays = series[series["date"].dt.day_of_week == 5]
    ax.scatter(saturdays["date"], saturdays[column], color="black", s=14, zorder=3, label="Saturdays")
    if launch is not None:
        day = _day(series, launch, "launch")
        ax.axvline(day, color=_GREEN, ls="--", lw=1.5, label=f"launch ({day:%a %d %b})")
    ax.set(ylim=(0, series[column].max() * 1.15), ylabel=column, title=title)
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    ax.legend(loc="lower left", fontsize="small", ncols=4)
    return fig


def misleading_chart(series, *, before, after, column: str = "payments",
                     title: str = "Payments soar after the launch!") -> Figure:
    """A DELIBERATELY MISLEADING dashboard tile, for learners to diagnose.

    It compares one day `before` with one day `after`, shows the two bars on an axis that does not start
    at zero, and prints the change as a headline. Read it with suspicion: what days are these, and what
    does the axis start at?
    """
    series = _series(series, column)
    first, second = _day(series, before, "before"), _day(series, after, "after")
    if second <= first:
        raise KitError("after must be a later date than before.")
    values = [int(series.loc[series["date"] == d, column].iloc[0]) for d in (first, second)]
    change = 100 * (values[1] / values[0] - 1)
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.subplots()
    ax.bar([f"before\n{first:%d %b}", f"after\n{second:%d %b}"], values, color=[_GREY, _GREEN], width=0.6)
    low = min(values)
    ax.set_ylim(low * 0.97, max(values) * 1.01)  # the trick: the axis starts just under the lower bar
    ax.set_title(f"{title}\n{change:+.0f}%", fontsize="x-large", fontweight="bold")
    ax.tick_params(axis="y", labelsize="small")
    return fig


def peeking_chart(daily, *, alpha: float = 0.05, metric: str = "conversions") -> Figure:
    """The p-value a daily look would have seen, day by day, against the significance level."""
    alpha = _fraction(alpha, "alpha", "0.05")
    tests = cumulative_tests(daily, metric=metric)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(tests["day"], tests["p_value"], color=_BLUE, marker="o", lw=2, label=f"p-value of {metric} so far")
    ax.axhline(alpha, color=_ORANGE, ls="--", lw=1.5, label=f"alpha = {alpha:g}")
    below = tests[tests["p_value"] < alpha]
    ax.scatter(below["day"], below["p_value"], color=_ORANGE, s=80, zorder=3,
               label="a peek would have said 'significant'")
    ax.axvline(tests["day"].max(), color=_GREY, ls=":", lw=1.5, label="planned end")
    ax.set(xlabel="day of the test", ylabel="two-sided p-value", ylim=(0, 1), xticks=list(tests["day"]),
           title="Looking every day: the p-value wanders")
    ax.legend(loc="upper left", fontsize="small")
    return fig
