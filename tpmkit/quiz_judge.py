"""Judging a quiz answer, with no widget in sight: `judge(spec, answer)` -> Verdict.

`spec` is one question of a quiz bank (format: docs/quiz-format.md) and `answer` is what the
learner gave, as plain data:

    single, predict (with options)   the picked option's text, or None
    multiple                          the ticked options' texts (any iterable)
    numeric                           the text typed, e.g. "43.2 min"
    text, predict (with answers)      the text typed
    ordering                          the steps' texts in the learner's order
    matching                          {term: chosen match or None}

The verdict says right, wrong or "not an answer yet" (correct None), the feedback to show, and the
ids of the common mistakes (course/common-mistakes.yaml) the wrong answer shows. The widgets in
tpmkit/quiz.py call it; tests and tools can call it directly.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Verdict", "answer_record", "judge", "normalise_text", "parse_quantity"]


@dataclass(frozen=True)
class Verdict:
    correct: bool | None      # None: no usable answer, not an attempt
    message: str
    mistakes: tuple[str, ...] = ()   # common-mistake ids the answer shows (only when wrong)


def _tags(entries) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e["misconception"] for e in entries if e.get("misconception")))


# --- choices -------------------------------------------------------------------------------------------

def _judge_option(spec: dict, picked) -> Verdict:
    if picked is None:
        return Verdict(None, "Pick an option first.")
    option = next((o for o in spec["options"] if o["text"] == picked), None)
    if option is None:
        return Verdict(None, f"'{picked}' is not one of the options.")
    if option.get("correct"):
        return Verdict(True, option.get("feedback", ""))
    return Verdict(False, option.get("feedback", ""), _tags([option]))


def _judge_multiple(spec: dict, ticked) -> Verdict:
    ticked = set(ticked or ())
    if not ticked:
        return Verdict(None, "Tick at least one statement first.")
    notes, wrong = [], []
    for option in spec["options"]:
        is_true, is_ticked = bool(option.get("correct")), option["text"] in ticked
        if is_ticked and not is_true:
            notes.append(f"'{option['text']}': {option['feedback']}")
            wrong.append(option)
        elif is_true and not is_ticked:
            notes.append(option.get("missed") or "One true statement is not ticked yet.")
    if notes:
        return Verdict(False, "\n".join(dict.fromkeys(notes)), _tags(wrong))  # one line per note, however many share it
    return Verdict(True, spec.get("feedback", "All the true statements, and none of the false ones."))


# --- numbers -------------------------------------------------------------------------------------------

TIME_UNITS = {  # seconds per unit
    "ms": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_QUANTITY = re.compile(r"\s*([-+]?(?:\d[\d,_]*)?\.?\d+(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)\s*")


def parse_quantity(text: str) -> tuple[float, str] | None:
    """'43.2 min' -> (43.2, 'min'); '1,500' -> (1500.0, ''); anything else -> None."""
    match = _QUANTITY.fullmatch(text or "")
    if not match:
        return None
    return float(match.group(1).replace(",", "").replace("_", "")), match.group(2).lower()


def _in_question_unit(spec: dict, number: float, unit: str) -> float | str:
    want = str(spec.get("unit", "")).lower()
    if not unit or unit == want:
        return number
    if unit in TIME_UNITS and want in TIME_UNITS:
        return number * TIME_UNITS[unit] / TIME_UNITS[want]
    return f"This question asks for {want or 'a plain number'}, and '{unit}' is not a unit I can convert."


def _close(spec: dict, got: float, target: float) -> bool:
    return math.isclose(got, target, rel_tol=1e-9, abs_tol=float(spec.get("tolerance", 0)))


def _judge_numeric(spec: dict, typed) -> Verdict:
    typed = "" if typed is None else str(typed)
    parsed = parse_quantity(typed)
    if parsed is None:
        if not typed.strip():
            return Verdict(None, "Type a number first.")
        return Verdict(None, f"Could not read '{typed}' as a number: type digits such as 43.2.")
    got = _in_question_unit(spec, *parsed)
    if isinstance(got, str):
        return Verdict(None, got)
    if _close(spec, got, float(spec["answer"])):
        return Verdict(True, spec.get("feedback", ""))
    for wrong in spec.get("misconceptions", []):
        if _close(spec, got, float(wrong["value"])):
            return Verdict(False, wrong["feedback"], _tags([wrong]))
    return Verdict(False, spec.get("hint", "Check the formula and the units, then try again."))


# --- short texts ---------------------------------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}


def normalise_text(text) -> str:
    """Compare short answers fairly: case, accents, punctuation, extra spaces and a leading article
    do not matter. 'The  Merge-Base!' -> 'merge base'."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9%.]+", " ", text.casefold()).replace(". ", " ").strip(" .").split()
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _judge_text(spec: dict, typed) -> Verdict:
    said = normalise_text(typed)
    if not said:
        return Verdict(None, "Type an answer first.")
    if said in {normalise_text(a) for a in spec["answers"]}:
        return Verdict(True, spec.get("feedback", ""))
    for wrong in spec.get("misconceptions", []):
        if said == normalise_text(wrong["text"]):
            return Verdict(False, wrong["feedback"], _tags([wrong]))
    return Verdict(False, spec.get("otherwise") or spec.get("hint")
                   or "Not an answer I recognise: reread the prompt and retry.")


