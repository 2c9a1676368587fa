"""Acceptance criteria that run: Given/When/Then scenarios, executed against Tillpoint's API.

A learner writes scenarios in Gherkin, the plain-language format Cucumber reads (Cucumber's Gherkin
reference): `Given` sets the scene, ONE `When` does the action, `Then` checks the outcome; `And` and
`But` continue the step before. The kit knows a fixed library of steps (`steps()` lists them), each
matched by a regular expression; nothing in the text is ever run as code.

    report = acceptance.run(feature, url=shop.url, key=shop.key)   # real HTTP to a running API
    report                                  # a table: each scenario passed or failed, and why
    report.chart()                          # the same as a picture
    acceptance.catches(feature, bug="refund_over_amount")
    # -> {"scenarios": 2, "pass_on_correct": 2, "fail_on_buggy": 1, "undefined_steps": [], "catches_bug": True}

`catches` runs the scenarios against a correct build and a build with a planted bug, each scenario
on a fresh in-process copy of the API (no port, no network), and returns plain data. It is safe on
untrusted text: the text is only matched against the step library, and scenarios, steps, line
lengths, numbers and time are all bounded.

The package, in the order a feature passes through it:

    limits.py            the bounds on text, scenarios, steps and time (one place to audit them)
    gherkin.py           text -> Scenario and Step objects, shape-checked (one When per scenario)
    world.py             one scenario's conversation with the API: keys, headers, deadline, last answer
    step_definitions.py  the step library: each step's regex and what it does (@given, @when, @then)
    matching.py          which definition a step matches; the nearest known step when none does; steps()
    checks.py            lint and self_check: parse and match only, nothing runs
    runner.py            run (real HTTP to a running API) and catches (in-process correct and buggy builds)
    report.py            Report: the results as text, HTML, a table and a chart
"""

# Scenario, Step, nearest, Answer, OutOfTime and StepFailed are not in __all__ (not the lesson's API) but stay
# reachable here as they were before the split (noqa: imported to re-export them).
from tpmkit.acceptance.checks import lint, self_check
from tpmkit.acceptance.gherkin import Scenario, Step, parse  # noqa: F401
from tpmkit.acceptance.matching import nearest, steps  # noqa: F401
from tpmkit.acceptance.report import Report
from tpmkit.acceptance.runner import catches, run
from tpmkit.acceptance.world import Answer, OutOfTime, StepFailed  # noqa: F401

__all__ = ["Report", "catches", "lint", "parse", "run", "self_check", "steps"]
# The bounds (MAX_TEXT ... TIME_LIMIT) live in acceptance.limits: patch them there, where every module reads them.
