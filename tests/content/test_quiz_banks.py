"""Every question bank in course/ passes the quiz schema (tpmkit.quiz.validate_questions, the same check
load_quiz runs), belongs to a lesson, and each of its questions is asked exactly once in that lesson.
No note a learner sees after a wrong answer states the right answer: that waits for the reveal."""

from __future__ import annotations

import re

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.forms import number_forms, numeric_answer_forms, says_number, says_text
from tpmkit.errors import KitError
from tpmkit.quiz import SCHEMA, read_bank, validate_questions

BANKS = sorted((ROOT / "course").glob("*.quiz.yaml"))
CHECKPOINT = re.compile(r"""^\s*quiz\[["']([^"']+)["']\]\s*$""")


def test_there_are_banks():
    assert len(BANKS) >= 2


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_bank_passes_the_schema(path):
    validate_questions(read_bank(path), path.name)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_bank_belongs_to_a_lesson(path):
    module = path.name.removesuffix(".quiz.yaml")
    assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", module), f"{path.name} is not NN-slug.quiz.yaml"
    assert (path.parent / f"{module}.ipynb").is_file(), f"no lesson course/{module}.ipynb for {path.name}"


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_every_question_is_asked_exactly_once(path):
    lesson = path.parent / path.name.replace(".quiz.yaml", ".ipynb")
    asked = [m.group(1) for cell in notebooks.read(lesson).cells if cell.cell_type == "code"
             for m in [CHECKPOINT.match(cell.source)] if m]
    ids = [q["id"] for q in read_bank(path)]
    assert sorted(asked) == sorted(ids), "each question has its own checkpoint cell `quiz[\"id\"]`, used once"


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_every_wrong_answer_has_its_own_feedback(path):
    """The schema demands feedback; this also refuses copy-pasted feedback that explains nothing new."""
    for question in read_bank(path):
        texts = [o.get("feedback", "") for o in question.get("options", []) if not o.get("correct")]
        texts += [m["feedback"] for m in question.get("misconceptions", [])]
        assert len(texts) == len(set(texts)), f"{question['id']}: two wrong answers share one feedback"


def test_schema_covers_every_type():
    assert set(SCHEMA) == {"single", "multiple", "numeric", "ordering", "matching", "text", "predict"}


def test_a_bank_with_a_typo_is_refused(tmp_path):
    bank = tmp_path / "99-demo.quiz.yaml"
    bank.write_text("- id: a\n  type: single\n  prompt: p\n  options:\n"
                    "    - {text: x, corect: true}\n    - {text: y, feedback: f}\n")
    with pytest.raises(KitError, match="unknown field 'corect'"):
        validate_questions(read_bank(bank), bank.name)


# --- no wrong-answer note gives the answer away -----------------------------------------------------
# A first miss should name the misconception; the right value waits for the reveal (Show answer, or
# after two misses), which shows the key and the question's `answer_note`. Pragmatic detection: the
# exact answer (normalised text, or a number in its usual spellings) occurring in a note.

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# An ordering note that tells the step's place outright ("Deleting comes last") solves the puzzle for it.
_PLACE = re.compile(r"\b(?:comes?|goes|go|is|are|acts?|happens?)\s+(?:first|last|second|third|fourth|fifth|sixth)\b"
                    r"|\b(?:the\s+)?(?:first|last|final)\s+step\b", re.IGNORECASE)


def wrong_answer_notes(spec: dict) -> list[tuple[str, str, str | None]]:
    """(where, note, the learner's own wrong answer or None) for everything shown after a wrong answer."""
    notes = []
    if spec["type"] in ("numeric", "text", "predict") and spec.get("hint"):
        notes.append(("hint (shown for an unexpected wrong answer)", spec["hint"], None))
    if spec.get("otherwise"):
        notes.append(("otherwise", spec["otherwise"], None))
    for option in spec.get("options", []):
        if not option.get("correct"):
            notes.append((f"feedback of option {option['text']!r}", option.get("feedback", ""), option["text"]))
        if option.get("missed"):
            notes.append((f"missed of option {option['text']!r}", option["missed"], None))
    for wrong in spec.get("misconceptions", []) if spec["type"] not in ("ordering", "matching") else []:
        own = wrong.get("value", wrong.get("text"))
        notes.append((f"misconception {own!r}", wrong["feedback"], own))
    return notes


