"""The backlogs hold the planted answers documented below. Reference code here recomputes the rankings
from the rows with Fraction arithmetic, independently of tpmkit.prioritise.

Planted answers (documented here, not in tpmkit, which learners receive), PLANTED[team] in
tpmkit.data.backlog:
- Till app: RICE ranks "Daily takings report" (B10) first; WSJF ranks "3-D Secure 2 for payment links" (B01)
  first. B01 is the planted disagreement: first by WSJF (a card-scheme deadline and a compliance risk give it
  the largest cost of delay) but 11th of 12 by RICE (few shops reach it). No item moves further between the
  two rankings. Ranking by reach x impact alone, or by reach x impact x confidence (forgetting to divide by
  effort), puts "Offline mode for tills" (B02) first; ranking by cost of delay alone (forgetting to divide by
  job size) gives another top five.
- Checkout: RICE ranks C01 first, WSJF ranks C02 (a card-scheme rule change with a date) first, and RICE
  ranks C02 last.
- No two items of a team tie on RICE or on WSJF.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from tpmkit.data import backlog
from tpmkit.data.backlog import COLUMNS, KEY_RESULTS, TEAMS
from tpmkit.errors import KitError

# The answer key the backlog is designed around (here, not in tpmkit: learners receive tpmkit, not the tests).
PLANTED = {
    "till-app": {"rice_first": "B10", "wsjf_first": "B01", "mover": "B01", "mover_rice_rank": 11},
    "checkout": {"rice_first": "C01", "wsjf_first": "C02", "mover": "C02", "mover_rice_rank": 8},
}


def rice(row: dict) -> Fraction:
    return (Fraction(row["reach"]) * Fraction(row["impact"]) * Fraction(row["confidence_pct"], 100)
            / Fraction(row["effort_pm"]))


def wsjf(row: dict) -> Fraction:
    return Fraction(row["business_value"] + row["time_criticality"] + row["risk_reduction"], row["job_size"])


def order(rows: list[dict], score) -> list[str]:
    return [r["item_id"] for r in sorted(rows, key=score, reverse=True)]


@pytest.mark.parametrize("team", TEAMS)
def test_shape_and_scales(team):
    table = backlog(team)
    assert list(table.columns) == COLUMNS
    assert table["item_id"].is_unique and len(table) == {"till-app": 12, "checkout": 8}[team]
    for row in table.to_dict("records"):
        assert row["impact"] in (3, 2, 1, 0.5, 0.25)  # Intercom's impact scale
        assert row["confidence_pct"] in (100, 80, 50)  # Intercom's confidence levels, as percentages
        assert row["effort_pm"] > 0 and row["reach"] > 0
        for column in ("business_value", "time_criticality", "risk_reduction", "job_size"):
            assert row[column] in (1, 2, 3, 5, 8, 13, 20)  # SAFe's relative scale
        assert row["key_result"] in (*KEY_RESULTS[team], "none")


@pytest.mark.parametrize("team", TEAMS)
def test_planted_rankings_and_no_ties(team):
    rows = backlog(team).to_dict("records")
    by_rice, by_wsjf = order(rows, rice), order(rows, wsjf)
    assert len({rice(r) for r in rows}) == len({wsjf(r) for r in rows}) == len(rows)
    planted = PLANTED[team]
    assert by_rice[0] == planted["rice_first"] and by_wsjf[0] == planted["wsjf_first"]
    assert by_rice.index(planted["mover"]) + 1 == planted["mover_rice_rank"]
    moves = {i: abs(by_rice.index(i) - by_wsjf.index(i)) for i in by_rice}
    assert max(moves.values()) == moves[planted["mover"]] and list(moves.values()).count(moves[planted["mover"]]) == 1


def test_till_app_traps_put_offline_mode_first():
    rows = backlog().to_dict("records")
    assert order(rows, lambda r: r["reach"] * r["impact"])[0] == "B02"
    assert order(rows, lambda r: r["reach"] * r["impact"] * r["confidence_pct"])[0] == "B02"
    cod = order(rows, lambda r: r["business_value"] + r["time_criticality"] + r["risk_reduction"])
    assert cod[:5] != order(rows, wsjf)[:5]


def test_every_key_result_of_the_till_app_has_an_item():
    used = {r["key_result"] for r in backlog().to_dict("records")}
    assert set(KEY_RESULTS["till-app"]) <= used


def test_seed_only_shuffles_rows():
    first, other = backlog(), backlog(seed=7)
    assert list(first["item_id"]) != list(other["item_id"])
    key = ["item_id"]
    assert first.sort_values(key).reset_index(drop=True).equals(other.sort_values(key).reset_index(drop=True))
    assert backlog().equals(backlog())


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"team": "payments"}, "team must be one of 'till-app', 'checkout'"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"seed": True}, "seed must be a whole number"),
])
def test_bad_arguments(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        backlog(**kwargs)
