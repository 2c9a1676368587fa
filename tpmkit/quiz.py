"""Quiz checkpoints for lessons: questions are plain data, shown as widgets, results read back.

A quiz file sits beside its lesson (`course/07-slos.quiz.yaml`); docs/quiz-format.md describes its
seven question types and their fields. `tpmkit.quiz_bank` reads and validates a file,
`tpmkit.quiz_judge.judge(spec, answer)` judges an answer with no widget, and this module draws the
questions as widgets that gather the answer, call the judge and save the verdict with
`tpmkit.progress`. In a lesson:

    quiz = load_quiz("07-slos")      # reads 07-slos.quiz.yaml beside the notebook
    quiz["exhaust"]                   # shows the question; the learner may retry
    quiz.results()                    # [{"id": ..., "correct": ..., "attempts": ..., "solved_on": ...,
                                      #   "revealed": ...}, ...], shown as a table in a notebook

The answer key stays in Python (`question.spec`), never in widget state, so the browser holds no
answer before it is revealed (Show answer, or after REVEAL_AFTER wrong checks). Options, ordering
steps and matching terms are shuffled per learner and question (`tpmkit.learner.learner_id()`).
"""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

import ipywidgets as widgets

from tpmkit import common_mistakes, progress
from tpmkit.errors import KitError
from tpmkit.learner import learner_id
from tpmkit.quiz_bank import SCHEMA, read_bank, validate_questions
from tpmkit.quiz_judge import Verdict, answer_record, judge, normalise_text, parse_quantity, step_text

__all__ = ["SCHEMA", "Matching", "MultipleSelect", "Numeric", "Ordering", "Predict", "Quiz", "Results",
           "SingleChoice", "TextAnswer", "load_quiz", "normalise_text", "parse_quantity", "read_bank",
           "validate_questions"]

# What a question says on a page without a kernel (the course website).
STATIC_NOTE = ("Quiz: answer it in the lesson in JupyterLab (make lab), where your answer is checked and saved; "
               "this page cannot check answers.")


def _static_list(items: list[str], mark: str) -> str:
    return "<ul>" + "".join(f'<li style="list-style:none">{mark} {_to_html(t)}</li>' for t in items) + "</ul>"


# After this many wrong checks the answer is shown: the first miss teaches, the second may still be a slip.
REVEAL_AFTER = 2

# Verdict colours: the first pair on light themes, the _DARK pair on dark themes (JupyterLab 4, Notebook 7).
_OK = "#1a7f37"
_NO = "#b42318"
_OK_DARK = "#3fb950"
_NO_DARK = "#f47067"


def _to_html(text: str) -> str:
    """A little Markdown for prompts and feedback: `code`, **bold**, line breaks."""
    out = html.escape(str(text).strip())
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    return out.replace("\n", "<br>")


def _verdict_html(ok: bool, message: str, attempt: int) -> str:
    mark, colour = ("✓ Correct.", _OK) if ok else ("✗ Not quite.", _NO)
    dark = _OK_DARK if ok else _NO_DARK
    # The inline colour suits light themes; _style_widget's rule swaps in `data-dark` under a dark theme.
    # The attempt number makes every press of Check change the line, even for the same answer twice.
    return (f'<div class="tpmkit-verdict" style="color:{colour}" data-dark="{dark}">'
            f'<b>{mark}</b> <i>(attempt {attempt})</i> {_to_html(message)}</div>')


def _number_text(value) -> str:
    """A number as a person writes it: 4321 -> '4,321', 40.32 -> '40.32', 50.0 -> '50'."""
    text = f"{float(value):,.6f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") or float(value) == 0 else repr(float(value))


