"""Every value the hidden tests of exercise 12-capstone grade, recomputed here with independent reference code:
the channel table from the product rows with plain Python sets (no SQL, no tpmkit.sql), the three-year costs,
the budget and the page with Fraction arithmetic (no tpmkit.buildbuy, no tpmkit.slo), the canary from the
exercise's data cell (no tpmkit.pipeline), the DR choice from this file's copy of the quotes (no tpmkit.dr), the
planted refund bug by raw HTTP against in-process builds (not tpmkit.acceptance), and the backlog order from the
exercise's data cell (no tpmkit.prioritise). Then the brief's quoted facts, proof that each trap the
misconception variants model lands away from its key, and the figures the hand-graded memo's model answer uses
(its success measure, both windows of the page, and the payouts service's capacity) against its prompt."""

from __future__ import annotations

import ast
import math
import re
import warnings
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import api, dr
from tpmkit.data import events, users

AID = "12-capstone"

# Question 1: the cohort the prompt states (signup_date from 1 January to 30 April 2026, both included).
COHORT = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-04-30"))
# Question 2: the prompt's figures.
BUILD = {"upfront": 60_000, "monthly": 900, "upkeep_per_year": Fraction(15, 100), "per_text": Fraction(20, 1000)}
BUY = {"upfront": 8_000, "monthly": 300, "per_text": Fraction(35, 1000)}
TEXTS_PER_MONTH = [40_000, 90_000, 150_000]  # years 1, 2 and 3
# Questions 3 and 4.
SLO = Fraction(9995, 10_000)
PER_DAY, WINDOW_DAYS, PER_HOUR, PAGE_BURN = 43_200, 30, 1_800, Fraction(144, 10)
# Question 5: the rule the prompt states.
MIN_CANARY, LIMIT_PP = 2_000, Fraction(1, 4)
# Question 6: targets and today's schedule, and Tillpoint's quotes (RPO min, RTO min, pounds a month), cheapest
# first, as lesson 08 and the exercise's data cell show them.
RPO, RTO, BUDGET, EVERY, TAKES = 5, 60, 4_000, 60, 20
# Question 9 (the memo): the capacity figures its prompt gives (lesson 09's envelope), and the 5-minute window that
# lesson 07's page checks beside the hour (SRE Workbook ch. 5: the short window is 1/12 of the long one).
PEAK_FACTOR, PER_SERVER_RPS, UTILISATION, SPARE, SERVERS_TODAY = 6, 2, Fraction(60, 100), 1, 2
SHORT_WINDOW_MINUTES = 5
QUOTES = {"backup and restore": (240, 480, 300), "pilot light": (10, 40, 1_200), "warm standby": (1, 10, 3_500),
          "multi-site active/active": (0, 0, 9_000)}


