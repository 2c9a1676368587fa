"""The deployments table holds the planted answers documented below. Reference code here walks the rows
with plain Python (no tpmkit.dora) and recomputes every planted figure.

Planted answers (documented here, not in tpmkit, which learners receive), PLANTED in
tpmkit.data.deployments: each service has a fixed number of deployments, failures and hotfixes in each
13-week quarter, and an exact median change lead time and failed-deployment recovery time. Means sit well
above the medians: a few changes waited days for review, and one checkout failure in Q3 was only noticed
the next day. The seed moves the times around, never the planted figures.
"""

from __future__ import annotations

import statistics
from collections import Counter

import pandas as pd
import pytest

from tpmkit.data import deployments
from tpmkit.data.deployments import PLANTED, QUARTERS
from tpmkit.errors import KitError

COLUMNS = ["deploy_id", "service", "commit_time", "deploy_time", "failed", "restored_time", "rework"]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return deployments().to_dict("records")


def in_quarter(rows, service, quarter):
    start, end = QUARTERS[quarter]
    return [r for r in rows if r["service"] == service and start <= r["deploy_time"] < end]


def minutes(delta) -> float:
    return delta.total_seconds() / 60


def test_shape_columns_and_types():
    table = deployments()
    assert list(table.columns) == COLUMNS
    assert len(table) == sum(plan.deployments for plan in PLANTED.values()) == 422
    for column in ("commit_time", "deploy_time", "restored_time"):
        assert str(table[column].dtype) == "datetime64[ns]", column
    assert table["failed"].dtype == bool and table["rework"].dtype == bool
    assert set(table["service"]) == {"checkout", "payouts", "dashboard"}


def test_ids_are_unique_and_in_deploy_order(rows):
    assert [r["deploy_id"] for r in rows] == [f"D-{1001 + i}" for i in range(len(rows))]
    times = [r["deploy_time"] for r in rows]
    assert times == sorted(times)


def test_every_row_is_consistent(rows):
    for r in rows:
        assert r["commit_time"] < r["deploy_time"], r["deploy_id"]
        if r["failed"]:
            assert r["restored_time"] > r["deploy_time"], r["deploy_id"]
            assert not r["rework"], "a hotfix is the repair, never itself a failure here"
        else:
            assert pd.isna(r["restored_time"]), r["deploy_id"]
    start, end = QUARTERS["Q2"][0], QUARTERS["Q3"][1]
    assert all(start <= r["deploy_time"] < end for r in rows)


def test_each_hotfix_restores_a_failure_of_its_own_service(rows):
    restores = Counter((r["service"], r["restored_time"]) for r in rows if r["failed"])
    for r in rows:
        if r["rework"]:
            assert restores[(r["service"], r["deploy_time"])] >= 1, r["deploy_id"]
            # the fix was committed after the failed deployment it repairs
            failure = next(f for f in rows if f["failed"] and f["service"] == r["service"]
                           and f["restored_time"] == r["deploy_time"])
            assert failure["deploy_time"] < r["commit_time"] < r["deploy_time"]


@pytest.mark.parametrize(("service", "quarter"), list(PLANTED))
def test_planted_counts_and_medians(rows, service, quarter):
    plan = PLANTED[(service, quarter)]
    block = in_quarter(rows, service, quarter)
    assert len(block) == plan.planned + plan.hotfixed
    assert sum(r["failed"] for r in block) == plan.failed
    assert sum(r["rework"] for r in block) == plan.hotfixed
    leads = [minutes(r["deploy_time"] - r["commit_time"]) for r in block]
    assert statistics.median(leads) == plan.median_lead_minutes
    recoveries = sorted(minutes(r["restored_time"] - r["deploy_time"]) for r in block if r["failed"])
    assert recoveries == sorted(plan.recovery_minutes)


def test_rollbacks_are_the_fast_recoveries(rows):
    # A failure with no hotfix was rolled back; those recover faster than any hotfixed one.
    hotfix_times = {(r["service"], r["deploy_time"]) for r in rows if r["rework"]}
    for (service, quarter), plan in PLANTED.items():
        failed = [r for r in in_quarter(rows, service, quarter) if r["failed"]]
        hotfixed = [minutes(r["restored_time"] - r["deploy_time"]) for r in failed
                    if (service, r["restored_time"]) in hotfix_times]
        rolled_back = [minutes(r["restored_time"] - r["deploy_time"]) for r in failed
                       if (service, r["restored_time"]) not in hotfix_times]
        assert len(hotfixed) == plan.hotfixed and len(rolled_back) == plan.failed - plan.hotfixed
        assert max(rolled_back) < min(hotfixed)


def test_checkout_q3_is_the_exercise_quarter(rows):
    # The figures the exercise is built on, recomputed from the rows.
    block = in_quarter(rows, "checkout", "Q3")
    leads = [minutes(r["deploy_time"] - r["commit_time"]) / 60 for r in block]
    recoveries = [minutes(r["restored_time"] - r["deploy_time"]) / 60 for r in block if r["failed"]]
    assert QUARTERS["Q3"] == (pd.Timestamp("2026-06-29"), pd.Timestamp("2026-09-28"))
    assert len(block) == 78 and len(block) / 13 == 6.0
    assert statistics.median(leads) == 21.5
    assert statistics.mean(leads) > statistics.median(leads) + 5, "a tail of slow changes: mean is not median"
    assert sum(r["failed"] for r in block) == 9 and sum(r["rework"] for r in block) == 5
    assert statistics.median(recoveries) == 1.25
    assert statistics.mean(recoveries) > 3 * statistics.median(recoveries), "one failure noticed the next day"


def test_payouts_q2_is_the_lesson_example(rows):
    block = in_quarter(rows, "payouts", "Q2")
    assert len(block) == 27 and sum(r["failed"] for r in block) == 5
    assert round(100 * 5 / 27, 1) == 18.5  # closest to Medium (15%) in 2023 but High (20%) in 2024


def test_same_seed_same_rows_and_the_seed_moves_only_the_times():
    assert deployments().equals(deployments())
    other = deployments(seed=7)
    assert not other["deploy_time"].equals(deployments()["deploy_time"])
    for (service, quarter), plan in PLANTED.items():
        block = in_quarter(other.to_dict("records"), service, quarter)
        assert len(block) == plan.deployments
        assert statistics.median(minutes(r["deploy_time"] - r["commit_time"]) for r in block) == \
            plan.median_lead_minutes


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_bad_seed_is_one_clear_sentence(seed):
    with pytest.raises(KitError, match="seed must be a whole number"):
        deployments(seed=seed)
