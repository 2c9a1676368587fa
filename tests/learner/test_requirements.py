"""tpmkit.requirements: the measurability checklist (metric, threshold, window) on many phrasings, vague words,
the INVEST and ISO/IEC 25010:2023 tables, the visible self-check and the slicing picture. Exercise 10's
question 3 is graded here on many ways of writing each of its three requirements, right and wrong, with the
exercise's own hidden keys and check."""

from __future__ import annotations

import pytest

from tests.support.keys import hidden_keys
from tpmkit import check, requirements
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
    ("Restore the payments database within 1 day of a region failure, tested quarterly",
     {"metric": "recovery time", "threshold": "at most 1440 min", "window": "1 quarter"}),
    ("Lose at most 5 minutes of payment data when a region fails, checked monthly",
     {"metric": "data loss", "threshold": "at most 5 min", "window": "1 month"}),
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
    shown = capsys.readouterr().out
    assert "refund_nfr is measurable" in shown
    assert all(f"{part:<10} {value}" in shown for part, value in
               [("metric", "availability"), ("threshold", "at least 99.9%"), ("window", "30 days")])
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


# --- exercise 10, question 3: each requirement graded on its own, on the ways people write it ---------------
# The keys are read from the exercise source, and each sentence is graded with the call its hidden test makes.

KEYS = hidden_keys("10-requirements")


def grade(part: str, text: str) -> bool:
    try:
        check.equal(requirements.measurable(text).target, KEYS[part], part)
    except CheckFailed:
        return False
    return True


@pytest.mark.parametrize(("part", "text", "right"), [
    # Priya: 95 out of every 100 answered in under 400 ms, over a rolling 28 days
    ("q3-checkout", "p95 latency of POST /v1/payments below 400 ms over any rolling 28-day window", True),
    ("q3-checkout", "95 out of every 100 POST /v1/payments requests are answered in under 400 ms over a rolling "
                    "28 days", True),
    ("q3-checkout", "95 out of every 100 must be answered in under 400 ms over a rolling 28 days", True),
    ("q3-checkout", "95% of POST /v1/payments requests are answered within 0.4 s, over a rolling 28-day window", True),
    ("q3-checkout", "The 95th percentile response time of POST /v1/payments is 400 ms or less, measured over any "
                    "28-day window", True),
    ("q3-checkout", "No more than 5% of POST /v1/payments requests take longer than 400 ms over a rolling 28 days",
     True),
    ("q3-checkout", "19 in 20 card payments are answered in less than 400ms, judged over 28 rolling days", True),
    ("q3-checkout", "At least 95 percent of payment requests complete in under 400 milliseconds over any 4-week "
                    "window", True),
    ("q3-checkout", "POST /v1/payments p95 < 400ms over a rolling 28d window", True),
    ("q3-checkout", "Over any 28 days, the p95 of POST /v1/payments stays under 400 ms", True),
    ("q3-checkout", "Average latency of POST /v1/payments below 400 ms over any rolling 28-day window", False),
    ("q3-checkout", "p99 latency of POST /v1/payments below 400 ms over any rolling 28-day window", False),
    ("q3-checkout", "99 out of every 100 payments are answered in under 400 ms over a rolling 28 days", False),
    ("q3-checkout", "p95 latency of POST /v1/payments below 400 ms per calendar month", False),
    ("q3-checkout", "p95 latency of POST /v1/payments below 400 ms over a rolling 30-day window", False),
    ("q3-checkout", "95 out of every 100 payments are answered in under 4 s over 28 days", False),
    ("q3-checkout", "POST /v1/payments answers in under 400 ms over 28 days", False),           # every request
    ("q3-checkout", "5% of payments are answered within 400 ms over 28 days", False),           # the fast tail
    ("q3-checkout", "At least 5% of payments take longer than 400 ms over 28 days", False),     # demands slowness
    # Tom: at least 99.9% of refund requests succeed, over a rolling 30-day window
    ("q3-refund", "At least 99.9% of POST /v1/refunds requests succeed over any rolling 30-day window", True),
    ("q3-refund", "No more than 0.1% of POST /v1/refunds requests fail over a rolling 30-day window", True),
    ("q3-refund", "Fewer than 1 in 1,000 refund requests fail over any 30-day window", True),
    ("q3-refund", "The refund error rate stays at or below 0.1% over a rolling 30 days", True),
    ("q3-refund", "99.9% or more of refund requests succeed, counted over 30 rolling days", True),
    ("q3-refund", "999 out of every 1000 refund requests succeed over a 30-day rolling window", True),
    ("q3-refund", "Refund requests have an availability of at least 99.9 percent, measured over a rolling 30-day "
                  "window", True),
    ("q3-refund", "At least 99.9% of refunds complete error-free over any 30-day window", True),
    ("q3-refund", "Refunds fail less than 0.1% of the time, per rolling 30 days", True),
    ("q3-refund", "At least 99.9% of POST /v1/refunds requests succeed per calendar month", False),
    ("q3-refund", "At least 99% of refund requests succeed over 30 days", False),
    ("q3-refund", "No more than 1% of refund requests fail over 30 days", False),
    ("q3-refund", "At least 99.9% of refund requests succeed over any 28-day window", False),
    ("q3-refund", "At least 0.1% of refund requests fail over 30 days", False),
    ("q3-refund", "No more than 99.9% of refund requests succeed over 30 days", False),
    # Ana: at least 20 report requests per second, sustained for 2 hours
    ("q3-report", "The API serves at least 20 settlement report requests per second, sustained for 2 hours", True),
    ("q3-report", "at least 20 report requests/s, sustained over 2 hours", True),
    ("q3-report", "20 or more per second for 120 minutes", True),
    ("q3-report", "The settlement report endpoint handles 20 rps for two hours", True),
    ("q3-report", "Serve a minimum of 20 report downloads a second for a 2-hour period", True),
    ("q3-report", "20 req/s for 2h", True),
    ("q3-report", "No fewer than 20 report requests every second, for at least 2 hours", True),
    ("q3-report", "The API copes with up to 20 settlement report requests per second for 2 hours", True),
    ("q3-report", "The API serves at least 20 settlement report requests per second for 1 day, the first working "
                  "day", False),
    ("q3-report", "The API serves at least 20 settlement report requests per minute for 2 hours", False),
    ("q3-report", "The API serves at least 20 settlement report requests per second on the first working day of "
                  "each month", False),
    ("q3-report", "The API serves at most 20 report requests per second for 2 hours", False),
    ("q3-report", "The API serves at least 10 report requests per second for 2 hours", False),
    ("q3-report", "The API serves at least 20 report requests per second for 20 minutes", False),
])
def test_q3_grades_each_requirement_on_many_phrasings(part, text, right):
    assert grade(part, text) is right, requirements.measurable(text)


