"""How a value is written in prose, to find a note or an explanation that gives the right answer away: the
spellings of a number or an answer a quiz note might use (quiz banks, common mistakes), and the forms of a
hidden key long enough not to appear in a sentence by chance (misconception explanations, diagnosis)."""

from __future__ import annotations

import re

from tpmkit.quiz import normalise_text
from tpmkit.quiz_judge import TIME_UNITS


def number_forms(value) -> set[str]:
    """How a number is commonly written: 4321 -> 4321, 4,321, 4321.0, 4,321.0; 40.32 -> 40.32."""
    value = float(value)
    forms = {repr(value), f"{value:g}", f"{value:,}", f"{value:,.2f}".rstrip("0").rstrip(".")}
    if value == int(value):
        forms |= {str(int(value)), f"{int(value):,}"}
    return {form for form in forms if "e" not in form}


def says_number(note: str, form: str) -> bool:
    return re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", str(note)) is not None


def says_text(note: str, text: str) -> bool:
    wanted = normalise_text(text)
    return bool(wanted) and re.search(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])",
                                      normalise_text(note)) is not None


def numeric_answer_forms(spec: dict) -> set[str]:
    """The answer, also converted to the other time units (2419.2 s gives away 40.32 min)."""
    value, unit = float(spec["answer"]), str(spec.get("unit", "")).lower()
    forms = number_forms(value)
    if unit in TIME_UNITS:
        for other in ("ms", "s", "min", "h", "d"):
            forms |= number_forms(round(value * TIME_UNITS[unit] / TIME_UNITS[other], 6))
    return forms


def _flat(value):
    if isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _flat(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _flat(item)
    else:
        yield value


def written_forms(value) -> set[str]:
    """How a right value could be written in a sentence: only forms long enough not to appear by chance."""
    forms = set()
    for item in _flat(value):
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, (int, float)):
            if abs(item) < 10 and float(item).is_integer():
                continue   # a small count like 3 appears in any sentence
            number = float(item)
            forms |= {f"{number:.2f}", f"{number:,.2f}"}
            if number.is_integer():
                forms |= {str(int(number)), f"{int(number):,}"}
            else:
                forms |= {f"{number:.1f}", f"{number:g}"}
        elif isinstance(item, str) and len(item.strip()) >= 4:
            forms.add(item.strip().casefold())
    return forms
