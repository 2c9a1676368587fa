"""Which step definition a step's text matches, and the nearest known step when it matches none.

Unknown steps are the commonest mistake a learner makes (a typo, a missing "of it", a Then written as a Given),
so every report of one comes with a known step to copy instead.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from tpmkit.acceptance.gherkin import Scenario, Step
from tpmkit.acceptance.step_definitions import LIBRARY, StepDefinition


def match(step: Step) -> tuple[StepDefinition | None, tuple]:
    """The first definition of the step's kind whose pattern matches its whole text, and the values it picked
    out; (None, ()) when the library has no such step."""
    for definition in LIBRARY:
        if definition.kind == step.kind:
            found = definition.pattern.fullmatch(step.text)
            if found:
                return definition, found.groups()
    return None, ()


def _shape(text: str) -> str:
    # Compare steps by their wording, not their values: every quoted value and every number reads the same.
    text = re.sub(r'"[^"]*"', '"x"', text.lower())
    return re.sub(r"\d+", "9", text)


def nearest(step: Step) -> str:
    """The known step closest to one the library does not know (for the learner to copy)."""
    for definition in LIBRARY:  # the right words under the wrong keyword: say which keyword it needs
        if definition.kind != step.kind and definition.pattern.fullmatch(step.text):
            return f"{definition.kind.capitalize()} {definition.example} (a {definition.kind.capitalize()} step)"
    candidates = [d for d in LIBRARY if d.kind == step.kind] or LIBRARY
    shaped = _shape(step.text)
    best = max(candidates, key=lambda d: difflib.SequenceMatcher(None, shaped, _shape(d.example)).ratio())
    return f"{best.kind.capitalize()} {best.example}"


def undefined_steps(scenarios: list[Scenario]) -> list[dict]:
    """Each step no definition matches, as plain data ({line, step, nearest}), once per line (a Background step
    is in every scenario but written once)."""
    seen, out = set(), []
    for scenario in scenarios:
        for step in scenario.steps:
            if match(step)[0] is None and step.line not in seen:
                seen.add(step.line)
                out.append({"line": step.line, "step": str(step), "nearest": nearest(step)})
    return out


def steps() -> pd.DataFrame:
    """The steps the kit knows, one example each: copy one and change its numbers or quoted values."""
    return pd.DataFrame([{"kind": d.kind.capitalize(), "step": d.example, "what it does": d.does} for d in LIBRARY])
