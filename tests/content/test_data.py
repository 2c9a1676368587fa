"""The request log holds the planted incident the curriculum brief describes. Reference code here
recomputes every planted figure from the rows with plain NumPy (tests/support/slo.py), independently of
tpmkit.slo.

Planted answers (documented here, not in tpmkit, which learners receive), tpmkit.data.request_log:
- The incident (15% of requests fail for 10 minutes from INCIDENT_START) is 1,500 failed requests,
  3.47% of a 30-day 99.9% budget (43,200 failed requests).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.slo import SLO, burn
from tpmkit.data import latency_sample, request_log
from tpmkit.errors import KitError


@pytest.fixture(scope="module")
def log():
    return request_log()


def incident_minutes(log) -> pd.DataFrame:
    return log[log["errors"] / log["requests"] > 0.05]


def test_shape_and_traffic(log):
    assert list(log.columns) == ["minute", "requests", "errors"]
    assert len(log) == 30 * 24 * 60
    assert (log["minute"].diff().dropna() == pd.Timedelta(minutes=1)).all()
    assert (log["requests"] == 1_000).all()
    assert len(request_log(days=28)) == 28 * 24 * 60


def test_baseline_error_rate_is_about_two_in_ten_thousand(log):
    baseline = log.drop(incident_minutes(log).index)
    rate = baseline["errors"].sum() / baseline["requests"].sum()
    assert 0.00015 < rate < 0.00025


def test_planted_incident_is_ten_minutes_of_fifteen_percent_errors(log):
    incident = incident_minutes(log)
    assert len(incident) == 10
    assert (incident["minute"].diff().dropna() == pd.Timedelta(minutes=1)).all(), "one unbroken run"
    assert (incident["errors"] / incident["requests"] == 0.15).all()
    assert incident["errors"].sum() == 1_500


def test_incident_spends_3_47_percent_of_a_30_day_budget(log):
    budget = (1 - SLO) * log["requests"].sum()
    assert budget == pytest.approx(43_200)
    assert round(1_500 / budget * 100, 2) == 3.47


def test_burn_rates_during_the_incident(log):
    end = incident_minutes(log).index[-1]
    assert burn(log, 5)[end] == pytest.approx(150)
    # the 1-hour window holds the incident plus 50 baseline minutes: about 25
    assert 25 <= burn(log, 60)[end] < 26


def test_multiwindow_page_fires_and_single_windows_differ(log):
    page = (burn(log, 60) >= 14.4) & (burn(log, 5) >= 14.4)
    first = log["minute"][page.argmax()]
    assert page.any()
    assert first == incident_minutes(log)["minute"].iloc[0] + pd.Timedelta(minutes=5)
    assert page.sum() < (burn(log, 60) >= 14.4).sum(), "the short window ends the page sooner"
    assert log["minute"][(burn(log, 5) >= 14.4).argmax()] < first, "the short window alone is earlier"


def test_same_seed_same_rows_and_seed_only_moves_the_baseline(log):
    pd.testing.assert_frame_equal(log, request_log())
    other = request_log(seed=1)
    assert not other["errors"].equals(log["errors"])
    pd.testing.assert_frame_equal(incident_minutes(other), incident_minutes(log))


def test_latency_percentiles_match_the_workbook_example():
    latency = latency_sample()["latency_ms"]
    assert latency.quantile(0.90) == pytest.approx(432, rel=0.02)
    assert latency.quantile(0.99) == pytest.approx(891, rel=0.03)
    assert (latency > 0).all()
    pd.testing.assert_frame_equal(latency_sample(n=1000), latency_sample(n=1000))


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: request_log(days=31), "28, 29 or 30"),
    (lambda: request_log(days="30"), "28, 29 or 30"),
    (lambda: request_log(days=True), "28, 29 or 30"),
    (lambda: request_log(seed=-1), "seed"),
    (lambda: request_log(seed=1.5), "seed"),
    (lambda: latency_sample(n=0), "between 1 and"),
])
def test_bad_input_is_one_clear_sentence(call, phrase):
    with pytest.raises(KitError) as info:
        call()
    message = str(info.value)
    assert phrase in message and "\n" not in message
