"""Rank a backlog by value and effort, compare the rankings, and fit a quarter's plan into capacity.

- RICE (Intercom, Sean McBride, 2016): reach x impact x confidence / effort. Reach is people or events per
  period (here: shops per quarter); impact is on Intercom's scale 3 massive, 2 high, 1 medium, 0.5 low,
  0.25 minimal; confidence is a fraction (1.0 high, 0.8 medium, 0.5 low); effort is in person-months.
  An example on Intercom's scales: reach 2,000, impact 2, confidence 80%, effort 4 -> 2,000 x 2 x 0.8 / 4 = 800.
- Cost of delay and WSJF: Don Reinertsen ("The Principles of Product Development Flow", 2009) schedules
  work by cost of delay divided by duration (CD3). SAFe's Weighted Shortest Job First estimates cost of delay
  as user-business value + time criticality + risk reduction and/or opportunity enablement, each on a relative
  scale (1, 2, 3, 5, 8, 13, 20), and divides it by job size (a proxy for duration) on the same scale.
- Capacity: (people x months - leave) x focus factor, in person-months. The focus factor is the share of
  time left for planned work after support, incidents, bugs and meetings; planning to 1.0 (100%) leaves no
  room for the unplanned work that always comes.

Every function takes plain values, so a backlog may be a DataFrame or a list of row dicts.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd
from matplotlib.figure import Figure

from tpmkit.errors import KitError

__all__ = ["CONFIDENCE_LEVELS", "IMPACT_SCALE", "WSJF_SCALE", "cost_of_delay", "fit_plan", "quarter_capacity",
           "rank_chart", "rank_table", "ranking", "rice", "roadmap", "score_backlog", "wsjf"]

IMPACT_SCALE = {3.0: "massive", 2.0: "high", 1.0: "medium", 0.5: "low", 0.25: "minimal"}
CONFIDENCE_LEVELS = {1.0: "high", 0.8: "medium", 0.5: "low"}
WSJF_SCALE = (1, 2, 3, 5, 8, 13, 20)
RICE_COLUMNS = ("reach", "impact", "confidence_pct", "effort_pm")
WSJF_COLUMNS = ("business_value", "time_criticality", "risk_reduction", "job_size")
HORIZONS = ("Now", "Next", "Later")


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise KitError(f"{name} must be a number, not {value!r}.")
    return float(value)


def _positive(value, name: str) -> float:
    number = _number(value, name)
    if number <= 0:
        raise KitError(f"{name} must be more than 0, not {value!r}.")
    return number


# --- the scores -----------------------------------------------------------------------------------


def rice(reach, impact, confidence, effort) -> float:
    """RICE score: reach x impact x confidence / effort. Confidence is a fraction (0.8 for 80%)."""
    reach = _number(reach, "reach")
    if reach < 0:
        raise KitError(f"reach counts people or events per period, so it cannot be negative ({reach:g}).")
    impact = _number(impact, "impact")
    if impact not in IMPACT_SCALE:
        raise KitError(f"impact must be on Intercom's scale 3, 2, 1, 0.5 or 0.25, not {impact:g}.")
    confidence = _number(confidence, "confidence")
    if 1 < confidence <= 100:
        raise KitError(f"confidence is a fraction: write {confidence / 100:g} for {confidence:g}%, not {confidence:g}.")
    if not 0 < confidence <= 1:
        raise KitError(f"confidence must be a fraction above 0 and at most 1 (such as 0.8), not {confidence:g}.")
    effort = _positive(effort, "effort")
    return reach * impact * confidence / effort


def cost_of_delay(business_value, time_criticality, risk_reduction) -> float:
    """SAFe's cost of delay: user-business value + time criticality + risk reduction and/or opportunity
    enablement (one estimate, added, not divided)."""
    return (_positive(business_value, "business_value") + _positive(time_criticality, "time_criticality")
            + _positive(risk_reduction, "risk_reduction"))


def wsjf(business_value, time_criticality, risk_reduction, job_size) -> float:
    """Weighted Shortest Job First: cost of delay / job size."""
    return cost_of_delay(business_value, time_criticality, risk_reduction) / _positive(job_size, "job_size")


# --- a whole backlog ------------------------------------------------------------------------------


def _table(backlog, columns: tuple[str, ...]) -> pd.DataFrame:
    if isinstance(backlog, list) and all(isinstance(row, dict) for row in backlog):
        backlog = pd.DataFrame(backlog)
    if not isinstance(backlog, pd.DataFrame):
        raise KitError(f"backlog must be the backlog table (a DataFrame or a list of row dicts), "
                       f"not a {type(backlog).__name__}.")
    if backlog.empty:
        raise KitError("The backlog is empty: pass the table from tpmkit.data.backlog().")
    missing = [c for c in ("item_id", *columns) if c not in backlog.columns]
    if missing:
        raise KitError(f"The backlog has no column {', '.join(missing)}: pass the table from tpmkit.data.backlog().")
    if not backlog["item_id"].is_unique:
        raise KitError("Two rows of the backlog share an item_id: give every item its own id.")
    return backlog.reset_index(drop=True)


def score_backlog(backlog) -> pd.DataFrame:
    """The backlog with `rice`, `cost_of_delay`, `wsjf` and their ranks (`rice_rank`, `wsjf_rank`: 1 = do first).

    `confidence_pct` is a percentage in the table and is divided by 100 here. Rows keep their order.
    """
    table = _table(backlog, RICE_COLUMNS + WSJF_COLUMNS).copy()
    percents = [_number(value, "confidence_pct") for value in table["confidence_pct"]]
    if all(0 < p <= 1 for p in percents) and any(p < 1 for p in percents):
        raise KitError("confidence_pct is a percentage: write 80 for 80%, not 0.8.")
    table["rice"] = [rice(r.reach, r.impact, p / 100, r.effort_pm) for r, p in zip(table.itertuples(), percents,
                                                                                  strict=True)]
    table["cost_of_delay"] = [cost_of_delay(r.business_value, r.time_criticality, r.risk_reduction)
                              for r in table.itertuples()]
    table["wsjf"] = [wsjf(r.business_value, r.time_criticality, r.risk_reduction, r.job_size)
                     for r in table.itertuples()]
    for score in ("rice", "wsjf"):
        order = ranking(table, by=score)
        table[f"{score}_rank"] = [order.index(item) + 1 for item in table["item_id"]]
    return table


def ranking(backlog, by: str = "rice") -> list[str]:
    """Item ids from first to last by `by` ("rice" or "wsjf"), highest score first; ties by item_id."""
    if by not in ("rice", "wsjf"):
        raise KitError(f"by must be 'rice' or 'wsjf', not {by!r}.")
    table = _table(backlog, ()) if by in getattr(backlog, "columns", ()) else score_backlog(backlog)
    ordered = table.sort_values(["item_id"]).sort_values(by, ascending=False, kind="stable")
    return [str(item) for item in ordered["item_id"]]


def rank_table(backlog) -> pd.DataFrame:
    """One row per item in WSJF order: its scores, both ranks and `moved` (RICE rank - WSJF rank)."""
    table = score_backlog(backlog)
    table["moved"] = table["rice_rank"] - table["wsjf_rank"]
    columns = ["item_id", "title", "rice", "rice_rank", "wsjf", "wsjf_rank", "moved"]
    columns = [c for c in columns if c in table.columns]
    return table.sort_values("wsjf_rank")[columns].reset_index(drop=True)


def rank_chart(backlog, *, highlight: str | None = None) -> Figure:
    """A slope chart: each item's RICE rank (left) joined to its WSJF rank (right).

    The item that moves furthest is drawn in colour (or `highlight`, an item_id); the rest in grey.
    """
    table = rank_table(backlog)
    if highlight is None:
        highlight = str(table.loc[table["moved"].abs().idxmax(), "item_id"])
    elif highlight not in set(table["item_id"]):
        raise KitError(f"There is no item {highlight!r} in the backlog; the ids are "
                       f"{', '.join(sorted(map(str, table['item_id'])))}.")
    n = len(table)
    fig = Figure(figsize=(10, 0.42 * n + 1.4), layout="constrained")
    ax = fig.subplots()
    for row in table.itertuples():
        coloured = row.item_id == highlight
        colour, width = ("#d95f02", 2.6) if coloured else ("#8c8c8c", 1.2)
        name = f"{row.item_id} {row.title}" if "title" in table.columns else str(row.item_id)
        ax.plot([0, 1], [row.rice_rank, row.wsjf_rank], color=colour, lw=width, marker="o", zorder=3 if coloured else 2)
        weight = "bold" if coloured else "normal"
        ax.text(-0.04, row.rice_rank, f"{name}  {row.rice_rank}.", ha="right", va="center", fontsize=8.5,
                color=colour, weight=weight)
        ax.text(1.04, row.wsjf_rank, f"{row.wsjf_rank}.  {name}", ha="left", va="center", fontsize=8.5,
                color=colour, weight=weight)
    ax.set_xlim(-1.25, 2.25)
    ax.set_ylim(n + 0.6, 0.4)
    ax.set_xticks([0, 1], ["RICE rank", "WSJF rank"])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    for side in ("right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title("The same backlog ranked two ways (1 = do first)", pad=24)
    return fig


# --- capacity and the quarter's plan --------------------------------------------------------------


def quarter_capacity(*, people, months=3, leave_pm=0, focus_factor) -> float:
    """Person-months left for planned work: (people x months - leave) x focus factor.

    `leave_pm` is holidays and leave in person-months; `focus_factor` is the share of the remaining time
    for planned work (0.75 keeps 25% back for support, incidents and other unplanned work).
    """
    people, months = _positive(people, "people"), _positive(months, "months")
    leave = _number(leave_pm, "leave_pm")
    if leave < 0:
        raise KitError(f"leave_pm cannot be negative ({leave:g}): give the person-months of holidays and leave.")
    focus = _number(focus_factor, "focus_factor")
    if 1 < focus <= 100:
        raise KitError(f"focus_factor is a fraction: write {focus / 100:g} for {focus:g}%, not {focus:g}.")
    if not 0 < focus <= 1:
        raise KitError(f"focus_factor must be a fraction above 0 and at most 1 (such as 0.75), not {focus:g}.")
    available = people * months - leave
    if available <= 0:
        raise KitError(f"Leave ({leave:g} person-months) uses up all {people * months:g} person-months: check it.")
    return available * focus


def _pairs(items) -> list[tuple[str, float]]:
    if isinstance(items, pd.DataFrame):
        if not {"item_id", "effort_pm"} <= set(items.columns):
            raise KitError("A table of items needs the columns item_id and effort_pm.")
        items = list(zip(items["item_id"], items["effort_pm"], strict=True))
    if isinstance(items, dict):
        items = list(items.items())
    if not isinstance(items, (list, tuple)) or not items:
        raise KitError("items must be a non-empty list of (item_id, effort) pairs, in priority order.")
    pairs = []
    for entry in items:
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise KitError(f"Each item must be an (item_id, effort) pair, not {entry!r}.")
        pairs.append((str(entry[0]), _positive(entry[1], f"the effort of {entry[0]}")))
    if len({item for item, _ in pairs}) != len(pairs):
        raise KitError("An item appears twice in the list: give each item once.")
    return pairs


def fit_plan(items, capacity) -> dict:
    """Fill `capacity` in priority order: take each item that still fits, skip one that does not, go on.

    `items` is a list of (item_id, effort) pairs (or a DataFrame with item_id and effort_pm) in priority
    order. Returns {"planned": [...], "skipped": [...], "used": person-months, "left": person-months}.
    """
    capacity = _positive(capacity, "capacity")
    planned, skipped, used = [], [], 0.0
    for item, effort in _pairs(items):
        if used + effort <= capacity + 1e-9:
            planned.append(item)
            used += effort
        else:
            skipped.append(item)
    return {"planned": planned, "skipped": skipped, "used": used, "left": capacity - used}


def roadmap(backlog, *, capacity, by: str = "wsjf") -> pd.DataFrame:
    """A now/next/later roadmap: "Now" is this quarter's plan (fit_plan in `by` order), "Next" is what
    fits in the same capacity after it, "Later" is the rest. Keeps each item's key result when it has one."""
    table = score_backlog(backlog)
    order = ranking(table, by=by)
    effort = dict(zip(table["item_id"].astype(str), table["effort_pm"], strict=True))
    now = fit_plan([(i, effort[i]) for i in order], capacity)["planned"]
    rest = [i for i in order if i not in now]
    upcoming = fit_plan([(i, effort[i]) for i in rest], capacity)["planned"] if rest else []
    horizon = {i: "Now" if i in now else "Next" if i in upcoming else "Later" for i in order}
    table["horizon"] = [horizon[str(i)] for i in table["item_id"]]
    table["_position"] = [(HORIZONS.index(horizon[str(i)]), order.index(str(i))) for i in table["item_id"]]
    columns = [c for c in ("horizon", "item_id", "title", "key_result", "effort_pm", by) if c in table.columns]
    return table.sort_values("_position")[columns].reset_index(drop=True)
