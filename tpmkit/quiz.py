"""Quiz checkpoints for lessons: questions are plain data, shown as widgets, results read back.

A quiz file sits beside its lesson (`course/07-slos.quiz.yaml`) and holds a list of questions:

    - id: window-28                 # unique within the file
      type: numeric                 # single | multiple | numeric
      prompt: "99.9% over a 28-day window allows how many minutes of downtime?"
      answer: 40.32
      tolerance: 0.01               # absolute, in `unit`
      unit: min                     # time units convert (ms, s, min, h, d)
      misconceptions:               # wrong answers we expect, each with its diagnosis
        - {value: 43.2, feedback: "That is a 30-day month ..."}

    - id: exhaust
      type: single
      prompt: "..."
      options:
        - {text: "About 2 hours", feedback: "A blog favourite, and wrong: ..."}
        - {text: "About 2.08 days", correct: true, feedback: "Yes: ..."}

Every wrong option must carry feedback naming the misconception it reveals. In a lesson:

    quiz = load_quiz("07-slos")      # reads 07-slos.quiz.yaml beside the notebook
    quiz["exhaust"]                   # shows the question; the learner may retry
    quiz.results()                    # [{"id": ..., "correct": ..., "attempts": ...}, ...]
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import ipywidgets as widgets
import yaml

from tpmkit.errors import KitError

__all__ = ["MultipleSelect", "Numeric", "Quiz", "SingleChoice", "load_quiz", "parse_quantity"]

_OK = "#1a7f37"
_NO = "#b42318"


def _to_html(text: str) -> str:
    """A little Markdown for prompts and feedback: `code`, **bold**, line breaks."""
    out = html.escape(str(text).strip())
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    return out.replace("\n", "<br>")


def _verdict_html(ok: bool, message: str) -> str:
    mark, colour = ("✓ Correct.", _OK) if ok else ("✗ Not quite.", _NO)
    return f'<div style="color:{colour}"><b>{mark}</b> {_to_html(message)}</div>'


class Question(widgets.VBox):
    """One question: prompt, an input, a Check button and feedback. Retry as often as you like.

    State readable from Python: `attempts` (checks made), `correct` (verdict of the latest
    check, None before any) and `solved_on` (attempt that first got it right, or None).
    """

    kind = ""

    def __init__(self, spec: dict):
        self.spec = spec
        self.id = spec["id"]
        self.attempts = 0
        self.correct: bool | None = None
        self.solved_on: int | None = None
        self.prompt = widgets.HTML(f"<p><b>{_to_html(spec['prompt'])}</b></p>")
        self.submit = widgets.Button(description="Check", button_style="primary",
                                     tooltip="Check your answer (you can retry)")
        self.feedback = widgets.HTML("")
        self.submit.on_click(lambda _button: self.check())
        super().__init__([self.prompt, self.answer_input(), self.submit, self.feedback])

    def answer_input(self) -> widgets.Widget:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def judge(self) -> tuple[bool | None, str]:  # pragma: no cover - subclasses define it
        """Return (verdict, message); verdict None means "no usable answer, not an attempt"."""
        raise NotImplementedError

    def check(self) -> bool | None:
        verdict, message = self.judge()
        if verdict is None:
            self.feedback.value = f"<div>{_to_html(message)}</div>"
            return None
        self.attempts += 1
        self.correct = verdict
        if verdict and self.solved_on is None:
            self.solved_on = self.attempts
        self.feedback.value = _verdict_html(verdict, message)
        return verdict

    def result(self) -> dict:
        return {"id": self.id, "type": self.kind, "correct": self.correct,
                "attempts": self.attempts, "solved_on": self.solved_on}


class SingleChoice(Question):
    """Pick one option. Each option's feedback explains why it is right or which mistake it is."""

    kind = "single"

    def answer_input(self):
        self.choices = widgets.RadioButtons(options=[o["text"] for o in self.spec["options"]],
                                            value=None, layout={"width": "max-content"})
        return self.choices

    def judge(self):
        if self.choices.value is None:
            return None, "Pick an option first."
        option = next(o for o in self.spec["options"] if o["text"] == self.choices.value)
        return bool(option.get("correct")), option.get("feedback", "")


class MultipleSelect(Question):
    """Tick every true statement. Feedback names each wrong tick and says if a true one is missing."""

    kind = "multiple"

    def answer_input(self):
        self.boxes = [widgets.Checkbox(description=o["text"], value=False, indent=False,
                                       layout={"width": "auto"}) for o in self.spec["options"]]
        return widgets.VBox(self.boxes)

    @property
    def value(self) -> tuple[str, ...]:
        return tuple(box.description for box in self.boxes if box.value)

    def judge(self):
        ticked = set(self.value)
        if not ticked:
            return None, "Tick at least one statement first."
        notes = []
        for option in self.spec["options"]:
            is_true, is_ticked = bool(option.get("correct")), option["text"] in ticked
            if is_ticked and not is_true:
                notes.append(f"'{option['text']}': {option['feedback']}")
            elif is_true and not is_ticked:
                notes.append(option.get("missed") or "One true statement is not ticked yet.")
        if notes:
            return False, "\n".join(notes)
        return True, self.spec.get("feedback", "All the true statements, and none of the false ones.")


