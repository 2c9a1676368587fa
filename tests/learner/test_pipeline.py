"""tpmkit.pipeline: stages in order, a failing test or a security finding blocks the deploy, the canary
compares rates with the baseline against the stated threshold, runs are deterministic and return plain
data, and bad input is one clear sentence."""

from __future__ import annotations

import json

import pytest
from matplotlib.figure import Figure

from tpmkit import pipeline
from tpmkit.errors import KitError


def statuses(result) -> list[str]:
    return [s["status"] for s in result["stages"]]


def test_a_healthy_change_is_promoted(capsys):
    result = pipeline.run("checkout: new receipt layout")
    log = capsys.readouterr().out
    assert [s["stage"] for s in result["stages"]] == list(pipeline.STAGES)
    assert statuses(result) == ["passed"] * 6
    assert result["decision"] == "promote" and result["in_production"] is True
    assert "Decision: PROMOTE" in log
    for i, name in enumerate(pipeline.STAGES, start=1):
        assert f"[{i}/6] {name}" in log


def test_a_failing_test_blocks_the_deploy(capsys):
    result = pipeline.run(failing_tests=2)
    assert statuses(result) == ["passed", "failed", "skipped", "skipped", "skipped", "skipped"]
    assert result["decision"] == "blocked" and result["blocked_at"] == "test"
    assert result["in_production"] is False and result["canary"] is None
    assert "2 failing tests" in capsys.readouterr().out


@pytest.mark.parametrize("finding", [{"critical_vulnerabilities": 1}, {"secrets_in_code": 1}])
def test_a_security_finding_blocks_the_deploy(finding):
    result = pipeline.run(quiet=True, **finding)
    assert statuses(result)[:4] == ["passed", "passed", "failed", "skipped"]
    assert result["blocked_at"] == "security scan" and not result["in_production"]


def test_a_bad_canary_is_rolled_back_before_production():
    result = pipeline.run("checkout: faster card lookup", canary_error_rate=0.012, quiet=True)
    assert statuses(result) == ["passed"] * 4 + ["rolled back", "skipped"]
    assert result["decision"] == "roll back" and not result["in_production"]
    assert result["canary"]["decided_at_minute"] < 30


@pytest.mark.parametrize("kwargs", [{}, {"canary_error_rate": 0.012}, {"canary_error_rate": 0.006, "seed": 3},
                                    {"baseline_error_rate": 0.02, "canary_error_rate": 0.02}])
def test_the_canary_decision_follows_rates_against_the_baseline(kwargs):
    # Recompute the cumulative rates from the per-minute counts and apply the rule by hand.
    result = pipeline.run(quiet=True, **kwargs)
    canary = result["canary"]
    at = canary["decided_at_minute"]
    c_req, c_err = sum(canary["canary_requests"][:at]), sum(canary["canary_errors"][:at])
    b_req, b_err = sum(canary["baseline_requests"][:at]), sum(canary["baseline_errors"][:at])
    assert canary["canary_error_rate_pct"][at - 1] == pytest.approx(100 * c_err / c_req)
    assert canary["baseline_error_rate_pct"][at - 1] == pytest.approx(100 * b_err / b_req)
    over = 100 * (c_err / c_req - b_err / b_req) > canary["threshold_pp"]
    assert result["decision"] == ("roll back" if over else "promote")
    assert c_req == at * 100 and b_req == at * 1_900  # 5% of 2,000 requests a minute


def test_a_high_baseline_is_not_the_canarys_fault():
    # Everyone fails at 2% (say, a card network problem): the canary is no worse, so it is promoted.
    assert pipeline.run(quiet=True, baseline_error_rate=0.02, canary_error_rate=0.02)["decision"] == "promote"


def test_runs_are_deterministic_and_plain_data(capsys):
    first = pipeline.run(canary_error_rate=0.006, seed=11)
    log_first = capsys.readouterr().out
    second = pipeline.run(canary_error_rate=0.006, seed=11)
    assert first == second and capsys.readouterr().out == log_first
    assert json.loads(json.dumps(first)) == first


def test_quiet_prints_nothing(capsys):
    pipeline.run(quiet=True)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("args", "expected"), [
    ((1_000, 12, 99_000, 297), "roll back"),  # 1.2% vs 0.3%: 0.9 points over
    ((5_000, 90, 95_000, 1_520), "promote"),  # 1.8% vs 1.6%: the baseline is bad too
    ((5_000, 30, 95_000, 380), "promote"),    # 0.6% is above 0.5%, but only 0.2 points above the baseline
    ((2_000, 26, 98_000, 588), "roll back"),  # fewer errors than the baseline, but a higher rate
])
def test_canary_decision_compares_rates_not_counts(args, expected):
    assert pipeline.canary_decision(*args, threshold_pp=0.5) == expected


def test_charts_are_figures():
    rolled_back = pipeline.run(canary_error_rate=0.012, quiet=True)
    assert isinstance(pipeline.canary_chart(rolled_back), Figure)
    assert isinstance(pipeline.pipeline_diagram(rolled_back), Figure)
    assert isinstance(pipeline.pipeline_diagram(pipeline.run(failing_tests=1, quiet=True)), Figure)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: pipeline.run(failing_tests=-1), "failing_tests must be a whole number"),
    (lambda: pipeline.run(failing_tests=1.5), "failing_tests must be a whole number"),
    (lambda: pipeline.run(canary_error_rate=1.2), r"for 1.2% write 0.012"),
    (lambda: pipeline.run(baseline_error_rate="0.4%"), "baseline_error_rate must be a number"),
    (lambda: pipeline.run(canary_share=0), "canary_share must be above 0"),
    (lambda: pipeline.run(threshold_pp=0), "threshold_pp must be a number greater than 0"),
    (lambda: pipeline.run(canary_minutes=0), "must all be above 0"),
    (lambda: pipeline.run(""), "change must be a short text"),
    (lambda: pipeline.run(seed=-3), "seed must be a whole number"),
    (lambda: pipeline.canary_decision(0, 0, 100, 1), "canary_requests is 0"),
    (lambda: pipeline.canary_decision(100, 101, 100, 1), "canary_errors is larger than canary_requests"),
    (lambda: pipeline.canary_decision(100, 1, 100, 200), "baseline_errors is larger than baseline_requests"),
    (lambda: pipeline.canary_chart(pipeline.run(failing_tests=1, quiet=True)), "never reached the canary"),
    (lambda: pipeline.pipeline_diagram({"decision": "promote"}), "Pass the dict that pipeline.run"),
])
def test_bad_input_is_one_clear_sentence(call, message):
    with pytest.raises(KitError, match=message) as info:
        call()
    assert "\n" not in str(info.value)