def giveaways(spec: dict) -> list[str]:
    """Each wrong-answer note of one question that states the right answer, said in one line."""
    found = []
    given = f"{spec['prompt']} {spec.get('code', '')}"  # what the question itself shows gives nothing away
    if spec["type"] == "numeric":
        for where, note, own in wrong_answer_notes(spec):
            mine = number_forms(own) if own is not None else set()
            found += [f"{where} states {form}" for form in sorted(numeric_answer_forms(spec) - mine)
                      if says_number(note, form) and not says_number(given, form)][:1]
    elif spec["type"] == "matching":
        key = {pair["term"]: pair["match"] for pair in spec["pairs"]}
        notes = [(pair["term"], "its feedback", pair["feedback"]) for pair in spec["pairs"]]
        notes += [(wrong["term"], f"misconception {wrong['match']!r}", wrong["feedback"])
                  for wrong in spec.get("misconceptions", [])]
        found += [f"{what} of {term!r} names its match {key[term]!r}" for term, what, note in notes
                  if says_text(note, key[term])]
    elif spec["type"] == "ordering":
        notes = [(f"the note of step {item['text']!r}", item["feedback"]) for item in spec["items"]]
        notes += [(f"misconception {wrong['first']!r} before {wrong['then']!r}", wrong["feedback"])
                  for wrong in spec.get("misconceptions", [])]
        found += [f"{where} states a place: {_PLACE.search(note).group(0)!r}" for where, note in notes
                  if _PLACE.search(note)]
    else:
        answers = [o["text"] for o in spec.get("options", []) if o.get("correct")] or spec.get("answers", [])
        # An answer is named by its short head as surely as by its whole text: "You missed latency" names
        # "Latency: how long requests take", "that address comes from DNS" names "DNS, the Domain Name System".
        labels = [head for answer in answers for head in [re.split(r"[:,(]", answer)[0].strip()]
                  if head != answer and 0 < len(head.split()) <= 3]
        # A short answer ("403 Forbidden", "About 2.08 days") is given away by its number alone.
        numbers = {n for answer in answers if len(answer.split()) <= 5 for n in _NUMBER.findall(answer)}
        for where, note, own in wrong_answer_notes(spec):
            # In a multiple choice a wrong tick's note may use a true statement's label as a plain word.
            named = answers + labels if spec["type"] != "multiple" or where.startswith("missed") else answers
            said = [f"{where} states {a!r}" for a in named if says_text(note, a) and not says_text(given, a)]
            said += [f"{where} states {n}" for n in sorted(numbers) if says_number(note, n)
                     and not says_number(given, n) and not (own and says_number(str(own), n))]
            found += said[:1]
    return found


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_no_wrong_answer_note_states_the_answer(path):
    found = [f"{question['id']}: {line}" for question in read_bank(path) for line in giveaways(question)]
    assert not found, "move the value into answer_note:\n" + "\n".join(found)


def test_answer_note_is_a_text_field_of_every_question():
    """The field the moved values go to: any question may have it, and it must be text."""
    validate_questions([{"id": "a", "type": "numeric", "prompt": "p", "answer": 1, "answer_note": "1 = 1"}])
    with pytest.raises(KitError, match="'answer_note' must be text"):
        validate_questions([{"id": "a", "type": "numeric", "prompt": "p", "answer": 1, "answer_note": 1}])


