"""Every value the hidden tests of exercise 08-disaster-recovery grade, recomputed here with independent
reference code: the backup schedule by listing the backups, the strategies from this file's own copy of
Tillpoint's quotes and the services in the exercise's data cell, the incident figures from the incidents
rows with plain Python, and the drill from the raw order stream and the backup rules (not from a restore).
RPO is the AWS DR whitepaper's, as lesson 08 section 1 and the curriculum brief state it: the time since the last
recovery point, so the drill's RPO achieved runs from the backup the restore could use to the failure."""

from __future__ import annotations

import ast
import statistics
from datetime import datetime, timedelta

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import dr, drill
from tpmkit.data import incidents

AID = "08-disaster-recovery"
Q3_START, Q3_END = datetime(2026, 6, 29), datetime(2026, 9, 28)

# Tillpoint's quotes as the exercise shows them (RPO minutes, RTO minutes, pounds a month), cheapest first.
QUOTES = {
    "backup and restore": (240, 480, 300),
    "pilot light": (10, 40, 1_200),
    "warm standby": (1, 10, 3_500),
    "multi-site active/active": (0, 0, 9_000),
}
# The drill, as the exercise states it and drill.py documents it.
DRILL = {"every": 30, "slots": 17, "rate": 45, "seed": 808, "failure": "16:47", "day": "2026-11-12"}
STEP_MINUTES = {"fetch": 8, "check": 2, "copy": 4, "health": 3}


def minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60


def data_cell(grade_id: str) -> dict:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    cell = next(c for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)
    return ast.literal_eval(ast.parse(cell.source).body[0].value)


def schedule_loss(failure_minute: int, every: int, first: int, takes: int) -> int:
    finished = [start for start in range(first, 24 * 60, every) if start + takes <= failure_minute]
    return failure_minute - max(finished)


def recommend(rpo: float, rto: float, budget: float) -> str:
    fits = [(cost, name) for name, (q_rpo, q_rto, cost) in QUOTES.items() if q_rpo <= rpo and q_rto <= rto]
    cost, name = min(fits)
    return name if cost <= budget else "renegotiate"


def q3_rows() -> list[dict]:
    return [r for r in incidents().to_dict("records") if Q3_START <= r["start"] < Q3_END]


def drill_timeline() -> dict:
    """The exercise drill from the order stream and the backup rules alone: recovery point, failure, the
    newest order kept and the newest written, and the restore's steps."""
    stream = drill.order_stream(DRILL["seed"], DRILL["rate"]).to_dict("records")
    day = datetime.fromisoformat(f"{DRILL['day']} 08:00")
    failure = datetime.fromisoformat(f"{DRILL['day']} {DRILL['failure']}:00")
    taken, when = [], day
    while when <= failure:
        taken.append(when)
        when += timedelta(minutes=DRILL["every"])
    usable = taken[:DRILL["slots"]]  # later copies were cut short by the full disk
    tried = len(taken) - len(usable) + 1  # every cut-short backup after the last good one is tried first
    recovery_point = usable[-1]
    # A backup holds the orders written before it started (one at the same second comes after it).
    kept = max(datetime.fromisoformat(o["created_at"]) for o in stream
               if datetime.fromisoformat(o["created_at"]) < recovery_point)
    written = max(datetime.fromisoformat(o["created_at"]) for o in stream
                  if datetime.fromisoformat(o["created_at"]) <= failure)
    return {"recovery_point": recovery_point, "failure": failure, "kept": kept, "written": written,
            "tried": tried, "newest_taken": taken[-1]}


def drill_figures() -> tuple[float, float]:
    """RPO achieved (recovery point to failure) and RTO achieved (the fixed step times of the steps taken)."""
    d = drill_timeline()
    rto = d["tried"] * (STEP_MINUTES["fetch"] + STEP_MINUTES["check"]) + STEP_MINUTES["copy"] + STEP_MINUTES["health"]
    return minutes(d["recovery_point"], d["failure"]), float(rto)


def expected_keys() -> dict[str, object]:
    services = data_cell("q2-data")
    rows = q3_rows()
    serious = [r for r in rows if r["severity"] in ("SEV1", "SEV2")]
    rpo, rto = drill_figures()
    return {
        # the 12:00 backup is still running at 12:10; backups every 240 min from 00:00, 25 min each
        "q1-data-lost": schedule_loss(12 * 60 + 10, 240, 0, 25),
        "q2-strategy": {name: recommend(need["rpo_minutes"], need["rto_minutes"], need["budget_per_month"])
                        for name, need in services.items()},
        "q3-mttd": round(statistics.mean(minutes(r["start"], r["detect"]) for r in serious), 1),
        "q4-mitigate": round(statistics.mean(minutes(r["start"], r["mitigate"]) for r in serious), 1),
        "q5-rto-breaches": sorted(r["incident_id"] for r in rows
                                  if r["service"] == "checkout" and minutes(r["start"], r["mitigate"]) > 60),
        "q6-drill-rpo": round(rpo, 1),
        "q7-drill-rto": rto,
    }