def _style_widget() -> widgets.HTML:
    """Theme rules for feedback and code blocks (CSS variables of JupyterLab 4 and Notebook 7)."""
    return widgets.HTML(
        "<style>"
        f"body[data-jp-theme-light='false'] .tpmkit-verdict[data-dark='{_OK_DARK}'] {{color:{_OK_DARK} !important}}"
        f"body[data-jp-theme-light='false'] .tpmkit-verdict[data-dark='{_NO_DARK}'] {{color:{_NO_DARK} !important}}"
        ".tpmkit-code {font-family: var(--jp-code-font-family, monospace); white-space: pre; overflow-x: auto;"
        " padding: 6px 8px; margin: 0; border-left: 3px solid var(--jp-border-color1, #888);"
        " background: var(--jp-layout-color2, transparent); color: var(--jp-content-font-color1, inherit)}"
        "</style>")


def _seeded_shuffle(items: list, seed: str, *, never_given: bool = False) -> list:
    """The same shuffle every time for one seed. With `never_given`, never the given (correct) order when
    that is possible: a Parsons problem must not start solved. Choices take any order, the given one
    included, so that no position is ruled out for the right answer."""
    out = list(items)
    random.Random(f"tpmkit:{seed}").shuffle(out)  # noqa: S311 - a seeded per-learner shuffle
    if never_given and out == list(items) and len(set(map(str, items))) > 1:
        out = out[1:] + out[:1]
    return out


