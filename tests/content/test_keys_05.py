"""Every value the hidden tests of exercise 05-metrics grade, recomputed here with independent reference
code: OKR scores from the prompt's table, percentiles and the z-test from the generated rows with plain
Python (no tpmkit.metrics, no NumPy, no NormalDist), the sample size with this file's own inverse of the
normal curve, and the decision from the rule the prompt states. Then the brief's quoted facts, and proof
that the misconceptions' answers land away from the keys."""

from __future__ import annotations

import math
import statistics

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import hidden_keys
from tpmkit.data import ab_test_daily, checkout_flows, checkout_times

AID = "05-metrics"

# Question 1's table: key result -> (start, target, end of quarter), as the prompt shows it.
O1 = {"KR1": (4.8, 5.8, 5.4), "KR2": (2_400, 1_600, 1_880), "KR3": (0, 500, 640), "KR4": (4.10, 4.50, 4.22)}
O2_COMMITTED_SCORE = 0.83
PAYMENT_LINKS = {"baseline": 0.12, "mde": 0.01, "alpha": 0.05, "power": 0.80}  # Question 7
PLAN = {"days": 14, "visitors": 21_000, "alpha": 0.05}  # Questions 8 to 10
TARGET_MS = 5_000  # Question 5


def prompt(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


def progress(start: float, target: float, end: float) -> float:
    share = (end - start) / (target - start)
    return 0.0 if share < 0 else 1.0 if share > 1 else share


def percentile(values, p: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default): position p/100 x (n - 1)."""
    ordered = sorted(values)
    position = p / 100 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def normal_quantile(q: float) -> float:
    """The z with normal_cdf(z) = q, by bisection (independent of statistics.NormalDist)."""
    low, high = -10.0, 10.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if normal_cdf(middle) < q else (low, middle)
    return (low + high) / 2


def totals(day: int) -> dict[str, dict[str, int]]:
    """Running totals per variant of the Express pay test up to and including `day`, from the daily rows."""
    out = {v: {"visitors": 0, "conversions": 0, "payment_errors": 0} for v in ("A", "B")}
    for row in ab_test_daily("express-pay").to_dict("records"):
        if row["day"] <= day:
            for column in out[row["variant"]]:
                out[row["variant"]][column] += int(row[column])
    return out


def z_b_minus_a(counts: dict, metric: str) -> float:
    a, b = counts["A"], counts["B"]
    pooled = (a[metric] + b[metric]) / (a["visitors"] + b["visitors"])
    se = math.sqrt(pooled * (1 - pooled) * (1 / a["visitors"] + 1 / b["visitors"]))
    return (b[metric] / b["visitors"] - a[metric] / a["visitors"]) / se


def two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def sample_size(baseline: float, mde: float, alpha: float, power: float, *, sides: int = 2) -> int:
    p1, p2 = baseline, baseline + mde
    z = normal_quantile(1 - alpha / sides) + normal_quantile(power)
    return math.ceil(z ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / mde ** 2)


def october() -> list[int]:
    return [int(t) for t in checkout_times("2026-10")["checkout_ms"]]


def flow_rates() -> tuple[dict, dict]:
    by_device, sums = {}, {}
    for row in checkout_flows().to_dict("records"):
        by_device.setdefault(row["device"], {})[row["flow"]] = row["conversions"] / row["visitors"]
        visitors, conversions = sums.get(row["flow"], (0, 0))
        sums[row["flow"]] = (visitors + row["visitors"], conversions + row["conversions"])
    return by_device, {flow: c / v for flow, (v, c) in sums.items()}


def decide(counts: dict, days: int) -> str:
    """The rule in Question 10's prompt."""
    if days < PLAN["days"] or min(counts["A"]["visitors"], counts["B"]["visitors"]) < PLAN["visitors"]:
        return "keep running"
    z_conv, z_err = z_b_minus_a(counts, "conversions"), z_b_minus_a(counts, "payment_errors")
    conversion_up = z_conv > 0 and two_sided(z_conv) < PLAN["alpha"]
    errors_up = z_err > 0 and two_sided(z_err) < PLAN["alpha"]
    return "ship" if conversion_up and not errors_up else "don't ship"


def expected_keys() -> dict[str, object]:
    scores = [progress(*O1[kr]) for kr in ("KR1", "KR2", "KR3", "KR4")]
    times = october()
    stats = {"mean": statistics.mean(times), **{f"p{p}": percentile(times, p) for p in (50, 90, 99)}}
    by_device, total = flow_rates()
    winner, other = max(total, key=total.get), min(total, key=total.get)
    objective = round(statistics.mean(scores), 2)
    final = totals(PLAN["days"])
    z = z_b_minus_a(final, "conversions")
    return {
        "q1-kr-scores": [round(s, 2) for s in scores],
        "q2-objective": objective,
        # committed objectives are expected to reach 1.0; aspirational ones about 0.7 (no postmortem)
        "q3-postmortem": [name for name, kind, score in (("O1", "aspirational", objective),
                                                         ("O2", "committed", O2_COMMITTED_SCORE))
                          if kind == "committed" and score < 1.0],
        "q4-percentiles": [round(stats["p50"]), round(stats["p90"]), round(stats["p99"])],
        "q5-target": next(name for name, value in stats.items() if value > TARGET_MS),
        "q6-segments": [d for d, rate in by_device.items() if rate[winner] < rate[other]],
        "q7-sample-size": sample_size(**PAYMENT_LINKS),
        "q8-z": round(z, 2),
        "q9-p-value": round(two_sided(z), 3),
        "q10-decision": decide(final, PLAN["days"]),
    }


def test_05_keys_are_recomputed():
    keys, expected = hidden_keys(AID), expected_keys()
    assert set(keys) == set(expected)
    for gid, value in expected.items():
        if gid in ("q3-postmortem", "q6-segments"):
            assert sorted(keys[gid]) == sorted(value), gid
        elif isinstance(value, float):
            assert keys[gid] == pytest.approx(value, abs=1e-9), gid
        else:
            assert keys[gid] == value, gid


def test_05_prompts_state_the_figures_the_keys_use():
    table = prompt("q1-prompt")
    rows = {"KR1": "| 4.8% | 5.8% | 5.4% |", "KR2": "| 2,400 ms | 1,600 ms | 1,880 ms |",
            "KR3": "| 0 | 500 | 640 |", "KR4": "| 4.10 | 4.50 | 4.22 |"}
    for kr, cells in rows.items():
        assert any(line.startswith(f"| {kr}:") and line.endswith(cells) for line in table.splitlines()), kr
    assert "0.83" in prompt("q3-prompt") and "committed" in prompt("q3-prompt")
    assert "5,000 ms" in prompt("q5-prompt")
    q7 = prompt("q7-prompt")
    assert all(s in q7 for s in ("12.0%", "+1.0 percentage", "alpha = 0.05", "80%", "two-sided", "rounded up"))
    plan = prompt("q8-prompt")
    assert all(s in plan for s in ("two-sided", "pooled", "alpha = 0.05", "14 days", "21,000 visitors"))
    assert "linear" in prompt("q4-prompt") and "nearest whole millisecond" in prompt("q4-prompt")


def test_05_keys_match_the_curriculum_brief():
    # Google OKR scoring runs from 0.0 to 1.0 and 0.6-0.7 is the sweet spot: the story's O1 sits in it.
    keys = hidden_keys(AID)
    assert all(0.0 <= s <= 1.0 for s in keys["q1-kr-scores"])
    assert 0.6 <= keys["q2-objective"] <= 0.7
    # The lesson names the brief's frameworks and their sources.
    lesson = " ".join(" ".join(c.source.split()) for c in notebooks.read(ROOT / "course" / f"{AID}.ipynb").cells)
    for heart in ("Happiness", "Engagement", "Adoption", "Retention", "Task success"):
        assert f"**{heart}**" in lesson, heart
    for signal in ("Latency", "Traffic", "Errors", "Saturation"):
        assert f"**{signal}**" in lesson, signal
    for source in ("re:Work", "Rodden", "SRE Book (ch. 6", "Trustworthy Online Controlled Experiments"):
        assert source in lesson, source


def test_05_percentile_keys_are_not_rounding_ties_and_the_mean_is_far_off():
    times = october()
    for p in (50, 90, 99):
        value = percentile(times, p)
        assert abs(value - math.floor(value) - 0.5) > 0.05, p
    assert abs(statistics.mean(times) - percentile(times, 50)) > 100
    ordered = sorted(times)  # nearest rank at index p x n, a misconception, lands elsewhere
    assert [ordered[int(p / 100 * len(ordered))] for p in (50, 90, 99)] != hidden_keys(AID)["q4-percentiles"]


def test_05_traps_give_different_answers():
    keys = hidden_keys(AID)
    # No cap, or actual / target: other key-result scores and objectives.
    uncapped = [round((end - start) / (target - start), 2) for start, target, end in O1.values()]
    assert uncapped != keys["q1-kr-scores"]
    assert round(statistics.mean((e - s) / (t - s) for s, t, e in O1.values()), 2) != keys["q2-objective"]
    # One-sided z, no power term, relative MDE: other sample sizes, well outside the tolerance of 25.
    key_n = keys["q7-sample-size"]
    for wrong in (sample_size(**PAYMENT_LINKS, sides=1),
                  sample_size(0.12, 0.12 * 0.01, 0.05, 0.8),
                  sample_size(0.12, 0.01, 0.05, 0.5)):
        assert abs(wrong - key_n) > 1_000
    # Rounded z values (1.96 and 0.84) stay within the tolerance.
    rounded = math.ceil((1.96 + 0.84) ** 2 * (0.12 * 0.88 + 0.13 * 0.87) / 0.01 ** 2)
    assert abs(rounded - key_n) <= 25
    # Peeking on day 4: another z and p, and a decision to ship; a one-sided p is half the key.
    peek = totals(4)
    assert abs(round(z_b_minus_a(peek, "conversions"), 2) - keys["q8-z"]) > 0.1
    peek_conversion, peek_errors = z_b_minus_a(peek, "conversions"), z_b_minus_a(peek, "payment_errors")
    assert two_sided(peek_conversion) < PLAN["alpha"] < two_sided(peek_errors)  # on day 4 it looked like "ship"
    assert decide(peek, 4) == "keep running" != keys["q10-decision"]  # and by the plan it was too early
    assert abs(round(1 - normal_cdf(z_b_minus_a(totals(14), "conversions")), 3) - keys["q9-p-value"]) > 0.01
    # Ignoring the guardrail ships.
    assert two_sided(z_b_minus_a(totals(14), "conversions")) < PLAN["alpha"]
    # The aggregate winner, and counts instead of rates, point at other devices.
    counts = {(r["flow"], r["device"]): r["conversions"] for r in checkout_flows().to_dict("records")}
    by_count = [d for (flow, d) in counts if flow == "Express" and counts[("Express", d)] < counts[("Classic", d)]]
    assert sorted(by_count) != sorted(keys["q6-segments"]) and keys["q6-segments"]
