"""tpmkit.acceptance: Gherkin parsed and shape-checked (one When per scenario), steps matched by regex only,
scenarios run against a real server and in-process builds with planted bugs, bounded on untrusted text."""

from __future__ import annotations

import time

import pytest

from tpmkit import acceptance, api
from tpmkit.errors import CheckFailed, KitError

OVER_REFUND = """
Feature: Refunds never exceed the payment

  Scenario: a refund larger than the payment is refused
    Given a succeeded payment of 2500 pence
    When I refund 3000 pence of it
    Then the response status is 422
    And the error code is "amount_too_large"
    And the payment's refunded total is 0

  Scenario: a partial refund goes through
    Given a succeeded payment of 2500 pence
    When I refund 1000 pence of it
    Then the response status is 201
    And the payment's refunded total is 1000
"""

FAILED_PAYMENT = """
Scenario: a declined payment cannot be refunded
  Given a failed payment
  When I refund all of it
  Then the response status is 422
  And the error code is "payment_not_succeeded"
"""


@pytest.fixture(scope="module")
def shop():
    with api.start(quiet=True) as server:
        yield server


# --- the package's names ---------------------------------------------------------------------------------


def test_the_names_lessons_and_tests_use_stay_reachable_from_the_package():
    assert sorted(acceptance.__all__) == ["Report", "catches", "lint", "parse", "run", "self_check", "steps"]
    for name in [*acceptance.__all__, "Scenario", "Step", "Answer", "StepFailed", "OutOfTime", "nearest"]:
        assert callable(getattr(acceptance, name)), name
    assert len(acceptance.steps()) == len(acceptance.step_definitions.LIBRARY) == 31  # the function, not a module


# --- parsing and shape -------------------------------------------------------------------------------


def test_parse_reads_scenarios_and_gives_and_the_kind_before_it():
    scenarios = acceptance.parse(OVER_REFUND)
    assert [s.name for s in scenarios] == ["a refund larger than the payment is refused",
                                           "a partial refund goes through"]
    kinds = [(step.keyword, step.kind) for step in scenarios[0].steps]
    assert kinds == [("Given", "given"), ("When", "when"), ("Then", "then"), ("And", "then"), ("And", "then")]


def test_background_steps_are_shared_by_every_scenario():
    text = """Feature: f
  Background:
    Given a customer "cus_0042"
  Scenario: one
    When I fetch the customer
    Then the response status is 200
  Scenario: two
    When I fetch customer "cus_0043"
    Then the response status is 200
"""
    scenarios = acceptance.parse(text)
    assert all(s.steps[0].text == 'a customer "cus_0042"' for s in scenarios)


def test_descriptions_comments_tags_and_curly_quotes_are_allowed():
    text = ("# comment\n@refunds\nFeature: Refunds\n  Shops give money back at the till.\n\n"
            "  Scenario: x\n    A description line.\n    When I fetch customer \u201ccus_0042\u201d.\n"
            "    Then the response status is 200\n")
    assert acceptance.parse(text)[0].steps[0].text == 'I fetch customer "cus_0042"'