class Question(widgets.VBox):
    """One question: prompt, an input, a Check button, a Hint button (when the question has a hint),
    a Show answer button and feedback. Retry as often as you like.

    State readable from Python: `attempts` (checks made), `correct` (verdict of the latest
    check, None before any), `solved_on` (attempt that first got it right, or None) and `revealed`
    (the answer was shown: on request, or after REVEAL_AFTER wrong checks).
    `earlier` is what `tpmkit.progress` saved for this question before this widget was made.
    The answer key is `spec`, a plain Python attribute: it is never sent to the browser before
    the answer is revealed.
    """

    kind = ""

    def __init__(self, spec: dict, *, module: str | None = None):
        self.spec = spec
        self.id = spec["id"]
        self.module = module
        # Options and steps are shuffled per learner and question: stable across restarts for one learner
        # (so "you answered this before" still fits), different between learners.
        self.seed = f"{learner_id()}:{module or ''}:{self.id}"
        self.attempts = 0
        self.misses = 0
        self.correct: bool | None = None
        self.solved_on: int | None = None
        self.revealed = False
        self._unanswered_presses = 0
        self.earlier = progress.history(module, self.id) if module else None
        self.prompt = widgets.HTML(f"<p><b>{_to_html(spec['prompt'])}</b></p>")
        self.submit = widgets.Button(description="Check", button_style="primary",
                                     tooltip="Check your answer (you can retry)")
        self.submit.on_click(lambda _button: self.check())
        self.hint_button = widgets.Button(description="Hint", tooltip="Show a hint",
                                          layout={"display": "" if spec.get("hint") else "none"})
        self.hint_button.on_click(lambda _button: self.show_hint())
        self.reveal_button = widgets.Button(description="Show answer",
                                            tooltip="Show the right answer (quiz.results() notes that you did)")
        self.reveal_button.on_click(lambda _button: self.reveal())
        self.hint = widgets.HTML("")
        self.feedback = widgets.HTML(self._earlier_html())
        self.answer = widgets.HTML("")  # stays empty until the answer is revealed
        super().__init__([_style_widget(), self.prompt, *self.extra_widgets(), self.answer_input(),
                          widgets.HBox([self.submit, self.hint_button, self.reveal_button]), self.hint,
                          self.feedback, self.answer])

    def extra_widgets(self) -> list[widgets.Widget]:
        """Widgets shown between the prompt and the input (a code block for `predict`)."""
        return []

    def static_answer_form(self) -> str:
        """What to answer, as HTML for a page without a kernel: the options as this learner would see them, or
        what kind of answer is asked. Never the answer, a hint or feedback."""
        return ""

    def static_html(self) -> str:
        """The question on a page with no kernel behind it (the course website): readable, marked as answered
        in JupyterLab."""
        return (f'<div class="tpmkit-quiz-static">{self.prompt.value}{self.static_answer_form()}'
                f"<p><i>{STATIC_NOTE}</i></p></div>")

    def _repr_mimebundle_(self, **kwargs):
        # JupyterLab draws the widget (its mime type ranks first); a static page shows the HTML form.
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, dict):
            data["text/html"] = self.static_html()
        return data

    def answer_input(self) -> widgets.Widget:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def answer_value(self):  # pragma: no cover - subclasses define it
        """The learner's answer as plain data, the form `tpmkit.quiz_judge.judge` takes."""
        raise NotImplementedError

    def verdict(self) -> Verdict:
        """The pure judge's verdict on the answer now in the widget."""
        return judge(self.spec, self.answer_value())

    def judge(self) -> tuple[bool | None, str]:
        """(verdict, message); verdict None means "no usable answer, not an attempt"."""
        found = self.verdict()
        return found.correct, found.message

    def answer_text(self) -> str:  # pragma: no cover - subclasses define it
        """The right answer in words, shown only once it is revealed."""
        raise NotImplementedError

    def _earlier_html(self) -> str:
        before = self.earlier
        if not before:
            return ""
        if before["solved_on"] and before["correct"]:
            said = f"correct on attempt {before['solved_on']}"
        elif before["solved_on"]:
            said = (f"correct on attempt {before['solved_on']}, and your latest answer "
                    f"(attempt {before['attempts']}) was not")
        else:
            tries = before["attempts"]
            said = f"not right yet after {tries} attempt{'s' if tries != 1 else ''}"
        return f"<div><i>You answered this before: {said}. Answer again whenever you like.</i></div>"

    def show_hint(self) -> None:
        hint = self.spec.get("hint")
        self.hint.value = f"<div><i>Hint: {_to_html(hint)}</i></div>" if hint else ""

    def reveal(self) -> None:
        """Show the right answer (and the question's `answer_note`); counts as `revealed`."""
        why = "on request" if self.misses < REVEAL_AFTER else f"after {self.misses} wrong tries"
        note = self.spec.get("answer_note")
        self.answer.value = (f'<div class="tpmkit-answer"><b>The answer</b> <i>({why})</i>:<br>'
                             f"{_to_html(self.answer_text())}"
                             + (f"<br>{_to_html(note)}" if note else "") + "</div>")
        self.revealed = True
        self.reveal_button.disabled = True

    def check(self) -> bool | None:
        found = self.verdict()
        verdict, message = found.correct, found.message
        if verdict is None:
            # Not an attempt; a count still changes the line, so a second press visibly did something.
            self._unanswered_presses += 1
            again = f" (reminder {self._unanswered_presses})" if self._unanswered_presses > 1 else ""
            self.feedback.value = f"<div>{_to_html(message + again)}</div>"
            return None
        self._unanswered_presses = 0
        self.attempts += 1
        self.correct = verdict
        if verdict and self.solved_on is None:
            self.solved_on = self.attempts
        if not verdict:
            self.misses += 1
        self.feedback.value = _verdict_html(verdict, message, self.attempts)
        if not verdict and self.misses >= REVEAL_AFTER and not self.revealed:
            self.reveal()
        if self.module:
            before = self.earlier["attempts"] if self.earlier else 0
            progress.record_quiz(self.module, self.id, verdict, before + self.attempts,
                                 answer=answer_record(self.answer_value()), mistakes=found.mistakes)
            notice = progress.pending_notice()
            if notice:
                self.feedback.value += f"<div><i>{_to_html(notice)}</i></div>"
        return verdict

    def result(self) -> dict:
        return {"id": self.id, "type": self.kind, "correct": self.correct,
                "attempts": self.attempts, "solved_on": self.solved_on, "revealed": self.revealed}


def _option_texts(question: Question) -> list[str]:
    """The options as this learner sees them. Authors list the right one first, which is readable in
    YAML but would give the answer away on screen."""
    return _seeded_shuffle([o["text"] for o in question.spec["options"]], question.seed)


def _right_options(spec: dict) -> list[str]:
    return [o["text"] for o in spec["options"] if o.get("correct")]


def _choice_buttons(question: Question) -> widgets.RadioButtons:
    return widgets.RadioButtons(options=_option_texts(question), value=None, layout={"width": "max-content"})