_TIME_UNITS = {  # seconds per unit
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


class Numeric(Question):
    """Type a number, optionally with a unit. Time units convert; expected wrong answers are diagnosed."""

    kind = "numeric"

    def answer_input(self):
        unit = self.spec.get("unit", "")
        self.entry = widgets.Text(value="", placeholder=f"a number{f' in {unit}' if unit else ''}",
                                  description=unit or "answer", continuous_update=False)
        return self.entry

    def _in_question_unit(self, number: float, unit: str) -> float | str:
        want = str(self.spec.get("unit", "")).lower()
        if not unit or unit == want:
            return number
        if unit in _TIME_UNITS and want in _TIME_UNITS:
            return number * _TIME_UNITS[unit] / _TIME_UNITS[want]
        return f"This question asks for {want or 'a plain number'}, and '{unit}' is not a unit I can convert."

    def _matches(self, got: float, target: float) -> bool:
        return math.isclose(got, target, rel_tol=1e-9, abs_tol=float(self.spec.get("tolerance", 0)))

    def judge(self):
        parsed = parse_quantity(self.entry.value)
        if parsed is None:
            if not self.entry.value.strip():
                return None, "Type a number first."
            return None, f"Could not read '{self.entry.value}' as a number: type digits such as 43.2."
        got = self._in_question_unit(*parsed)
        if isinstance(got, str):
            return None, got
        if self._matches(got, float(self.spec["answer"])):
            return True, self.spec.get("feedback", "")
        for wrong in self.spec.get("misconceptions", []):
            if self._matches(got, float(wrong["value"])):
                return False, wrong["feedback"]
        return False, self.spec.get("hint", "Check the formula and the units, then try again.")


QUESTION_TYPES = {cls.kind: cls for cls in (SingleChoice, MultipleSelect, Numeric)}


def _validate(spec, where: str) -> None:
    """Refuse a malformed question with one sentence naming the question and the fix."""
    if not isinstance(spec, dict):
        raise KitError(f"{where}: each question must be a mapping with id, type and prompt.")
    qid = spec.get("id")
    if not isinstance(qid, str) or not qid:
        raise KitError(f"{where}: a question has no 'id'; give each question a short unique id.")
    where = f"{where}, question '{qid}'"
    if spec.get("type") not in QUESTION_TYPES:
        raise KitError(f"{where}: type must be one of {', '.join(QUESTION_TYPES)}, not {spec.get('type')!r}.")
    if not isinstance(spec.get("prompt"), str) or not spec["prompt"].strip():
        raise KitError(f"{where}: the prompt is missing.")
    if spec["type"] == "numeric":
        if not isinstance(spec.get("answer"), (int, float)) or isinstance(spec.get("answer"), bool):
            raise KitError(f"{where}: a numeric question needs a number as 'answer'.")
        if float(spec.get("tolerance", 0)) < 0:
            raise KitError(f"{where}: 'tolerance' cannot be negative.")
        for wrong in spec.get("misconceptions", []):
            if not isinstance(wrong, dict) or "value" not in wrong or not wrong.get("feedback"):
                raise KitError(f"{where}: each misconception needs a 'value' and the 'feedback' that explains it.")
        return
    options = spec.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise KitError(f"{where}: a choice question needs a list of at least two options.")
    texts = [o.get("text") if isinstance(o, dict) else None for o in options]
    if not all(isinstance(t, str) and t for t in texts) or len(set(texts)) != len(texts):
        raise KitError(f"{where}: every option needs its own non-empty 'text'.")
    n_correct = sum(bool(o.get("correct")) for o in options)
    if spec["type"] == "single" and n_correct != 1:
        raise KitError(f"{where}: a single-choice question needs exactly one option with correct: true.")
    if spec["type"] == "multiple" and n_correct < 1:
        raise KitError(f"{where}: mark at least one option correct: true.")
    for option in options:
        if not option.get("correct") and not option.get("feedback"):
            raise KitError(f"{where}: the wrong option '{option['text']}' needs feedback naming its misconception.")


class Quiz:
    """An ordered set of questions. `quiz[id]` is the widget; `quiz.results()` reads the answers back."""

    def __init__(self, questions: list[dict], *, source: str = "quiz"):
        if not isinstance(questions, list) or not questions:
            raise KitError(f"{source}: a quiz is a non-empty list of questions.")
        for spec in questions:
            _validate(spec, source)
        ids = [spec["id"] for spec in questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise KitError(f"{source}: question ids must be unique; repeated: {', '.join(duplicates)}.")
        self.source = source
        self.questions = {spec["id"]: QUESTION_TYPES[spec["type"]](spec) for spec in questions}

    def __getitem__(self, qid: str) -> Question:
        if qid not in self.questions:
            raise KitError(f"{self.source} has no question '{qid}'; its questions are: {', '.join(self.questions)}.")
        return self.questions[qid]

    def __iter__(self):
        return iter(self.questions.values())

    def __len__(self) -> int:
        return len(self.questions)

    def results(self) -> list[dict]:
        return [question.result() for question in self]

    @property
    def score(self) -> int:
        """Questions whose latest answer is correct."""
        return sum(bool(question.correct) for question in self)


def load_quiz(name: str | Path, folder: str | Path = ".") -> Quiz:
    """Load `NAME.quiz.yaml` from `folder` (a lesson's own folder by default), or a YAML path."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(folder) / f"{name}.quiz.yaml"
    if not path.is_file():
        raise KitError(f"No quiz file at {path}: quiz files sit beside their lesson as NN-slug.quiz.yaml.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise KitError(f"{path.name} is not valid YAML{at}: fix the file and run the cell again.") from None
    return Quiz(data, source=path.name)