# The detector must be able to fail: one giveaway of each kind, and a near miss that is not one.
@pytest.mark.parametrize(("spec", "expected"), [
    ({"id": "n", "type": "numeric", "prompt": "Minutes in 28 days at 99.9%?", "answer": 40.32, "unit": "min",
      "misconceptions": [{"value": 43.2, "feedback": "That is 30 days; 28 days allow 40.32 minutes."}]},
     "misconception 43.2 states 40.32"),
    ({"id": "n", "type": "numeric", "prompt": "Minutes?", "answer": 40.32, "unit": "min",
      "misconceptions": [{"value": 1, "feedback": "In seconds that would be 2,419.2."}]},
     "states 2,419.2"),
    ({"id": "n", "type": "numeric", "prompt": "How many?", "answer": 4321, "hint": "It is 4,321."},
     "hint (shown for an unexpected wrong answer) states 4,321"),
    ({"id": "s", "type": "single", "prompt": "Which?", "options": [
        {"text": "The merge base", "correct": True}, {"text": "HEAD", "feedback": "No: it is the merge-base."}]},
     "feedback of option 'HEAD' states 'The merge base'"),
    ({"id": "s", "type": "single", "prompt": "Which code?", "options": [
        {"text": "403 Forbidden", "correct": True}, {"text": "401", "feedback": "Tillpoint answers 403 here."}]},
     "feedback of option '401' states 403"),
    ({"id": "m", "type": "multiple", "prompt": "Tick", "options": [
        {"text": "Safety", "correct": True, "missed": "Safety is new in 2023."}, {"text": "x", "feedback": "f"}]},
     "missed of option 'Safety' states 'Safety'"),
    ({"id": "m", "type": "multiple", "prompt": "Tick", "options": [
        {"text": "Latency: how long requests take", "correct": True, "missed": "You missed latency."},
        {"text": "x", "feedback": "f"}]},
     "states 'Latency'"),
    ({"id": "t", "type": "text", "prompt": "Name?", "answers": ["merge base"],
      "misconceptions": [{"text": "HEAD", "feedback": "HEAD moves; the Merge-Base does not."}]},
     "misconception 'HEAD' states 'merge base'"),
    ({"id": "x", "type": "matching", "prompt": "Match", "pairs": [
        {"term": "Redis", "match": "Cache", "feedback": "Redis is a cache here."},
        {"term": "Postgres", "match": "Database", "feedback": "Records of truth live there."}]},
     "its feedback of 'Redis' names its match 'Cache'"),
    ({"id": "o", "type": "ordering", "prompt": "Order", "items": [
        {"text": "a", "feedback": "Start here."}, {"text": "b", "feedback": "b needs a."},
        {"text": "c", "feedback": "Deleting comes last."}]},
     "states a place: 'comes last'"),
])
def test_the_giveaway_check_catches_a_stated_answer(spec, expected):
    found = giveaways(spec)
    assert any(expected in line for line in found), found


@pytest.mark.parametrize("spec", [
    {"id": "n", "type": "numeric", "prompt": "Minutes in 28 days at 99.9%?", "answer": 40.32, "unit": "min",
     "misconceptions": [{"value": 2419.2, "feedback": "2,419.2 is in seconds: the box reads minutes."},
                        {"value": 43.2, "feedback": "That is 30 days; this window is 28 (see section 3)."}]},
    {"id": "s", "type": "single", "prompt": "Which code?", "options": [
        {"text": "403 Forbidden", "correct": True}, {"text": "401", "feedback": "401 means not authenticated."}]},
    {"id": "o", "type": "ordering", "prompt": "Order", "items": [
        {"text": "a", "feedback": "Check first, then copy."}, {"text": "b", "feedback": "b needs a."},
        {"text": "c", "feedback": "Only once nothing needs it."}]},
])
def test_the_giveaway_check_allows_an_honest_note(spec):
    # echoing the learner's own wrong value, naming a wrong option, and relative order are not giveaways
    assert giveaways(spec) == []


def _said_only_after_an_answer(spec: dict) -> list[str]:
    """Texts a learner sees only once they answer or ask: feedback, hints, answer notes, typed answers."""
    texts = [spec.get("hint"), spec.get("answer_note"), *(o.get("feedback") for o in spec.get("options", []))]
    texts += [str(a) for a in (spec.get("answers") or [])] if spec.get("type") == "text" else []
    return [t for t in texts if isinstance(t, str) and len(t) > 25]


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_a_quiz_on_a_page_without_a_kernel_asks_but_never_answers(path, monkeypatch, tmp_path):
    """The course website shows each quiz as static HTML (the widget needs a kernel); JupyterLab still draws
    the widget, whose mime type it ranks first."""
    from tpmkit.quiz import STATIC_NOTE, Quiz

    monkeypatch.setenv("TPMKIT_PROGRESS", str(tmp_path / "progress.json"))
    for spec in read_bank(path):
        question = Quiz([spec], source=path.name, module=None)[spec["id"]]
        bundle = question._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        page = bundle["text/html"]
        assert STATIC_NOTE in page and question.prompt.value in page
        for text in _said_only_after_an_answer(spec):
            assert html_text(text) not in page, (spec["id"], text)


def html_text(text: str) -> str:
    from tpmkit.quiz import _to_html

    return _to_html(text)
