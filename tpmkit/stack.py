"""How a request reaches a product, and what the stack it passes through can promise.

- Availability maths: serial dependencies multiply; independent replicas give 1 - (1 - a)^n;
  the downtime an availability implies for a STATED window. Source for chains: "The Calculus of
  Service Availability" (Treynor, Dahlin, Rau and Beyer, ACM Queue 15(2), 2017); copies are the
  multiplication rule for independent events, which shared fate breaks (AWS Well-Architected
  Reliability Pillar, REL10 fault isolation). Availabilities are fractions (0.999, not 99.9).
- Latency: serial hops add up, calls made at the same time cost as much as the slowest one
  ("The Tail at Scale", Dean and Barroso, CACM 56(2), 2013).
- Pictures: Tillpoint's checkout request path, drawn with matplotlib boxes and arrows (nothing
  downloaded, no graphviz), and a latency budget waterfall.

A page's steps are a list, in order. Each step is either one hop, `("Load balancer", 5)`, or a
dict of calls made at the same time, `{"Sales from the database": 140, "Fraud alerts": 50}`.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from tpmkit.errors import KitError

__all__ = [
    "LAYERS", "checkout_stack", "downtime_minutes", "hosting_models", "latency_chart", "latency_timeline",
    "page_latency", "redundant_availability", "request_path_diagram", "serial_availability",
]

LAYERS = ("interface", "business logic", "platform")
MINUTES_PER_DAY = 24 * 60



# --- availability --------------------------------------------------------------------------------


def _number(value, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise KitError(f"{name} must be a number, such as {example}, not {value!r}.")
    return value


def _availability(value, name: str):
    _number(value, name, "0.999 for 99.9%")
    if not 0 <= value <= 1:
        hint = f" (for {value:g}% write {value / 100:g})" if 1 < value <= 100 else ""
        raise KitError(f"{name} must be a fraction between 0 and 1, such as 0.999 for 99.9%{hint}.")
    return value


def serial_availability(availabilities) -> float:
    """Availability of a chain in which every part must work: the product of the parts.

    The chain is never more available than its weakest part, and each extra part lowers it.
    """
    if isinstance(availabilities, pd.Series):
        availabilities = availabilities.tolist()
    if not isinstance(availabilities, (list, tuple)):
        raise KitError("availabilities must be a list with one availability per dependency, "
                       f"such as [0.9995, 0.999], not a {type(availabilities).__name__}.")
    if not availabilities:
        raise KitError("availabilities is empty: give one availability per dependency, such as [0.9995, 0.999].")
    return math.prod(_availability(a, f"availabilities[{i}]") for i, a in enumerate(availabilities))


def redundant_availability(availability: float, replicas: int = 2) -> float:
    """Availability of `replicas` copies when any one copy is enough: 1 - (1 - a) ** replicas.

    This assumes the copies fail independently. Copies that share a zone, a deploy, a config or a
    database share their fate too, and get less than this.
    """
    _availability(availability, "availability")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise KitError(f"replicas must be a whole number of copies, 1 or more, not {replicas!r}.")
    return 1 - (1 - availability) ** replicas


def downtime_minutes(availability: float, window_days: float) -> float:
    """Minutes of downtime that an availability implies over a window of `window_days` days.

    State the window: 99.9% is 43.2 minutes over 30 days but 40.32 over 28.
    """
    _availability(availability, "availability")
    if _number(window_days, "window_days", "28 or 30") <= 0:
        raise KitError(f"window_days must be a number of days greater than 0, such as 28 or 30, not {window_days!r}.")
    return (1 - availability) * window_days * MINUTES_PER_DAY


# --- latency -------------------------------------------------------------------------------------

_STEP_EXAMPLE = 'a (name, ms) pair such as ("Load balancer", 5), or a dict of calls made at the same time'


def _ms(value, where: str):
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) or value < 0:
        raise KitError(f"{where} must be a number of milliseconds, 0 or more, not {value!r}.")
    return value


def _steps(steps) -> list[list[tuple[str, float]]]:
    """Each step as a list of (name, ms) calls; a serial hop is a list of one call."""
    if not isinstance(steps, (list, tuple)) or not steps:
        raise KitError(f"steps must be a non-empty list; each step is {_STEP_EXAMPLE}.")
    out, names = [], []
    for i, step in enumerate(steps):
        if isinstance(step, dict):
            if not step:
                raise KitError(f"steps[{i}] is an empty dict: list the calls made at the same time, with their ms.")
            calls = list(step.items())
        elif isinstance(step, (list, tuple)) and len(step) == 2:
            calls = [tuple(step)]
        else:
            raise KitError(f"steps[{i}] is {step!r}; each step is {_STEP_EXAMPLE}.")
        for name, ms in calls:
            if not isinstance(name, str) or not name.strip():
                raise KitError(f"steps[{i}] has the name {name!r}; give each hop or call a name in text.")
            _ms(ms, f"the time of {name!r}")
            names.append(name)
        out.append(calls)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise KitError(f"Each hop or call needs its own name; repeated: {', '.join(repeated)}.")
    return out


def page_latency(steps) -> float:
    """Time until the page is ready: serial hops add up; calls made at the same time take the slowest."""
    return sum(max(ms for _, ms in calls) for calls in _steps(steps))


def latency_timeline(steps) -> pd.DataFrame:
    """One row per hop or call: when it starts and ends (ms), whether it ran alongside others, and
    whether it was the slowest of its step (the one the page waits for)."""
    rows, clock = [], 0
    for number, calls in enumerate(_steps(steps), start=1):
        longest = max(ms for _, ms in calls)
        for name, ms in calls:
            rows.append({"step": number, "call": name, "start_ms": clock, "ms": ms, "end_ms": clock + ms,
                         "parallel": len(calls) > 1, "slowest": ms == longest})
        clock += longest
    return pd.DataFrame(rows)


_SERIAL, _PARALLEL, _WAITED = "#1b9e77", "#b3b3d9", "#7570b3"


def latency_chart(steps, budget_ms: float | None = None) -> Figure:
    """A waterfall of the page's hops and calls, and the page time as built against the time it
    would take if every call waited for the one before. Optional: the page's budget in ms."""
    timeline = latency_timeline(steps)
    if budget_ms is not None:
        _ms(budget_ms, "budget_ms")
    total = page_latency(steps)
    one_by_one = timeline["ms"].sum()

    fig = Figure(figsize=(9, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[len(timeline), 2.2])
    rows = range(len(timeline))
    colours = [_SERIAL if not p else (_WAITED if s else _PARALLEL)
               for p, s in zip(timeline["parallel"], timeline["slowest"], strict=True)]
    top.barh(rows, timeline["ms"], left=timeline["start_ms"], color=colours, edgecolor="white")
    for row, (end, ms) in enumerate(zip(timeline["end_ms"], timeline["ms"], strict=True)):
        top.text(end + one_by_one * 0.01, row, f"{ms:g} ms", va="center", fontsize="small")
    top.set_yticks(list(rows), timeline["call"])
    top.invert_yaxis()
    top.axvline(total, color="black", lw=1.2, label=f"page ready: {total:g} ms")
    top.set_title("Where the page's time goes: hops one after another, some calls side by side")
    handles = [Patch(color=_SERIAL, label="hop (the next one waits for it)")]
    if timeline["parallel"].any():
        handles += [Patch(color=_WAITED, label="slowest of the calls made together (the page waits for it)"),
                    Patch(color=_PARALLEL, label="faster call made at the same time (hidden behind the slowest)")]

    for row, segments in enumerate(_segments(timeline)):
        left = 0
        for ms, colour in segments:
            bottom.barh(row, ms, left=left, color=colour, edgecolor="white")
            left += ms
        bottom.text(left + one_by_one * 0.01, row, f"{left:g} ms", va="center", fontweight="bold")
    bottom.set_yticks([0, 1], ["as built", "if every call\nwaited its turn"])
    bottom.invert_yaxis()
    bottom.set_xlabel("milliseconds since the request left the shop's device")
    bottom.set_xlim(0, max(one_by_one, budget_ms or 0, 1) * 1.15)
    if budget_ms is not None:
        for ax in (top, bottom):
            ax.axvline(budget_ms, color="#d62728", ls="--", lw=1.5)
        handles.append(Line2D([], [], color="#d62728", ls="--", lw=1.5, label=f"budget: {budget_ms:g} ms"))
    fig.legend(handles=[*top.get_legend_handles_labels()[0], *handles], fontsize="small", ncol=2,
               loc="outside lower center", frameon=False)
    return fig


def _segments(timeline: pd.DataFrame) -> tuple[list, list]:
    """Bar pieces for the bottom panel, as (ms, colour): one per step as built, one per call in turn."""
    as_built = [(group["ms"].max(), _WAITED if group["parallel"].iloc[0] else _SERIAL)
                for _, group in timeline.groupby("step")]
    in_turn = [(row.ms, _SERIAL if not row.parallel else (_WAITED if row.slowest else _PARALLEL))
               for row in timeline.itertuples()]
    return as_built, in_turn


# --- Tillpoint's stack ---------------------------------------------------------------------------

_COMPONENTS = [
    # name, layer, what it does, built with, runs on, on the payment path, if it fails
    ("Card reader app", "interface", "the screen and card reader a shop uses at the counter",
     "Kotlin (Android)", "the shop's card reader", True, "that shop cannot take cards; every other shop is fine"),
    ("Web dashboard", "interface", "the pages where shop owners see sales and payouts",
     "TypeScript and React", "the owner's browser (files from the CDN)", False,
     "owners cannot see their sales; payments still work"),
    ("DNS", "platform", "turns api.tillpoint.com into the address of Tillpoint's load balancer",
     "managed DNS", "a DNS provider (SaaS)", True,
     "devices cannot find Tillpoint once their saved answers expire, and payments stop"),
    ("CDN", "platform", "serves the dashboard's files from servers near each owner",
     "CDN service", "a CDN provider (SaaS)", False, "the dashboard will not load; payments still work"),
    ("Load balancer", "platform", "spreads requests over the healthy app servers",
     "cloud load balancer", "the cloud provider (managed service)", True, "payments stop"),
    ("Payments service", "business logic", "takes a payment: checks the shop, works out fees, asks for approval",
     "Go", "containers on managed Kubernetes", True, "payments stop"),
    ("Fraud scoring", "business logic", "scores how likely a payment is to be fraud (a trained model)",
     "Python", "containers on managed Kubernetes", False,
     "payments go on under simple fallback rules, and more fraud gets through"),
    ("Cache", "platform", "keeps each shop's settings in memory for fast reads",
     "Redis", "managed Redis (PaaS)", False, "payments slow down: settings come from the database instead"),
    ("Database", "platform", "the record of every shop and every payment (the source of truth)",
     "PostgreSQL", "managed PostgreSQL (PaaS)", True, "payments stop: nothing can be recorded"),
    ("Queue", "platform", "holds work to do later, such as sending receipts",
     "managed message queue", "the cloud provider (managed service)", False,
     "receipts are late; payments still work"),
    ("Card network API", "third party", "asks the card's bank to approve or decline the payment",
     "the networks' own systems", "the card networks", True, "card payments stop, at every provider"),
    ("Email provider", "third party", "sends receipts by email", "email API", "an email company (SaaS)", False,
     "receipts wait in the queue"),
]


def checkout_stack() -> pd.DataFrame:
    """Tillpoint's checkout, one row per component: its layer, job, tech, hosting, and what a failure does."""
    columns = ["component", "layer", "what it does", "built with", "runs on", "on the payment path",
               "if it fails"]
    return pd.DataFrame(_COMPONENTS, columns=columns)


def hosting_models() -> pd.DataFrame:
    """Who runs each part of the machinery under five hosting models (NIST SP 800-145 for IaaS,
    PaaS and SaaS; containers sit between IaaS and PaaS)."""
    parts = ["your code", "language runtime and libraries", "operating system", "virtual machines",
             "physical servers, network and storage", "buildings, power and cooling"]
    models = {
        "own servers": ["you"] * 6,
        "IaaS (virtual machines)": ["you", "you", "you", "provider", "provider", "provider"],
        "containers (managed Kubernetes)": ["you", "you", "shared", "provider", "provider", "provider"],
        "PaaS (managed platform)": ["you", "provider", "provider", "provider", "provider", "provider"],
        "SaaS (finished software)": ["provider"] * 6,
    }
    return pd.DataFrame(models, index=pd.Index(parts, name="who runs ...")).T.rename_axis("hosting model")


_COLOURS = {"interface": "#a6cee3", "business logic": "#fdbf6f", "platform": "#b2df8a", "third party": "#d9d9d9"}
_PLACES = {  # box centres on a 14.5 x 6.6 canvas
    "Card reader app": (1.3, 4.4), "Web dashboard": (1.3, 1.5), "DNS": (4.1, 5.9), "CDN": (4.1, 1.5),
    "Load balancer": (4.6, 3.6), "Payments service": (7.5, 3.6), "Fraud scoring": (7.5, 5.7),
    "Card network API": (10.4, 5.8), "Cache": (10.4, 4.5), "Database": (10.4, 3.1), "Queue": (10.4, 1.5),
    "Email provider": (13.3, 1.5),
}
# (from, to, step number or "" for the dashboard's own requests, waited for?)
_HOPS = [
    ("Card reader app", "DNS", "1", True), ("Card reader app", "Load balancer", "2", True),
    ("Load balancer", "Payments service", "3", True), ("Payments service", "Cache", "4", True),
    ("Payments service", "Fraud scoring", "5", True), ("Payments service", "Card network API", "6", True),
    ("Payments service", "Database", "7", True), ("Payments service", "Queue", "8", False),
    ("Queue", "Email provider", "9", False),
    ("Web dashboard", "CDN", "", True), ("Web dashboard", "Load balancer", "", True),
]


def request_path_diagram(failed: str | None = None) -> Figure:
    """Tillpoint's checkout as boxes and arrows, coloured by layer, with a card payment's hops numbered.

    `failed` names one component to show as down; the title then says what that failure does.
    """
    stack = checkout_stack().set_index("component")
    if failed is not None and failed not in stack.index:
        raise KitError(f"failed must be one of the components in the diagram ({', '.join(stack.index)}), "
                       f"not {failed!r}.")
    fig = Figure(figsize=(12, 5.6), layout="constrained")
    ax = fig.subplots()
    ax.set(xlim=(0, 14.5), ylim=(0.7, 6.6))
    ax.axis("off")

    boxes = {}
    for name, (x, y) in _PLACES.items():
        down = name == failed
        box = FancyBboxPatch((x - 1.1, y - 0.4), 2.2, 0.8, boxstyle="round,pad=0.05",
                             facecolor=_COLOURS[stack.loc[name, "layer"]], hatch="///" if down else None,
                             edgecolor="#d62728" if down else "#333333", linewidth=3 if down else 1)
        ax.add_patch(box)
        boxes[name] = box
        plate = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"} if down else None
        ax.text(x, y + 0.12, name, ha="center", va="center", fontweight="bold", fontsize=9.5, bbox=plate)
        ax.text(x, y - 0.19, "DOWN" if down else stack.loc[name, "built with"], ha="center", va="center",
                fontsize=8, color="#d62728" if down else "#333333", fontweight="bold" if down else "normal",
                bbox=plate)

    for start, end, label, waited in _HOPS:
        colour = "#333333" if label else "#8c8c8c"
        arrow = FancyArrowPatch(_PLACES[start], _PLACES[end], patchA=boxes[start], patchB=boxes[end],
                                arrowstyle="-|>", mutation_scale=14, color=colour, lw=1.4,
                                linestyle="-" if waited else "--", shrinkA=2, shrinkB=2)
        ax.add_patch(arrow)
        if label:
            (xa, ya), (xb, yb) = _PLACES[start], _PLACES[end]
            ax.text((xa + xb) / 2, (ya + yb) / 2, label, ha="center", va="center", fontsize=8.5,
                    bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": colour})

    handles = [Patch(facecolor=c, edgecolor="#333333", label=layer) for layer, c in _COLOURS.items()]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=9,
              title="layer", frameon=False)
    if failed is None:
        title = ("A card payment's path through Tillpoint, hop by hop (grey: the dashboard's requests; "
                 "dashed: not waited for)")
    else:
        title = f"If the {failed} fails, {stack.loc[failed, 'if it fails']}"
    ax.set_title(title, fontsize=11)
    return fig
