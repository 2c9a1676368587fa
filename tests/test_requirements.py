"""tpmkit.requirements: the measurability checklist (metric, threshold, window) on many phrasings, vague words,
the INVEST and ISO/IEC 25010:2023 tables, the visible self-check and the slicing picture."""

from __future__ import annotations

import pytest

from tpmkit import requirements
from tpmkit.errors import CheckFailed, KitError


@pytest.mark.parametrize(("text", "facts"), [
    # the curriculum brief's example
    ("p95 latency of POST /v1/payments below 300 ms over any 28-day window",
     {"metric": "p95 latency", "threshold": "at most 300 ms", "window": "28 days"}),
    # "95 out of 100" written as a share, seconds written as seconds
    ("95% of POST /v1/payments requests are answered within 0.4 s, over a rolling 28-day window",
     {"metric": "p95 latency", "threshold": "at most 400 ms", "window": "28 days"}),
    ("The 99th percentile response time stays under 1.2 seconds, measured over 7 days",
     {"metric": "p99 latency", "threshold": "at most 1200 ms", "window": "7 days"}),
    ("Median latency below 120 ms each calendar month",
     {"metric": "p50 latency", "threshold": "at most 120 ms", "window": "1 month"}),
    ("The average response time of checkout is under 400 ms over 28 days",
     {"metric": "mean latency", "threshold": "at most 400 ms", "window": "28 days"}),
    ("99.9% of refund requests succeed over any 30-day window",
     {"metric": "availability", "threshold": "at least 99.9%", "window": "30 days"}),
    ("Availability of at least 99.95% per calendar month",
     {"metric": "availability", "threshold": "at least 99.95%", "window": "1 month"}),
    ("The refund error rate stays below 0.1% over 30 days",
     {"metric": "error rate", "threshold": "at most 0.1%", "window": "30 days"}),
    ("The API serves at least 20 settlement report requests per second for 2 hours",
     {"metric": "throughput", "threshold": "at least 20 per second", "window": "2 hours"}),
    ("Sustain 200 rps for 120 minutes",
     {"metric": "throughput", "threshold": "at least 200 per second", "window": "2 hours"}),
    ("p99 latency of GET /v1/customers below 250 ms at 100 requests per second",
     {"metric": "p99 latency", "threshold": "at most 250 ms", "window": "load of 100 per second"}),
    ("Restore the payments database within 1 hour of a region failure, tested quarterly",
     {"metric": "recovery time", "threshold": "at most 60 min", "window": "1 quarter"}),
    ("p95 latency below 1,500 ms over 2 weeks",
     {"metric": "p95 latency", "threshold": "at most 1500 ms", "window": "14 days"}),
])
def test_measurable_requirements_are_read_and_normalised(text, facts):
    found = requirements.measurable(text)
    assert found.facts == facts
    assert found.ok and found.missing == []


@pytest.mark.parametrize(("text", "missing", "vague"), [
    ("Checkout must be fast", ["metric", "threshold", "window"], ["fast"]),
    ("Refunds must be reliable", ["metric", "threshold", "window"], ["reliable"]),
    ("The settlement report must scale", ["metric", "threshold", "window"], ["scale"]),
    ("Refunds must be reliable: 99.9% availability", ["window"], ["reliable"]),
    ("p95 latency of POST /v1/payments below 300 ms", ["window"], []),
    ("99.95% over 30 days", ["metric"], []),
    ("Payments are quick over any 28-day window", ["metric", "threshold"], ["quick"]),
])
def test_missing_parts_and_vague_words_are_named(text, missing, vague):
    found = requirements.measurable(text)
    assert found.missing == missing
    assert found.vague == vague
    assert not found.ok
    shown = repr(found)
    assert all(f"{part:<9} MISSING" in shown for part in missing)


def test_notes_explain_a_mean_and_a_missing_percentile():
    assert "hides the slow tail" in requirements.measurable("Mean latency under 300 ms over 28 days").notes[0]
    assert "which percentile" in requirements.measurable("The report loads within 2 s over 7 days").notes[0]


def test_facts_are_plain_data_and_the_result_displays():
    found = requirements.measurable("p95 latency of POST /v1/payments below 300 ms over any 28-day window")
    assert found.facts == {"metric": "p95 latency", "threshold": "at most 300 ms", "window": "28 days"}
    assert "measurable" in found._repr_html_()
    assert "MISSING" in requirements.measurable("Checkout must be fast")._repr_html_()


@pytest.mark.parametrize(("bad", "message"), [(None, "text"), (42, "text"), ("   ", "empty"),
                                              ("x" * 600, "one requirement at a time")])
def test_bad_input_is_one_line(bad, message):
    with pytest.raises(KitError, match=message):
        requirements.measurable(bad)


def test_self_check_passes_a_measurable_requirement_and_names_the_missing_part(capsys):
    requirements.self_check("99.9% of refund requests succeed over any 30-day window", "refund_nfr")
    assert "names a metric (availability)" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="has no window"):
        requirements.self_check("At least 99.9% of refund requests succeed", "refund_nfr")
    with pytest.raises(CheckFailed, match="not set yet"):
        requirements.self_check(None, "refund_nfr")
    with pytest.raises(CheckFailed, match="text"):
        requirements.self_check(3, "refund_nfr")


def test_invest_and_iso_25010_tables():
    assert "".join(requirements.invest_table()["letter"]) == "INVEST"
    table = requirements.quality_characteristics()
    assert list(table["characteristic"]) == list(requirements.ISO_25010)
    assert len(requirements.ISO_25010) == 9  # ISO/IEC 25010:2023 has nine characteristics
    assert "safety" in requirements.ISO_25010 and "usability" not in requirements.ISO_25010
    assert requirements.RENAMED_2023 == {"usability": "interaction capability", "portability": "flexibility"}


def test_slicing_picture_is_a_figure():
    fig = requirements.slicing_picture()
    assert len(fig.axes) == 2
