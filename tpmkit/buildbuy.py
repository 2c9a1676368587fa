"""Build or buy: what each option costs over three years, month by month, and a picture of it.

An option is a dict of three costs, in pounds:

- `upfront`: paid once, before launch (building it, or integrating a vendor's API);
- `monthly`: paid every month whatever the volume (hosting, a vendor's platform fee, engineers' upkeep);
- `per_unit`: paid per thing it does (per text message, per identity check).

`volumes` is how many units a month the business expects: one number for every month, or one number per
year (`[60_000, 120_000, 200_000]` means 60,000 a month in year 1, 120,000 a month in year 2, ...).
Month 0 holds the upfront cost; months 1 to 36 add the monthly and per-unit costs.

    options = {"build": {"upfront": 85_000, "monthly": 2_000, "per_unit": 0.018},
               "buy": {"upfront": 12_000, "monthly": 400, "per_unit": 0.032}}
    buildbuy.compare(options, volumes=[60_000, 120_000, 200_000])     # a table of three-year totals (numbers)
    buildbuy.summary(options, volumes=[60_000, 120_000, 200_000])     # the same in pounds, with the break-even
    buildbuy.break_even_sentence(options, volumes=[60_000, 120_000, 200_000])  # "build pays for itself by ..."
    buildbuy.cost_chart(options, volumes=[60_000, 120_000, 200_000])  # cumulative cost, month by month

Money is only part of the decision: time to market, lock-in and compliance do not show in these sums.
"""

from __future__ import annotations

import html
import math
from numbers import Real

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from tpmkit.errors import KitError

__all__ = ["COSTS", "MONEY_COLUMNS", "MONTHS", "Summary", "break_even_month", "break_even_sentence", "compare",
           "cost_chart", "cumulative_costs", "monthly_volumes", "pounds", "summary", "total_cost"]

MONTHS = 36  # three years
COSTS = ("upfront", "monthly", "per_unit")
MONEY_COLUMNS = ("upfront", "fixed", "usage", "total")  # compare()'s columns, all in pounds
_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")