# --- orders and pairs ----------------------------------------------------------------------------------

def step_text(item) -> str:
    """An ordering item is a text or a mapping with `text`."""
    return item["text"] if isinstance(item, dict) else str(item)


def _judge_ordering(spec: dict, order) -> Verdict:
    key = [step_text(item) for item in spec["items"]]
    order = [str(text) for text in order or ()]
    if sorted(order) != sorted(key):
        return Verdict(None, "Put every step in the list exactly once.")
    if order == key:
        return Verdict(True, spec.get("feedback", "Every step is in its place."))
    notes, wrong = [], []
    for known in spec.get("misconceptions", []):
        if order.index(known["first"]) < order.index(known["then"]):
            notes.append(known["feedback"])
            wrong.append(known)
    place = next(i for i, (got, want) in enumerate(zip(order, key, strict=True)) if got != want)
    misplaced = spec["items"][key.index(order[place])]
    why = misplaced.get("feedback", "") if isinstance(misplaced, dict) else ""
    notes.append(f"The first step out of place is number {place + 1}, '{order[place]}'. {why}".strip())
    return Verdict(False, "\n".join(notes), _tags(wrong))


def _judge_matching(spec: dict, chosen) -> Verdict:
    chosen = dict(chosen or {})
    if any(chosen.get(pair["term"]) is None for pair in spec["pairs"]):
        return Verdict(None, "Choose a match for every term first.")
    notes, wrong = [], []
    for pair in spec["pairs"]:
        got = chosen[pair["term"]]
        if got == pair["match"]:
            continue
        known = next((w for w in spec.get("misconceptions", []) if w["term"] == pair["term"] and w["match"] == got),
                     None)
        notes.append(f"'{pair['term']}' is not '{got}': {known['feedback'] if known else pair['feedback']}")
        if known:
            wrong.append(known)
    if notes:
        return Verdict(False, "\n".join(notes), _tags(wrong))
    return Verdict(True, spec.get("feedback", "Every pair matches."))


def _judge_predict(spec: dict, answer) -> Verdict:
    return _judge_option(spec, answer) if "options" in spec else _judge_text(spec, answer)


_JUDGES = {"single": _judge_option, "multiple": _judge_multiple, "numeric": _judge_numeric, "text": _judge_text,
           "predict": _judge_predict, "ordering": _judge_ordering, "matching": _judge_matching}


def judge(spec: dict, answer) -> Verdict:
    """The verdict on `answer` (plain data, see the module's docstring) to the question `spec`."""
    return _JUDGES[spec["type"]](spec, answer)


def answer_record(answer) -> str:
    """The answer as JSON text, the form `tpmkit.progress` keeps it in."""
    if isinstance(answer, (set, frozenset, tuple)):
        answer = sorted(answer) if isinstance(answer, (set, frozenset)) else list(answer)
    return json.dumps(answer, ensure_ascii=False, sort_keys=True)