@pytest.mark.parametrize(("text", "message"), [
    ("Scenario: x\n Given a failed payment\n When I refund all of it\n And I fetch the payment\n"
     " Then the response status is 200", "2 When steps"),
    ("Scenario: x\n When I fetch the payment\n When I refund all of it\n Then the response status is 200",
     "2 When steps"),
    ("Scenario: x\n Given a failed payment\n Then the response status is 422", "no When step"),
    ("Scenario: x\n Given a failed payment\n When I refund all of it", "no Then step"),
    ("Scenario: x\n When I refund all of it\n Then the response status is 422\n Given a failed payment",
     "a Given after the When"),
    ("Scenario: x\n Then the response status is 422\n When I refund all of it", "a Then before the When"),
    ("Scenario: x\n And a failed payment\n When I refund all of it\n Then the response status is 1",
     "starts with 'And'"),
    ("Given a failed payment", "outside any scenario"),
    ("Feature: only a title", "no Scenario"),
    ("Scenario Outline: x\n Given a failed payment", "Scenario Outline"),
    ("Scenario: x\n Given a failed payment\n | a | b |", "tables and doc strings"),
    ("Scenario: x\n When I fetch the payment\n this is not a step\n Then the response status is 200", "is not a step"),
    ("hello there", "is not Gherkin"),
    ("Scenario: x\n Given\n When I fetch the payment", "no step after it"),
])
def test_malformed_text_is_one_line_kit_error(text, message):
    with pytest.raises(KitError, match=message) as caught:
        acceptance.parse(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("bad", [None, 42, b"Scenario: x", ["Scenario: x"]])
def test_a_feature_must_be_text(bad):
    with pytest.raises(KitError, match="text"):
        acceptance.parse(bad)


def test_sizes_are_bounded():
    scenario = "Scenario: s\n When I fetch the payment\n Then the response status is 200\n"
    with pytest.raises(KitError, match="more than 20 scenarios"):
        acceptance.parse(scenario * 21)
    with pytest.raises(KitError, match="more than 15 steps"):
        acceptance.parse("Scenario: s\n" + " Given a failed payment\n" * 16)
    with pytest.raises(KitError, match="characters long"):
        acceptance.parse("Scenario: " + "x" * 400)
    with pytest.raises(KitError, match="keep it under"):
        acceptance.parse("#" * 30_000)


# --- matching, suggestions, lint ------------------------------------------------------------------------


def test_unknown_steps_get_the_nearest_known_step():
    text = "Scenario: x\n Given a succeded payment of 2500p\n When I refund 3000 pence\n Then the status is 422\n"
    problems = acceptance.lint(text)
    assert problems == [
        "Line 2: 'Given a succeded payment of 2500p' is not a step the kit knows; "
        "nearest: Given a succeeded payment of 2500 pence.",
        "Line 3: 'When I refund 3000 pence' is not a step the kit knows; nearest: When I refund 3000 pence of it.",
    ]


def test_a_step_under_the_wrong_keyword_is_named():
    text = "Scenario: x\n Given the response status is 200\n When I fetch the payment\n Then a failed payment\n"
    problems = acceptance.lint(text)
    assert "(a Then step)" in problems[0] and "(a Given step)" in problems[1]


def test_lint_reports_shape_problems_as_text_and_nothing_for_good_text():
    assert acceptance.lint(OVER_REFUND) == []
    assert "2 When steps" in acceptance.lint("Scenario: x\n When I fetch the payment\n And I fetch the payment\n"
                                             " Then the response status is 200")[0]


def test_every_library_example_matches_its_own_step():
    table = acceptance.steps()
    assert set(table["kind"]) == {"Given", "When", "Then"}
    for kind, example in zip(table["kind"], table["step"], strict=True):
        step = acceptance.Step(kind, kind.lower(), example, 1)
        assert acceptance.matching.match(step)[0] is not None, example


def test_matching_is_linear_on_hostile_lines():
    line = "Then the response field \"" + "a" * 80 + "\" is " + '"' + "x" * 150
    started = time.monotonic()
    acceptance.lint("Scenario: x\n When I fetch the payment\n " + line + "\n")
    assert time.monotonic() - started < 2  # regexes without nested repeats: no catastrophic backtracking


# --- running against a real server ---------------------------------------------------------------------------


def test_run_against_a_running_server_reports_each_scenario(shop):
    report = acceptance.run(OVER_REFUND + FAILED_PAYMENT, url=shop.url, key=shop.key)
    assert report.summary() == {"scenarios": 3, "passed": 3, "failed": 0, "undefined_steps": []}
    assert shop.requests(path="/v1/refunds")  # real HTTP: the server recorded the refunds
    assert "3 of 3 scenarios passed" in report._repr_html_()
    assert report.chart().axes


def test_a_failing_step_says_why_and_later_steps_are_skipped(shop):
    text = ("Scenario: wrong expectation\n Given a succeeded payment of 2500 pence\n When I refund 3000 pence of it\n"
            " Then the response status is 400\n And the error code is \"amount_too_large\"\n")
    report = acceptance.run(text, url=shop.url, key=shop.key)
    scenario = report.scenarios[0]
    assert scenario["status"] == "failed"
    assert [s["status"] for s in scenario["steps"]] == ["passed", "passed", "failed", "skipped"]
    assert scenario["why"] == "expected status 400, got 422 amount_too_large."
    assert "✗ Then the response status is 400" in repr(report)
    assert report.table()["result"].tolist() == ["failed"]


def test_steps_cover_keys_versions_pagination_and_headers(shop):
    text = """
Scenario: the read-only key may not refund
  Given a succeeded payment of 2500 pence
  And I use the read-only key
  When I refund 100 pence of it
  Then the response status is 403
  And the error code is "read_only_key"

Scenario: no key
  Given I use no API key
  When I fetch customer "cus_0042"
  Then the response status is 401
  And the response has a header "WWW-Authenticate"

Scenario: the old version still says name
  Given I pin API version "2026-01-01"
  When I fetch customer "cus_0042"
  Then the response has a field "name"
  And the response has no field "business_name"
  And the response header "Tillpoint-Version" is "2026-01-01"

Scenario: cursor pages
  When I list customers with limit 5 starting after "cus_0010"
  Then the list has 5 items
  And the response field "data.0.id" is "cus_0011"
  And the list has more items

Scenario: numbered pages
  When I list payments page 1 with 100 per page
  Then the list has 100 items
  And the list has more items
  And the response has a header "X-Total-Count"

Scenario: a long text message
  Given a customer "cus_0007"
  When I send an SMS of 161 characters
  Then the response status is 422
  And the error code is "text_too_long"

Scenario: a payment replayed
  Given a succeeded payment of 1200 pence taken with idempotency key "order-77"
  When I take a payment of 1200 pence with idempotency key "order-77"
  Then the response status is 201
  And the response header "Idempotent-Replayed" is "true"

Scenario: any path
  When I request "/v1/customers?limit=3"
  Then the list has 3 items
  And the response field "has_more" is true
"""
    report = acceptance.run(text, url=shop.url, key=shop.key)
    assert report.failed == 0 and report.passed == 8, repr(report)


def test_field_checks_compare_json_types():
    text = ('Scenario: x\n Given a succeeded payment of 2500 pence\n When I fetch the payment\n'
            ' Then the response field "amount" is "2500"\n')
    with api.start(quiet=True) as shop:
        report = acceptance.run(text, url=shop.url, key=shop.key)
    assert report.scenarios[0]["why"] == 'field "amount" is the number 2500, not the text "2500".'


def test_a_given_the_api_refuses_fails_the_scenario_with_the_reason(shop):
    text = ("Scenario: x\n Given a succeeded payment of 10 pence\n When I fetch the payment\n"
            " Then the response status is 200")
    report = acceptance.run(text, url=shop.url, key=shop.key)
    assert report.scenarios[0]["why"] == ("could not set up a payment of 10 pence: the API answered 422 "
                                          "invalid_parameter.")


@pytest.mark.parametrize("url", ["https://127.0.0.1:8000", "http://example.com:80", "http://127.0.0.1",
                                 "http://127.0.0.1:8000/v1", 8000, None])
def test_run_only_talks_to_the_local_api(url):
    with pytest.raises(KitError, match="local API|as text"):
        acceptance.run(OVER_REFUND, url=url)


def test_run_without_a_server_is_one_line():
    with api.start(quiet=True) as shop:
        url = shop.url
    with pytest.raises(KitError, match="Nothing answers at"):
        acceptance.run(OVER_REFUND, url=url)


def test_run_refuses_a_key_that_is_not_text(shop):
    with pytest.raises(KitError, match="API key"):
        acceptance.run(OVER_REFUND, url=shop.url, key=None)


# --- catches: correct build against a build with the planted bug ----------------------------------------------


def test_catches_the_over_refund_bug():
    assert acceptance.catches(OVER_REFUND, bug="refund_over_amount") == {
        "scenarios": 2, "pass_on_correct": 2, "fail_on_buggy": 1, "undefined_steps": [], "catches_bug": True}


def test_the_over_refund_scenarios_do_not_catch_the_other_bug():
    result = acceptance.catches(OVER_REFUND, bug="refund_failed_payment")
    assert result["fail_on_buggy"] == 0 and result["catches_bug"] is False


def test_catches_the_failed_payment_bug():
    result = acceptance.catches(FAILED_PAYMENT, bug="refund_failed_payment")
    assert result == {"scenarios": 1, "pass_on_correct": 1, "fail_on_buggy": 1, "undefined_steps": [],
                      "catches_bug": True}


@pytest.mark.parametrize(("text", "why"), [
    ("Scenario: happy path only\n Given a succeeded payment of 2500 pence\n When I refund 1000 pence of it\n"
     " Then the response status is 201", "passes on both builds"),
    ("Scenario: wrong status\n Given a succeeded payment of 2500 pence\n When I refund 3000 pence of it\n"
     " Then the response status is 400", "fails on the correct build too"),
    ("Scenario: the boundary itself\n Given a succeeded payment of 2500 pence\n When I refund 2500 pence of it\n"
     " Then the response status is 422", "a full refund is allowed"),
])
def test_scenarios_that_do_not_catch_the_bug(text, why):
    assert acceptance.catches(text, bug="refund_over_amount")["catches_bug"] is False, why


def test_undefined_steps_never_catch_a_bug():
    text = OVER_REFUND + ("\n  Scenario: typo\n    Given a succeded payment of 2500p\n"
                          "    When I refund 3000 pence of it\n    Then the response status is 422\n")
    result = acceptance.catches(text, bug="refund_over_amount")
    assert result["catches_bug"] is False
    assert result["undefined_steps"] == [{"line": 18, "step": "Given a succeded payment of 2500p",
                                          "nearest": "Given a succeeded payment of 2500 pence"}]


def test_each_scenario_runs_on_a_fresh_api():
    # The second scenario would fail if the first one's refund were still there.
    text = ('Scenario: one\n Given a payment "pay_00001"\n When I refund 100 pence of it\n'
            ' Then the response status is 201\n'
            'Scenario: two\n Given a payment "pay_00001"\n When I fetch the payment\n'
            ' Then the response field "refunded" is 0\n')
    assert acceptance.catches(text, bug="refund_over_amount")["pass_on_correct"] == 2


def test_catches_returns_plain_data_and_refuses_unknown_bugs():
    result = acceptance.catches(FAILED_PAYMENT, bug="refund_failed_payment")
    assert {type(v) for v in result.values()} <= {int, list, bool}
    with pytest.raises(KitError, match="planted bugs"):
        acceptance.catches(FAILED_PAYMENT, bug="drop_database")
    with pytest.raises(KitError, match="2 When steps"):
        acceptance.catches("Scenario: x\n When I fetch the payment\n When I fetch the payment\n Then the status is 1")


def test_a_feature_that_runs_out_of_time_stops_and_is_never_counted_as_catching(monkeypatch, shop):
    monkeypatch.setattr(acceptance.limits, "TIME_LIMIT", 0.0)  # one place: the runner and the world both read it
    with pytest.raises(KitError, match="took longer than 0 s"):
        acceptance.catches(OVER_REFUND, bug="refund_over_amount")
    report = acceptance.run(OVER_REFUND, url=shop.url, key=shop.key)
    assert report.failed == 2 and "ran out of time (0 s)" in report.scenarios[0]["why"]


# --- the visible self-check ------------------------------------------------------------------------------------


def test_self_check_accepts_well_formed_known_steps(capsys):
    acceptance.self_check(OVER_REFUND, "refund_scenarios")
    out = capsys.readouterr().out
    assert "2 scenarios, 9 steps" in out and "Hidden tests" in out


@pytest.mark.parametrize(("value", "message"), [
    (None, "not set yet"),
    (..., "not set yet"),
    (3, "text"),
    ("Scenario: x\n When I fetch the payment\n When I fetch it\n Then the status is 1", "2 When steps"),
    ("Scenario: x\n When I refund 3000p\n Then the response status is 422", "nearest: When I refund 3000 pence"),
])
def test_self_check_refuses_bad_text_without_running_it(value, message):
    with pytest.raises(CheckFailed, match=message):
        acceptance.self_check(value, "refund_scenarios")
