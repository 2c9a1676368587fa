"""tpmkit.slo against the SRE Workbook's figures, recomputed here from the formulas."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest

from tpmkit import slo
from tpmkit.errors import KitError

WORKBOOK_REQUESTS = 3_663_253  # SRE Workbook ch. 2, "Implementing SLOs"


def exact_budget(target: str, events: int) -> int:
    """floor((1 - SLO) x events) in exact arithmetic: the Workbook floors, it does not round."""
    return math.floor((1 - Fraction(target)) * events)


# --- error_budget --------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "events"), [
    ("0.97", WORKBOOK_REQUESTS),
    ("0.90", WORKBOOK_REQUESTS),
    ("0.99", WORKBOOK_REQUESTS),
    ("0.999", 3_000_000),
    ("0.9", 30),
    ("0.999", 0),
    ("0.99999", 123_456_789),
])
def test_error_budget_is_floor_of_one_minus_slo_times_events(target, events):
    assert slo.error_budget(float(target), events) == exact_budget(target, events)
    assert type(slo.error_budget(float(target), events)) is int


def test_error_budget_workbook_figures():
    # The figures printed in the Workbook, which the formula above reproduces.
    budgets = [exact_budget(t, WORKBOOK_REQUESTS) for t in ("0.97", "0.90", "0.99")]
    assert budgets == [109_897, 366_325, 36_632]
    assert [slo.error_budget(s, WORKBOOK_REQUESTS) for s in (0.97, 0.90, 0.99)] == budgets
    assert slo.error_budget(0.999, 3_000_000) == 3_000


def test_error_budget_floors_not_rounds():
    # 3% of 3,663,253 is 109,897.59: rounding would give 109,898.
    exact = (1 - Fraction("0.97")) * WORKBOOK_REQUESTS
    assert exact - math.floor(exact) > Fraction(1, 2)
    assert slo.error_budget(0.97, WORKBOOK_REQUESTS) == math.floor(exact)
    assert slo.error_budget(0.97, WORKBOOK_REQUESTS) != round(exact)


def test_error_budget_is_not_fooled_by_binary_floats():
    # In binary floating point (1 - 0.9) * 30 is 2.9999999999999996, which floors to 2.
    assert math.floor((1 - 0.9) * 30) == 2
    assert slo.error_budget(0.9, 30) == 3


def test_error_budget_spent_by_an_outage():
    # Curriculum: a 1,500-error outage spends 50% of a 3,000,000-request, 99.9% budget.
    assert Fraction(1_500, slo.error_budget(0.999, 3_000_000)) == Fraction(1, 2)


# --- allowed downtime ----------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "days"), [
    ("0.999", 30), ("0.999", 28), ("0.9995", 28), ("0.9995", 30), ("0.99", 7), ("0.99999", 30),
])
def test_allowed_downtime_minutes_formula(target, days):
    expected = float((1 - Fraction(target)) * days * 24 * 60)
    assert slo.allowed_downtime_minutes(float(target), days) == pytest.approx(expected, rel=1e-9)


def test_allowed_downtime_window_matters():
    assert slo.allowed_downtime_minutes(0.999, 30) == pytest.approx(43.2)
    assert slo.allowed_downtime_minutes(0.999, 28) == pytest.approx(40.32)
    assert slo.allowed_downtime_minutes(0.9995, 28) == pytest.approx(20.16)
    assert slo.allowed_downtime_minutes(0.999, 28) != pytest.approx(43.2)


def test_downtime_table_shape_and_values():
    table = slo.downtime_table()
    assert list(table.index) == ["99%", "99.5%", "99.9%", "99.95%", "99.99%", "99.999%"]
    assert table.index.name == "SLO"
    assert list(table.columns) == ["28-day window (min)", "30-day window (min)"]
    assert table.shape == (6, 2)
    assert table.loc["99.9%", "30-day window (min)"] == pytest.approx(43.2)
    assert table.loc["99.9%", "28-day window (min)"] == pytest.approx(40.32)
    assert table.loc["99.95%", "28-day window (min)"] == pytest.approx(20.16)
    for label, target in zip(table.index, ("0.99", "0.995", "0.999", "0.9995", "0.9999", "0.99999"),
                             strict=True):
        for days in (28, 30):
            exact = float((1 - Fraction(target)) * days * 1440)
            assert table.loc[label, f"{days}-day window (min)"] == pytest.approx(exact, abs=0.0005)


def test_downtime_table_custom_rows_and_columns():
    table = slo.downtime_table(slos=(0.999,), windows=(7, 90))
    assert table.shape == (1, 2)
    assert table.loc["99.9%", "7-day window (min)"] == pytest.approx(10.08)
    assert table.loc["99.9%", "90-day window (min)"] == pytest.approx(129.6)


# --- burn rate -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("spent", "hours", "expected"), [
    (0.02, 1, 14.4),   # page
    (0.05, 6, 6),      # page
    (0.10, 72, 1),     # ticket: 3 days
    (0.05, 1, 36),
])
def test_burn_rate_workbook_thresholds(spent, hours, expected):
    formula = spent * (30 * 24) / hours  # fraction spent x (SLO window / alert window)
    assert formula == pytest.approx(expected)
    assert slo.burn_rate(spent, hours) == pytest.approx(expected)


def test_burn_rate_uses_the_slo_window():
    assert slo.burn_rate(0.02, 1, slo_window_days=28) == pytest.approx(0.02 * 28 * 24)
    assert slo.burn_rate(0.02, 1, slo_window_days=28) != pytest.approx(14.4)


@pytest.mark.parametrize(("rate", "hours"), [
    (1, 720), (2, 360), (10, 72), (14.4, 50), (1000, 0.72),
])
def test_hours_to_exhaust(rate, hours):
    assert slo.hours_to_exhaust(rate) == pytest.approx(30 * 24 / rate)
    assert slo.hours_to_exhaust(rate) == pytest.approx(hours)


def test_hours_to_exhaust_is_days_not_hours_at_14_4():
    hours = slo.hours_to_exhaust(14.4)
    assert hours / 24 == pytest.approx(2.08, abs=0.005)  # about 2.08 days ...
    assert hours != pytest.approx(2, abs=0.5)            # ... not the blogs' "2 hours"
    assert slo.hours_to_exhaust(1000) * 60 == pytest.approx(43.2)  # 43.2 minutes


# --- rolling burn rate over a request log --------------------------------------------------------


def small_log() -> pd.DataFrame:
    return pd.DataFrame({
        "minute": pd.date_range("2026-10-01 00:00", periods=6, freq="min"),
        "requests": [1000, 1000, 1000, 1000, 500, 1000],
        "errors": [0, 1, 2, 150, 0, 3],
    })


def test_rolling_burn_rate_by_hand():
    log = small_log()
    rate = slo.rolling_burn_rate(log, 0.999, 3)
    assert len(rate) == 6
    assert rate.iloc[:2].isna().all()  # no full 3-minute window yet
    budget_fraction = 1 - 0.999
    for end in range(2, 6):
        window = log.iloc[end - 2:end + 1]
        expected = window["errors"].sum() / window["requests"].sum() / budget_fraction
        assert rate.iloc[end] == pytest.approx(expected)
    assert rate.iloc[2] == pytest.approx(1.0)       # 3 errors in 3,000 requests: exactly on budget
    assert rate.iloc[3] == pytest.approx(51.0)      # 153 in 3,000
    assert isinstance(rate.index, pd.DatetimeIndex)
    assert rate.index[3] == pd.Timestamp("2026-10-01 00:03")
    assert "3-minute" in rate.name


def test_rolling_burn_rate_one_minute_window_and_too_long_window():
    log = small_log()
    one = slo.rolling_burn_rate(log, 0.99, 1)
    expected = (log["errors"] / log["requests"] / (1 - 0.99)).tolist()
    assert one.tolist() == pytest.approx(expected)
    assert slo.rolling_burn_rate(log, 0.999, 7).isna().all()


def test_validate_log_returns_the_log():
    log = small_log()
    assert slo.validate_log(log) is log


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("percent", "fraction"), [(99.9, "0.999"), (99.95, "0.9995"), (97, "0.97")])
def test_slo_given_as_a_percentage_suggests_the_fraction(percent, fraction):
    with pytest.raises(KitError) as exc:
        slo.error_budget(percent, 1000)
    assert f"for {percent}% write {fraction}" in str(exc.value)
    assert "between 0 and 1" in str(exc.value)


@pytest.mark.parametrize(("bad", "phrase"), [
    (0, "between 0 and 1"),
    (1, "between 0 and 1"),
    (1.5, "between 0 and 1"),
    (-0.1, "between 0 and 1"),
    ("x", "slo must be a number"),
    ("0.999", "slo must be a number"),
    (None, "slo must be a number"),
    (True, "slo must be a number"),
    (float("nan"), "slo must be a number"),
])
def test_bad_slo(bad, phrase):
    for call in (lambda: slo.error_budget(bad, 1000),
                 lambda: slo.allowed_downtime_minutes(bad, 30),
                 lambda: slo.rolling_burn_rate(small_log(), bad, 1)):
        with pytest.raises(KitError) as exc:
            call()
        assert phrase in str(exc.value)
        assert "\n" not in str(exc.value)


@pytest.mark.parametrize("events", [-1, 1.5, 3000.0, "3000", None, True])
def test_bad_events(events):
    with pytest.raises(KitError, match="events must be a whole number of events"):
        slo.error_budget(0.999, events)


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: slo.allowed_downtime_minutes(0.999, 0), "window_days must be greater than 0"),
    (lambda: slo.allowed_downtime_minutes(0.999, "30"), "window_days must be a number"),
    (lambda: slo.burn_rate(-0.02, 1), "budget_spent is a fraction of the budget"),
    (lambda: slo.burn_rate(0.02, 0), "alert_window_hours must be greater than 0"),
    (lambda: slo.burn_rate(0.02, 1, slo_window_days=-30), "slo_window_days must be greater than 0"),
    (lambda: slo.hours_to_exhaust(0), "rate must be greater than 0"),
    (lambda: slo.hours_to_exhaust("fast"), "rate must be a number"),
])
def test_bad_numbers(call, phrase):
    with pytest.raises(KitError) as exc:
        call()
    assert phrase in str(exc.value)


def test_empty_log():
    empty = small_log().iloc[0:0]
    with pytest.raises(KitError, match="The request log is empty"):
        slo.rolling_burn_rate(empty, 0.999, 5)
    with pytest.raises(KitError):
        slo.validate_log(pd.DataFrame())


def test_log_that_is_not_a_dataframe():
    with pytest.raises(KitError, match="Expected a request log DataFrame") as exc:
        slo.rolling_burn_rate(small_log().to_dict("records"), 0.999, 5)
    assert "not a list" in str(exc.value)


def test_log_missing_columns():
    with pytest.raises(KitError) as exc:
        slo.rolling_burn_rate(small_log().drop(columns=["errors"]), 0.999, 5)
    assert "missing: errors" in str(exc.value)
    with pytest.raises(KitError, match="missing: errors, requests"):
        slo.validate_log(small_log()[["minute"]])


@pytest.mark.parametrize("window", [0, -5, 2.5, "5", True])
def test_bad_window_minutes(window):
    with pytest.raises(KitError, match="window_minutes must be a whole number"):
        slo.rolling_burn_rate(small_log(), 0.999, window)