def test_08_keys_are_recomputed():
    assert_keys(AID, expected_keys())  # the breaches key is listed in id order, as sorted() gives it


def test_08_quotes_and_drill_settings_match_the_package():
    # The copies above must describe what the learner actually sees and runs.
    assert {s.name: (s.rpo_minutes, s.rto_minutes, s.cost_per_month) for s in dr.STRATEGIES} == QUOTES
    assert drill.RESTORE_STEPS == STEP_MINUTES
    service = drill.exercise_service()
    try:
        assert (service.backup_every_minutes, service.backup_disk_slots, service.orders_per_hour, service.seed) == (
            DRILL["every"], DRILL["slots"], DRILL["rate"], DRILL["seed"])
    finally:
        service.cleanup()


def test_08_keys_match_the_curriculum_brief():
    # AWS DR whitepaper, as quoted in the brief: backup & restore in hours, pilot light in tens of minutes,
    # warm standby in minutes, active/active near zero. The quotes must sit in those bands, in that order.
    bands = {"backup and restore": (60, 24 * 60), "pilot light": (10, 59), "warm standby": (1, 10),
             "multi-site active/active": (0, 1)}
    for name, (_, rto, _) in QUOTES.items():
        low, high = bands[name]
        assert low <= rto <= high, name
    assert [s.aws_band for s in dr.STRATEGIES] == ["hours", "tens of minutes", "minutes", "near zero"]
    costs = [cost for _, _, cost in QUOTES.values()]
    assert costs == sorted(costs), "faster recovery costs more"
    # RPO = time since the last recovery point: a backup still running is not one.
    assert hidden_keys(AID)["q1-data-lost"] == 250 != 10
    # The drill uses the same definition: the evidence agrees with it (everything kept was written before the
    # recovery point), and the key is the recovery point to the failure, 16:00 to 16:47.
    d = drill_timeline()
    assert d["kept"] < d["recovery_point"] < d["failure"]
    assert hidden_keys(AID)["q6-drill-rpo"] == minutes(d["recovery_point"], d["failure"]) == 47.0


def test_08_traps_give_different_answers():
    # The misconceptions' values must be far enough from the keys to fail.
    keys, rows = hidden_keys(AID), q3_rows()
    serious = [r for r in rows if r["severity"] in ("SEV1", "SEV2")]
    every_severity = round(statistics.mean(minutes(r["start"], r["detect"]) for r in rows), 1)
    median = round(statistics.median(minutes(r["start"], r["detect"]) for r in serious), 1)
    from_detect = round(statistics.mean(minutes(r["detect"], r["mitigate"]) for r in serious), 1)
    assert min(abs(every_severity - keys["q3-mttd"]), abs(median - keys["q3-mttd"])) > 0.05
    assert abs(from_detect - keys["q4-mitigate"]) > 0.05
    checkout = [r for r in rows if r["service"] == "checkout"]
    by_resolve = sorted(r["incident_id"] for r in checkout if minutes(r["start"], r["resolve"]) > 60)
    by_detect = sorted(r["incident_id"] for r in checkout if minutes(r["detect"], r["mitigate"]) > 60)
    at_least = sorted(r["incident_id"] for r in checkout if minutes(r["start"], r["mitigate"]) >= 60)
    key = sorted(keys["q5-rto-breaches"])
    assert key not in (by_resolve, by_detect, at_least)
    d = drill_timeline()
    schedule_says = minutes(d["newest_taken"], d["failure"])  # 16:47 - 16:30, the newest backup (it was cut short)
    between_orders = round(minutes(d["kept"], d["written"]), 1)  # the gap between orders, not from the recovery point
    to_answering = minutes(d["recovery_point"], d["failure"]) + keys["q7-drill-rto"]  # RPO mixed up with downtime
    for wrong in (schedule_says, between_orders, to_answering):
        assert abs(keys["q6-drill-rpo"] - wrong) > 0.05, wrong
    clean_restore = sum(STEP_MINUTES.values())  # one fetch and check, as if the newest backup had worked
    assert abs(keys["q7-drill-rto"] - clean_restore) > 0.05


@pytest.mark.parametrize("seed", [1, 99])
def test_08_planted_incident_figures_do_not_depend_on_the_seed(seed):
    rows = [r for r in incidents(seed).to_dict("records") if Q3_START <= r["start"] < Q3_END]
    serious = [r for r in rows if r["severity"] in ("SEV1", "SEV2")]
    keys = hidden_keys(AID)
    assert round(statistics.mean(minutes(r["start"], r["detect"]) for r in serious), 1) == keys["q3-mttd"]
    assert round(statistics.mean(minutes(r["start"], r["mitigate"]) for r in serious), 1) == keys["q4-mitigate"]