class SingleChoice(Question):
    """Pick one option. Each option's feedback explains why it is right or which mistake it is."""

    kind = "single"

    def static_answer_form(self) -> str:
        return _static_list(_option_texts(self), "○")

    def answer_input(self):
        self.choices = _choice_buttons(self)
        return self.choices

    def answer_value(self):
        return self.choices.value

    def answer_text(self):
        return _right_options(self.spec)[0]


class MultipleSelect(Question):
    """Tick every true statement. Feedback names each wrong tick and says if a true one is missing.
    `value` is the ticked statements, and can be set to a list of option texts."""

    kind = "multiple"

    def static_answer_form(self) -> str:
        return "<p>Pick every option that applies.</p>" + _static_list(_option_texts(self), "☐")

    def answer_input(self):
        self.boxes = [widgets.Checkbox(description=text, value=False, indent=False, layout={"width": "auto"})
                      for text in _option_texts(self)]
        return widgets.VBox(self.boxes)

    @property
    def value(self) -> tuple[str, ...]:
        return tuple(box.description for box in self.boxes if box.value)

    @value.setter
    def value(self, ticked) -> None:
        ticked = [str(text) for text in ticked]
        texts = [box.description for box in self.boxes]
        unknown = [text for text in ticked if text not in texts]
        if unknown:
            raise KitError(f"'{unknown[0]}' is not a statement of '{self.id}'; tick one of its options by its text.")
        for box in self.boxes:
            box.value = box.description in ticked

    def answer_text(self):
        return "\n".join(f"• {text}" for text in _right_options(self.spec))

    def answer_value(self):
        return self.value


class Numeric(Question):
    """Type a number, optionally with a unit. Time units convert; expected wrong answers are diagnosed."""

    kind = "numeric"

    def static_answer_form(self) -> str:
        return "<p>Answer with a number.</p>"

    def answer_input(self):
        unit = self.spec.get("unit", "")
        self.entry = widgets.Text(value="", placeholder=f"a number{f' in {unit}' if unit else ''}",
                                  description=unit or "answer", continuous_update=False)
        return self.entry

    def answer_value(self):
        return self.entry.value

    def answer_text(self):
        unit = self.spec.get("unit", "")
        return f"{_number_text(self.spec['answer'])}{f' {unit}' if unit else ''}"


def _text_answer(spec: dict) -> str:
    first, *others = spec["answers"]
    return first + (f" (also accepted: {', '.join(others)})" if others else "")


class TextAnswer(Question):
    """Type a short answer. Case, spaces and punctuation do not matter; synonyms are accepted;
    expected wrong answers are diagnosed."""

    kind = "text"

    def static_answer_form(self) -> str:
        return "<p>Answer in a word or a few.</p>"

    def answer_input(self):
        self.entry = widgets.Text(value="", placeholder="type a short answer", description="answer",
                                  continuous_update=False)
        return self.entry

    def answer_value(self):
        return self.entry.value

    def answer_text(self):
        return _text_answer(self.spec)


class Predict(Question):
    """Predict what code or a query prints: a monospace block, then options (as `single`) or a text box
    (as `text`)."""

    kind = "predict"

    def static_answer_form(self) -> str:
        code = f'<pre class="tpmkit-code">{html.escape(str(self.spec["code"]).rstrip())}</pre>'
        if "options" in self.spec:
            return code + _static_list(_option_texts(self), "○")
        return code + "<p>Type what it prints.</p>"

    def extra_widgets(self):
        self.code = widgets.HTML(f'<pre class="tpmkit-code">{html.escape(str(self.spec["code"]).rstrip())}</pre>')
        return [self.code]

    def answer_input(self):
        if "options" in self.spec:
            self.choices = _choice_buttons(self)
            return self.choices
        self.entry = widgets.Text(value="", placeholder="what it prints", description="output",
                                  continuous_update=False)
        return self.entry

    def answer_value(self):
        return self.choices.value if "options" in self.spec else self.entry.value

    def answer_text(self):
        return _right_options(self.spec)[0] if "options" in self.spec else _text_answer(self.spec)


