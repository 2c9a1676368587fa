"""tpmkit.dora: the five metrics on a small hand-made table, the report tables by year, classification,
and one-sentence errors for bad input."""

from __future__ import annotations

import dataclasses
import inspect
import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import dora
from tpmkit.data import deployments
from tpmkit.errors import KitError

T = pd.Timestamp


def table(rows) -> pd.DataFrame:
    """rows: (service, commit, deploy, failed, restored, rework)."""
    frame = pd.DataFrame(rows, columns=["service", "commit_time", "deploy_time", "failed", "restored_time", "rework"])
    frame.insert(0, "deploy_id", [f"D-{i}" for i in range(len(frame))])
    for column in ("commit_time", "deploy_time", "restored_time"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# Two weeks of a made-up service: 6 deployments, 2 failed (one rolled back, one hotfixed), 1 hotfix.
SMALL = table([
    ("app", "2026-01-04 10:00", "2026-01-05 10:00", False, None, False),               # lead 24 h
    ("app", "2026-01-06 08:00", "2026-01-06 10:00", True, "2026-01-06 10:30", False),  # lead 2 h, 0.5 h
    ("app", "2026-01-06 09:00", "2026-01-07 09:00", True, "2026-01-07 13:00", False),  # lead 24 h, 4 h
    ("app", "2026-01-07 12:00", "2026-01-07 13:00", False, None, True),                # lead 1 h, hotfix
    ("app", "2026-01-01 09:00", "2026-01-12 09:00", False, None, False),                # lead 264 h
    ("app", "2026-01-13 06:00", "2026-01-13 09:00", False, None, False),               # lead 3 h
    ("other", "2026-01-05 09:00", "2026-01-05 10:00", False, None, False),
])
PERIOD = {"start": "2026-01-05", "end": "2026-01-19", "service": "app"}


def test_deployments_per_week_counts_every_deployment():
    assert dora.deployments_per_week(SMALL, **PERIOD) == 6 / 2
    assert dora.deployments_per_week(SMALL, start="2026-01-05", end="2026-01-19") == 7 / 2


def test_change_lead_time_is_the_median_in_hours():
    assert dora.change_lead_time_hours(SMALL, **PERIOD) == pytest.approx((3 + 24) / 2)


def test_change_fail_rate_is_failed_over_all_deployments():
    assert dora.change_fail_rate_pct(SMALL, **PERIOD) == pytest.approx(100 * 2 / 6)


def test_recovery_time_counts_failed_deployments_only():
    assert dora.failed_deployment_recovery_hours(SMALL, **PERIOD) == pytest.approx((0.5 + 4) / 2)


def test_rework_rate_is_hotfixes_over_all_deployments():
    assert dora.deployment_rework_rate_pct(SMALL, **PERIOD) == pytest.approx(100 / 6)


def test_the_period_includes_its_start_and_excludes_its_end():
    assert len(dora.select(SMALL, start="2026-01-05 10:00", end="2026-01-13 09:00", service="app")) == 5


def test_summary_is_plain_numbers():
    out = dora.summary(SMALL, **PERIOD)
    assert out == {"service": "app", "deployments": 6, "deployments_per_week": 3.0, "median_lead_time_hours": 13.5,
                   "change_fail_rate_pct": 33.3, "median_recovery_hours": 2.25, "rework_rate_pct": 16.7}
    assert all(type(v) in (str, int, float) for v in out.values())


def test_summary_without_failures_has_no_recovery_time():
    quiet = SMALL[~SMALL["failed"]]
    assert dora.summary(quiet, **PERIOD)["median_recovery_hours"] is None
    with pytest.raises(KitError, match="No deployment failed"):
        dora.failed_deployment_recovery_hours(quiet, **PERIOD)


def test_on_the_course_table_summary_matches_the_planted_quarter():
    out = dora.summary(deployments(), start="2026-06-29", end="2026-09-28", service="checkout")
    assert out["deployments"] == 78 and out["deployments_per_week"] == 6.0
    assert out["median_lead_time_hours"] == 21.5 and out["median_recovery_hours"] == 1.25


def test_monthly_uses_only_the_days_of_a_month_inside_the_period():
    month = dora.monthly(SMALL, start="2026-01-05", end="2026-01-19", service="app")
    assert list(month.index) == [T("2026-01-01")]
    assert month["deployments_per_week"].iloc[0] == pytest.approx(6 / 2)  # 14 days of January, not 31
    assert month["change_fail_rate_pct"].iloc[0] == pytest.approx(100 * 2 / 6)


def test_monthly_chart_is_a_figure():
    fig = dora.monthly_chart(deployments(), start="2026-04-01", end="2026-09-28", service="checkout")
    assert isinstance(fig, Figure) and len(fig.axes) == 2


@pytest.mark.parametrize(("call", "message"), [
    (lambda: dora.select([1, 2], start="2026-01-01", end="2026-02-01"), "must be the deployments table"),
    (lambda: dora.select(SMALL.drop(columns="rework"), start="2026-01-01", end="2026-02-01"), "no column rework"),
    (lambda: dora.select(SMALL, start="2026-02-01", end="2026-01-01"), "swap start and end"),
    (lambda: dora.select(SMALL, start="not a date", end="2026-01-01"), "start must be a date"),
    (lambda: dora.select(SMALL, start="2026-01-01", end="2026-02-01", service="shop"), "no service 'shop'"),
    (lambda: dora.select(SMALL, start="2027-01-01", end="2027-02-01"), "No deployments between"),
])
def test_bad_input_is_one_clear_sentence(call, message):
    with pytest.raises(KitError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


# --- report tables ------------------------------------------------------------------------------


def test_tables_are_keyed_by_year_with_their_source():
    assert set(dora.CLUSTER_TABLES) == {2023, 2024}
    for year, table in dora.CLUSTER_TABLES.items():
        assert table.year == year
        assert f"State of DevOps Report {year}" in table.source
        assert [lv.name for lv in table.levels] == list(dora.LEVELS)
        frame = dora.cluster_table(year)
        assert frame.attrs["source"] == table.source
        assert list(frame.index) == list(dora.LEVELS)


def test_2023_top_performers_match_the_curriculum_brief():
    # Brief: 2023 top performers deploy on demand, 5% change fail rate, lead time < 1 day, recovery < 1 hour.
    elite = dora.CLUSTER_TABLES[2023].levels[0]
    assert elite.deployment_frequency.startswith("On demand")
    assert elite.change_fail_rate_pct == 5
    assert elite.change_lead_time == "Less than one day" and elite.lead_time_hours[1] == 24
    assert elite.recovery_time == "Less than one hour" and elite.recovery_hours[1] == 1


def test_2023_change_fail_rates_and_the_non_monotonic_2024_ones():
    rates = {year: [lv.change_fail_rate_pct for lv in t.levels] for year, t in dora.CLUSTER_TABLES.items()}
    assert rates[2023] == [5, 10, 15, 64]
    assert rates[2024] == [5, 20, 10, 40]  # High 20%, Medium 10%: not in level order
    assert rates[2024][1] > rates[2024][2]


def test_each_report_cites_its_page():
    assert "p. 10" in dora.CLUSTER_TABLES[2023].source and "How do you compare?" in dora.CLUSTER_TABLES[2023].source
    assert "p. 13" in dora.CLUSTER_TABLES[2024].source


def test_recovery_times_as_the_reports_word_them():
    words = {year: [lv.recovery_time for lv in t.levels] for year, t in dora.CLUSTER_TABLES.items()}
    assert words[2023] == ["Less than one hour", "Less than one day", "Between one day and one week",
                           "Between one month and six months"]
    assert words[2024] == ["Less than one hour", "Less than one day", "Less than one day",
                           "Between one week and one month"]
    # 2023's Low level deploys and waits like Medium, but it also recovers far more slowly.
    medium, low = dora.CLUSTER_TABLES[2023].levels[2:]
    assert (low.deploys_per_week, low.lead_time_hours) == (medium.deploys_per_week, medium.lead_time_hours)
    assert low.recovery_hours == (30 * 24, 182 * 24) and low.recovery_hours[0] > medium.recovery_hours[1]


def test_every_cell_of_the_held_tables_is_filled_in():
    for year in dora.CLUSTER_TABLES:
        assert not dora.cluster_table(year).isin(["not confirmed"]).any().any(), year


def test_an_unconfirmed_cell_is_shown_and_never_used(monkeypatch):
    table = dora.CLUSTER_TABLES[2024]
    partial = dataclasses.replace(table, levels=tuple(
        dataclasses.replace(lv, change_fail_rate_pct=None, recovery_time=None, recovery_hours=None)
        if lv.name == "Low" else dataclasses.replace(lv, recovery_time=None, recovery_hours=None)
        for lv in table.levels))
    monkeypatch.setitem(dora.CLUSTER_TABLES, 2024, partial)
    frame = dora.cluster_table(2024)
    assert frame.loc["Low", "change fail rate"] == "not confirmed"
    assert frame["failed deployment recovery time"].eq("not confirmed").all()
    assert dora.classify("change_fail_rate", 12, year=2024) == ["Medium"]
    with pytest.raises(KitError, match="cannot place a rate above 20%"):
        dora.classify("change_fail_rate", 30, year=2024)
    with pytest.raises(KitError, match="no confirmed recovery times for 2024"):
        dora.classify("recovery_time", 5, year=2024)


def test_classify_has_no_default_year():
    parameter = inspect.signature(dora.classify).parameters["year"]
    assert parameter.default is inspect.Parameter.empty and parameter.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize(("metric", "value", "year", "levels"), [
    ("deployment_frequency", 10, 2023, ["Elite"]),
    ("deployment_frequency", 7, 2023, ["High"]),     # exactly daily is not "multiple per day"
    ("deployment_frequency", 3, 2023, ["High"]),
    ("deployment_frequency", 1, 2023, ["High"]),     # on the edge: the better level
    ("deployment_frequency", 0.5, 2023, ["Medium", "Low"]),  # 2023's Medium and Low deploy alike
    ("deployment_frequency", 0.5, 2024, ["Medium"]),
    ("deployment_frequency", 0.1, 2024, ["Low"]),
    ("deployment_frequency", 0.1, 2023, []),
    ("change_lead_time", 20, 2023, ["Elite"]),
    ("change_lead_time", 24, 2023, ["High"]),
    ("change_lead_time", 168, 2024, ["High"]),
    ("change_lead_time", 200, 2023, ["Medium", "Low"]),
    ("change_lead_time", 1000, 2024, ["Low"]),
    ("recovery_time", 0.5, 2023, ["Elite"]),
    ("recovery_time", 5, 2023, ["High"]),
    ("recovery_time", 48, 2023, ["Medium"]),
    ("recovery_time", 1000, 2023, ["Low"]),          # one to six months: slower than Medium
    ("recovery_time", 0.5, 2024, ["Elite"]),
    ("recovery_time", 5, 2024, ["High", "Medium"]),  # 2024's High and Medium recover alike
    ("recovery_time", 48, 2024, []),                 # no 2024 band between one day and one week
    ("recovery_time", 300, 2024, ["Low"]),
    ("change_fail_rate", 18, 2023, ["Medium"]),
    ("change_fail_rate", 18, 2024, ["High"]),
    ("change_fail_rate", 12, 2024, ["Medium"]),
    ("change_fail_rate", 40, 2023, ["Low"]),
    ("change_fail_rate", 25, 2024, ["High"]),        # nearest of 5, 20, 10 and Low's 40
    ("change_fail_rate", 25, 2023, ["Medium"]),
    ("change_fail_rate", 35, 2024, ["Low"]),
    ("change_fail_rate", 30, 2024, ["High", "Low"]),  # halfway between 20% and 40%: a tie names both
    ("change_fail_rate", 7.5, 2023, ["Elite", "High"]),  # a tie names both
])
def test_classify(metric, value, year, levels):
    assert dora.classify(metric, value, year=year) == levels


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"metric": "change_fail_rate", "value": 10, "year": 2021}, "holds the DORA tables of 2023 and 2024"),
    ({"metric": "mttr", "value": 10, "year": 2023}, "metric must be one of"),
    ({"metric": "change_fail_rate", "value": -1, "year": 2023}, "value must be a number"),
    ({"metric": "change_fail_rate", "value": math.nan, "year": 2023}, "value must be a number"),
    ({"metric": "change_fail_rate", "value": "18%", "year": 2023}, "value must be a number"),
    ({"metric": "change_fail_rate", "value": 180, "year": 2023}, "percentage from 0 to 100"),
])
def test_classify_bad_input(kwargs, message):
    with pytest.raises(KitError, match=message):
        dora.classify(kwargs.pop("metric"), kwargs.pop("value"), **kwargs)


def test_cluster_table_unknown_year():
    with pytest.raises(KitError, match="pin one of those years"):
        dora.cluster_table(True)
