"""tpmkit.prioritise: RICE, cost of delay and WSJF against hand-worked figures, rankings and the rank chart,
capacity and the quarter's plan, and one clear KitError sentence for every kind of bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import prioritise
from tpmkit.data import backlog
from tpmkit.errors import KitError


def test_rice_matches_intercoms_example():
    # Intercom (Sean McBride, 2016): reach 2,000, impact 2 (high), confidence 80%, effort 4 person-months.
    assert prioritise.rice(2000, 2, 0.8, 4) == pytest.approx(800)
    assert prioritise.rice(300, 0.25, 1.0, 0.5) == pytest.approx(150)


def test_cost_of_delay_and_wsjf():
    assert prioritise.cost_of_delay(3, 20, 13) == 36
    assert prioritise.wsjf(3, 20, 13, 3) == pytest.approx(12)
    assert prioritise.wsjf(8, 13, 5, 5) == pytest.approx(5.2)


@pytest.mark.parametrize(("args", "phrase"), [
    ((2000, 2, 80, 4), "write 0.8 for 80%"),
    ((2000, 2, 0, 4), "above 0 and at most 1"),
    ((2000, 2, 150, 4), r"at most 1 \(such as 0.8\), not 150"),
    ((2000, 4, 0.8, 4), "Intercom's scale"),
    ((2000, 2, 0.8, 0), "effort must be more than 0"),
    ((-5, 2, 0.8, 4), "cannot be negative"),
    (("many", 2, 0.8, 4), "reach must be a number"),
    ((2000, True, 0.8, 4), "impact must be a number"),
])
def test_rice_refuses_bad_input_in_one_sentence(args, phrase):
    with pytest.raises(KitError, match=phrase) as error:
        prioritise.rice(*args)
    assert "\n" not in str(error.value)


def test_wsjf_refuses_a_zero_job_size():
    with pytest.raises(KitError, match="job_size must be more than 0"):
        prioritise.wsjf(3, 5, 8, 0)
    with pytest.raises(KitError, match="time_criticality must be a number"):
        prioritise.cost_of_delay(3, None, 8)


def test_score_backlog_adds_scores_and_ranks_and_keeps_rows():
    table = backlog()
    scored = prioritise.score_backlog(table)
    assert list(scored["item_id"]) == list(table["item_id"])
    b07 = scored.set_index("item_id").loc["B07"]
    assert b07["rice"] == pytest.approx(1200) and b07["wsjf"] == pytest.approx(21 / 8)
    assert b07["cost_of_delay"] == 21
    assert sorted(scored["rice_rank"]) == sorted(scored["wsjf_rank"]) == list(range(1, 13))


def test_ranking_both_ways_and_from_plain_rows():
    assert prioritise.ranking(backlog(), by="rice")[:5] == ["B10", "B03", "B08", "B04", "B05"]
    assert prioritise.ranking(backlog(), by="wsjf")[:5] == ["B01", "B09", "B04", "B05", "B03"]
    rows = backlog().to_dict("records")  # what a grader hands over: plain dicts
    assert prioritise.ranking(rows, by="wsjf") == prioritise.ranking(backlog(seed=1), by="wsjf")


def test_ranking_breaks_ties_by_item_id():
    rows = [{"item_id": "X2", "reach": 100, "impact": 1, "confidence_pct": 100, "effort_pm": 1,
             "business_value": 1, "time_criticality": 1, "risk_reduction": 1, "job_size": 1},
            {"item_id": "X1", "reach": 100, "impact": 1, "confidence_pct": 100, "effort_pm": 1,
             "business_value": 1, "time_criticality": 1, "risk_reduction": 1, "job_size": 1}]
    assert prioritise.ranking(rows, by="rice") == ["X1", "X2"]


@pytest.mark.parametrize(("table", "phrase"), [
    ("backlog", "a DataFrame or a list of row dicts"),
    (pd.DataFrame(), "The backlog is empty"),
    (pd.DataFrame({"item_id": ["A"], "reach": [1]}), "has no column impact"),
])
def test_bad_backlogs_are_refused(table, phrase):
    with pytest.raises(KitError, match=phrase):
        prioritise.score_backlog(table)


def test_duplicate_ids_and_unknown_orders_are_refused():
    table = pd.concat([backlog(), backlog().head(1)])
    with pytest.raises(KitError, match="share an item_id"):
        prioritise.score_backlog(table)
    with pytest.raises(KitError, match="by must be 'rice' or 'wsjf'"):
        prioritise.ranking(backlog(), by="value")
    with pytest.raises(KitError, match="confidence_pct is a percentage: write 80 for 80%"):
        prioritise.score_backlog(backlog().assign(confidence_pct=backlog()["confidence_pct"] / 100))


def test_rank_table_and_chart():
    table = prioritise.rank_table(backlog("checkout"))
    assert list(table["item_id"])[0] == "C02" and table.loc[0, "moved"] == 7
    assert list(table["wsjf_rank"]) == list(range(1, 9))
    fig = prioritise.rank_chart(backlog())
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("B01 3-D Secure 2" in t for t in texts)
    assert [tick.get_text() for tick in fig.axes[0].get_xticklabels()] == ["RICE rank", "WSJF rank"]
    with pytest.raises(KitError, match="no item 'B99'"):
        prioritise.rank_chart(backlog(), highlight="B99")


def test_quarter_capacity():
    assert prioritise.quarter_capacity(people=6, leave_pm=2, focus_factor=0.75) == pytest.approx(12)
    assert prioritise.quarter_capacity(people=4, months=3, leave_pm=1.5, focus_factor=0.7) == pytest.approx(7.35)


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"people": 6, "leave_pm": 2, "focus_factor": 75}, "write 0.75 for 75%"),
    ({"people": 6, "leave_pm": 2, "focus_factor": 0}, "above 0 and at most 1"),
    ({"people": 0, "leave_pm": 2, "focus_factor": 0.75}, "people must be more than 0"),
    ({"people": 6, "leave_pm": -1, "focus_factor": 0.75}, "cannot be negative"),
    ({"people": 2, "leave_pm": 6, "focus_factor": 0.75}, "uses up all 6 person-months"),
])
def test_quarter_capacity_refuses_bad_input(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        prioritise.quarter_capacity(**kwargs)


def test_fit_plan_skips_what_does_not_fit_and_goes_on():
    result = prioritise.fit_plan([("A", 2), ("B", 5), ("C", 1), ("D", 3)], 6)
    assert result == {"planned": ["A", "C", "D"], "skipped": ["B"], "used": 6.0, "left": 0.0}
    assert prioritise.fit_plan({"A": 1, "B": 1}, 1.5)["planned"] == ["A"]
    table = backlog().set_index("item_id").loc[prioritise.ranking(backlog(), by="wsjf")].reset_index()
    assert prioritise.fit_plan(table, 12)["planned"] == ["B01", "B09", "B04", "B05", "B03", "B10", "B08", "B06"]


@pytest.mark.parametrize(("items", "capacity", "phrase"), [
    ([], 5, "non-empty list"),
    ([("A", 1, 2)], 5, "pair"),
    ([("A", 1), ("A", 2)], 5, "appears twice"),
    ([("A", 0)], 5, "the effort of A must be more than 0"),
    ([("A", 1)], 0, "capacity must be more than 0"),
    (pd.DataFrame({"id": ["A"]}), 5, "item_id and effort_pm"),
])
def test_fit_plan_refuses_bad_input(items, capacity, phrase):
    with pytest.raises(KitError, match=phrase):
        prioritise.fit_plan(items, capacity)


def test_roadmap_now_next_later_with_key_results():
    table = prioritise.roadmap(backlog("checkout"), capacity=7.35)
    horizons = dict(zip(table["item_id"], table["horizon"], strict=True))
    assert [i for i, h in horizons.items() if h == "Now"] == ["C02", "C05", "C01", "C06", "C07", "C08"]
    assert horizons["C03"] == "Next" and horizons["C04"] == "Later"
    assert list(table["horizon"]) == sorted(table["horizon"], key=prioritise.HORIZONS.index)
    assert "key_result" in table.columns
