"""tpmkit.metrics: OKR scores, percentiles, the two-proportion z-test and sample sizes on small hand-worked
cases, the dashboard tables and pictures, and one-sentence errors for bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import metrics
from tpmkit.data import ab_test, ab_test_daily, checkout_flows, checkout_times, conversion_by_device, daily_payments
from tpmkit.errors import KitError

# --- OKRs -------------------------------------------------------------------------------------------


def test_kr_score_is_the_share_of_the_way_from_start_to_target():
    assert metrics.kr_score(start=20, target=60, actual=50) == pytest.approx(0.75)
    assert metrics.kr_score(start=10, target=5, actual=8) == pytest.approx(0.4)  # a "cut" key result


def test_kr_score_is_capped_to_zero_and_one():
    assert metrics.kr_score(0, 100, 150) == 1.0
    assert metrics.kr_score(10, 5, 12) == 0.0  # went the wrong way


def test_score_okr_rounds_each_kr_and_averages_unrounded_scores():
    out = metrics.score_okr({"KR1": (0, 3, 1), "KR2": (0, 3, 1), "KR3": (0, 100, 150)})
    assert out == {"key_results": {"KR1": 0.33, "KR2": 0.33, "KR3": 1.0}, "objective": 0.56}
    # (1/3 + 1/3 + 1) / 3 = 0.5556 -> 0.56; averaging the rounded scores instead would give 0.55.
    assert all(type(v) is float for v in out["key_results"].values())


@pytest.mark.parametrize(("args", "phrase"), [
    ((5, 5, 7), "target equals the start"),
    ((True, 5, 7), "start must be a number"),
    ((0, "10", 7), "target must be a number"),
    ((0, 10, float("nan")), "actual must be a number"),
])
def test_kr_score_bad_input(args, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.kr_score(*args)


@pytest.mark.parametrize(("key_results", "phrase"), [
    ({}, "at least one key result"),
    ([(0, 1, 1)], "must be a dict"),
    ({"KR1": (0, 1)}, "must be \\(start, target, actual\\)"),
    ({"KR1": 0.5}, "must be \\(start, target, actual\\)"),
])
def test_score_okr_bad_input(key_results, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.score_okr(key_results)


# --- percentiles ------------------------------------------------------------------------------------


def test_percentiles_interpolate_linearly():
    # Sorted 300, 400, 500, 900, 5000: p50 sits on 500; p90 is 60% of the way from 900 to 5000.
    out = metrics.percentiles([5000, 300, 900, 400, 500], [50, 90])
    assert out == {"p50": 500.0, "p90": pytest.approx(900 + 0.6 * 4100)}


def test_percentiles_match_pandas_quantile_and_accept_a_column():
    times = checkout_times("2026-10")["checkout_ms"]
    out = metrics.percentiles(times)
    assert list(out) == ["p50", "p90", "p99"]
    for key, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        assert out[key] == pytest.approx(times.quantile(q))
    assert metrics.percentiles(times, [99.9]).keys() == {"p99.9"}


@pytest.mark.parametrize(("values", "phrase"), [
    ([], "non-empty"),
    ("1, 2, 3", "list or column of numbers"),
    (5, "list or column of numbers"),
    ([1, "slow", 3], "only numbers"),
    ([1, None, 3], "empty or infinite"),
    (pd.DataFrame({"a": [1, 2]}), "one column of numbers"),
])
def test_percentiles_bad_values(values, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.percentiles(values)


@pytest.mark.parametrize(("ps", "phrase"), [(90, "list of percentiles"), ([0.9, 150], "p90 is 90, not 0.9"),
                                            (["p90"], "each percentile must be a number")])
def test_percentiles_bad_ps(ps, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.percentiles([1, 2, 3], ps)


# --- the z-test -------------------------------------------------------------------------------------


def test_ztest_matches_a_hand_worked_case():
    # 200/1000 vs 250/1000: pooled 0.225, se = sqrt(0.225 x 0.775 x 0.002) = 0.018675, z = 2.6774.
    out = metrics.two_proportion_ztest(200, 1000, 250, 1000)
    assert out["rate_a"] == 0.2 and out["rate_b"] == 0.25 and out["difference"] == pytest.approx(0.05)
    assert out["z"] == pytest.approx(0.05 / math.sqrt(0.225 * 0.775 * 0.002))
    assert out["p_value"] == pytest.approx(math.erfc(out["z"] / math.sqrt(2)))
    assert out["p_value"] == pytest.approx(0.00742, abs=1e-5)
    assert all(type(v) is float for v in out.values())


def test_ztest_one_sided_alternatives():
    two = metrics.two_proportion_ztest(200, 1000, 250, 1000)["p_value"]
    greater = metrics.two_proportion_ztest(200, 1000, 250, 1000, alternative="greater")["p_value"]
    less = metrics.two_proportion_ztest(200, 1000, 250, 1000, alternative="less")["p_value"]
    assert greater == pytest.approx(two / 2) and greater + less == pytest.approx(1)


def test_ztest_is_symmetric_and_accepts_numpy_counts():
    forward = metrics.two_proportion_ztest(np.int64(40), np.int64(900), 55, 950)
    backward = metrics.two_proportion_ztest(55, 950, 40, 900)
    assert forward["z"] == pytest.approx(-backward["z"]) and forward["p_value"] == pytest.approx(backward["p_value"])


@pytest.mark.parametrize(("args", "kwargs", "phrase"), [
    ((10, 0, 5, 100), {}, "at least one trial"),
    ((120, 100, 5, 100), {}, "more successes than trials"),
    ((-1, 100, 5, 100), {}, "whole number"),
    ((1.5, 100, 5, 100), {}, "whole number"),
    ((True, 100, 5, 100), {}, "whole number"),
    ((0, 100, 0, 100), {}, "nothing to test"),
    ((5, 100, 6, 100), {"alternative": "one-sided"}, "alternative must be one of"),
])
def test_ztest_bad_input(args, kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.two_proportion_ztest(*args, **kwargs)


# --- sample size ------------------------------------------------------------------------------------


def test_sample_size_follows_the_formula():
    z = 1.959963984540054 + 0.8416212335729143  # z(0.975) + z(0.80)
    expected = math.ceil(z ** 2 * (0.12 * 0.88 + 0.13 * 0.87) / 0.01 ** 2)
    assert metrics.sample_size_per_variant(0.12, 0.01) == expected == 17_166


def test_sample_size_is_close_to_kohavis_rule_of_thumb():
    # n ~ 16 sigma^2 / delta^2 for alpha 0.05 and power 0.8 (Kohavi, Tang & Xu, ch. 17).
    n = metrics.sample_size_per_variant(0.05, 0.0025)
    assert n == pytest.approx(16 * 0.05 * 0.95 / 0.0025 ** 2, rel=0.05)


def test_sample_size_grows_with_power_and_shrinks_one_sided():
    base = metrics.sample_size_per_variant(0.048, 0.006)
    assert metrics.sample_size_per_variant(0.048, 0.006, power=0.9) > base
    assert metrics.sample_size_per_variant(0.048, 0.006, alternative="greater") < base
    assert metrics.sample_size_per_variant(0.048, -0.006) > 0


@pytest.mark.parametrize(("args", "kwargs", "phrase"), [
    ((4.8, 0.006), {}, "baseline must be a fraction"),
    ((0.048, 0.96), {}, "0.006 for 0.6 percentage points"),
    ((0.048, 0), {}, "cannot be 0"),
    ((0.048, 0.006), {"alpha": 5}, "alpha must be a fraction"),
    ((0.048, 0.006), {"power": 80}, "power must be a fraction"),
    ((0.048, 0.006), {"alternative": "both"}, "alternative must be one of"),
])
def test_sample_size_bad_input(args, kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.sample_size_per_variant(*args, **kwargs)


# --- cumulative tests and segments ------------------------------------------------------------------


def test_cumulative_tests_end_at_the_totals():
    tests = metrics.cumulative_tests(ab_test_daily("saved-cards"))
    assert list(tests["day"]) == list(range(1, 15))
    totals = ab_test("saved-cards").set_index("variant")
    last = tests.iloc[-1]
    assert last["visitors_a"] == totals.loc["A", "visitors"] and last["conversions_b"] == totals.loc["B", "conversions"]
    final = metrics.two_proportion_ztest(totals.loc["A", "conversions"], totals.loc["A", "visitors"],
                                         totals.loc["B", "conversions"], totals.loc["B", "visitors"])
    assert last["p_value"] == pytest.approx(final["p_value"])
    guardrail = metrics.cumulative_tests(ab_test_daily("express-pay"), metric="payment_errors")
    assert "payment_errors_a" in guardrail.columns


@pytest.mark.parametrize(("daily", "kwargs", "phrase"), [
    ([1, 2], {}, "per-day table"),
    (pd.DataFrame({"day": [1]}), {}, "no column variant"),
    (ab_test_daily("saved-cards").assign(variant="A"), {}, "exactly two variants"),
    (ab_test_daily("saved-cards"), {"metric": "visitors"}, "metric must be a count column"),
    (ab_test_daily("saved-cards"), {"metric": "revenue"}, "metric must be a count column"),
])
def test_cumulative_tests_bad_input(daily, kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.cumulative_tests(daily, **kwargs)


def test_segment_rates_show_each_segment_and_the_total():
    rates = metrics.segment_rates(checkout_flows(), segment="device", group="flow")
    assert list(rates.columns) == ["Classic", "Express"]
    assert list(rates.index) == ["iPhone app", "Android app", "mobile web", "desktop web", "all"]
    flows = checkout_flows()
    express = flows[flows["flow"] == "Express"]
    assert rates.loc["all", "Express"] == round(100 * express["conversions"].sum() / express["visitors"].sum(), 2)


@pytest.mark.parametrize(("table", "phrase"), [
    ({"device": ["app"]}, "must be a DataFrame"),
    (pd.DataFrame({"device": ["app"], "flow": ["A"]}), "no column 'visitors', 'conversions'"),
])
def test_segment_rates_bad_input(table, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.segment_rates(table, segment="device", group="flow")


# --- pictures ---------------------------------------------------------------------------------------


def test_pictures_are_figures():
    figures = [
        metrics.percentile_chart(checkout_times("2026-09")["checkout_ms"]),
        metrics.segment_chart(conversion_by_device(), segment="device", group="month"),
        metrics.daily_chart(daily_payments(), launch="2026-10-01"),
        metrics.misleading_chart(daily_payments(), before="2026-09-30", after="2026-10-03"),
        metrics.peeking_chart(ab_test_daily("saved-cards")),
    ]
    assert all(isinstance(f, Figure) for f in figures)


def test_the_misleading_chart_truncates_its_axis_and_the_fair_one_does_not():
    payments = daily_payments()
    misleading = metrics.misleading_chart(payments, before="2026-09-30", after="2026-10-03").axes[0]
    fair = metrics.daily_chart(payments, launch="2026-10-01").axes[0]
    assert misleading.get_ylim()[0] > 0.9 * payments["payments"].min()
    assert fair.get_ylim()[0] == 0
    change = 100 * (72_336 / 48_714 - 1)
    assert f"{change:+.0f}%" in misleading.get_title()


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"before": "2026-12-01", "after": "2026-10-03"}, "before must be a date in the series"),
    ({"before": "not a date", "after": "2026-10-03"}, "before must be a date in the series"),
    ({"before": "2026-10-03", "after": "2026-09-30"}, "after must be a later date"),
])
def test_misleading_chart_bad_dates(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        metrics.misleading_chart(daily_payments(), **kwargs)


def test_charts_refuse_the_wrong_table():
    with pytest.raises(KitError, match="'date' column"):
        metrics.daily_chart(checkout_flows())
    with pytest.raises(KitError, match="launch must be a date"):
        metrics.daily_chart(daily_payments(), launch="2027-01-01")
    with pytest.raises(KitError, match="alpha must be a fraction"):
        metrics.peeking_chart(ab_test_daily("saved-cards"), alpha=5)
    with pytest.raises(KitError, match="values must be a list"):
        metrics.percentile_chart(None)
