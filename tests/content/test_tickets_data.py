"""The ticket logs hold the planted answers documented below. Reference code here recomputes them from the
rows with datetime and plain Python, independently of tpmkit.flow.

Planted answers (documented here, not in tpmkit, which learners receive), PLANS[team] in tpmkit.data.tickets;
the same for every seed, which moves only the times and the titles:
- Till app: 72 tickets done in the window, per week 9, 10, 8, 0, 15, 11, 9, 10: a throughput of 9.0 tickets
  per week. Averaging only the weeks that finished something (a group-by on the week drops the empty freeze
  week) gives 72 / 7 = 10.29, which is wrong.
- Checkout: 56 tickets done in the window, per week 7, 8, 6, 0, 12, 8, 8, 7: 7.0 a week (8.0 without the
  freeze week).
- Every ticket waits in "To do" for days before it starts, so lead time (created to done) is far longer
  than cycle time (started to done).
- Tickets also finished in the four weeks before the window, when the teams had no WIP limit and work took
  longer (both set one on 2 November), so a log that is not filtered to the window gives other averages.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import pandas as pd
import pytest

from tpmkit.data import tickets
from tpmkit.data.tickets import COLUMNS, FREEZE, PLANS, PULLED_AT, TEAMS, WINDOW
from tpmkit.errors import KitError

START, END = WINDOW[0].to_pydatetime(), WINDOW[1].to_pydatetime()


def plain(team: str, seed: int | None = None) -> list[dict]:
    rows = []
    for record in tickets(team, seed).to_dict("records"):
        rows.append({k: (None if v is pd.NaT else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                     for k, v in record.items()})
    return rows


def weekly_done(rows: list[dict]) -> list[int]:
    weeks = [0] * ((END - START).days // 7)
    for row in rows:
        if row["done_at"] is not None and START <= row["done_at"] < END:
            weeks[(row["done_at"] - START).days // 7] += 1
    return weeks


@pytest.mark.parametrize("team", TEAMS)
def test_shape_and_order_of_events(team):
    table = tickets(team)
    assert list(table.columns) == COLUMNS and table["ticket_id"].is_unique
    assert table["ticket_id"].str.startswith(PLANS[team].prefix + "-").all()
    for column in ("created_at", "started_at", "done_at"):
        assert str(table[column].dtype) == "datetime64[ns]"
    for row in plain(team):
        assert row["created_at"] < PULLED_AT and row["kind"] in ("feature", "bug", "chore")
        if row["started_at"] is not None:
            assert row["created_at"] <= row["started_at"] < PULLED_AT
            assert row["started_at"].weekday() < 5 and 9 <= row["started_at"].hour < 18
        if row["done_at"] is not None:
            assert row["started_at"] is not None and row["started_at"] < row["done_at"] < PULLED_AT
            assert row["done_at"].weekday() < 5 and 9 <= row["done_at"].hour < 18
            assert row["done_at"].date() != datetime(2026, 12, 25).date()
            assert not FREEZE[0] <= row["done_at"] < FREEZE[1], "nothing is released during the freeze"


@pytest.mark.parametrize("team", TEAMS)
@pytest.mark.parametrize("seed", [None, 1, 99])
def test_planted_weekly_counts_hold_for_every_seed(team, seed):
    rows = plain(team, seed)
    plan = PLANS[team]
    assert weekly_done(rows) == list(plan.weekly_done)
    assert sum(1 for r in rows if r["started_at"] is not None and r["done_at"] is None) == plan.in_progress_at_pull
    assert sum(1 for r in rows if r["started_at"] is None) == plan.waiting_at_pull
    earlier = [r for r in rows if r["done_at"] is not None and r["done_at"] < START]
    assert len(earlier) == sum(plan.earlier_done)


def test_till_app_throughput_and_the_group_by_trap():
    weeks = weekly_done(plain("till-app"))
    assert sum(weeks) / len(weeks) == 9.0
    assert round(sum(weeks) / len([w for w in weeks if w]), 2) == 10.29


@pytest.mark.parametrize("team", TEAMS)
def test_lead_time_is_far_longer_than_cycle_time(team):
    done = [r for r in plain(team) if r["done_at"] is not None and START <= r["done_at"] < END]
    cycle = statistics.fmean((r["done_at"] - r["started_at"]) / timedelta(days=1) for r in done)
    lead = statistics.fmean((r["done_at"] - r["created_at"]) / timedelta(days=1) for r in done)
    assert lead > cycle + 7


def test_tickets_released_after_the_freeze_waited_for_it():
    monday = FREEZE[1].to_pydatetime()
    released = [r for r in plain("till-app") if r["done_at"] is not None and r["done_at"].date() == monday.date()
                and r["done_at"].hour < 12]
    assert len(released) >= PLANS["till-app"].released_after_freeze


def test_same_seed_same_rows_other_seed_other_times():
    assert tickets().equals(tickets())
    assert not tickets().equals(tickets(seed=1))


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"team": "payouts"}, "team must be one of"),
    ({"seed": -3}, "seed must be a whole number"),
    ({"seed": 1.5}, "seed must be a whole number"),
])
def test_bad_arguments(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        tickets(**kwargs)