def cell(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


def data(grade_id: str) -> list[dict]:
    """The literal list a locked data cell assigns."""
    return ast.literal_eval(ast.parse(cell(grade_id)).body[0].value)


# --- Question 1 ---------------------------------------------------------------------------------------------

def one_decimal(value: Fraction) -> float:
    """Rounded to 1 decimal, halves away from zero, as SQL's round() does."""
    return float((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def channel_table(*, cohort=COHORT, with_unknown: bool = False, order: str = "rate") -> list[dict]:
    sold = {int(u) for u, name in zip(events()["user_id"], events()["event_name"], strict=True) if name == "first_sale"}
    members: dict[str, set[int]] = {}
    for row in users().to_dict("records"):
        channel = row["channel"] if isinstance(row["channel"], str) else ("unknown" if with_unknown else None)
        if channel is None or (cohort and not cohort[0] <= row["signup_date"] <= cohort[1]):
            continue
        members.setdefault(channel, set()).add(int(row["user_id"]))
    rows = [{"channel": channel, "signups": len(ids), "first_sales": len(ids & sold),
             "conversion_pct": one_decimal(Fraction(100 * len(ids & sold), len(ids)))}
            for channel, ids in members.items()]
    key = "conversion_pct" if order == "rate" else "first_sales"
    return sorted(rows, key=lambda r: r[key], reverse=True)


# --- Questions 2 to 4 ---------------------------------------------------------------------------------------

def three_years(upfront, monthly, per_text, texts_per_month=TEXTS_PER_MONTH) -> Fraction:
    texts = sum(12 * n for n in texts_per_month)
    return upfront + 36 * Fraction(monthly) + per_text * texts


def sms_costs() -> list[int]:
    upkeep = BUILD["upkeep_per_year"] * BUILD["upfront"] / 12
    build = three_years(BUILD["upfront"], BUILD["monthly"] + upkeep, BUILD["per_text"])
    buy = three_years(BUY["upfront"], BUY["monthly"], BUY["per_text"])
    return [round(build), round(buy)]


def budget(days: int = WINDOW_DAYS) -> int:
    return math.floor((1 - SLO) * PER_DAY * days)


def burn(failures: int) -> Fraction:
    return Fraction(failures, PER_HOUR) / (1 - SLO)


def smallest_paging_failures() -> int:
    return next(f for f in range(PER_HOUR + 1) if burn(f) >= PAGE_BURN)


# --- Question 5 ---------------------------------------------------------------------------------------------

def gap_pp(row: dict) -> Fraction:
    return 100 * (Fraction(row["canary_errors"], row["canary_requests"])
                  - Fraction(row["baseline_errors"], row["baseline_requests"]))


def rollback_minute(checks: list[dict]) -> int:
    return next((r["minute"] for r in checks if r["canary_requests"] >= MIN_CANARY and gap_pp(r) > LIMIT_PP), 0)


# --- Question 6 ---------------------------------------------------------------------------------------------

def strategy(rpo=RPO, rto=RTO, budget_per_month=BUDGET) -> str:
    fits = [name for name, (p, t, _) in QUOTES.items() if p <= rpo and t <= rto]
    cheapest = min(fits, key=lambda name: QUOTES[name][2])
    return cheapest if QUOTES[cheapest][2] <= budget_per_month else "renegotiate"


# --- Question 8 ---------------------------------------------------------------------------------------------

def rice(item: dict, *, with_effort: bool = True) -> Fraction:
    score = Fraction(item["reach"]) * Fraction(str(item["impact"])) * Fraction(item["confidence_pct"], 100)
    return score / Fraction(str(item["effort_pm"])) if with_effort else score


def backlog_order(**kwargs) -> list[str]:
    return [i["item_id"] for i in sorted(data("q8-data"), key=lambda i: rice(i, **kwargs), reverse=True)]


def expected_keys() -> dict[str, object]:
    return {
        "q1-channels": channel_table(),
        "q2-sms": sms_costs(),
        "q3-budget": budget(),
        "q4-page": smallest_paging_failures(),
        "q5-canary": rollback_minute(data("q5-data")),
        "q6-dr": [EVERY + TAKES, strategy()],  # worst case: a failure just before a backup finishes
        "q7-scenarios": True,
        "q8-backlog": backlog_order(),
    }


def test_12_keys_are_recomputed():
    assert_keys(AID, expected_keys())


def test_the_prompts_show_what_the_keys_rest_on():
    assert "from 1 January to 30 April 2026" in cell("q1-prompt") and "best conversion first" in cell("q1-prompt")
    q2 = cell("q2-prompt")
    for figure in ("£60,000", "£8,000", "15% of the one-off build cost every year", "£900", "£300", "£0.020",
                   "£0.035", "**40,000**", "**90,000**", "**150,000**"):
        assert figure in q2, figure
    assert all(figure in cell("q3-prompt") for figure in ("**99.95%**", "**30-day**", "**43,200**"))
    assert all(figure in cell("q4-prompt") for figure in ("at least 14.4", "**1,800**"))
    assert all(figure in cell("q5-prompt") for figure in ("**2,000**", "0.25 percentage points"))
    assert all(figure in cell("q6-prompt") for figure in ("**RPO 5 minutes**", "**RTO 60 minutes**", "**£4,000",
                                                          "every 60 minutes", "**20 minutes**"))
    table = cell("q8-prompt")
    for item in data("q8-data"):
        row = (f"| {item['item_id']} | .* | {item['reach']:,} | {item['impact']:g} | {item['confidence_pct']}% | "
               f"{item['effort_pm']:g} |")
        assert re.search(re.escape(row).replace(r"\.\*", ".*"), table), item["item_id"]


def test_the_quotes_copied_here_are_the_ones_the_exercise_shows():
    table = dr.strategy_table()
    assert {name: (row["RPO (min)"], row["RTO (min)"], row["cost per month (£)"])
            for name, row in table.iterrows()} == QUOTES


def test_12_keys_match_the_curriculum_brief():
    # Burn rate = budget fraction spent x (SLO window / alert window): 2% in 1 h of a 30-day window -> 14.4.
    assert Fraction(2, 100) * (30 * 24) / 1 == PAGE_BURN
    # Error budget = (1 - SLO) x events: 3,000,000 requests at 99.9% -> 3,000.
    assert math.floor((1 - Fraction(999, 1000)) * 3_000_000) == 3_000
    # RICE = reach x impact x confidence / effort: (2000, 2, 0.8, 4) -> 800.
    assert rice({"reach": 2_000, "impact": 2, "confidence_pct": 80, "effort_pm": 4}) == 800
    # AWS DR bands: backup and restore in hours, pilot light tens of minutes, warm standby minutes, active/active ~0.
    rto = {name: quote[1] for name, quote in QUOTES.items()}
    assert rto["backup and restore"] >= 60 and 10 <= rto["pilot light"] < 60
    assert 1 <= rto["warm standby"] < 60 and rto["multi-site active/active"] == 0


def test_the_solution_scenarios_pin_the_rule_the_bug_breaks():
    """By raw HTTP against in-process builds: a refund one penny over a 2500-pence payment is refused with 422 on a
    correct build and accepted with the planted bug, and a full refund is 201 on both; the solution says exactly
    that."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    auth = {"Authorization": f"Bearer {api.SECRET_KEY}"}
    outcomes = {}
    for bugs in (frozenset(), frozenset({"refund_over_amount"})):
        with TestClient(api.create_app(bugs=bugs)) as http:
            over = http.post("/v1/payments", json={"amount": 2500, "customer": "cus_0001"}, headers=auth).json()
            refused = http.post("/v1/refunds", json={"payment": over["id"], "amount": 2501}, headers=auth)
            whole = http.post("/v1/payments", json={"amount": 2500, "customer": "cus_0001"}, headers=auth).json()
            full = http.post("/v1/refunds", json={"payment": whole["id"], "amount": 2500}, headers=auth)
            outcomes[bool(bugs)] = (refused.status_code, refused.json().get("error", {}).get("code"),
                                    full.status_code)
    assert outcomes == {False: (422, "amount_too_large", 201), True: (201, None, 201)}
    text = notebooks.solution_text(cell("q7-answer"))
    assert re.search(r"Given a succeeded payment of 2500 pence\s+When I refund 2501 pence of it\s+"
                     r"Then the response status is 422", text)
    assert re.search(r"Given a succeeded payment of 2500 pence\s+When I refund all of it\s+"
                     r"Then the response status is 201", text)


def test_each_trap_lands_away_from_its_key():
    keys = hidden_keys(AID)
    # Q1: by volume the order changes; immature cohorts and the 'unknown' row change the values or the rows.
    assert channel_table(order="volume") != keys["q1-channels"]
    assert [r["channel"] for r in channel_table(order="volume")] != [r["channel"] for r in keys["q1-channels"]]
    assert channel_table(cohort=None) != keys["q1-channels"]
    assert len(channel_table(with_unknown=True)) == len(keys["q1-channels"]) + 1
    # Q2: no upkeep; year 1's volume for three years; upkeep charged monthly.
    assert round(three_years(BUILD["upfront"], BUILD["monthly"], BUILD["per_text"])) != keys["q2-sms"][0]
    assert round(three_years(BUY["upfront"], BUY["monthly"], BUY["per_text"], [40_000] * 3)) != keys["q2-sms"][1]
    # Q3 and Q4: a 28-day window, a one-day budget; rounding down (no page), 2% of the hour's requests.
    assert budget(28) != keys["q3-budget"] and budget(1) != keys["q3-budget"]
    assert burn(keys["q4-page"] - 1) < PAGE_BURN <= burn(keys["q4-page"])
    assert math.ceil(Fraction(2, 100) * PER_HOUR) != keys["q4-page"]
    # Q5: judged too early, a relative gap, counts, or the final totals only.
    checks = data("q5-data")
    assert next(r["minute"] for r in checks if gap_pp(r) > LIMIT_PP) != keys["q5-canary"]
    relative = next(r["minute"] for r in checks if r["canary_requests"] >= MIN_CANARY
                    and Fraction(r["canary_errors"], r["canary_requests"])
                    > Fraction(5, 4) * Fraction(r["baseline_errors"], r["baseline_requests"]))
    assert relative != keys["q5-canary"]
    assert all(r["canary_errors"] < r["baseline_errors"] for r in checks)
    assert gap_pp(checks[-1]) <= LIMIT_PP
    # Q6: pilot light meets the RTO but not the RPO; active/active meets both but not the budget.
    assert QUOTES["pilot light"][1] <= RTO < QUOTES["backup and restore"][1] and QUOTES["pilot light"][0] > RPO
    assert QUOTES["multi-site active/active"][2] > BUDGET >= QUOTES[keys["q6-dr"][1]][2]
    # Q8: without effort, or lowest first.
    assert backlog_order(with_effort=False) != keys["q8-backlog"]
    assert list(reversed(keys["q8-backlog"])) != keys["q8-backlog"]


def test_backlog_and_channel_keys_have_no_ties():
    scores = [rice(i) for i in data("q8-data")]
    assert len(set(scores)) == len(scores)
    rates = [r["conversion_pct"] for r in channel_table()]
    assert len(set(rates)) == len(rates)


# --- Question 9, the memo (graded by hand): its prompt gives the figures, its model answer gets them right -----

def servers(per_second: Fraction) -> int:
    """Lesson 09's envelope: ceil(rate / (per-server capacity x target utilisation)) + spare."""
    return math.ceil(per_second / (PER_SERVER_RPS * UTILISATION)) + SPARE


def short_window_failures() -> int:
    """The smallest failures in the last 5 minutes (at the forecast's hourly rate) that burn at 14.4."""
    requests = Fraction(PER_HOUR * SHORT_WINDOW_MINUTES, 60)
    return next(f for f in range(int(requests) + 1) if Fraction(f) / requests / (1 - SLO) >= PAGE_BURN)


def memo() -> str:
    return " ".join(notebooks.solution_text(cell("q9-memo")).split())


def test_the_memo_prompt_gives_what_the_model_answer_rests_on():
    prompt = " ".join(cell("q9-prompt").split())
    for figure in ("**300-500 words**", "**key result**", "**guardrail**", "**25%**", "**90 days**",
                   "**9 per 1,000 shops a month**", "**and** the last 5 minutes", "**43,200**", "**6 times**",
                   "**2 payout requests a second**", "**60%**", "**one spare**", "**2 servers**"):
        assert figure in prompt, figure
    assert "Question 9" in cell("q4-prompt") and "**last 5 minutes**" in cell("q4-prompt")


def test_the_memo_model_answer_recomputes():
    keys, text = hidden_keys(AID), memo()
    average = Fraction(PER_DAY, 86_400)
    peak = average * PEAK_FACTOR
    assert (average, peak, servers(peak)) == (Fraction(1, 2), 3, 4)
    # Sized for the average, today's servers would look enough: the trap the capacity point of the rubric names.
    assert servers(average) <= SERVERS_TODAY < servers(peak)
    assert "average 0.5 a second" in text and "6 times that, 3 a second" in text
    assert "needs 2.5 servers, so 3, plus a spare: 4" in text and "4 against today's 2" in text
    # The page, with both windows, at the forecast's hourly volume.
    assert short_window_failures() == 2
    assert (f"{keys['q4-page']} failures in the hour and {short_window_failures()} in the last 5 minutes"
            in text)
    # The success measure uses the prompt's figures: an outcome from 0% to the business case's 25% in 90 days,
    # and a guardrail at today's ticket rate.
    assert "from 0% to 25% within 90 days of launch" in text and "9 per 1,000 shops a month" in text
    # The other numbers it quotes are the graded keys.
    channels = {row["channel"]: row for row in keys["q1-channels"]}
    for figure in (f"{channels['partner']['conversion_pct']}%", f"just {channels['partner']['signups']}",
                   f"£{keys['q2-sms'][0]:,}", f"£{keys['q2-sms'][1]:,}", f"{keys['q3-budget']} failures allowed",
                   f"minute {keys['q5-canary']}", f"up to {keys['q6-dr'][0]} minutes", keys["q6-dr"][1]):
        assert figure in text, figure
    model = text.split("**Model answer.**")[1].split("**Rubric")[0]
    assert 300 <= len(model.split()) <= 500, "the model answer keeps to the word count the prompt asks for"
