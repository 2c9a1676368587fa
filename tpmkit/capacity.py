"""Back-of-the-envelope capacity, caches and queues: the numbers behind a design review.

- Envelope maths: requests a day -> an average per second (86,400 seconds in a day) -> a peak
  (times a STATED peak factor) -> servers = ceil(peak / (capacity per server x target utilisation)),
  plus any spares. Storage = count x size, in a STATED unit: decimal (GB = 10^9 bytes, SI prefixes)
  or binary (GiB = 2^30 bytes, IEC 80000-13 prefixes). Utilisations and hit ratios are fractions
  (0.7, not 70).
- Cache model (stated in every prompt): every read looks in the cache first. A hit costs the cache
  lookup; a miss costs the lookup AND the database read:
  effective latency = h x cache + (1 - h) x (cache + database). This is the average memory access
  time of Hennessy and Patterson ("Computer Architecture: A Quantitative Approach", ch. 2 and
  appendix B): hit time + miss rate x miss penalty. Database load = (1 - h) x request rate.
- Queue: a small deterministic simulation, one step per minute. Work arrives, joins the backlog,
  and workers take up to their capacity each minute; whatever is left waits for the next minute.
  Little's law (Little, Operations Research 9(3), 1961) links the averages: items waiting =
  arrival rate x time in the system. Module 11 owns flow metrics; here it only explains the waits.
- Pictures: latency and database load against the hit ratio; arrivals vs processed vs backlog over
  time; scaling up vs scaling out.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from tpmkit.errors import KitError

__all__ = [
    "SECONDS_PER_DAY", "UNITS", "cache_chart", "cache_table", "convert", "database_load", "effective_latency",
    "envelope", "peak_per_second", "per_second", "queue_chart", "scaling_diagram", "servers_needed",
    "simulate_queue", "spike_arrivals", "storage",
]

SECONDS_PER_DAY = 24 * 60 * 60  # 86,400, not 3,600 (that is an hour)
UNITS = {  # bytes per unit: decimal (SI) and binary (IEC) prefixes
    "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50,
}
_UNIT_BY_LOWER = {unit.lower(): unit for unit in UNITS}


# --- checks on the inputs ------------------------------------------------------------------------


def _number(value, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) or math.isinf(value):
        raise KitError(f"{name} must be a number, such as {example}, not {value!r}.")
    return value


def _positive(value, name: str, example: str) -> float:
    if _number(value, name, example) <= 0:
        raise KitError(f"{name} must be greater than 0, such as {example}, not {value!r}.")
    return value


def _not_negative(value, name: str, example: str) -> float:
    if _number(value, name, example) < 0:
        raise KitError(f"{name} cannot be negative: give {example} or more, not {value!r}.")
    return value


def _fraction(value, name: str, example: str, *, zero_ok: bool = True) -> float:
    _number(value, name, example)
    low_ok = value >= 0 if zero_ok else value > 0
    if not (low_ok and value <= 1):
        hint = f" (for {value:g}% write {value / 100:g})" if 1 < value <= 100 else ""
        low = "0" if zero_ok else "just above 0"
        raise KitError(f"{name} must be a fraction from {low} to 1, such as {example}{hint}.")
    return value


def _whole(value, name: str, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KitError(f"{name} must be a whole number, 0 or more, such as {example}, not {value!r}.")
    return value


def _unit(unit) -> str:
    if not isinstance(unit, str) or unit.strip().lower() not in _UNIT_BY_LOWER:
        raise KitError(f"unit must be one of {', '.join(UNITS)} (GB = 10^9 bytes, GiB = 2^30 bytes), "
                       f"not {unit!r}.")
    return _UNIT_BY_LOWER[unit.strip().lower()]


# --- back of the envelope ------------------------------------------------------------------------


def per_second(daily: float) -> float:
    """The average per second of something that happens `daily` times a day: daily / 86,400."""
    return _not_negative(daily, "daily", "43_200_000 requests a day") / SECONDS_PER_DAY


def peak_per_second(daily: float, peak_factor: float) -> float:
    """The busiest rate to plan for: the daily average per second times a stated peak factor.

    Traffic is never flat: shops are busy at lunch and at closing time. The peak factor (busiest
    hour's rate / the day's average rate) comes from your own traffic graphs; 2 to 5 is common.
    """
    if _number(peak_factor, "peak_factor", "3") < 1:
        raise KitError(f"peak_factor is the busiest rate divided by the average, so it is 1 or more, "
                       f"not {peak_factor!r}.")
    return per_second(daily) * peak_factor


def servers_needed(peak_rps: float, per_server_rps: float, target_utilisation: float, spare: int = 0) -> int:
    """Servers to run at the peak: ceil(peak / (per-server capacity x target utilisation)) + spares.

    Plan to a target utilisation below 1 (0.6 to 0.8 is common): a server near 100% busy makes
    requests queue and latency climb, and leaves nothing for a server lost at the peak. Always round
    UP: 15.2 servers means 16, because 15 cannot carry the load. `spare` adds servers on top (N+1).
    """
    _not_negative(peak_rps, "peak_rps", "2000 requests per second")
    _positive(per_server_rps, "per_server_rps", "180 requests per second")
    _fraction(target_utilisation, "target_utilisation", "0.7 for 70%", zero_ok=False)
    _whole(spare, "spare", "1")
    # A tiny tolerance so float noise (15.000000000000002) does not add a server.
    return math.ceil(peak_rps / (per_server_rps * target_utilisation) - 1e-9) + spare


def storage(count: float, bytes_each: float, unit: str = "GB") -> float:
    """Storage for `count` records of `bytes_each` bytes, in `unit` (GB = 10^9 bytes; GiB = 2^30)."""
    _not_negative(count, "count", "10_800_000 records")
    _not_negative(bytes_each, "bytes_each", "5_000 bytes")
    return count * bytes_each / UNITS[_unit(unit)]


def convert(amount: float, from_unit: str, to_unit: str) -> float:
    """`amount` in `from_unit` expressed in `to_unit`: convert(500, "GB", "GiB") is about 465.66."""
    _not_negative(amount, "amount", "500")
    return amount * UNITS[_unit(from_unit)] / UNITS[_unit(to_unit)]


def envelope(daily_requests: float, peak_factor: float, per_server_rps: float, target_utilisation: float,
             spare: int = 0) -> pd.DataFrame:
    """A capacity estimate step by step: one row per step, with the sum it does and its result (as text)."""
    average = per_second(daily_requests)
    peak = peak_per_second(daily_requests, peak_factor)
    usable = _positive(per_server_rps, "per_server_rps", "180 requests per second") * _fraction(
        target_utilisation, "target_utilisation", "0.7 for 70%", zero_ok=False)
    exact = peak / usable
    servers = servers_needed(peak, per_server_rps, target_utilisation, spare)
    steps = [
        ("requests a day", "the forecast", daily_requests),
        ("average per second", f"{_show(daily_requests)} / 86,400 seconds in a day", average),
        ("peak per second", f"{_show(average)} x peak factor {peak_factor:g}", peak),
        ("usable per server", f"{per_server_rps:g} per second x {target_utilisation:.0%} target utilisation", usable),
        ("servers, exactly", f"{_show(peak)} / {_show(usable)}", exact),
        ("servers to run", f"round {_show(exact)} UP" + (f", plus {spare} spare" if spare else ""), servers),
    ]
    return pd.DataFrame([{"step": step, "the sum": sums, "result": _show(value)} for step, sums, value in steps])


def _show(value: float) -> str:
    """43200000 -> '43,200,000'; 15.873 -> '15.87'."""
    value = round(float(value), 9)  # 180 x 0.7 is 125.99999999999999 in floating point
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"


_PLATE = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}


# --- caches --------------------------------------------------------------------------------------


def effective_latency(hit_ratio: float, cache_ms: float, database_ms: float) -> float:
    """Average time of a read through a cache, in ms: h x cache + (1 - h) x (cache + database).

    A miss pays for the cache lookup that missed AND the database read.
    """
    _fraction(hit_ratio, "hit_ratio", "0.95 for 95%")
    _not_negative(cache_ms, "cache_ms", "2 ms")
    _not_negative(database_ms, "database_ms", "30 ms")
    return hit_ratio * cache_ms + (1 - hit_ratio) * (cache_ms + database_ms)


def database_load(hit_ratio: float, request_rate: float) -> float:
    """Reads that reach the database: only the misses, (1 - h) x request rate, in the rate's unit."""
    _fraction(hit_ratio, "hit_ratio", "0.95 for 95%")
    return (1 - hit_ratio) * _not_negative(request_rate, "request_rate", "1600 reads per second")


