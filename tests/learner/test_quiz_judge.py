"""tpmkit.quiz_judge: the pure judge (no widgets) on each question type, on every question of the
course's banks (the right answer passes, every wrong entry fails and names its common mistake), and
the widgets agreeing with it."""

from __future__ import annotations

import json

import pytest

from tests.support import ROOT
from tpmkit.quiz import Quiz, read_bank
from tpmkit.quiz_judge import Verdict, answer_record, judge, step_text

QUESTIONS = [(path.name.removesuffix(".quiz.yaml"), spec) for path in sorted((ROOT / "course").glob("*.quiz.yaml"))
             for spec in read_bank(path)]
IDS = [f"{module}:{spec['id']}" for module, spec in QUESTIONS]


def right_answer(spec: dict):
    """What a learner who knows the answer gives, as plain data."""
    kind = spec["type"]
    if kind == "single" or (kind == "predict" and "options" in spec):
        return next(o["text"] for o in spec["options"] if o.get("correct"))
    if kind == "multiple":
        return [o["text"] for o in spec["options"] if o.get("correct")]
    if kind == "numeric":
        return repr(spec["answer"])
    if kind in ("text", "predict"):
        return spec["answers"][0]
    if kind == "ordering":
        return [step_text(item) for item in spec["items"]]
    return {pair["term"]: pair["match"] for pair in spec["pairs"]}


def wrong_answers(spec: dict):
    """(answer, the wrong entry it gives) for every wrong entry of the question."""
    kind = spec["type"]
    if "options" in spec:
        for option in spec["options"]:
            if not option.get("correct"):
                yield ([option["text"]] if kind == "multiple" else option["text"]), option
        return
    for entry in spec.get("misconceptions", []):
        if kind == "numeric":
            yield repr(entry["value"]), entry
        elif kind in ("text", "predict"):
            yield entry["text"], entry
        elif kind == "ordering":
            order = [step_text(item) for item in spec["items"]]
            order.remove(entry["first"])
            order.insert(order.index(entry["then"]), entry["first"])   # `first` just before `then`
            yield order, entry
        else:
            yield {**right_answer(spec), entry["term"]: entry["match"]}, entry


@pytest.mark.parametrize(("module", "spec"), QUESTIONS, ids=IDS)
def test_every_bank_question_judges_its_key_right_and_each_wrong_entry_wrong(module, spec):
    assert judge(spec, right_answer(spec)).correct is True
    wrongs = list(wrong_answers(spec))
    for answer, entry in wrongs:
        verdict = judge(spec, answer)
        assert verdict.correct is False, (answer, verdict)
        assert entry["feedback"] in verdict.message
        if entry.get("misconception"):
            assert entry["misconception"] in verdict.mistakes, (answer, verdict)
        else:
            assert all(m != entry.get("misconception") for m in verdict.mistakes)


@pytest.mark.parametrize(("spec", "blank"), [
    ({"type": "single", "options": [{"text": "a", "correct": True}, {"text": "b", "feedback": "no"}]}, None),
    ({"type": "multiple", "options": [{"text": "a", "correct": True}, {"text": "b", "feedback": "no"}]}, []),
    ({"type": "numeric", "answer": 1}, "  "),
    ({"type": "text", "answers": ["x"], "misconceptions": []}, ""),
    ({"type": "ordering", "items": ["a", "b", "c"]}, ["a", "b"]),
    ({"type": "matching", "pairs": [{"term": "t", "match": "m", "feedback": "f"}]}, {"t": None}),
])
def test_no_usable_answer_is_not_an_attempt(spec, blank):
    assert judge(spec, blank).correct is None


def test_numeric_converts_units_and_names_the_tagged_mistake():
    spec = {"type": "numeric", "answer": 40.32, "tolerance": 0.01, "unit": "min",
            "misconceptions": [{"value": 43.2, "feedback": "A 30-day month.", "misconception": "window-30-days"},
                               {"value": 4.032, "feedback": "Off by ten."}]}
    assert judge(spec, "2419.2 s").correct is True
    assert judge(spec, "43.2") == Verdict(False, "A 30-day month.", ("window-30-days",))
    assert judge(spec, "4.032").mistakes == ()           # an untagged misconception names none
    assert judge(spec, "12 kg").correct is None           # a unit it cannot convert is not an attempt


def test_multiple_names_every_tagged_wrong_tick_once():
    spec = {"type": "multiple", "options": [
        {"text": "latency", "correct": True},
        {"text": "revenue", "feedback": "Business.", "misconception": "vanity"},
        {"text": "page views", "feedback": "Vanity.", "misconception": "vanity"},
        {"text": "cpu", "feedback": "Cause.", "misconception": "cause-not-symptom"}]}
    verdict = judge(spec, ["latency", "revenue", "page views", "cpu"])
    assert verdict.correct is False and verdict.mistakes == ("vanity", "cause-not-symptom")


def test_answer_record_is_json_the_judge_takes_back():
    for answer in ("About 2 hours", ["b", "a"], {"t": "m"}, "43.2 min"):
        assert json.loads(answer_record(answer)) == answer
    assert json.loads(answer_record(("x", "y"))) == ["x", "y"]
    assert json.loads(answer_record({"b", "a"})) == ["a", "b"]


def test_widgets_judge_through_the_pure_judge(progress_file):
    module, spec = next((m, s) for m, s in QUESTIONS if s["type"] == "single")
    question = Quiz([spec], source="demo.quiz.yaml")[spec["id"]]
    for answer in [right_answer(spec)] + [a for a, _ in wrong_answers(spec)]:
        question.choices.value = answer
        assert question.judge() == (judge(spec, answer).correct, judge(spec, answer).message)
