"""The module 05 tables hold the planted answers documented below. Reference code here works on the rows
with plain Python (its own percentile and z-test, no tpmkit.metrics) and recomputes each one.

Planted answers (documented here, not in tpmkit, which learners receive), tpmkit.data.experiments:
- `checkout_times(month)`: August and September are the lesson's months: September's mean and median fell
  while its slow tail grew. October is the exercise's month: about 2.5% of payments hung for 6 to 14 seconds.
- `conversion_by_device()` (the lesson): the total fell although every device converted better: a campaign
  brought many mobile-web visitors, who convert least (a mix shift, Simpson's paradox).
- `checkout_flows()` (the exercise): shops chose their flow, so the mix differs: Express wins in total but
  loses on two devices.
- `ab_test(name)`, `ab_test_daily(name)`: "saved-cards" (the lesson) has no real effect, yet looked
  significant on day 3 (p ~ 0.03). "express-pay" (the exercise): B converts better at the planned end
  (p ~ 0.03), looked better still on day 4, and shows more payment errors (the guardrail) by the end,
  though not yet on day 4.
- `daily_payments()`: a strong weekly cycle (Saturdays are the busiest days, Sundays the quietest: many
  shops close on Sundays; A/B test traffic is busiest on Saturdays too). New receipts (9 September) had no
  effect on payments; Tap to Pay (1 October) added 2% from that day (TAP_TO_PAY_LIFT): its real effect is
  small.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest

from tpmkit.data import ab_test, ab_test_daily, checkout_flows, checkout_times, conversion_by_device, daily_payments
from tpmkit.data.experiments import CHECKOUT_MONTHS, EXPERIMENTS, LAUNCHES
from tpmkit.errors import KitError

SEEDS = [2026, 0, 7, 12345]


def percentile(values, p: float) -> float:
    """NumPy's default ("linear") percentile: position p/100 x (n - 1) in the sorted values, interpolated."""
    ordered = sorted(values)
    position = p / 100 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def z_test(successes_a, trials_a, successes_b, trials_b) -> tuple[float, float]:
    """(z, two-sided p) of B against A, pooled standard error; p from the complementary error function."""
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    z = (successes_b / trials_b - successes_a / trials_a) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def running_totals(name: str, day: int, seed: int = 2026) -> dict[str, dict[str, int]]:
    totals = {"A": {"visitors": 0, "conversions": 0, "payment_errors": 0},
              "B": {"visitors": 0, "conversions": 0, "payment_errors": 0}}
    for row in ab_test_daily(name, seed).to_dict("records"):
        if row["day"] <= day:
            for column in totals[row["variant"]]:
                totals[row["variant"]][column] += row[column]
    return totals


# --- checkout times ---------------------------------------------------------------------------------


@pytest.mark.parametrize("month", list(CHECKOUT_MONTHS))
def test_checkout_times_shape_and_planted_counts(month):
    table = checkout_times(month)
    plan = CHECKOUT_MONTHS[month]
    assert list(table.columns) == ["payment_id", "checkout_ms"]
    assert len(table) == plan.payments and table["payment_id"].is_unique
    assert str(table["checkout_ms"].dtype) == "int64"
    times = table["checkout_ms"].tolist()
    assert min(times) >= 250
    assert sum(t >= plan.hung_ms[0] for t in times) == plan.hung  # exactly the planted hung payments


@pytest.mark.parametrize("seed", SEEDS)
def test_september_mean_and_median_fell_while_the_tail_grew(seed):
    august = checkout_times("2026-08", seed)["checkout_ms"].tolist()
    september = checkout_times("2026-09", seed)["checkout_ms"].tolist()
    assert statistics.mean(september) < statistics.mean(august)
    assert percentile(september, 50) < percentile(august, 50) - 50
    assert percentile(september, 99) > 2 * percentile(august, 99)


@pytest.mark.parametrize("seed", SEEDS)
def test_october_only_p99_breaks_five_seconds(seed):
    october = checkout_times("2026-10", seed)["checkout_ms"].tolist()
    assert statistics.mean(october) < 5_000
    assert percentile(october, 50) < percentile(october, 90) < 5_000 < percentile(october, 99)
    assert 1 / 45 < sum(t > 5_000 for t in october) / len(october) < 1 / 35  # about 1 payment in 40


def test_october_percentiles_never_sit_on_a_rounding_tie():
    # 1,949 payments: positions 974, 1753.2 and 1928.52, so whole-millisecond values cannot end in .5.
    october = checkout_times("2026-10")["checkout_ms"].tolist()
    assert len(october) == 1_949
    for p in (50, 90, 99):
        value = percentile(october, p)
        assert abs(value - math.floor(value) - 0.5) > 0.05, p


