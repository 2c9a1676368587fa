"""The pull request table holds the planted answer documented below. Reference code here recomputes it
from the rows with plain Python (statistics.median), independently of pandas.

Planted answer (documented here, not in tpmkit, which learners receive), tpmkit.data.pull_requests; the
same for every seed: the 41 pull requests MERGED in October 2026 took a median of exactly 19.5 hours from
opened to merged (20 faster, 20 slower, one at 19.5 h). Counting the pull requests closed without merging
(abandoned after days, so they are slow), or taking the mean (a few pull requests wait days for a security
review, which drags the mean far above the median), gives a clearly different number.
"""

from __future__ import annotations

import statistics
from datetime import datetime

import pandas as pd
import pytest

from tpmkit.data import pull_requests
from tpmkit.data.pull_requests import PULLED_AT
from tpmkit.errors import KitError

COLUMNS = ["pr", "title", "author", "state", "opened_at", "first_review_at", "merged_at", "closed_at", "commits",
           "lines_added", "lines_deleted"]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """The table as plain records, times as datetime (None for a missing time)."""
    frame = pull_requests()
    records = []
    for record in frame.to_dict("records"):
        records.append({k: (None if v is pd.NaT else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                        for k, v in record.items()})
    return records


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def in_month(moment: datetime | None, year: int, month: int) -> bool:
    return moment is not None and (moment.year, moment.month) == (year, month)


def test_shape_and_states():
    frame = pull_requests()
    assert list(frame.columns) == COLUMNS
    assert frame["pr"].is_unique and frame["pr"].is_monotonic_increasing
    assert set(frame["state"]) == {"merged", "closed", "open"}
    assert 100 < len(frame) < 200
    for column in ("opened_at", "first_review_at", "merged_at", "closed_at"):
        assert str(frame[column].dtype) == "datetime64[ns]"


def test_times_are_consistent(rows):
    for row in rows:
        assert row["opened_at"].second == 0 and row["opened_at"] < PULLED_AT
        if row["first_review_at"] is not None:
            assert row["first_review_at"] >= row["opened_at"]
        if row["state"] == "merged":
            assert row["merged_at"] == row["closed_at"] and row["merged_at"] > row["opened_at"]
            assert row["first_review_at"] is not None and row["first_review_at"] <= row["merged_at"]
        elif row["state"] == "closed":
            assert row["merged_at"] is None and row["closed_at"] > row["opened_at"]
        else:
            assert row["merged_at"] is None and row["closed_at"] is None
        assert 1 <= row["commits"] <= 8 and row["lines_added"] >= 1 and row["lines_deleted"] >= 0


def october_merged(rows) -> list[float]:
    return [hours(r["opened_at"], r["merged_at"]) for r in rows if r["state"] == "merged"
            and in_month(r["merged_at"], 2026, 10)]


def test_planted_october_median(rows):
    durations = october_merged(rows)
    assert len(durations) == 41
    assert statistics.median(durations) == 19.5
    assert sum(d < 19.5 for d in durations) == 20 and sum(d > 19.5 for d in durations) == 20


def test_the_wrong_ways_give_clearly_different_numbers(rows):
    durations = october_merged(rows)
    assert statistics.mean(durations) > 19.5 + 5, "a few slow security reviews drag the mean up"
    closed_too = [hours(r["opened_at"], r["closed_at"]) for r in rows if in_month(r["closed_at"], 2026, 10)]
    assert len(closed_too) > len(durations)
    assert abs(statistics.median(closed_too) - 19.5) > 1
    opened = [hours(r["opened_at"], r["merged_at"]) for r in rows if r["state"] == "merged"
              and in_month(r["opened_at"], 2026, 10)]
    assert abs(statistics.median(opened) - 19.5) > 1
    every_month = [hours(r["opened_at"], r["merged_at"]) for r in rows if r["state"] == "merged"]
    assert abs(statistics.median(every_month) - 19.5) > 1


def test_september_is_the_lessons_example(rows):
    september = [hours(r["opened_at"], r["merged_at"]) for r in rows if r["state"] == "merged"
                 and in_month(r["merged_at"], 2026, 9)]
    assert len(september) == 38
    assert statistics.mean(september) - statistics.median(september) > 5   # the lesson's point
    assert round(statistics.mean(september)) == 31                          # the lesson's quiz quotes "31 hours"


def test_same_seed_same_rows_and_every_seed_keeps_the_planted_median():
    pd.testing.assert_frame_equal(pull_requests(), pull_requests())
    other = pull_requests(seed=7)
    assert not other["opened_at"].equals(pull_requests()["opened_at"])
    merged = other[(other["state"] == "merged") & (other["merged_at"].dt.strftime("%Y-%m") == "2026-10")]
    assert ((merged["merged_at"] - merged["opened_at"]).dt.total_seconds() / 3600).median() == 19.5


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_bad_seed_is_one_clear_sentence(seed):
    with pytest.raises(KitError) as info:
        pull_requests(seed=seed)
    assert "seed must be a whole number" in str(info.value) and "\n" not in str(info.value)
