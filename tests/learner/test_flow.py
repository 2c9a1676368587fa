"""tpmkit.flow: cycle and lead time, throughput, WIP, Little's law, forecasts and the cumulative flow diagram
on a tiny hand-made log whose every figure is worked out in the comments; then on the generated logs; and one
clear KitError sentence for every kind of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import flow
from tpmkit.data import tickets
from tpmkit.data.tickets import FREEZE, WINDOW
from tpmkit.errors import KitError

START, END = "2026-11-02", "2026-11-16"  # two weeks


@pytest.fixture
def log() -> pd.DataFrame:
    # T1: created 26 Oct, started 2 Nov 09:00, done 4 Nov 09:00 -> cycle 2 days, lead 9 days
    # T2: created 2 Nov, started 3 Nov 12:00, done 9 Nov 12:00  -> cycle 6 days, lead 7 days + 12 h
    # T3: created 28 Oct, started 30 Oct 09:00, done 10 Nov 21:00 -> cycle 11.5 days
    # T4: started, never done (WIP); T5: waiting; T6: done before the window
    return pd.DataFrame({
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T6"],
        "created_at": pd.to_datetime(["2026-10-26 09:00", "2026-11-02 00:00", "2026-10-28 09:00",
                                      "2026-11-03 09:00", "2026-11-04 09:00", "2026-10-01 09:00"]),
        "started_at": pd.to_datetime(["2026-11-02 09:00", "2026-11-03 12:00", "2026-10-30 09:00",
                                      "2026-11-05 09:00", None, "2026-10-02 09:00"]),
        "done_at": pd.to_datetime(["2026-11-04 09:00", "2026-11-09 12:00", "2026-11-10 21:00", None, None,
                                   "2026-10-05 09:00"]),
    })


def test_cycle_and_lead_times(log):
    assert flow.cycle_times(log, START, END).to_dict() == {"T1": 2.0, "T2": 6.0, "T3": 11.5}
    assert flow.lead_times(log, START, END).to_dict() == {"T1": 9.0, "T2": 7.5, "T3": pytest.approx(13.5)}


def test_throughput_counts_every_week_of_the_window(log):
    assert flow.throughput_per_week(log, START, END) == 1.5  # 3 done in 2 weeks
    weekly = flow.weekly_throughput(log, START, END)
    assert weekly.tolist() == [1, 2] and weekly.index[0] == pd.Timestamp(START)
    assert flow.weekly_throughput(log, START, "2026-11-23").tolist() == [1, 2, 0]  # an empty week is 0


def test_wip(log):
    assert flow.wip_at(log, "2026-11-03 13:00") == 3  # T1, T2, T3
    assert flow.wip_at(log, "2026-11-12") == 1  # only T4
    wip = flow.daily_wip(log, START, "2026-11-05")
    assert wip.tolist() == [2, 3, 2]  # end of 2, 3 and 4 November


def test_littles_law_solves_for_the_missing_one():
    assert flow.littles_law(throughput_per_day=6 / 7, cycle_time_days=21) == pytest.approx(18)
    assert flow.littles_law(wip=18, throughput_per_day=6 / 7) == pytest.approx(21)
    assert flow.littles_law(wip=18, cycle_time_days=21) == pytest.approx(6 / 7)


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"wip": 18}, "exactly two"),
    ({"wip": 18, "throughput_per_day": 1, "cycle_time_days": 2}, "exactly two"),
    ({"wip": 0, "throughput_per_day": 1}, "wip must be a number above 0"),
    ({"wip": "18", "throughput_per_day": 1}, "wip must be a number above 0"),
])
def test_littles_law_refuses_bad_input(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        flow.littles_law(**kwargs)


def test_forecast_days_is_the_nearest_rank_rounded_up():
    days = [1.2, 2.5, 3.0, 3.1, 4.0, 4.4, 5.0, 6.2, 8.9, 15.0]
    assert flow.forecast_days(days, 85) == 9  # 9 of 10 must be within N: the 9th value, 8.9, rounds up to 9
    assert flow.forecast_days(days, 50) == 4  # 5 of 10: 4.0
    assert flow.forecast_days(days, 100) == 15
    with pytest.raises(KitError, match="non-empty list"):
        flow.forecast_days([], 85)
    with pytest.raises(KitError, match="such as 85"):
        flow.forecast_days(days, 0.85 * 200)
    with pytest.raises(KitError, match="list or column of durations"):
        flow.forecast_days("ten days", 85)


def test_forecast_items_is_seeded_and_sensible():
    weekly = [9, 10, 8, 0, 15, 11, 9, 10]
    first = flow.forecast_items(weekly, 6, percent=85)
    assert first == flow.forecast_items(weekly, 6, percent=85)
    assert 6 * min(weekly) <= first <= 6 * 9  # at most the average pace, never below the worst case
    assert flow.forecast_items(weekly, 6, percent=50) >= first
    with pytest.raises(KitError, match="whole number of weeks"):
        flow.forecast_items(weekly, 1.5)
    with pytest.raises(KitError, match="non-empty list"):
        flow.forecast_items([], 4)
    with pytest.raises(KitError, match="between 0 and 100"):
        flow.forecast_items(weekly, 4, percent=100)


def test_cumulative_flow_bands(log):
    cfd = flow.cumulative_flow(log, START, "2026-11-06")
    first = cfd.iloc[0]  # end of 2 November: T6 done before (the base), T1, T2, T3, T6 created, T1 and T3 started
    assert (first["done"], first["in_progress"], first["to_do"]) == (0, 2, 1)
    assert cfd["done"].tolist() == [0, 0, 1, 1]
    assert (cfd["arrived"] >= cfd["started"]).all() and (cfd["started"] >= cfd["done"]).all()


@pytest.mark.parametrize(("start", "end", "phrase"), [
    ("2026-11-16", "2026-11-02", "swap start and end"),
    ("someday", "2026-11-02", "start must be a date"),
    (20261102, "2026-11-16", "start must be a date"),   # pandas would read it as nanoseconds after 1970
    ("9:00", "2026-11-16", "start must be a date"),     # pandas would read it as today
])
def test_windows_are_checked(log, start, end, phrase):
    with pytest.raises(KitError, match=phrase):
        flow.cycle_times(log, start, end)


def test_a_window_may_be_dates_of_any_kind(log):
    import datetime

    import numpy as np

    expected = flow.cycle_times(log, "2026-11-02", "2026-11-16")
    for start in (datetime.date(2026, 11, 2), datetime.datetime(2026, 11, 2), np.datetime64("2026-11-02"),
                  " 2026-11-2"):
        assert flow.cycle_times(log, start, "2026-11-16").equals(expected)


def test_bad_logs_are_refused(log):
    with pytest.raises(KitError, match="has no column started_at"):
        flow.cycle_times(log.drop(columns="started_at"), START, END)
    with pytest.raises(KitError, match="a DataFrame or a list of row dicts"):
        flow.throughput_per_week("log", START, END)
    bad = log.copy()
    bad.loc[0, "done_at"] = pd.Timestamp("2026-11-01")
    with pytest.raises(KitError, match="finishes before it starts"):
        flow.wip_at(bad, "2026-11-03")
    never_started = log.copy()
    never_started.loc[0, "started_at"] = pd.NaT
    with pytest.raises(KitError, match="done but never started"):
        flow.wip_at(never_started, "2026-11-03")
    with pytest.raises(KitError, match="No ticket was done"):
        flow.cycle_times(log, "2027-01-04", "2027-01-11")
    with pytest.raises(KitError, match="not a whole number of weeks"):
        flow.weekly_throughput(log, START, "2026-11-10")


def test_plain_rows_work_like_a_frame(log):
    rows = log.astype({c: str for c in ("created_at", "started_at", "done_at")}).replace("NaT", None)
    assert flow.throughput_per_week(rows.to_dict("records"), START, END) == 1.5


def test_generated_logs_and_littles_law():
    for team, per_week in (("till-app", 9.0), ("checkout", 7.0)):
        log = tickets(team)
        assert flow.throughput_per_week(log, *WINDOW) == per_week
        assert flow.weekly_throughput(log, *WINDOW).tolist()[3] == 0  # the Black Friday freeze
        cycle = flow.cycle_times(log, *WINDOW).mean()
        predicted = flow.littles_law(throughput_per_day=per_week / 7, cycle_time_days=cycle)
        measured = flow.daily_wip(log, *WINDOW).mean()
        assert abs(predicted - measured) / measured < 0.1, team  # close, not exact: a real window is not ideal


def test_pictures():
    log = tickets("checkout")
    fig = flow.cfd_chart(log, *WINDOW, shade=FREEZE, shade_label="freeze")
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["To do", "In progress (WIP)", "Done"]
    fig = flow.cycle_time_chart(log, *WINDOW)
    assert any("85% finish within" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_the_lesson_quotes_the_forecasts_it_prints():
    weekly = flow.weekly_throughput(tickets("checkout"), *WINDOW)
    assert flow.forecast_items(weekly, 8, percent=85) == 47 and flow.forecast_items(weekly, 8, percent=50) == 57
    # Section 8's four slips: the average pace (7 x 8 = 56) that about 45% of futures miss, the 85th percentile
    # of the totals (an "at most", 65), and samples without the empty freeze week (59).
    totals = flow.simulate_totals(weekly, 8)
    assert weekly.mean() * 8 == 56 and round((totals < 56).mean(), 2) == 0.45
    assert int(np.percentile(totals, 85, method="inverted_cdf")) == 65
    assert flow.forecast_items([w for w in weekly if w], 8, percent=85) == 59
    assert flow.forecast_days(flow.cycle_times(tickets("checkout"), *WINDOW), 85) == 10


def test_at_least_is_the_largest_total_that_enough_futures_reach():
    totals = np.arange(1, 101)  # 100 futures finishing 1, 2, ..., 100 items
    assert flow._at_least(totals, 85) == 16  # 85 futures finish 16 or more; only 84 finish 17 or more
    assert flow._at_least(totals, 50) == 51
    assert flow._at_least(np.full(100, 5), 85) == 5


def test_forecast_items_matches_the_exact_chances():
    # Two weeks drawn from [0, 10]: totals 0 (25%), 10 (50%), 20 (25%). 75% of futures reach 10.
    assert flow.forecast_items([0, 10], 2, percent=70) == 10
    assert flow.forecast_items([0, 10], 2, percent=80) == 0
    assert flow.forecast_items([0, 10], 2, percent=20) == 20
    assert all(flow.forecast_items([7, 7, 7], 4, percent=p) == 28 for p in (5, 50, 85, 95))  # no spread, no range


def test_simulate_totals_is_seeded_sorted_and_bounded():
    weekly = [9, 10, 8, 0, 15, 11, 9, 10]
    totals = flow.simulate_totals(weekly, 13)
    assert len(totals) == 10_000 and (np.diff(totals) >= 0).all()
    assert totals[0] >= 0 and totals[-1] <= 13 * 15
    assert (totals == flow.simulate_totals(weekly, 13)).all()
    assert not (totals == flow.simulate_totals(weekly, 13, seed=1)).all()
    assert len(flow.simulate_totals(weekly, 13, runs=500)) == 500
    with pytest.raises(KitError, match="100 or more"):
        flow.simulate_totals(weekly, 13, runs=10)
    with pytest.raises(KitError, match="non-empty list of items done per week"):
        flow.simulate_totals("9, 10, 8", 13)
    with pytest.raises(KitError, match="non-empty list of items done per week"):
        flow.simulate_totals([9, -1], 13)


def test_forecast_chart():
    weekly = flow.weekly_throughput(tickets("checkout"), *WINDOW)
    fig = flow.forecast_chart(weekly, 8, percents=(50, 85))
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "85% of futures: at least 47" in labels and "50% of futures: at least 57" in labels
    assert "average pace x 8 weeks: 56" in labels
    assert any(label.startswith("fewer than 47: ") for label in labels)
    with pytest.raises(KitError, match="at least one confidence level"):
        flow.forecast_chart(weekly, 8, percents=())
