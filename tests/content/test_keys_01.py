"""Exercise 01-products-and-stacks: every hidden key recomputed here with exact fractions and plain
reference code (not tpmkit.stack), cross-checked against the curriculum brief's availability facts,
and the lesson's quiz answers recomputed the same way."""

from __future__ import annotations

from fractions import Fraction
from math import prod

import pytest
import yaml

from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import stack

AID = "01-products-and-stacks"
MINUTES_PER_DAY = 24 * 60


def pct(text: str) -> Fraction:
    """'99.95%' -> Fraction(9995, 10000), exactly."""
    return Fraction(text.rstrip("%")) / 100


def chain(*parts: Fraction) -> Fraction:
    """Parts that must all work: the product."""
    return prod(parts, start=Fraction(1))


def spares(a: Fraction, copies: int) -> Fraction:
    """Independent copies, any one enough: down only when all are down."""
    return 1 - (1 - a) ** copies


def page_ms(serial: list[int], parallel: list[int]) -> int:
    """Serial hops add; calls made at the same time cost the slowest."""
    return sum(serial) + max(parallel)


# Each part of the Instant Payouts design, with the question from the lesson that settles its layer.
SEEN_BY_PEOPLE, DECIDES, RUNS_STORES_MOVES = "people see it", "it decides for the business", "it serves other parts"
LAYER_OF = {SEEN_BY_PEOPLE: "interface", DECIDES: "business logic", RUNS_STORES_MOVES: "platform"}
PARTS = {
    "payout button": SEEN_BY_PEOPLE,
    "payout confirmation email": SEEN_BY_PEOPLE,
    "fee calculator": DECIDES,
    "early payout limits": DECIDES,
    "fraud model": DECIDES,            # algorithms are business logic
    "payouts database": RUNS_STORES_MOVES,  # stores what it is told: platform, not business logic
    "job queue": RUNS_STORES_MOVES,
    "load balancer": RUNS_STORES_MOVES,
    "Kubernetes cluster": RUNS_STORES_MOVES,
}


def expected_keys() -> dict[str, object]:
    dashboard = chain(pct("99.99%"), spares(pct("99.9%"), 2), pct("99.95%"))
    return {
        "q1-layers": {part: LAYER_OF[kind] for part, kind in PARTS.items()},
        # load balancer x payouts service x database x bank API, as a percentage to 2 decimals
        "q2-chain": round(float(chain(pct("99.99%"), pct("99.95%"), pct("99.9%"), pct("99.8%")) * 100), 2),
        # two independent 99% copies, as a percentage to 2 decimals
        "q3-redundant": round(float(spares(pct("99%"), 2) * 100), 2),
        # minutes down over the STATED 28-day window, to 1 decimal
        "q4-downtime": round(float((1 - dashboard) * 28 * MINUTES_PER_DAY), 1),
        "q5-latency": page_ms([45, 5, 20, 10], [110, 160, 35]),
    }


def test_01_keys_are_recomputed():
    assert_keys(AID, expected_keys())


def test_01_traps_give_different_answers():
    # The plausible wrong answers land outside each key's tolerance (0.005, 0.005, 0.05).
    parts = [pct(p) for p in ("99.99%", "99.95%", "99.9%", "99.8%")]
    right = chain(*parts) * 100
    assert abs(min(parts) * 100 - right) > Fraction(5, 1000)
    assert abs(sum(parts) / len(parts) * 100 - right) > Fraction(5, 1000)
    assert abs(pct("99%") ** 2 * 100 - spares(pct("99%"), 2) * 100) > Fraction(5, 1000)
    dashboard = chain(pct("99.99%"), spares(pct("99.9%"), 2), pct("99.95%"))
    month, four_weeks = ((1 - dashboard) * days * MINUTES_PER_DAY for days in (30, 28))
    assert abs(month - four_weeks) > Fraction(5, 100)
    assert sum([45, 5, 20, 110, 160, 35, 10]) != page_ms([45, 5, 20, 10], [110, 160, 35])


def test_01_brief_facts():
    # Curriculum brief: 99.95% x 99.9% x 99.99% = 99.84%, about 69 min down per 30 days.
    example = chain(pct("99.95%"), pct("99.9%"), pct("99.99%"))
    assert round(float(example * 100), 2) == 99.84
    assert round(float((1 - example) * 30 * MINUTES_PER_DAY)) == 69
    # ... and independent replicas give 1 - (1 - a)^2: two 99.9% copies, 99.9999%.
    assert spares(pct("99.9%"), 2) == pct("99.9999%")
    # The lesson computes the same example with tpmkit.stack; both must agree.
    assert stack.serial_availability([0.9995, 0.999, 0.9999]) == pytest.approx(float(example), abs=1e-15)
    assert stack.downtime_minutes(float(example), 30) == pytest.approx(float((1 - example) * 43_200), abs=1e-9)


def test_01_layers_agree_with_the_lesson_stack():
    # Parts the exercise shares with the lesson's checkout table sit in the same layer there.
    lesson = dict(zip(stack.checkout_stack()["component"], stack.checkout_stack()["layer"], strict=True))
    key = hidden_keys(AID)["q1-layers"]
    same = {"payouts database": "Database", "job queue": "Queue", "load balancer": "Load balancer",
            "fraud model": "Fraud scoring"}
    for part, component in same.items():
        assert key[part] == lesson[component], part


def test_01_quiz_answers_are_recomputed():
    quiz = {q["id"]: q for q in yaml.safe_load((ROOT / "course" / f"{AID}.quiz.yaml").read_text())}
    serial = chain(pct("99.95%"), pct("99.95%"), pct("99.9%"))
    question = quiz["serial-availability"]
    assert abs(Fraction(str(question["answer"])) - serial * 100) <= Fraction(str(question["tolerance"]))
    assert quiz["parallel-latency"]["answer"] == page_ms([50, 20, 10], [150, 30, 90])
    wrong = {m["value"] for m in quiz["parallel-latency"]["misconceptions"]}
    assert sum([50, 20, 10, 150, 30, 90]) in wrong  # summing the parallel calls is diagnosed
