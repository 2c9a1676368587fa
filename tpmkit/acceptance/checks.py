"""Checks on a feature's text that run nothing: `lint` for the lesson and `self_check` for the exercises.

Both stop at parsing and step matching, so they are instant and need no API: whether the scenarios pass is
for `run` and `catches` (in runner.py) to say.
"""

from __future__ import annotations

from tpmkit.acceptance.gherkin import parse, shorten
from tpmkit.acceptance.matching import undefined_steps
from tpmkit.check import reports_progress
from tpmkit.errors import CheckFailed, KitError


def lint(feature_text) -> list[str]:
    """What is wrong with a feature's text, as plain sentences: its shape, then any step the kit does not know.

    An empty list means the text is well-formed and every step is known (it says nothing about passing).
    """
    try:
        scenarios = parse(feature_text)
    except KitError as exc:
        return [str(exc)]
    return [f"Line {u['line']}: '{u['step']}' is not a step the kit knows; nearest: {u['nearest']}."
            for u in undefined_steps(scenarios)]


@reports_progress("acceptance")
def self_check(feature_text, name: str) -> None:
    """Visible self-check: the text is well-formed Gherkin and every step is one the kit knows.

    It does not run the scenarios: run them yourself with acceptance.run(...). Hidden tests run them
    against a correct build and a buggy one when the exercise is graded.
    """
    if feature_text is None or feature_text is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: assign your scenarios (a str) to {name} and run the cell.")
    try:
        scenarios = parse(feature_text)
    except KitError as exc:
        raise CheckFailed(f"{name}: {exc}") from None
    undefined = undefined_steps(scenarios)
    if undefined:
        first = undefined[0]
        raise CheckFailed(f"{name}, line {first['line']}: '{shorten(first['step'])}' is not a step the kit "
                          f"knows; nearest: {first['nearest']}.")
    count = sum(len(s.steps) for s in scenarios)
    print(f"✓ {name} is well-formed: {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}, {count} steps, "
          "every step known. Hidden tests run it against a correct build and a buggy one when graded.")
