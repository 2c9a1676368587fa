"""Content is checked like code: every value the hidden tests grade is recomputed here from its
formula (SRE Workbook ch. 2 and 5) or from the generated data, and must equal the key in the
exercise source. A generator or prompt change cannot silently break a key."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest

from autograder import release
from tests.support import ROOT
from tests.support.keys import assert_keys
from tests.support.slo import burn
from tpmkit.data import request_log


@pytest.mark.parametrize("aid", release.assignment_ids(ROOT))
def test_every_exercise_recomputes_its_keys(aid):
    # 07-slos is recomputed in this file; every other exercise in test_keys_NN.py beside it.
    if aid != "07-slos":
        assert Path(__file__).with_name(f"test_keys_{aid[:2]}.py").exists(), f"recompute the keys of {aid}"


def slo_keys() -> dict[str, object]:
    log = request_log(days=30)
    page = (burn(log, 60) >= 14.4) & (burn(log, 5) >= 14.4)
    return {
        # floor((1 - SLO) x requests), exactly, as the Workbook does
        "q1-budget": math.floor((1 - Fraction("0.995")) * 4_218_560),
        "q2-outage": 1_500 / float((1 - Fraction("0.999")) * 3_000_000) * 100,
        # 28-day rolling window, in minutes, rounded to 2 decimals
        "q3-downtime": round(float((1 - Fraction("0.9995")) * 28 * 24 * 60), 2),
        # fraction spent x (SLO window / alert window), in hours
        "q4-burn": 0.05 * (30 * 24) / 1,
        # window / burn rate, in hours (about 2.08 days, not "2 hours")
        "q5-exhaust": 30 * 24 / 14.4,
        "q6-first-page": log["minute"][page.argmax()].strftime("%Y-%m-%d %H:%M"),
        "q7-page-minutes": int(page.sum()),
    }


def test_07_slos_keys_are_recomputed():
    assert_keys("07-slos", slo_keys())


def test_07_slos_keys_match_the_curriculum_brief():
    # Facts quoted in the brief, as a second source for the formulas above.
    expected = slo_keys()
    assert expected["q2-outage"] == pytest.approx(50.0)        # 1,500 of a 3,000 budget
    assert expected["q3-downtime"] == 20.16                     # 99.95% over 28 days
    assert expected["q4-burn"] == pytest.approx(36)             # 5% in 1 h
    assert expected["q5-exhaust"] / 24 == pytest.approx(2.08, abs=0.005)