class Ordering(Question):
    """A Parsons problem: put the steps in order with each step's ↑ and ↓ buttons (keyboard: Tab to a
    button, Enter or Space to press it). The steps start in a seeded shuffle, never the right order.
    `value` is the current order, and can be set to a list of the step texts."""

    kind = "ordering"

    def static_answer_form(self) -> str:
        return "<p>Put these in order:</p>" + _static_list(self._order, "↕")

    def answer_input(self):
        self._key = [step_text(item) for item in self.spec["items"]]
        self._order = _seeded_shuffle(self._key, self.seed, never_given=True)
        self.rows = widgets.VBox()
        self._render()
        return self.rows

    def _render(self):
        rows = []
        last = len(self._order) - 1
        for index, text in enumerate(self._order):
            up = widgets.Button(description="↑", tooltip=f"Move '{text}' up", disabled=index == 0,
                                layout={"width": "2.6em"})
            down = widgets.Button(description="↓", tooltip=f"Move '{text}' down", disabled=index == last,
                                  layout={"width": "2.6em"})
            up.on_click(lambda _b, i=index: self.move(i, -1))
            down.on_click(lambda _b, i=index: self.move(i, +1))
            label = widgets.HTML(f"<span>{index + 1}. {html.escape(text)}</span>")
            rows.append(widgets.HBox([up, down, label]))
        self.rows.children = rows

    def move(self, index: int, step: int) -> None:
        """Move the step at `index` (0-based) up (-1) or down (+1)."""
        other = index + step
        if 0 <= index < len(self._order) and 0 <= other < len(self._order):
            self._order[index], self._order[other] = self._order[other], self._order[index]
            self._render()

    @property
    def value(self) -> tuple[str, ...]:
        return tuple(self._order)

    @value.setter
    def value(self, order) -> None:
        order = [str(text) for text in order]
        if sorted(order) != sorted(self._key):
            raise KitError(f"An order for '{self.id}' must list each step once: {', '.join(sorted(self._key))}.")
        self._order = order
        self._render()

    def answer_value(self):
        return list(self._order)

    def answer_text(self):
        return "\n".join(f"{number}. {text}" for number, text in enumerate(self._key, start=1))


_UNCHOSEN = ""  # the placeholder's value: a real match is never empty (the schema refuses it)


class Matching(Question):
    """Match each term to its partner with a Dropdown per term (keyboard: Tab, then arrow keys).
    Terms sit in one column and their Dropdowns in the next, so the menus line up however long a term is.
    `value` is a dict term -> chosen match (None when not chosen), and can be set."""

    kind = "matching"

    def static_answer_form(self) -> str:
        targets = [value for _label, value in next(iter(self.dropdowns.values())).options if value != _UNCHOSEN]
        return ("<p>Match each term:</p>" + _static_list(list(self.dropdowns), "•")
                + "<p>with one of:</p>" + _static_list(targets, "◦"))

    def answer_input(self):
        pairs = self.spec["pairs"]
        targets = sorted({p["match"] for p in pairs} | set(self.spec.get("extra", [])), key=str.casefold)
        self.dropdowns = {}
        cells = []
        for term in _seeded_shuffle([p["term"] for p in pairs], self.seed, never_given=True):
            # In ipywidgets 8 a Dropdown whose value is None shows a blank box; the placeholder has its own
            # value, so the menu starts on "choose..." and returns to it when set back.
            menu = widgets.Dropdown(options=[("choose...", _UNCHOSEN)] + [(t, t) for t in targets],
                                    value=_UNCHOSEN, tooltip=term, layout={"width": "max-content"})
            self.dropdowns[term] = menu
            cells += [widgets.HTML(f"<span>{html.escape(term)}</span>"), menu]
        # Terms wrap within 60 characters; the menus share one column edge.
        return widgets.GridBox(cells, layout={"grid_template_columns": "fit-content(60ch) max-content",
                                              "grid_gap": "4px 12px", "align_items": "center"})

    @property
    def value(self) -> dict:
        return {term: (menu.value if menu.value != _UNCHOSEN else None) for term, menu in self.dropdowns.items()}

    @value.setter
    def value(self, chosen: dict) -> None:
        for term, match in dict(chosen).items():
            if term not in self.dropdowns:
                raise KitError(f"'{term}' is not a term of '{self.id}': {', '.join(self.dropdowns)}.")
            menu = self.dropdowns[term]
            match = _UNCHOSEN if match is None else match
            if match not in [value for _label, value in menu.options]:
                raise KitError(f"'{match}' is not a choice for '{term}' in '{self.id}'.")
            menu.value = match

    def answer_value(self):
        return self.value

    def answer_text(self):
        return "\n".join(f"{pair['term']} → {pair['match']}" for pair in self.spec["pairs"])