def _amount(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise KitError(f"{what} must be a number of pounds (0 or more), not {value!r}.")
    if value < 0:
        raise KitError(f"{what} is {value}: a cost cannot be negative; use 0 for no cost.")
    return float(value)


def _months(months) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise KitError(f"months must be a whole number from 1 to 120 (36 is three years), not {months!r}.")
    return months


def monthly_volumes(volumes, months: int = MONTHS) -> list[float]:
    """Units in each month 1..`months`, from one number or one number per year."""
    months = _months(months)
    if isinstance(volumes, (list, tuple)):
        years = -(-months // 12)
        if len(volumes) != years:
            raise KitError(f"volumes has {len(volumes)} yearly figures, but {months} months need {years}: "
                           "give one units-per-month figure per year, or a single number for every month.")
        per_year = [_amount(v, f"volumes[{i}]") for i, v in enumerate(volumes)]
        return [per_year[(m - 1) // 12] for m in range(1, months + 1)]
    return [_amount(volumes, "volumes")] * months


def _option(spec, name: str) -> dict[str, float]:
    if not isinstance(spec, dict):
        raise KitError(f"Option {name!r} must be a dict such as {{'upfront': 12000, 'monthly': 400, "
                       f"'per_unit': 0.03}}, not a {type(spec).__name__}.")
    unknown = [k for k in spec if k not in COSTS]
    if unknown:
        raise KitError(f"Option {name!r} has an unknown cost {unknown[0]!r}; an option has upfront, monthly and "
                       "per_unit (turn yearly costs into monthly ones by dividing by 12).")
    return {k: _amount(spec.get(k, 0), f"{name}'s {k}") for k in COSTS}


def cumulative_costs(*, upfront: float = 0, monthly: float = 0, per_unit: float = 0, volumes=0,
                     months: int = MONTHS) -> list[float]:
    """Money spent by the end of each month: index 0 is the upfront cost, index m the total after month m."""
    option = _option({"upfront": upfront, "monthly": monthly, "per_unit": per_unit}, "this option")
    spent, out = option["upfront"], [option["upfront"]]
    for units in monthly_volumes(volumes, months):
        spent += option["monthly"] + option["per_unit"] * units
        out.append(spent)
    return out


def total_cost(*, upfront: float = 0, monthly: float = 0, per_unit: float = 0, volumes=0,
               months: int = MONTHS) -> float:
    """Everything the option costs over `months` months (three years by default), in pounds."""
    return cumulative_costs(upfront=upfront, monthly=monthly, per_unit=per_unit, volumes=volumes, months=months)[-1]


def _options(options) -> dict[str, dict[str, float]]:
    if not isinstance(options, dict) or not options:
        raise KitError("options must be a dict of named options, such as {'build': {...}, 'buy': {...}}.")
    if len(options) > len(_COLOURS):
        raise KitError(f"Compare at most {len(_COLOURS)} options at a time, not {len(options)}.")
    return {str(name): _option(spec, str(name)) for name, spec in options.items()}


def compare(options: dict, volumes, months: int = MONTHS) -> pd.DataFrame:
    """One row per option: its upfront, fixed (monthly x months) and usage costs and the total, in pounds."""
    units = sum(monthly_volumes(volumes, months))
    rows = []
    for name, o in _options(options).items():
        fixed, usage = o["monthly"] * months, o["per_unit"] * units
        rows.append({"option": name, "upfront": o["upfront"], "fixed": fixed, "usage": usage,
                     "total": o["upfront"] + fixed + usage})
    return pd.DataFrame(rows).round(2)


def break_even_month(options: dict, volumes, months: int = MONTHS) -> int | None:
    """For two options: the first month by whose end the one that costs more upfront has cost no more in total.

    None if that never happens within `months` (or if both cost the same upfront).
    """
    checked = _options(options)
    if len(checked) != 2:
        raise KitError(f"break_even_month compares exactly two options, not {len(checked)}.")
    (a, oa), (b, ob) = checked.items()
    if oa["upfront"] == ob["upfront"]:
        return None
    heavy, light = (a, b) if oa["upfront"] > ob["upfront"] else (b, a)
    spent = {name: cumulative_costs(**checked[name], volumes=volumes, months=months) for name in (heavy, light)}
    return next((m for m in range(1, months + 1) if spent[heavy][m] <= spent[light][m]), None)


def pounds(value: float) -> str:
    """Money as people write it: £96,000 (whole pounds from £100 up, or when there are no pence), £2.40, £0.018."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise KitError(f"pounds needs a number of pounds, such as 96000, not {value!r}.")
    sign, value = ("-" if value < 0 else ""), abs(float(value))
    if value >= 100 or value == round(value):
        return f"{sign}£{value:,.0f}"
    digits = f"{value:,.4f}".rstrip("0")  # keep a price per unit such as £0.018 exact
    return f"{sign}£{digits}{'0' * max(0, 2 - len(digits.split('.')[1]))}"


def break_even_sentence(options: dict, volumes, months: int = MONTHS) -> str:
    """break_even_month in words, for two options: when (or whether) the costlier-upfront one pays for itself."""
    month = break_even_month(options, volumes, months)
    checked = _options(options)
    (a, oa), (b, ob) = checked.items()
    if oa["upfront"] == ob["upfront"]:
        return f"{a} and {b} cost the same upfront ({pounds(oa['upfront'])}): compare their totals instead."
    heavy, light = (a, b) if oa["upfront"] > ob["upfront"] else (b, a)
    if month is None:
        return f"{heavy} does not pay for itself within {months} months: {light} costs less all the way."
    return f"{heavy} pays for itself by month {month}: by then it has cost no more than {light} in total."


class Summary:
    """What summary() returns: `table` (compare()'s numbers) and `sentence` (the break-even, or None), shown in
    pounds (£96,000) in a notebook and in a terminal alike."""

    def __init__(self, table: pd.DataFrame, sentence: str | None):
        self.table, self.sentence = table, sentence

    def _repr_html_(self) -> str:
        styled = (self.table.style.format(pounds, subset=list(MONEY_COLUMNS)).format(escape="html", subset=["option"])
                  .hide(axis="index").set_uuid("cost"))  # option names are the learner's text: shown, never run
        return (styled.set_caption(html.escape(self.sentence)) if self.sentence else styled).to_html()

    def __repr__(self) -> str:
        text = self.table.to_string(index=False, formatters=dict.fromkeys(MONEY_COLUMNS, pounds))
        return f"{text}\n{self.sentence}" if self.sentence else text


def summary(options: dict, volumes, months: int = MONTHS) -> Summary:
    """compare()'s table in pounds (£96,000), with the break-even in words when there are two options."""
    table = compare(options, volumes, months)
    return Summary(table, break_even_sentence(options, volumes, months) if len(table) == 2 else None)


def _pounds(value: float, _pos=None) -> str:
    return f"£{value / 1000:,.0f}k" if abs(value) >= 1000 else f"£{value:,.0f}"


def cost_chart(options: dict, volumes, months: int = MONTHS, *, title: str | None = None) -> Figure:
    """Cumulative cost of each option, month by month, with each total and (for two options) the break-even."""
    checked = _options(options)
    months = _months(months)
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.subplots()
    x = list(range(months + 1))
    lines = {name: cumulative_costs(**o, volumes=volumes, months=months) for name, o in checked.items()}
    top = max(max(spent) for spent in lines.values()) or 1.0
    label_at, previous = {}, None
    for name in sorted(lines, key=lambda n: lines[n][-1]):  # keep the end labels from overlapping
        y = lines[name][-1] if previous is None else max(lines[name][-1], previous + 0.07 * top)
        label_at[name] = previous = y
    for (name, spent), colour in zip(lines.items(), _COLOURS, strict=False):
        ax.plot(x, spent, color=colour, lw=2.2, label=f"{name}: {_pounds(spent[-1])} over {months} months")
        ax.annotate(f"{name} £{spent[-1]:,.0f}", (months, label_at[name]), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize="small", color=colour, annotation_clip=False)
    if len(checked) == 2:
        month = break_even_month(options, volumes, months)
        if month is not None:
            heavy = max(checked, key=lambda n: checked[n]["upfront"])
            y = cumulative_costs(**checked[heavy], volumes=volumes, months=months)[month]
            ax.plot([month], [y], "o", color="black")
            ax.annotate(f"{heavy} has paid for itself by month {month}", (month, y), xytext=(-10, 18),
                        textcoords="offset points", ha="right", fontsize="small")
        elif len({o["upfront"] for o in checked.values()}) == 2:  # say so: no marker could look like a glitch
            heavy = max(checked, key=lambda n: checked[n]["upfront"])
            ax.text(0.98, 0.04, f"{heavy} does not pay for itself within {months} months",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize="small")
    for year_end in range(12, months, 12):
        ax.axvline(year_end, color="grey", lw=0.8, ls=":")
    ax.set_xlim(0, months)
    ax.set_ylim(0, None)
    ax.set_xticks(range(0, months + 1, 6))
    ax.set_xlabel("months from today (dotted lines: end of each year)")
    ax.set_ylabel("money spent so far")
    ax.yaxis.set_major_formatter(FuncFormatter(_pounds))
    ax.set_title(title or f"Build or buy: cumulative cost over {months} months")
    ax.legend(loc="upper left", fontsize="small")
    return fig