def test_q3_has_three_parts_of_one_point_each():
    assert {gid for gid in KEYS if gid.startswith("q3-")} == {"q3-checkout", "q3-refund", "q3-report"}


@pytest.mark.parametrize(("text", "shown"), [
    # the sentences from issue #15 that the checklist used to misread, and what it must now show
    ("95 out of every 100 POST /v1/payments requests are answered in under 400 ms over a rolling 28 days",
     [("metric", "p95 latency"), ("threshold", "at most 400 ms"), ("window", "28 days")]),
    ("No more than 0.1% of POST /v1/refunds requests fail over a rolling 30-day window",
     [("metric", "error rate"), ("threshold", "at most 0.1%"), ("window", "30 days"),
      ("same as", "availability at least 99.9%")]),
    ("at least 20 report requests/s, sustained over 2 hours",
     [("metric", "throughput"), ("threshold", "at least 20 per second"), ("window", "2 hours")]),
    ("20 or more per second for 120 minutes",
     [("metric", "throughput"), ("threshold", "at least 20 per second"), ("window", "2 hours")]),
])
def test_self_check_shows_what_it_read(capsys, text, shown):
    requirements.self_check(text, "nfr")
    out = capsys.readouterr().out
    assert all(f"{part:<10} {value}" in out for part, value in shown), out


def test_self_check_explains_the_percentile_and_notes_a_mean(capsys):
    requirements.self_check("95 out of every 100 payments are answered in under 400 ms over 28 days", "nfr")
    assert "95 in every 100 requests" in capsys.readouterr().out
    requirements.self_check("Average latency of POST /v1/payments below 400 ms over 28 days", "nfr")
    assert "hides the slow tail" in capsys.readouterr().out


def test_target_puts_an_error_ceiling_as_a_success_floor():
    ceiling = requirements.measurable("The refund error rate stays below 0.1% over 30 days")
    assert ceiling.facts == {"metric": "error rate", "threshold": "at most 0.1%", "window": "30 days"}
    assert ceiling.target == {"metric": "availability", "threshold": "at least 99.9%", "window": "30 days"}
    floor = requirements.measurable("99.95% of checkout requests succeed over any 30-day window")
    assert floor.target == floor.facts


def test_a_load_is_the_condition_and_a_period_the_window():
    found = requirements.measurable("95% of checkouts show 'Approved' within 800 ms of tapping Pay, at up to "
                                    "2,000 checkouts per second, measured over any 28-day window")
    assert found.facts == {"metric": "p95 latency", "threshold": "at most 800 ms", "window": "28 days"}
    assert found.load == "2000 per second" and "load      2000 per second" in repr(found)


def test_up_to_a_rate_is_read_as_the_load_to_cope_with_and_says_so():
    found = requirements.measurable("The API handles up to 20 report requests per second for 2 hours")
    assert found.threshold == "at least 20 per second"
    assert "say 'at most'" in found.notes[0]


def test_safety_is_about_endangering_people_property_or_the_environment():
    # ISO/IEC 25010:2023, 3.9: a state in which human life, health, property or the environment is endangered.
    # Fraud and money lost to attackers are security, not safety.
    table = requirements.quality_characteristics().set_index("characteristic")
    covers, example = table.loc["safety", "covers"], table.loc["safety", "a Tillpoint NFR"]
    assert "human life, health, property or the environment" in covers and "business" not in covers
    assert "fraud" not in example.lower()


@pytest.mark.parametrize("odd", ["≤≥<>%%%", "p", "0 out of 0", "1e5 ms", "for " * 120, "1 in " * 90, "über 400 ms ✓",
                                 "within 1 week", "0% of requests fail over 0 days"])
def test_odd_sentences_are_read_without_crashing(odd):
    found = requirements.measurable(odd)
    assert isinstance(repr(found), str) and isinstance(found.target, dict)
    assert found.window != "0 minutes"
