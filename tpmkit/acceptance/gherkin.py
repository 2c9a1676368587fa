"""Gherkin text -> scenarios: the subset of Cucumber's format the kit reads, checked for shape.

Only parsing happens here: no step is matched and nothing is run. A scenario comes out with its Background's
steps in front and every And/But resolved to the kind of the step before, so later stages see only Given,
When and Then. Anything malformed raises KitError with one line saying what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tpmkit.acceptance import limits
from tpmkit.errors import KitError


@dataclass
class Step:
    keyword: str     # as written: Given, When, Then, And, But, *
    kind: str        # given, when or then (And/But take the kind of the step before)
    text: str        # the step after its keyword, spaces tidied
    line: int

    def __str__(self) -> str:
        return f"{self.keyword} {self.text}"


@dataclass
class Scenario:
    name: str
    line: int
    steps: list[Step] = field(default_factory=list)


_HEADING = re.compile(r"(Feature|Background|Scenario|Example|Rule|Scenario Outline|Scenario Template|Examples|"
                      r"Scenarios):(.*)", re.IGNORECASE)
_STEP = re.compile(r"(Given|When|Then|And|But|\*)(?:\s+(.*))?", re.IGNORECASE)
# Word processors turn quotes curly and spaces non-breaking; step patterns expect plain ones.
_PLAIN_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


def shorten(text: str, limit: int = 60) -> str:
    """`text` cut to `limit` characters with "..." at the end, so that a quote in a message stays one line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tidy_step_text(text: str) -> str:
    text = " ".join(text.translate(_PLAIN_QUOTES).split())
    return text[:-1] if text.endswith(".") else text  # learners end steps like sentences


def parse(feature_text) -> list[Scenario]:  # noqa: C901 - one branch per Gherkin keyword
    """The scenarios of a feature, checked for shape. Bad text raises KitError with one line saying why."""
    if not isinstance(feature_text, str):
        raise KitError("A feature is text (a str) holding Given/When/Then scenarios, "
                       f"not a {type(feature_text).__name__}.")
    if len(feature_text) > limits.MAX_TEXT:
        raise KitError(f"The feature is {len(feature_text):,} characters; keep it under {limits.MAX_TEXT:,} "
                       "(a few scenarios, not a whole test suite).")
    scenarios: list[Scenario] = []
    background: list[Step] = []
    section = None          # None, "feature", "background", "scenario"
    for number, raw in enumerate(feature_text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        if len(line) > limits.MAX_LINE:
            raise KitError(f"Line {number} is {len(line)} characters long; a step fits on one short line.")
        if line.startswith(("|", '"""', "```")):
            raise KitError(f"Line {number}: tables and doc strings are not supported here; "
                           "write the value in the step itself, such as: When I refund 3000 pence of it.")
        heading = _HEADING.fullmatch(line)
        if heading:
            word = heading.group(1).lower()
            if word in ("scenario outline", "scenario template", "examples", "scenarios"):
                raise KitError(f"Line {number}: Scenario Outline and Examples are not supported here; "
                               "write one Scenario per example.")
            if word == "background":
                if scenarios:
                    raise KitError(f"Line {number}: a Background comes before the first Scenario.")
                section = "background"
            elif word in ("scenario", "example"):
                if len(scenarios) == limits.MAX_SCENARIOS:
                    raise KitError(f"The feature has more than {limits.MAX_SCENARIOS} scenarios; keep to the "
                                   "ones that matter for this story.")
                name = heading.group(2).strip() or f"Scenario at line {number}"
                scenarios.append(Scenario(name, number))
                section = "scenario"
            else:  # Feature or Rule: a heading, maybe with description lines under it
                section = "feature"
            continue
        step = _STEP.fullmatch(line)
        if step and step.group(2):
            keyword = step.group(1)
            keyword = keyword if keyword == "*" else keyword.capitalize()
            if section not in ("background", "scenario"):
                raise KitError(f"Line {number}: '{line}' is a step outside any scenario; "
                               "start one with a line such as: Scenario: a refund larger than the payment.")
            target = background if section == "background" else scenarios[-1].steps
            if len(background) + (len(target) if section == "scenario" else 0) >= limits.MAX_STEPS:
                raise KitError(f"Line {number}: a scenario has more than {limits.MAX_STEPS} steps (its "
                               "Background's included); split it into smaller scenarios.")
            target.append(Step(keyword, "", _tidy_step_text(step.group(2)), number))
            continue
        if step:
            raise KitError(f"Line {number}: '{line}' has a keyword but no step after it.")
        current = scenarios[-1].steps if section == "scenario" and scenarios else \
            background if section == "background" else None
        if current:  # free text after steps have started
            raise KitError(f"Line {number}: '{shorten(line)}' is not a step; steps start with Given, When, "
                           "Then, And or But.")
        if section is None:
            raise KitError(f"Line {number}: '{shorten(line)}' is not Gherkin; start with 'Feature:' or "
                           "'Scenario:' and write steps that start with Given, When or Then.")
        # otherwise: a description line under a heading, which Gherkin allows
    if not scenarios:
        raise KitError("The text has no Scenario: write at least one 'Scenario: ...' with Given, When and Then steps.")
    _resolve_kinds(background, "Background")
    if any(s.kind != "given" for s in background):
        bad = next(s for s in background if s.kind != "given")
        raise KitError(f"Line {bad.line}: a Background holds only Given steps (the scene every scenario shares).")
    for scenario in scenarios:
        _resolve_kinds(scenario.steps, f"Scenario '{scenario.name}'")
        # Copies, not the Background's own steps: each scenario's steps are its own to report on.
        shared = [Step(s.keyword, s.kind, s.text, s.line) for s in background]
        scenario.steps = shared + scenario.steps
        _check_one_action(scenario)
    return scenarios


def _resolve_kinds(steps: list[Step], where: str) -> None:
    """Give each And, But and * the kind (given, when, then) of the step before it."""
    previous = None
    for step in steps:
        word = step.keyword.lower()
        if word in ("and", "but", "*"):
            if previous is None:
                raise KitError(f"Line {step.line}: {where} starts with '{step.keyword}'; "
                               "the first step starts with Given or When.")
            step.kind = previous
        else:
            step.kind = word
        previous = step.kind


def _check_one_action(scenario: Scenario) -> None:
    """Givens, then exactly one When, then at least one Then: the shape that makes a scenario test one thing."""
    where = f"Scenario '{shorten(scenario.name, 50)}' (line {scenario.line})"
    if not scenario.steps:
        raise KitError(f"{where} has no steps; give it Given, When and Then steps.")
    whens = [s for s in scenario.steps if s.kind == "when"]
    if len(whens) > 1:
        raise KitError(f"{where} has {len(whens)} When steps (lines {', '.join(str(s.line) for s in whens)}); "
                       "a scenario tests ONE action (Cucumber's Gherkin reference): split it into scenarios.")
    if not whens:
        raise KitError(f"{where} has no When step; say the one action it tests, such as: "
                       "When I refund 3000 pence of it.")
    position = scenario.steps.index(whens[0])
    for step in scenario.steps[:position]:
        if step.kind == "then":
            raise KitError(f"Line {step.line}: a Then before the When; Then checks what happened after the action.")
    for step in scenario.steps[position + 1:]:
        if step.kind == "given":
            raise KitError(f"Line {step.line}: a Given after the When; set the scene before the action.")
    if not any(s.kind == "then" for s in scenario.steps):
        raise KitError(f"{where} has no Then step; say what must be true afterwards, such as: "
                       "Then the response status is 422.")