# --- segments ---------------------------------------------------------------------------------------


def rates(table: pd.DataFrame, group: str, segment: str) -> tuple[dict, dict]:
    by_segment, totals = {}, {}
    for row in table.to_dict("records"):
        by_segment[(row[group], row[segment])] = row["conversions"] / row["visitors"]
        visitors, conversions = totals.get(row[group], (0, 0))
        totals[row[group]] = (visitors + row["visitors"], conversions + row["conversions"])
    return by_segment, {g: c / v for g, (v, c) in totals.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_conversion_fell_in_total_but_rose_on_every_device(seed):
    table = conversion_by_device(seed)
    assert list(table.columns) == ["month", "device", "visitors", "conversions"]
    by_device, total = rates(table, "month", "device")
    assert total["2026-09"] < total["2026-08"] - 0.004
    for device in ("app", "mobile web", "desktop web"):
        assert by_device[("2026-09", device)] > by_device[("2026-08", device)], device
    mobile_share = {m: table[(table["month"] == m) & (table["device"] == "mobile web")]["visitors"].sum()
                    / table[table["month"] == m]["visitors"].sum() for m in ("2026-08", "2026-09")}
    assert mobile_share["2026-09"] > 1.5 * mobile_share["2026-08"]  # the mix shift behind it


@pytest.mark.parametrize("seed", SEEDS)
def test_express_wins_in_total_but_loses_on_two_devices(seed):
    table = checkout_flows(seed)
    assert list(table.columns) == ["flow", "device", "visitors", "conversions"]
    by_device, total = rates(table, "flow", "device")
    assert total["Express"] > total["Classic"] + 0.01
    devices = sorted(set(table["device"]))
    losses = [d for d in devices if by_device[("Express", d)] < by_device[("Classic", d)]]
    assert sorted(losses) == ["iPhone app", "mobile web"]
    # Counting conversions instead of rates points at other devices: the trap is real.
    counts = {(r["flow"], r["device"]): r["conversions"] for r in table.to_dict("records")}
    by_count = [d for d in devices if counts[("Express", d)] < counts[("Classic", d)]]
    assert sorted(by_count) != sorted(losses)


# --- A/B tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_checkpoints_are_exact_for_every_seed(name, seed):
    plan = EXPERIMENTS[name]
    daily = ab_test_daily(name, seed)
    assert list(daily.columns) == ["day", "date", "variant", "visitors", "conversions", "payment_errors"]
    assert len(daily) == 2 * plan.days
    assert (daily["conversions"] + daily["payment_errors"] <= daily["visitors"]).all()
    assert (daily["visitors"] > 0).all()
    for day, variants in plan.checkpoints.items():
        totals = running_totals(name, day, seed)
        for variant, (visitors, conversions, errors) in variants.items():
            assert totals[variant] == {"visitors": visitors, "conversions": conversions, "payment_errors": errors}


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_totals_are_the_sum_of_the_days(name):
    totals = running_totals(name, EXPERIMENTS[name].days)
    table = ab_test(name)
    assert list(table.columns) == ["variant", "visitors", "conversions", "payment_errors"]
    assert {r["variant"]: {k: r[k] for k in ("visitors", "conversions", "payment_errors")}
            for r in table.to_dict("records")} == totals


def test_saved_cards_looked_significant_early_but_is_not():
    early, final = running_totals("saved-cards", 3), running_totals("saved-cards", 14)
    _, p_early = z_test(early["A"]["conversions"], early["A"]["visitors"],
                        early["B"]["conversions"], early["B"]["visitors"])
    _, p_final = z_test(final["A"]["conversions"], final["A"]["visitors"],
                        final["B"]["conversions"], final["B"]["visitors"])
    assert p_early < 0.05 < 0.5 < p_final
    _, p_guardrail = z_test(final["A"]["payment_errors"], final["A"]["visitors"],
                            final["B"]["payment_errors"], final["B"]["visitors"])
    assert p_guardrail > 0.5


def test_express_pay_wins_on_conversion_but_breaks_its_guardrail():
    final, peek = running_totals("express-pay", 14), running_totals("express-pay", 4)
    z, p = z_test(final["A"]["conversions"], final["A"]["visitors"], final["B"]["conversions"], final["B"]["visitors"])
    assert z > 0 and 0.025 < p < 0.05 and p / 2 < 0.025  # two-sided significant; one-sided halves it
    zg, pg = z_test(final["A"]["payment_errors"], final["A"]["visitors"],
                    final["B"]["payment_errors"], final["B"]["visitors"])
    assert zg > 0 and pg < 0.05  # more payment errors in B: the guardrail is broken
    z4, p4 = z_test(peek["A"]["conversions"], peek["A"]["visitors"], peek["B"]["conversions"], peek["B"]["visitors"])
    _, pg4 = z_test(peek["A"]["payment_errors"], peek["A"]["visitors"],
                    peek["B"]["payment_errors"], peek["B"]["visitors"])
    assert z4 > z and p4 < 0.01 and pg4 > 0.2  # day 4 looked better still, and the guardrail looked fine
    assert min(final["A"]["visitors"], final["B"]["visitors"]) >= 21_000 > peek["A"]["visitors"]


def test_dates_follow_the_plan():
    daily = ab_test_daily("express-pay")
    assert daily["date"].min() == pd.Timestamp("2026-10-05") and daily["date"].max() == pd.Timestamp("2026-10-18")
    assert str(daily["date"].dtype) == "datetime64[ns]"


# --- daily payments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_saturdays_peak_and_sundays_dip_every_week(seed):
    table = daily_payments(seed)
    assert list(table.columns) == ["date", "weekday", "payments"] and len(table) == 84
    rows = table.to_dict("records")
    assert rows[0]["weekday"] == "Mon" and rows[-1]["weekday"] == "Sun"
    for week in range(12):
        days = rows[7 * week: 7 * week + 7]
        busiest = max(days, key=lambda r: r["payments"])
        quietest = min(days, key=lambda r: r["payments"])
        assert busiest["weekday"] == "Sat", week
        assert quietest["weekday"] == "Sun", week


def mean_payments(rows, start, end) -> float:
    return statistics.mean(r["payments"] for r in rows if pd.Timestamp(start) <= r["date"] < pd.Timestamp(end))


@pytest.mark.parametrize("seed", SEEDS)
def test_launch_effects_are_small_next_to_the_weekly_cycle(seed):
    rows = daily_payments(seed).to_dict("records")
    by_date = {r["date"]: r["payments"] for r in rows}
    # The lesson's and the exercise's misleading tiles: a weekday against a Saturday.
    assert by_date[pd.Timestamp("2026-09-12")] / by_date[pd.Timestamp("2026-09-08")] > 1.4
    assert by_date[pd.Timestamp("2026-10-03")] / by_date[pd.Timestamp("2026-09-30")] > 1.4
    # Like with like: the same Saturday a week earlier, and whole weeks on either side of each launch.
    assert abs(by_date[pd.Timestamp("2026-10-03")] / by_date[pd.Timestamp("2026-09-26")] - 1) < 0.07
    receipts = LAUNCHES["receipts"]
    week = pd.Timedelta(days=7)
    after, before = mean_payments(rows, receipts, receipts + week), mean_payments(rows, receipts - week, receipts)
    receipts_change = after / before - 1
    assert abs(receipts_change) < 0.02
    tap = LAUNCHES["tap-to-pay"]
    change = mean_payments(rows, tap, tap + 2 * week) / mean_payments(rows, tap - 2 * week, tap) - 1
    assert 0 < change < 0.05


# --- determinism and bad input ----------------------------------------------------------------------


def test_same_seed_same_rows_and_another_seed_moves_them():
    for make in (lambda s: checkout_times("2026-10", s), conversion_by_device, checkout_flows,
                 lambda s: ab_test_daily("express-pay", s), daily_payments):
        assert make(2026).equals(make(2026))
        assert not make(2026).equals(make(7))


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_bad_seed_is_one_clear_sentence(seed):
    for make in (lambda: checkout_times("2026-10", seed), lambda: conversion_by_device(seed),
                 lambda: checkout_flows(seed), lambda: ab_test("express-pay", seed), lambda: daily_payments(seed)):
        with pytest.raises(KitError, match="seed must be a whole number"):
            make()


@pytest.mark.parametrize("month", ["2026-11", "October", 10, None])
def test_unknown_month_names_the_choices(month):
    with pytest.raises(KitError, match="There is no month .*choose one of '2026-08', '2026-09', '2026-10'"):
        checkout_times(month)


@pytest.mark.parametrize("name", ["express", "", None])
def test_unknown_experiment_names_the_choices(name):
    with pytest.raises(KitError, match="There is no experiment .*'saved-cards', 'express-pay'"):
        ab_test_daily(name)
    with pytest.raises(KitError, match="There is no experiment"):
        ab_test(name)
