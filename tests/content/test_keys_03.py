"""Every value the hidden tests of exercise 03-deployments grade, recomputed here with independent
reference code: the DORA metrics from the deployments rows with plain Python, the 2023 levels from
this file's own copy of the report's table, the canary decisions from the exercise's data cell, and
the security gaps from the requirement each line breaks."""

from __future__ import annotations

import ast
import statistics

import pandas as pd
import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import hidden_keys
from tpmkit import dora
from tpmkit.data import deployments

AID = "03-deployments"
Q3_START, Q3_END, WEEKS = pd.Timestamp("2026-06-29"), pd.Timestamp("2026-09-28"), 13

# Accelerate State of DevOps Report 2023, software delivery performance levels (chapter 1, "How do you
# compare?"), as quoted in the lesson: edges of the bands in hours (lead time, recovery), deploys per
# week, typical fail rate. Low recovers in one to six months (30 to 182 days here).
REPORT_2023 = {
    "Elite": {"lead_below_h": 24, "recovery_below_h": 1, "fail_rate": 5},
    "High": {"lead_upto_h": 7 * 24, "recovery_below_h": 24, "fail_rate": 10, "deploys_per_week": (1, 7)},
    "Medium": {"recovery_upto_h": 7 * 24, "fail_rate": 15},
    "Low": {"recovery_h": (30 * 24, 182 * 24), "fail_rate": 64},
}
# The 2024 report's typical change fail rates (p. 13): not in level order, and Low has one (40%).
REPORT_2024_FAIL_RATES = {"Elite": 5, "High": 20, "Medium": 10, "Low": 40}
PAYOUTS = {"deploys_per_week": 3, "lead_h": 20, "fail_rate": 18, "recovery_h": 5}  # from the Q6 prompt

# Each line of the Q8 pipeline, and the CI/CD security requirement it breaks (None: it meets one).
PIPELINE_LINES = {
    "S1": "secrets out of repositories",      # password in the repository
    "S2": None,                               # tests and dependency scan on every pull request
    "S3": "protected branches",               # anyone can push to main, which deploys
    "S4": "least privilege",                  # admin key for the deploy job
    "S5": "supply-chain checks",              # unpinned, unsigned base image
    "S6": None,                               # secrets from a secret manager, rotated
    "S7": None,                               # audit log of deployments
    "S8": "secrets out of logs",              # environment (secrets) printed to readable logs
}


def checkout_q3() -> list[dict]:
    return [r for r in deployments().to_dict("records")
            if r["service"] == "checkout" and Q3_START <= r["deploy_time"] < Q3_END]


def hours(delta) -> float:
    return delta.total_seconds() / 3600


def canary_runs() -> list[dict]:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    cell = next(c for c in nb.cells if notebooks.nbgrader_id(c) == "q7-data")
    return ast.literal_eval(ast.parse(cell.source).body[0].value)


def level_2023(metric: str, value: float) -> str:
    if metric == "fail_rate":  # one typical figure per level: the closest one
        return min(REPORT_2023, key=lambda level: abs(REPORT_2023[level]["fail_rate"] - value))
    if metric == "lead_h":
        return "Elite" if value < 24 else "High" if value <= 7 * 24 else "Medium"
    if metric == "recovery_h":
        if value < 1:
            return "Elite"
        if value < 24:
            return "High"
        low_from, low_to = REPORT_2023["Low"]["recovery_h"]
        if value <= REPORT_2023["Medium"]["recovery_upto_h"]:
            return "Medium"
        return "Low" if low_from <= value <= low_to else ""
    low, high = REPORT_2023["High"]["deploys_per_week"]
    return "Elite" if value > high else "High" if value >= low else "Medium"