# One widget class per type of the schema (tpmkit.quiz_bank.TYPES).
QUESTION_TYPES = {cls.kind: cls for cls in (SingleChoice, MultipleSelect, Numeric, Ordering, Matching,
                                            TextAnswer, Predict)}


def _module_of(source: str) -> str | None:
    stem = Path(str(source)).name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".quiz")
    return stem if progress.MODULE_ID.fullmatch(stem) else None


class Results(list):
    """`quiz.results()`: a list of plain dicts that Jupyter and `print` show as a small table."""

    COLUMNS = (("id", "question"), ("type", "type"), ("correct", "correct"), ("attempts", "attempts"),
               ("solved_on", "solved on"), ("revealed", "answer shown"))

    @staticmethod
    def _cell(key: str, value) -> str:
        if key == "correct":
            return {True: "yes", False: "no"}.get(value, "not answered")
        if key == "revealed":
            return "yes" if value else "no"
        return "" if value is None else str(value)

    def _rows(self) -> list[list[str]]:
        return [[self._cell(key, row.get(key)) for key, _title in self.COLUMNS] for row in self]

    def __repr__(self) -> str:
        table = [[title for _key, title in self.COLUMNS], *self._rows()]
        widths = [max(len(row[i]) for row in table) for i in range(len(self.COLUMNS))]
        return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                         for row in table)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(title)}</th>" for _key, title in self.COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                       for row in self._rows())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Quiz:
    """An ordered set of questions. `quiz[id]` is the widget; `quiz.results()` reads the answers back.

    `module` (by default the NN-slug of `source`) is where `tpmkit.progress` saves the answers;
    None saves nothing.
    """

    def __init__(self, questions: list[dict], *, source: str = "quiz", module: str | None = ""):
        validate_questions(questions, source)
        self.source = source
        self.module = _module_of(source) if module == "" else module
        self.questions = {spec["id"]: QUESTION_TYPES[spec["type"]](spec, module=self.module) for spec in questions}

    def __getitem__(self, qid: str) -> Question:
        if qid not in self.questions:
            raise KitError(f"{self.source} has no question '{qid}'; its questions are: {', '.join(self.questions)}.")
        return self.questions[qid]

    def __iter__(self):
        return iter(self.questions.values())

    def __len__(self) -> int:
        return len(self.questions)

    def results(self) -> Results:
        """One plain dict per question (a list, so code reads it as before); in a notebook it shows as a table."""
        return Results(question.result() for question in self)

    @property
    def score(self) -> int:
        """Questions whose latest answer is correct."""
        return sum(bool(question.correct) for question in self)


def load_quiz(name: str | Path, folder: str | Path = ".") -> Quiz:
    """Load `NAME.quiz.yaml` from `folder` (a lesson's own folder by default), or a YAML path."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(folder) / f"{name}.quiz.yaml"
    questions = read_bank(path)
    quiz = Quiz(questions, source=path.name)
    common_mistakes.check_tags(questions, common_mistakes.load(path.parent), path.name)
    if quiz.module:
        progress.set_module(quiz.module)
    notice = progress.pending_notice()
    if notice:
        print(notice)
    return quiz
