"""Every value the hidden tests of exercise 11-prioritisation-and-delivery grade, recomputed here with
independent reference code: RICE and WSJF from the backlog rows and Fraction arithmetic (no tpmkit.prioritise),
flow figures from the ticket rows with datetime and plain Python (tpmkit.flow only to check that it agrees), the
Monte Carlo forecast from the exact distribution of a 13-week total (Fraction convolution, no simulation),
and Little's law and the capacity from the figures the prompts state. Then the brief's quoted facts, and proof
that the misconceptions' answers land away from the keys."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime
from fractions import Fraction

import pandas as pd

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import flow
from tpmkit.data import backlog, tickets

AID = "11-prioritisation-and-delivery"
WINDOW = (datetime(2026, 11, 2), datetime(2026, 12, 28))  # Questions 4 to 6 and 10, as the log's intro states
PAYOUTS = {"wip": 18, "per_week": 6}  # Question 7
TEAM = {"people": 6, "months": 3, "leave_pm": 2, "focus": Fraction(3, 4)}  # Question 8
QUARTER = {"weeks": 13, "percent": 85, "runs": 10_000, "tolerance": 1}  # Question 10


def prompt(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


def rows() -> list[dict]:
    return backlog().to_dict("records")


def rice(row: dict, *, confidence_as_fraction: bool = True, divide_by_effort: bool = True) -> Fraction:
    confidence = Fraction(row["confidence_pct"]) / (100 if confidence_as_fraction else 1)
    score = Fraction(row["reach"]) * Fraction(row["impact"]) * confidence
    return score / Fraction(row["effort_pm"]) if divide_by_effort else score


def cost_of_delay(row: dict) -> int:
    return row["business_value"] + row["time_criticality"] + row["risk_reduction"]


def wsjf(row: dict) -> Fraction:
    return Fraction(cost_of_delay(row), row["job_size"])


def order(score) -> list[str]:
    """Item ids by score, highest first (the keys need no tie-break: test_no_ties checks)."""
    return [row["item_id"] for row in sorted(rows(), key=score, reverse=True)]


def plan(ranked: list[str], capacity: Fraction, *, stop: bool = False) -> list[str]:
    effort = {row["item_id"]: Fraction(row["effort_pm"]) for row in rows()}
    chosen, used = [], Fraction(0)
    for item in ranked:
        if used + effort[item] <= capacity:
            chosen.append(item)
            used += effort[item]
        elif stop:
            break
    return chosen


def capacity(*, focus: Fraction = TEAM["focus"], leave: int = TEAM["leave_pm"]) -> Fraction:
    return (TEAM["people"] * TEAM["months"] - leave) * focus


def ticket_rows() -> list[dict]:
    """The ticket log as plain dicts, times as datetime (None when missing)."""
    out = []
    for record in tickets().to_dict("records"):
        out.append({k: (None if v is pd.NaT else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                    for k, v in record.items()})
    return out


def in_window(moment: datetime | None) -> bool:
    return moment is not None and WINDOW[0] <= moment < WINDOW[1]


def days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86_400


def cycle_days(*, since: str = "started_at", window: bool = True) -> list[float]:
    return [days(t[since], t["done_at"]) for t in ticket_rows()
            if (in_window(t["done_at"]) if window else t["done_at"] is not None)]


def nearest_rank_days(values: list[float], percent: int) -> int:
    ordered = sorted(values)
    return math.ceil(ordered[math.ceil(percent * len(ordered) / 100) - 1])


def window_weeks() -> Fraction:
    return Fraction((WINDOW[1] - WINDOW[0]).days, 7)


def weekly_done(*, drop_empty: bool = False) -> list[int]:
    """Tickets done in each 7-day week of the window, counted from its Monday; a group-by drops empty weeks."""
    weekly = [0] * int(window_weeks())
    for t in ticket_rows():
        if in_window(t["done_at"]):
            weekly[(t["done_at"] - WINDOW[0]).days // 7] += 1
    return [w for w in weekly if w] if drop_empty else weekly


def quarter_totals(samples: list[int], weeks: int = QUARTER["weeks"]) -> dict[int, Fraction]:
    """The exact distribution of the sum of `weeks` weekly counts, each drawn uniformly (with replacement)
    from `samples`: what a Monte Carlo simulation estimates, with no randomness at all."""
    dist = {0: Fraction(1)}
    for _ in range(weeks):
        step = Counter()
        for total, chance in dist.items():
            for count in samples:
                step[total + count] += chance / len(samples)
        dist = dict(step)
    return dist


def share_at_least(dist: dict[int, Fraction], n: int) -> Fraction:
    return sum((chance for total, chance in dist.items() if total >= n), Fraction(0))


def at_least(dist: dict[int, Fraction], percent: int) -> int:
    """The largest N such that at least `percent`% of quarters finish N or more."""
    return max(n for n in dist if share_at_least(dist, n) >= Fraction(percent, 100))


def at_most(dist: dict[int, Fraction], percent: int) -> int:
    """The smallest N such that at least `percent`% of quarters finish N or fewer (the wrong end)."""
    return min(n for n in dist if sum((c for t, c in dist.items() if t <= n), Fraction(0)) >= Fraction(percent, 100))


def done_rows() -> list[dict]:
    return [t for t in ticket_rows() if in_window(t["done_at"])]


def expected_keys() -> dict[str, object]:
    tap = next(row for row in rows() if row["item_id"] == "B07")
    done = done_rows()
    return {
        "q1-rice-score": round(float(rice(tap)), 1),
        "q2-rice-top5": order(rice)[:5],
        "q3-wsjf-top5": order(wsjf)[:5],
        "q4-cycle-time": round(statistics.fmean(cycle_days()), 1),
        "q5-forecast": nearest_rank_days(cycle_days(), 85),
        "q6-throughput": round(float(len(done) / window_weeks()), 2),
        # Little's law: cycle time = WIP / throughput, throughput in tickets per DAY for an answer in days
        "q7-little": round(float(PAYOUTS["wip"] / Fraction(PAYOUTS["per_week"], 7)), 1),
        "q8-capacity": float(capacity()),
        "q9-plan": plan(order(wsjf), capacity()),
        "q10-monte-carlo": at_least(quarter_totals(weekly_done()), QUARTER["percent"]),
    }


def test_11_keys_are_recomputed():
    # The plan is graded with same_items (any order); the key lists it in WSJF order, as the reference does.
    assert_keys(AID, expected_keys())


def test_11_prompts_state_the_figures_the_keys_use():
    assert "B07" in prompt("q1-prompt") and "1 decimal" in prompt("q1-prompt")
    assert "first five" in prompt("q2-prompt") and "highest score to the lowest" in prompt("q2-prompt")
    q3 = prompt("q3-prompt")
    assert all(s in q3 for s in ("business_value + time_criticality + risk_reduction", "job_size", "first five"))
    window = prompt("log-intro")
    assert "Monday 2 November 2026 00:00" in window and "Monday 28 December 2026 00:00" in window
    assert "56 days" in window
    assert "**started** to **done**" in prompt("q4-prompt") and "1 decimal" in prompt("q4-prompt")
    assert "at least 85%" in prompt("q5-prompt") and "smallest whole number of days" in prompt("q5-prompt")
    assert "**per week**" in prompt("q6-prompt") and "2 decimal" in prompt("q6-prompt")
    q7 = prompt("q7-prompt")
    assert all(s in q7 for s in ("**18 tickets in progress**", "**6 tickets per week**", "calendar days",
                                 "a week is 7 days"))
    q8 = prompt("q8-prompt")
    assert all(s in q8 for s in ("**6** developers", "**3** months", "**2 person-months**", "0.75"))
    assert "skip it and try the next one" in prompt("q9-prompt") and "WSJF order" in prompt("q9-prompt")
    q10 = " ".join(prompt("q10-prompt").split())
    assert all(s in q10 for s in ("**eight weekly counts** of the window", "**the freeze week's 0 included**",
                                  "draws **13** weekly counts", "**with replacement**", "**at least 10,000**",
                                  "**largest whole number N**", "**at least 85%**", "**N tickets or more**",
                                  "a ticket apart"))
    assert "Questions 4 to 6 and 10" in prompt("log-intro")
    # Q1 2027 is 13 weeks, Monday to Monday, as the prompt says.
    first, last = datetime(2027, 1, 4), datetime(2027, 4, 5)
    assert first.weekday() == last.weekday() == 0 and (last - first).days == 7 * QUARTER["weeks"]


def test_11_the_forecast_key_is_not_on_an_edge_and_the_helpers_agree():
    """The key is exact; a simulation of 10,000 quarters estimates each share with a standard error of about
    0.35 percentage points, so the key's margins must be several of those for any honest seed to land within
    the graded tolerance of one ticket."""
    key, tolerance = hidden_keys(AID)["q10-monte-carlo"], QUARTER["tolerance"]
    assert f"abs_tol={tolerance}," in prompt("q10-monte-carlo")  # the hidden test grades with this tolerance
    dist = quarter_totals(weekly_done())
    assert sum(dist.values()) == 1
    target, error = QUARTER["percent"] / 100, math.sqrt(0.85 * 0.15 / QUARTER["runs"])
    assert float(share_at_least(dist, key - tolerance)) - target > 5 * error  # no seed falls below the band
    assert target - float(share_at_least(dist, key + tolerance + 1)) > 5 * error  # nor above it
    assert float(share_at_least(dist, key)) - target > 2 * error  # and most land on the key itself
    # The kit's seeded helper, and the solution's own simulation, land within the tolerance.
    assert flow.weekly_throughput(tickets(), *WINDOW).tolist() == weekly_done()
    assert abs(flow.forecast_items(weekly_done(), QUARTER["weeks"], percent=85) - key) <= tolerance
    totals = flow.simulate_totals(weekly_done(), QUARTER["weeks"])
    assert abs(sum(totals >= key) / len(totals) - float(share_at_least(dist, key))) < 5 * error
    for seed in range(20):
        assert abs(flow.forecast_items(weekly_done(), QUARTER["weeks"], percent=85, seed=seed) - key) <= tolerance


def test_11_keys_match_the_curriculum_brief():
    # RICE = reach x impact x confidence / effort: the brief's example on Intercom's scales (2000, 2, 0.8, 4) -> 800.
    example = {"reach": 2000, "impact": 2, "confidence_pct": 80, "effort_pm": 4}
    assert rice(example) == 800
    # Impact sits on Intercom's scale, confidence on its three levels, WSJF inputs on SAFe's scale.
    for row in rows():
        assert row["impact"] in (3, 2, 1, 0.5, 0.25) and row["confidence_pct"] in (100, 80, 50)
        for column in ("business_value", "time_criticality", "risk_reduction", "job_size"):
            assert row[column] in (1, 2, 3, 5, 8, 13, 20)
    # Little's law: WIP = throughput x cycle time, with matching units: 6/7 a day x 21 days = 18 in progress.
    assert Fraction(6, 7) * 21 == 18 == hidden_keys(AID)["q7-little"] * Fraction(6, 7)
    # The lesson names its sources.
    lesson = " ".join(" ".join(c.source.split()) for c in notebooks.read(ROOT / "course" / f"{AID}.ipynb").cells)
    for source in ("Intercom", "Sean McBride", "Reinertsen", "The Principles of Product Development Flow", "SAFe",
                   "John Little", "1961", "Scrum Guide", "2020", "Kanban Guide"):
        assert source in lesson, source
    for role in ("Product Owner", "Scrum Master", "Developers"):
        assert role in lesson, role
    # Scrum Guide 2020: five events (the Sprint one of them), three artifacts with their commitments, no Sprint
    # zero; SAFe's third part of cost of delay is "and/or", not a slash that reads as a division.
    for fact in ("| Product Backlog | the Product Goal |", "| Sprint Backlog | the Sprint Goal |",
                 "| Increment | the Definition of Done |", "**five events**, and the **Sprint** itself is one of them",
                 "\"Sprint zero\" is not part of Scrum", "\"Scrum Events\"", "\"Scrum Artifacts\"",
                 "risk reduction and/or opportunity enablement", "Daniel Vacanti", "When Will It Be Done?"):
        assert fact in lesson, fact
    assert "opportunity enablement" not in lesson.replace("and/or opportunity enablement", "")
    assert "Intercom's own example" not in lesson


def test_no_ties_and_the_planted_disagreement():
    scores = {row["item_id"]: (rice(row), wsjf(row)) for row in rows()}
    assert len({r for r, _ in scores.values()}) == len({w for _, w in scores.values()}) == len(scores)
    by_rice, by_wsjf = order(rice), order(wsjf)
    assert by_wsjf[0] == "B01" and by_rice.index("B01") + 1 == 11
    moves = {item: abs(by_rice.index(item) - by_wsjf.index(item)) for item in scores}
    assert max(moves, key=moves.get) == "B01" and sorted(moves.values())[-2] < moves["B01"]


def test_graded_figures_are_not_on_rounding_edges():
    mean = statistics.fmean(cycle_days())
    assert abs(mean * 10 - math.floor(mean * 10) - 0.5) > 0.2, "the mean is far from a rounding tie"
    ordered = sorted(cycle_days())
    value = ordered[math.ceil(0.85 * len(ordered)) - 1]
    assert 0.15 < value - math.floor(value) < 0.85, "the 85th percentile is not next to a whole day"
    # NumPy's linear percentile lands on the same whole day, so either method passes.
    position = 0.85 * (len(ordered) - 1)
    low = int(position)
    linear = ordered[low] + (position - low) * (ordered[low + 1] - ordered[low])
    assert math.ceil(linear) == hidden_keys(AID)["q5-forecast"]


def test_11_traps_give_different_answers():
    keys = hidden_keys(AID)
    tap = next(row for row in rows() if row["item_id"] == "B07")
    # Confidence as 80, no division by effort, reach x impact only.
    for wrong in (rice(tap, confidence_as_fraction=False), rice(tap, divide_by_effort=False),
                  Fraction(tap["reach"]) * Fraction(tap["impact"])):
        assert abs(float(wrong) - keys["q1-rice-score"]) > 1
    # Ranking by reach x impact, by reach x impact x confidence, or ascending.
    assert order(lambda r: r["reach"] * r["impact"])[:5] != keys["q2-rice-top5"]
    assert order(lambda r: rice(r, divide_by_effort=False))[:5] != keys["q2-rice-top5"]
    assert order(rice)[::-1][:5] != keys["q2-rice-top5"]
    # Cost of delay alone, or business value alone.
    assert order(cost_of_delay)[:5] != keys["q3-wsjf-top5"]
    assert order(lambda r: Fraction(r["business_value"], r["job_size"]))[:5] != keys["q3-wsjf-top5"]
    # Lead time, an unfiltered log: other means.
    assert abs(statistics.fmean(cycle_days(since="created_at")) - keys["q4-cycle-time"]) > 1
    assert abs(statistics.fmean(cycle_days(window=False)) - keys["q4-cycle-time"]) > 0.1
    # The mean as a promise, or the lead time's percentile.
    assert math.ceil(statistics.fmean(cycle_days())) != keys["q5-forecast"]
    assert nearest_rank_days(cycle_days(since="created_at"), 85) != keys["q5-forecast"]
    # Weeks that finished something: the freeze week is empty, so a group-by over weeks skips it.
    weekly = weekly_done()
    assert weekly.count(0) == 1 and weekly[3] == 0
    assert sum(weekly) / len([w for w in weekly if w]) - keys["q6-throughput"] > 1
    # Little's law with units mixed, multiplied, or swapped.
    for wrong in (18 / 6, 18 * 6 / 7, 6 / 18 * 7):
        assert abs(wrong - keys["q7-little"]) > 1
    # Planning to 100%, forgetting leave, or taking leave off after the focus factor: other capacities,
    # and each gives another plan; so does stopping at the first item that does not fit.
    key_plan = sorted(keys["q9-plan"])
    for wrong in (capacity(focus=Fraction(1)), capacity(leave=0), TEAM["people"] * TEAM["months"] * TEAM["focus"] - 2):
        assert wrong != keys["q8-capacity"]
        assert sorted(plan(order(wsjf), wrong)) != key_plan
    assert sorted(plan(order(wsjf), capacity(), stop=True)) != key_plan
    assert sorted(plan(order(rice), capacity())) != key_plan
    # The average pace times the weeks, the 50% line, "at most" for "at least", and samples without the empty
    # freeze week: each lands more than the tolerance away from the forecast's key.
    forecast, tolerance = keys["q10-monte-carlo"], QUARTER["tolerance"]
    dist = quarter_totals(weekly_done())
    wrong = {"mean pace": float(len(done_rows()) / window_weeks() * QUARTER["weeks"]),
             "median": at_least(dist, 50), "at most": at_most(dist, 85),
             "no empty week": at_least(quarter_totals(weekly_done(drop_empty=True)), 85)}
    for name, value in wrong.items():
        assert abs(value - forecast) > tolerance + 2, name
