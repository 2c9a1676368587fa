"""The incidents table holds the planted answers documented below. Reference code here walks the rows
with plain Python and checks them against the deployments table they are built from.

Planted answers (documented here, not in tpmkit, which learners receive), tpmkit.data.incidents: each
incident's minutes from start to detect, its severity and how it was detected are fixed (DETECT for the
deployment incidents, keyed by their recovery minutes; OTHERS for the rest), so every per-quarter figure
(mean time to detect, mean time to mitigate, RTO breaches) is the same for every seed. The seed only moves
the times. The Q3 figures are checked in test_planted_q3_figures.
"""

from __future__ import annotations

import statistics

import pandas as pd
import pytest

from tpmkit.data import deployments, incidents
from tpmkit.data.deployments import QUARTERS
from tpmkit.data.incidents import DETECT, OTHERS, planted_count
from tpmkit.errors import KitError

COLUMNS = ["incident_id", "service", "severity", "summary", "start", "detect", "mitigate", "resolve", "deploy_id",
           "detected_by"]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return incidents().to_dict("records")


def minutes(a, b) -> float:
    return (b - a).total_seconds() / 60


def quarter(rows, name):
    start, end = QUARTERS[name]
    return [r for r in rows if start <= r["start"] < end]


def has_deploy(row) -> bool:
    return isinstance(row["deploy_id"], str)


def test_shape_columns_and_types():
    table = incidents()
    assert list(table.columns) == COLUMNS
    assert len(table) == planted_count() == 57
    for column in ("start", "detect", "mitigate", "resolve"):
        assert str(table[column].dtype) == "datetime64[ns]", column
    assert set(table["severity"]) == {"SEV1", "SEV2", "SEV3"}
    assert set(table["detected_by"]) == {"alert", "customer report"}
    assert set(table["service"]) == {"checkout", "payouts", "dashboard"}


def test_ids_in_start_order_and_times_in_order(rows):
    assert [r["incident_id"] for r in rows] == [f"INC-{i + 1:04d}" for i in range(len(rows))]
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    for r in rows:
        assert r["start"] < r["detect"] < r["mitigate"] < r["resolve"], r["incident_id"]
        assert QUARTERS["Q2"][0] <= r["start"] < QUARTERS["Q3"][1]


def test_every_failed_deployment_is_an_incident_with_its_times(rows):
    failed = {d["deploy_id"]: d for d in deployments().to_dict("records") if d["failed"]}
    linked = [r for r in rows if has_deploy(r)]
    assert sorted(r["deploy_id"] for r in linked) == sorted(failed)
    for r in linked:
        deploy = failed[r["deploy_id"]]
        assert (r["service"], r["start"], r["mitigate"]) == (
            deploy["service"], deploy["deploy_time"], deploy["restored_time"]), r["incident_id"]
    assert sum(not has_deploy(r) for r in rows) == len(OTHERS)


def test_planted_detection_severity_and_source(rows):
    for r in rows:
        if not has_deploy(r):
            continue
        name = next(q for q in QUARTERS if QUARTERS[q][0] <= r["start"] < QUARTERS[q][1])
        planted = DETECT[(r["service"], name)][round(minutes(r["start"], r["mitigate"]))]
        assert (minutes(r["start"], r["detect"]), r["severity"], r["detected_by"]) == planted, r["incident_id"]
    for other in OTHERS:
        match = [r for r in quarter(rows, other.quarter) if r["summary"] == other.summary]
        assert len(match) == 1
        r = match[0]
        assert minutes(r["start"], r["detect"]) == other.detect_minutes
        assert minutes(r["start"], r["mitigate"]) == other.mitigate_minutes
        assert (r["service"], r["severity"], r["detected_by"]) == (other.service, other.severity, other.detected_by)


def test_planted_q3_figures(rows):
    q3 = quarter(rows, "Q3")
    serious = [r for r in q3 if r["severity"] in ("SEV1", "SEV2")]
    assert len(serious) == 17
    assert sum(minutes(r["start"], r["detect"]) for r in serious) == 1823      # mean 107.24 min
    assert sum(minutes(r["start"], r["mitigate"]) for r in serious) == 3473    # mean 204.29 min
    checkout = [r for r in q3 if r["service"] == "checkout"]
    restore = sorted(minutes(r["start"], r["mitigate"]) for r in checkout)
    assert restore == [18, 25, 40, 45, 55, 60, 75, 95, 140, 190, 260, 1860]  # one exactly on a 60-minute RTO
    lost_database = [r for r in q3 if r["summary"].startswith("Orders database")]
    assert len(lost_database) == 1 and lost_database[0]["severity"] == "SEV1"


def test_customer_reports_are_the_slow_detections(rows):
    by_source = {source: [minutes(r["start"], r["detect"]) for r in rows if r["detected_by"] == source]
                 for source in ("alert", "customer report")}
    assert statistics.median(by_source["customer report"]) > 5 * statistics.median(by_source["alert"])


def test_seed_moves_times_not_planted_figures():
    def q3_minutes(table: pd.DataFrame, moment: str) -> list[float]:
        q3 = table[(table["start"] >= QUARTERS["Q3"][0]) & (table["start"] < QUARTERS["Q3"][1])]
        return sorted((q3[moment] - q3["start"]).dt.total_seconds() / 60)

    first, other = incidents(), incidents(seed=3)
    assert not first["start"].equals(other["start"])
    for moment in ("detect", "mitigate"):
        assert q3_minutes(first, moment) == q3_minutes(other, moment)
    assert incidents().equals(incidents())


@pytest.mark.parametrize("seed", [-1, True, 1.5, "1"])
def test_bad_seed_is_one_clear_sentence(seed):
    with pytest.raises(KitError, match="seed must be a whole number"):
        incidents(seed)


def test_deploy_id_is_missing_not_a_text_none():
    table = incidents()
    assert table["deploy_id"].isna().sum() == len(OTHERS)
    assert not (table["deploy_id"].astype(str) == "None").any()
    assert pd.api.types.is_datetime64_any_dtype(table["start"])
