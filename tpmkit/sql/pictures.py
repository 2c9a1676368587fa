"""Pictures for the SQL lesson: the tables and their join keys, what each join keeps, and charts of query
results (a funnel, per-day lines, a cohort retention table). Each returns a matplotlib Figure."""

from __future__ import annotations

import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from tpmkit.data.product import TABLES
from tpmkit.errors import KitError

# The joins tables_diagram draws in red: (table, column) = (table, column).
_KEYS = [("users", "user_id", "events", "user_id"), ("users", "user_id", "orders", "user_id"),
         ("orders", "order_id", "payments", "order_id")]


def tables_diagram() -> Figure:
    """The four tables, their columns, and the keys that join them."""
    spots = {"users": (0.03, 0.55), "events": (0.37, 0.55), "orders": (0.37, 0.02), "payments": (0.71, 0.02)}
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    line_h, width = 0.052, 0.26
    anchors = {}
    for table, (x, y) in spots.items():
        columns = list(TABLES[table])
        height = line_h * (len(columns) + 1.3)
        ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.005", fc="#f4f6fb", ec="#4a5a8a"))
        ax.text(x + 0.01, y + height - line_h * 0.8, table, weight="bold", fontsize=11, va="center")
        for i, column in enumerate(columns):
            cy = y + height - line_h * (i + 1.8)
            key = any((table, column) in ((a, b), (c, d)) for a, b, c, d in _KEYS)
            ax.text(x + 0.02, cy, f"{column}  {TABLES[table][column].lower()}", fontsize=8.5, va="center",
                    family="monospace", color="#b42318" if key else "black")
            anchors[(table, column)] = (x, x + width, cy)
    for a, b, c, d in _KEYS:
        left, right = anchors[(a, b)], anchors[(c, d)]
        start = (left[1], left[2]) if left[1] <= right[0] else (left[0], left[2])
        end = (right[0], right[2]) if left[1] <= right[0] else (right[1], right[2])
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-", "color": "#b42318", "lw": 1.2,
                                                          "connectionstyle": "arc3,rad=0.15"})
    ax.set_title("Tillpoint's product tables: red columns are the keys that join them", fontsize=11)
    return fig


def joins_diagram() -> Figure:
    """Which users each join keeps: INNER JOIN, LEFT JOIN, and the anti-join (LEFT JOIN ... IS NULL)."""
    fig = Figure(figsize=(9.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [("INNER JOIN orders", "users with at least one order", "inner"),
              ("LEFT JOIN orders", "every user; order columns NULL if none", "left"),
              ("LEFT JOIN ... WHERE o.order_id IS NULL", "users who never ordered", "anti")]
    for ax, (title, caption, kind) in zip(axes, panels, strict=True):
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.35, 1.25)
        users, orders = Circle((-0.45, 0), 0.9), Circle((0.45, 0), 0.9)
        shade = "#7fa7d9"
        if kind in ("left", "anti"):
            ax.add_patch(Circle((-0.45, 0), 0.9, fc=shade, ec="none"))
        if kind in ("inner", "anti"):
            overlap = Circle((0.45, 0), 0.9, fc=shade if kind == "inner" else "white", ec="none")
            ax.add_patch(overlap)
            overlap.set_clip_path(Circle((-0.45, 0), 0.9, transform=ax.transData))
        for circle in (users, orders):
            circle.set(fc="none", ec="#333333", lw=1.3)
            ax.add_patch(circle)
        ax.text(-0.8, 1.0, "users", ha="center", fontsize=9)
        ax.text(0.8, 1.0, "orders", ha="center", fontsize=9)
        ax.set_title(title, fontsize=9.5, family="monospace")
        ax.text(0, -1.25, caption, ha="center", fontsize=9)
    return fig


def _frame(frame, name: str, columns: list[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise KitError(f"{name} needs a DataFrame (the result of sql.run), not a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KitError(f"{name} needs the columns {', '.join(columns)}; this frame has no {', '.join(missing)}.")
    if frame.empty:
        raise KitError(f"{name} got an empty result: check the query's filters.")
    return frame


def funnel_chart(frame: pd.DataFrame) -> Figure:
    """Horizontal bars, one per funnel step, from a result with the columns `step` and `users`."""
    frame = _frame(frame, "funnel_chart", ["step", "users"])
    top = float(frame["users"].iloc[0]) or 1.0
    fig = Figure(figsize=(8, 0.6 + 0.55 * len(frame)), layout="constrained")
    ax = fig.subplots()
    ax.barh(frame["step"].astype(str), frame["users"], color="#4a78b5")
    ax.invert_yaxis()
    for y, value in enumerate(frame["users"]):
        ax.text(value, y, f"  {value:,.0f} ({100 * value / top:.0f}%)", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("users who reached the step")
    ax.set_title("Conversion funnel (share of the first step)")
    return fig


def daily_chart(frame: pd.DataFrame, *columns: str, mark: str | None = None) -> Figure:
    """One line per numeric column, per day, from a result with a `day` column; `mark` circles one day."""
    if not columns:
        columns = tuple(c for c in getattr(frame, "columns", []) if c != "day")
    frame = _frame(frame, "daily_chart", ["day", *columns]).sort_values("day")
    days = pd.to_datetime(frame["day"])
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    colours = ["#4a78b5", "#d95f02", "#1b9e77", "#7570b3"]
    for i, column in enumerate(columns):
        ax.plot(days, frame[column], color=colours[i % len(colours)], lw=1.4, label=column.replace("_", " "))
    if mark is not None:
        when = pd.Timestamp(mark)
        hit = frame[(days == when).to_numpy()]
        if hit.empty:
            raise KitError(f"daily_chart: {mark} is not one of the days in the result.")
        top = max(float(hit[c].iloc[0]) for c in columns)
        ax.annotate(f"{when:%d %b}", (when, top), xytext=(18, -12), textcoords="offset points", color="#b42318",
                    arrowprops={"arrowstyle": "->", "color": "#b42318"})
    ax.margins(y=0.1)
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    ax.set_ylabel("per day")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("Per day: " + ", ".join(c.replace("_", " ") for c in columns))
    return fig


def cohort_chart(frame: pd.DataFrame) -> Figure:
    """A retention table as a picture: one row per cohort, one column per month after signup.

    The result needs the columns `cohort_month`, `months_after` and `retention_pct`.
    """
    frame = _frame(frame, "cohort_chart", ["cohort_month", "months_after", "retention_pct"])
    table = frame.pivot_table(index="cohort_month", columns="months_after", values="retention_pct", aggfunc="first")
    table = table.sort_index()
    fig = Figure(figsize=(8, 0.9 + 0.45 * len(table)), layout="constrained")
    ax = fig.subplots()
    ax.imshow(table.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for (i, j), value in pd.DataFrame(table.to_numpy(dtype=float)).stack().dropna().items():
        ax.text(j, i, f"{value:.0f}%", ha="center", va="center", fontsize=9,
                color="white" if value > 60 else "black")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table)), [f"{pd.Timestamp(c):%b %Y}" for c in table.index])
    ax.set_xlabel("months after the signup month")
    ax.set_title("Share of each signup cohort active N months later")
    return fig