def cache_table(hit_ratios, cache_ms: float, database_ms: float, request_rate: float) -> pd.DataFrame:
    """One row per hit ratio: effective latency (ms) and database reads per second."""
    if isinstance(hit_ratios, pd.Series):
        hit_ratios = hit_ratios.tolist()
    if not isinstance(hit_ratios, (list, tuple)) or not hit_ratios:
        raise KitError("hit_ratios must be a non-empty list of fractions, such as [0.5, 0.9, 0.99].")
    rows = [{"hit ratio": h, "effective latency (ms)": effective_latency(h, cache_ms, database_ms),
             "database reads per second": database_load(h, request_rate)} for h in hit_ratios]
    return pd.DataFrame(rows)


def cache_chart(cache_ms: float, database_ms: float, request_rate: float, *, hit_ratio: float | None = None,
                database_limit: float | None = None) -> Figure:
    """Effective latency and database load against the hit ratio (0 to 100%).

    `hit_ratio` marks one point on both lines; `database_limit` draws the most reads per second the
    database can take, and shades the hit ratios that would overload it.
    """
    effective_latency(0.5, cache_ms, database_ms)  # checks the inputs
    database_load(0.5, request_rate)
    if hit_ratio is not None:
        _fraction(hit_ratio, "hit_ratio", "0.95 for 95%")
    if database_limit is not None:
        _positive(database_limit, "database_limit", "250 reads per second")
    ratios = [i / 200 for i in range(201)]
    latency = [effective_latency(h, cache_ms, database_ms) for h in ratios]
    load = [database_load(h, request_rate) for h in ratios]
    percent = [h * 100 for h in ratios]

    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(percent, latency, color="#7570b3", lw=2.2, label="effective latency")
    left.axhline(cache_ms + database_ms, color="#d95f02", ls="--", lw=1,
                 label=f"every read a miss: {cache_ms:g} + {database_ms:g} ms")
    left.axhline(cache_ms, color="#1b9e77", ls="--", lw=1, label=f"every read a hit: {cache_ms:g} ms")
    left.set(xlabel="cache hit ratio (%)", ylabel="milliseconds per read", xlim=(0, 100),
             ylim=(0, (cache_ms + database_ms) * 1.12), title="Average read time")
    right.plot(percent, load, color="#e7298a", lw=2.2, label="reads reaching the database")
    right.set(xlabel="cache hit ratio (%)", ylabel="database reads per second", xlim=(0, 100),
              ylim=(0, max(request_rate, database_limit or 0) * 1.08 or 1), title="Database load")
    if database_limit is not None:
        right.axhline(database_limit, color="black", ls="--", lw=1,
                      label=f"database limit: {database_limit:,.0f} per second")
        over = [value > database_limit for value in load]
        right.fill_between(percent, 0, 1, where=over, transform=right.get_xaxis_transform(), color="#d62728",
                           alpha=0.1, label="hit ratios that overload it")
    if hit_ratio is not None:
        at_latency = effective_latency(hit_ratio, cache_ms, database_ms)
        at_load = database_load(hit_ratio, request_rate)
        left.plot([hit_ratio * 100], [at_latency], "o", color="black")
        left.annotate(f"{hit_ratio:.0%}: {at_latency:.2f} ms", (hit_ratio * 100, at_latency),
                      xytext=(-10, -2), textcoords="offset points", ha="right", va="top", fontsize="small",
                      bbox=_PLATE)
        right.plot([hit_ratio * 100], [at_load], "o", color="black")
        right.annotate(f"{hit_ratio:.0%}: {at_load:,.0f} per second", (hit_ratio * 100, at_load),
                       xytext=(-10, -2), textcoords="offset points", ha="right", va="top", fontsize="small",
                      bbox=_PLATE)
    left.legend(fontsize="small", loc="upper right")
    right.legend(fontsize="small", loc="upper right")
    fig.suptitle(f"A cache in front of the database ({request_rate:,.0f} reads per second)")
    return fig