def expected_keys() -> dict[str, object]:
    rows = checkout_q3()
    failed = [r for r in rows if r["failed"]]
    runs = canary_runs()
    return {
        "q1-frequency": round(len(rows) / WEEKS, 2),
        "q2-lead-time": round(statistics.median(hours(r["deploy_time"] - r["commit_time"]) for r in rows), 1),
        "q3-fail-rate": round(100 * len(failed) / len(rows), 1),
        "q4-recovery": round(statistics.median(hours(r["restored_time"] - r["deploy_time"]) for r in failed), 2),
        "q5-rework": round(100 * sum(r["rework"] for r in rows) / len(rows), 1),
        "q6-levels": {
            "deployment_frequency": level_2023("deploys_per_week", PAYOUTS["deploys_per_week"]),
            "change_lead_time": level_2023("lead_h", PAYOUTS["lead_h"]),
            "change_fail_rate": level_2023("fail_rate", PAYOUTS["fail_rate"]),
            "recovery_time": level_2023("recovery_h", PAYOUTS["recovery_h"]),
        },
        "q7-canary": [r["release"] for r in runs
                      if 100 * (r["canary_errors"] / r["canary_requests"]
                                - r["baseline_errors"] / r["baseline_requests"]) > 0.5],
        "q8-security": [line for line, broken in PIPELINE_LINES.items() if broken],
    }


def test_03_keys_are_recomputed():
    keys, expected = hidden_keys(AID), expected_keys()
    assert set(keys) == set(expected)
    for gid, value in expected.items():
        if isinstance(value, float):
            assert keys[gid] == pytest.approx(value, abs=1e-9), gid
        elif isinstance(value, list):
            assert sorted(keys[gid]) == sorted(value), gid
        else:
            assert keys[gid] == value, gid


def test_03_keys_match_the_curriculum_brief():
    # The brief's figures, as a second source: 2023 top performers have a 5% change fail rate, lead time
    # under a day and recovery under an hour; 2024's bands are not monotonic (High 20%, Medium 10%), so
    # the same 18% lands on a different level in 2024. The exercise pins 2023.
    assert REPORT_2023["Elite"]["fail_rate"] == 5
    assert level_2023("lead_h", 23.9) == "Elite" and level_2023("recovery_h", 0.9) == "Elite"
    keys = hidden_keys(AID)
    report_2024 = REPORT_2024_FAIL_RATES
    in_2024 = min(report_2024, key=lambda level: abs(report_2024[level] - PAYOUTS["fail_rate"]))
    assert in_2024 == "High" != keys["q6-levels"]["change_fail_rate"]
    # 2023's Low level differs from Medium in recovery too, not only in its fail rate.
    assert level_2023("recovery_h", 100) == "Medium" and level_2023("recovery_h", 1000) == "Low"


def test_03_the_kit_tables_match_this_files_copy():
    # tpmkit.dora's tables (what the lesson and exercise show) against this file's own copy.
    rates = {year: {lv.name: lv.change_fail_rate_pct for lv in dora.CLUSTER_TABLES[year].levels}
             for year in (2023, 2024)}
    assert rates[2023] == {level: row["fail_rate"] for level, row in REPORT_2023.items()}
    assert rates[2024] == REPORT_2024_FAIL_RATES
    assert dora.CLUSTER_TABLES[2023].levels[3].recovery_hours == REPORT_2023["Low"]["recovery_h"]
    # A 25% change fail rate has a 2024 level (High: 20% is nearest), not an error.
    assert dora.classify("change_fail_rate", 25, year=2024) == ["High"]


def test_03_canary_traps_give_different_answers():
    # Counts and a fixed bar must not reach the key, or the misconceptions would pass.
    runs, key = canary_runs(), hidden_keys(AID)["q7-canary"]
    by_counts = [r["release"] for r in runs if r["canary_errors"] > r["baseline_errors"]]
    no_baseline = [r["release"] for r in runs if 100 * r["canary_errors"] / r["canary_requests"] > 0.5]
    assert sorted(by_counts) != sorted(key) and sorted(no_baseline) != sorted(key)


def test_03_mean_is_not_median():
    rows = checkout_q3()
    failed = [r for r in rows if r["failed"]]
    lead = [hours(r["deploy_time"] - r["commit_time"]) for r in rows]
    recovery = [hours(r["restored_time"] - r["deploy_time"]) for r in failed]
    keys = hidden_keys(AID)
    assert abs(round(statistics.mean(lead), 1) - keys["q2-lead-time"]) > 0.05
    assert abs(round(statistics.mean(recovery), 2) - keys["q4-recovery"]) > 0.005
