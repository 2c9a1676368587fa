"""tpmkit.buildbuy: three-year costs month by month, the comparison table, break-even and the chart,
and a one-sentence KitError for every kind of bad input."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from tpmkit import buildbuy
from tpmkit.errors import KitError

BUILD = {"upfront": 96_000, "monthly": 4_500, "per_unit": 0.30}
BUY = {"upfront": 10_000, "monthly": 1_000, "per_unit": 2.40}
VOLUMES = [1_500, 3_000, 5_000]


def test_cumulative_costs_start_with_the_upfront_cost_and_add_each_month():
    spent = buildbuy.cumulative_costs(**BUY, volumes=VOLUMES)
    assert len(spent) == 37 and spent[0] == 10_000
    assert spent[1] == pytest.approx(10_000 + 1_000 + 2.40 * 1_500)
    assert spent[13] - spent[12] == pytest.approx(1_000 + 2.40 * 3_000)  # month 13 is in year 2
    assert spent[36] - spent[35] == pytest.approx(1_000 + 2.40 * 5_000)
    assert all(later >= earlier for earlier, later in zip(spent, spent[1:], strict=False))


def test_three_year_totals_by_hand():
    units = 12 * sum(VOLUMES)
    assert buildbuy.total_cost(**BUY, volumes=VOLUMES) == pytest.approx(10_000 + 36 * 1_000 + 2.40 * units)
    assert buildbuy.total_cost(**BUILD, volumes=VOLUMES) == pytest.approx(96_000 + 36 * 4_500 + 0.30 * units)
    # One number means the same volume every month; other horizons work too.
    assert buildbuy.total_cost(**BUY, volumes=2_000) == pytest.approx(218_800)
    assert buildbuy.total_cost(**BUY, volumes=2_000, months=12) == pytest.approx(10_000 + 12_000 + 57_600)
    assert buildbuy.monthly_volumes([1, 2], months=13) == [1] * 12 + [2]


def test_compare_splits_each_total_into_its_parts():
    table = buildbuy.compare({"build": BUILD, "buy": BUY}, volumes=VOLUMES)
    assert table["option"].tolist() == ["build", "buy"]
    assert list(table.columns) == ["option", "upfront", "fixed", "usage", "total"]
    assert (table["upfront"] + table["fixed"] + table["usage"]).tolist() == pytest.approx(table["total"].tolist())
    assert table.set_index("option").loc["buy", "usage"] == pytest.approx(2.40 * 12 * sum(VOLUMES))


def test_break_even_is_the_first_month_the_upfront_heavy_option_has_cost_no_more():
    options = {"build": BUILD, "buy": BUY}
    month = buildbuy.break_even_month(options, VOLUMES)
    build = buildbuy.cumulative_costs(**BUILD, volumes=VOLUMES)
    buy = buildbuy.cumulative_costs(**BUY, volumes=VOLUMES)
    assert month is not None and build[month] <= buy[month] and build[month - 1] > buy[month - 1]
    assert buildbuy.break_even_month({"buy": BUY, "build": BUILD}, VOLUMES) == month  # order does not matter
    assert buildbuy.break_even_month(options, [100, 100, 100]) is None  # low volume: never pays off
    assert buildbuy.break_even_month({"a": BUY, "b": dict(BUY)}, VOLUMES) is None


def test_cost_chart_draws_one_line_per_option_and_marks_break_even():
    fig = buildbuy.cost_chart({"build": BUILD, "buy": BUY}, VOLUMES, title="Identity checks")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Identity checks"
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 37]
    assert len(lines) == 2 and lines[1].get_ydata()[-1] == pytest.approx(buildbuy.total_cost(**BUY, volumes=VOLUMES))
    texts = " ".join(t.get_text() for t in ax.texts)
    month = buildbuy.break_even_month({"build": BUILD, "buy": BUY}, VOLUMES)
    assert f"by month {month}" in texts and "£319,600" in texts
    assert ax.get_ylim()[0] == 0, "a cost chart starts at zero"
    assert isinstance(buildbuy.cost_chart({"only": BUY}, 1_000), Figure)


def test_money_is_written_in_pounds_as_people_write_it():
    assert [buildbuy.pounds(v) for v in (96_000.0, 319_600, 12_345.67, 0, 2.4, 0.3, 0.018, 99.5, -1_500)] == [
        "£96,000", "£319,600", "£12,346", "£0", "£2.40", "£0.30", "£0.018", "£99.50", "-£1,500"]


def test_break_even_in_words_says_when_and_says_so_when_it_never_comes():
    options = {"build": BUILD, "buy": BUY}
    month = buildbuy.break_even_month(options, VOLUMES)
    assert buildbuy.break_even_sentence(options, VOLUMES).startswith(f"build pays for itself by month {month}:")
    never = buildbuy.break_even_sentence({"buy": BUY, "build": BUILD}, [100, 100, 100])
    assert never == "build does not pay for itself within 36 months: buy costs less all the way."
    assert "within 12 months" in buildbuy.break_even_sentence(options, 100, months=12)
    same = buildbuy.break_even_sentence({"a": BUY, "b": dict(BUY)}, VOLUMES)
    assert "None" not in same and "same upfront (£10,000)" in same


def test_summary_shows_the_comparison_in_pounds_and_keeps_the_numbers():
    options = {"build": BUILD, "buy": BUY}
    shown = buildbuy.summary(options, [1_000, 1_500, 2_000])
    assert shown.table.equals(buildbuy.compare(options, [1_000, 1_500, 2_000])), "the numbers are compare()'s"
    text, html = repr(shown), shown._repr_html_()
    for words in (text, html):
        assert "£96,000" in words and "£274,200" in words and "96000" not in words and "None" not in words
        assert "build does not pay for itself within 36 months" in words
    assert "<caption>" in html and "<table" in html
    alone = buildbuy.summary({"buy": BUY}, 1_000)
    assert alone.sentence is None and "£" in repr(alone)
    odd = buildbuy.summary({"<b>build</b>": BUILD, "buy": BUY}, VOLUMES)._repr_html_()
    assert "<b>" not in odd and "&lt;b&gt;build&lt;/b&gt;" in odd, "names are shown as text, in cells and caption"


def test_a_chart_without_break_even_says_so():
    fig = buildbuy.cost_chart({"build": BUILD, "buy": BUY}, [100, 100, 100])
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "build does not pay for itself within 36 months" in texts and "paid for itself" not in texts


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: buildbuy.total_cost(upfront=-5, volumes=1), "cannot be negative"),
    (lambda: buildbuy.total_cost(upfront="lots", volumes=1), "must be a number of pounds"),
    (lambda: buildbuy.total_cost(monthly=True, volumes=1), "must be a number of pounds"),
    (lambda: buildbuy.total_cost(per_unit=float("nan"), volumes=1), "must be a number of pounds"),
    (lambda: buildbuy.total_cost(volumes=[1, 2]), "need 3"),
    (lambda: buildbuy.total_cost(volumes=[1, -2, 3]), "cannot be negative"),
    (lambda: buildbuy.total_cost(volumes=1, months=0), "months must be a whole number"),
    (lambda: buildbuy.compare({"build": {"upfront": 1, "yearly": 5}}, 1), "unknown cost 'yearly'"),
    (lambda: buildbuy.compare({"build": [1, 2, 3]}, 1), "must be a dict"),
    (lambda: buildbuy.compare({}, 1), "options must be a dict"),
    (lambda: buildbuy.compare({str(i): BUY for i in range(5)}, 1), "at most 4 options"),
    (lambda: buildbuy.break_even_month({"build": BUILD}, 1), "exactly two options"),
    (lambda: buildbuy.break_even_sentence({"build": BUILD}, 1), "exactly two options"),
    (lambda: buildbuy.pounds("96000"), "pounds needs a number"),
    (lambda: buildbuy.pounds(float("inf")), "pounds needs a number"),
])
def test_bad_input_is_one_sentence(call, phrase):
    with pytest.raises(KitError) as exc:
        call()
    message = str(exc.value)
    assert phrase in message and "\n" not in message and message.endswith(".")