# --- queues --------------------------------------------------------------------------------------


def spike_arrivals(minutes: int = 60, base: float = 300, peak: float = 900, start: int = 10,
                   length: int = 10) -> list[float]:
    """Work arriving per minute: `base` a minute, and `peak` a minute for `length` minutes from `start`."""
    for value, name in ((minutes, "minutes"), (start, "start"), (length, "length")):
        _whole(value, name, "10")
    if minutes < 1:
        raise KitError("minutes must be 1 or more: how many minutes to simulate.")
    _not_negative(base, "base", "300 a minute")
    _not_negative(peak, "peak", "900 a minute")
    if start + length > minutes:
        raise KitError(f"The spike (start {start} + length {length}) runs past the end ({minutes} minutes): "
                       "give more minutes or a shorter spike.")
    return [peak if start <= minute < start + length else base for minute in range(minutes)]


def simulate_queue(arrivals, capacity: float) -> pd.DataFrame:
    """Minute by minute: work arrives, joins the backlog, and the workers take up to `capacity` of it.

    Returns one row per minute: arrivals, processed, the backlog left waiting at the end of the
    minute, and `wait_minutes`, about how long something arriving then waits (backlog / capacity).
    """
    if isinstance(arrivals, pd.Series):
        arrivals = arrivals.tolist()
    if not isinstance(arrivals, (list, tuple)) or not arrivals:
        raise KitError("arrivals must be a non-empty list with the work arriving each minute, "
                       "such as spike_arrivals().")
    for minute, value in enumerate(arrivals):
        _not_negative(value, f"arrivals[{minute}]", "0")
    _positive(capacity, "capacity", "600 a minute")
    rows, backlog = [], 0.0
    for minute, arrived in enumerate(arrivals):
        waiting = backlog + arrived
        done = min(waiting, capacity)
        backlog = waiting - done
        rows.append({"minute": minute, "arrivals": arrived, "processed": done, "backlog": backlog,
                     "wait_minutes": backlog / capacity})
    return pd.DataFrame(rows)


def queue_chart(simulation: pd.DataFrame, capacity: float | None = None) -> Figure:
    """Arrivals and processed per minute (top) and the backlog waiting (bottom), from simulate_queue."""
    needed = {"minute", "arrivals", "processed", "backlog"}
    if not isinstance(simulation, pd.DataFrame) or not needed <= set(simulation.columns) or simulation.empty:
        raise KitError("queue_chart needs the table that simulate_queue returns "
                       "(columns minute, arrivals, processed, backlog).")
    if capacity is not None:
        _positive(capacity, "capacity", "600 a minute")
    fig = Figure(figsize=(9, 5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    minutes = simulation["minute"]
    top.step(minutes, simulation["arrivals"], where="mid", color="#d95f02", lw=2, label="arrivals per minute")
    top.step(minutes, simulation["processed"], where="mid", color="#1b9e77", lw=2, ls="--",
             label="processed per minute")
    if capacity is not None:
        top.axhline(capacity, color="black", lw=1, ls=":", label=f"workers' capacity: {capacity:,.0f} a minute")
    top.set(ylabel="items per minute", ylim=(0, max(simulation["arrivals"].max(), capacity or 0) * 1.15 or 1))
    top.set_title("A queue absorbs a spike: work arrives faster than it is done, then the backlog drains")
    top.legend(fontsize="small", loc="upper right")
    bottom.fill_between(minutes, simulation["backlog"], step="mid", color="#7570b3", alpha=0.35)
    bottom.step(minutes, simulation["backlog"], where="mid", color="#7570b3", lw=2, label="backlog waiting")
    worst = simulation["backlog"].idxmax()
    if simulation["backlog"].max() > 0:
        bottom.annotate(f"largest backlog: {simulation['backlog'].max():,.0f} at minute {minutes[worst]}",
                        (minutes[worst], simulation["backlog"].max()), xytext=(0, 6), textcoords="offset points",
                        ha="center", va="bottom", fontsize="small")
    bottom.set(xlabel="minute", ylabel="items waiting", ylim=(0, max(simulation["backlog"].max() * 1.35, 1)))
    bottom.legend(fontsize="small", loc="upper right")
    return fig


# --- scaling up vs scaling out -------------------------------------------------------------------


def scaling_diagram() -> Figure:
    """Scaling up (one bigger machine) next to scaling out (more machines behind a load balancer)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    up, out = fig.subplots(1, 2)
    for ax in (up, out):
        ax.set(xlim=(0, 10), ylim=(0, 6.3))
        ax.axis("off")

    def box(ax, x, y, w, h, text, colour, size=9):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", facecolor=colour,
                                    edgecolor="#333333"))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size)

    def arrow(ax, start, end):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="#333333"))

    box(up, 0.6, 2.3, 1.8, 1.0, "server\n4 CPUs", "#b2df8a")
    arrow(up, (2.6, 2.8), (4.0, 2.8))
    box(up, 4.2, 0.9, 4.6, 3.8, "server\n64 CPUs, 512 GB memory", "#b2df8a", size=10)
    up.text(5, 5.6, "Scale UP (vertical): a bigger machine", ha="center", fontweight="bold")
    up.text(5, 0.3, "no code changes; a ceiling on size and price;\nstill one machine that can fail",
            ha="center", va="center", fontsize=8.5)

    box(out, 0.3, 2.4, 2.0, 0.9, "load\nbalancer", "#a6cee3")
    for i, y in enumerate((4.3, 3.2, 2.1, 1.0)):
        box(out, 4.0, y, 2.0, 0.8, f"server {i + 1}\n4 CPUs", "#b2df8a")
        arrow(out, (2.4, 2.85), (3.95, y + 0.4))
    box(out, 7.6, 2.4, 2.1, 0.9, "shared\ndatabase", "#fdbf6f")
    for y in (4.3, 3.2, 2.1, 1.0):
        arrow(out, (6.05, y + 0.4), (7.55, 2.85))
    out.text(5, 5.6, "Scale OUT (horizontal): more machines", ha="center", fontweight="bold")
    out.text(5, 0.3, "add or remove servers as traffic moves; one can fail;\n"
             "the servers must not keep state, and the database is shared", ha="center", va="center", fontsize=8.5)
    return fig
