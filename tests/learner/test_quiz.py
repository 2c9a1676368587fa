"""tpmkit.quiz: real widgets driven through `.value` and `.click()`, validation, loading, answer keys."""

from __future__ import annotations

import html
import json
import re

import ipywidgets as widgets
import pytest
import yaml

from tests.support import ROOT
from tpmkit.errors import KitError
from tpmkit.quiz import (
    REVEAL_AFTER,
    Matching,
    MultipleSelect,
    Numeric,
    Ordering,
    Predict,
    Quiz,
    Results,
    SingleChoice,
    TextAnswer,
    load_quiz,
    normalise_text,
    parse_quantity,
)

COURSE_QUIZZES = sorted((ROOT / "course").glob("*.quiz.yaml"))


def shown(widget) -> str:
    """The feedback text as a learner reads it (HTML entities decoded)."""
    return html.unescape(widget.feedback.value)


def plain(text: str) -> str:
    """Text with HTML tags, Markdown marks (` and **) and line breaks flattened, to compare wording."""
    text = html.unescape(re.sub(r"<[^>]+>", "", str(text).replace("<br>", " ").replace("</div><div", "</div> <div")))
    return " ".join(text.replace("`", "").replace("**", "").split())


# --- specs -------------------------------------------------------------------------------------

def single_spec(**extra) -> dict:
    return {
        "id": "exhaust", "type": "single",
        "prompt": "At burn rate 14.4, how long until a 30-day budget is gone?",
        "options": [
            {"text": "About 2 hours", "feedback": "The blog error: 30 days / 14.4 is days, not hours."},
            {"text": "About 2.08 days", "correct": True, "feedback": "Yes: 720 h / 14.4 = 50 h."},
            {"text": "30 days", "feedback": "That is burn rate 1, exactly on budget."},
        ],
        **extra,
    }


def multiple_spec() -> dict:
    return {
        "id": "signals", "type": "multiple",
        "prompt": "Tick the four golden signals.",
        "options": [
            {"text": "latency", "correct": True},
            {"text": "traffic", "correct": True, "missed": "One of the four counts how much demand arrives."},
            {"text": "revenue", "feedback": "A business metric, not a golden signal."},
        ],
    }


def numeric_spec(**extra) -> dict:
    spec = {
        "id": "exhaust-hours", "type": "numeric",
        "prompt": "At burn rate 14.4, in how many hours is a 30-day budget gone?",
        "answer": 720 / 14.4, "tolerance": 0.1, "unit": "h",
        "feedback": "Yes: 30 days x 24 h / 14.4.",
        "misconceptions": [{"value": 2, "feedback": "That is the blog error: 2.08 days, not 2 hours."}],
    }
    spec.update(extra)
    return spec


# --- SingleChoice --------------------------------------------------------------------------------

def test_single_choice_correct():
    q = SingleChoice(single_spec())
    q.choices.value = "About 2.08 days"
    q.submit.click()
    assert q.correct is True
    assert q.attempts == 1 and q.solved_on == 1
    assert "720 h / 14.4 = 50 h" in shown(q)
    assert "Correct" in shown(q)


@pytest.mark.parametrize("index", [0, 2])
def test_single_choice_wrong_shows_that_options_feedback(index):
    spec = single_spec()
    option = spec["options"][index]
    q = SingleChoice(spec)
    q.choices.value = option["text"]
    q.submit.click()
    assert q.correct is False
    assert q.solved_on is None
    assert option["feedback"] in shown(q)
    other = spec["options"][2 - index]["feedback"]
    assert other not in shown(q)


def test_single_choice_retry_counts_attempts_and_records_first_success():
    q = SingleChoice(single_spec())
    for text in ("About 2 hours", "About 2.08 days", "30 days", "About 2.08 days", "About 2 hours"):
        q.choices.value = text
        q.submit.click()
    assert q.attempts == 5
    assert q.solved_on == 2  # the first success, not the latest
    assert q.correct is False  # the latest answer counts for `correct`


def test_single_choice_nothing_picked_is_not_an_attempt():
    q = SingleChoice(single_spec())
    q.submit.click()
    assert q.attempts == 0 and q.correct is None
    assert "Pick an option" in shown(q)


# --- MultipleSelect ------------------------------------------------------------------------------

def test_multiple_select_wrong_tick_names_it():
    q = MultipleSelect(multiple_spec())
    for box in q.boxes:  # every box, as a learner who ticks them all
        box.value = True
    q.submit.click()
    assert q.correct is False
    assert "'revenue': A business metric, not a golden signal." in shown(q)


def test_multiple_select_missing_true_statement():
    q = MultipleSelect(multiple_spec())
    q.value = ["latency"]
    q.submit.click()
    assert q.correct is False
    assert "One of the four counts how much demand arrives." in shown(q)


def test_multiple_select_missing_statement_without_own_note_gets_generic_note():
    q = MultipleSelect(multiple_spec())
    q.value = ["traffic"]
    q.submit.click()
    assert q.correct is False
    assert "not ticked yet" in shown(q)


def test_multiple_select_all_correct():
    q = MultipleSelect(multiple_spec())
    q.value = ["latency", "traffic"]
    q.submit.click()
    assert q.correct is True and q.solved_on == 1
    assert sorted(q.value) == ["latency", "traffic"]
    assert sum(box.value for box in q.boxes) == 2  # the setter ticks the real boxes


def test_multiple_select_value_refuses_unknown_statements():
    with pytest.raises(KitError, match="is not a statement of 'signals'"):
        MultipleSelect(multiple_spec()).value = ["saturation"]


def test_multiple_select_nothing_ticked_is_not_an_attempt():
    q = MultipleSelect(multiple_spec())
    q.submit.click()
    assert q.attempts == 0 and q.correct is None
    assert "Tick at least one" in shown(q)


# --- Numeric -------------------------------------------------------------------------------------

def numeric_answer(text: str, **extra) -> Numeric:
    q = Numeric(numeric_spec(**extra))
    q.entry.value = text
    q.submit.click()
    return q


def test_numeric_correct_plain_number():
    q = numeric_answer("50")
    assert q.correct is True and q.attempts == 1
    assert "30 days x 24 h / 14.4" in shown(q)


def test_numeric_decimal_answer():
    q = numeric_answer("43.2", answer=30 * 24 * 60 * 0.001, unit="min", tolerance=0.01)
    assert q.correct is True


def test_numeric_converts_time_units():
    # 2.08 days is 49.92 hours: inside the 0.1 h tolerance of 50 h.
    assert numeric_answer("2.08 days").correct is True
    assert numeric_answer("3000 min").correct is True
    assert numeric_answer("50 hours").correct is True


def test_numeric_unit_conversion_is_real_not_ignored():
    # 50 minutes is not 50 hours: a parser that dropped the unit would accept it.
    q = numeric_answer("50 min")
    assert q.correct is False and q.attempts == 1


def test_numeric_unknown_unit_is_refused_without_an_attempt():
    q = numeric_answer("5 apples")
    assert q.attempts == 0 and q.correct is None
    assert "apples" in shown(q)
    assert "not a unit I can convert" in shown(q)


def test_numeric_tolerance():
    assert numeric_answer("50.09").correct is True
    assert numeric_answer("49.91").correct is True
    assert numeric_answer("50.2").correct is False
    assert numeric_answer("50.2", tolerance=0.25).correct is True


def test_numeric_zero_tolerance_by_default():
    spec = numeric_spec()
    del spec["tolerance"]
    q = Numeric(spec)
    q.entry.value = "50.01"
    q.submit.click()
    assert q.correct is False
    q.entry.value = "50"
    q.submit.click()
    assert q.correct is True and q.solved_on == 2


def test_numeric_misconception_feedback():
    q = numeric_answer("2")
    assert q.correct is False and q.attempts == 1
    assert "2.08 days, not 2 hours" in shown(q)
    # "2 h" is the same misconception with its unit typed out
    assert "2.08 days, not 2 hours" in shown(numeric_answer("2 h"))


def test_numeric_other_wrong_answer_gets_hint_not_misconception():
    q = numeric_answer("7", hint="Divide the window by the burn rate.")
    assert q.correct is False
    assert "Divide the window by the burn rate." in shown(q)
    assert "blog error" not in shown(q)


def test_numeric_empty_input_is_not_an_attempt():
    q = numeric_answer("   ")
    assert q.attempts == 0 and q.correct is None
    assert "Type a number first" in shown(q)


def test_numeric_unreadable_input_is_not_an_attempt():
    q = numeric_answer("fifty")
    assert q.attempts == 0
    assert "Could not read 'fifty'" in shown(q)


def test_numeric_thousands_separator():
    q = numeric_answer("1,500", answer=1500, unit="", tolerance=0)
    assert q.correct is True


@pytest.mark.parametrize(("text", "expected"), [
    ("43.2 min", (43.2, "min")),
    ("1,500", (1500.0, "")),
    ("3_000", (3000.0, "")),
    ("-0.5", (-0.5, "")),
    ("2.08 Days", (2.08, "days")),
    ("1e3", (1000.0, "")),
    ("99.9%", (99.9, "%")),
])
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "4 2", "1.2.3", None])
def test_parse_quantity_refuses(text):
    assert parse_quantity(text) is None


# --- the newer types: ordering, matching, text, predict -------------------------------------------

def ordering_spec(**extra) -> dict:
    return {
        "id": "pr-life", "type": "ordering",
        "prompt": "Put a pull request's life in order.",
        "items": [
            {"text": "Create a branch", "feedback": "Work starts on its own branch, away from main."},
            {"text": "Commit", "feedback": "You commit on the branch before anything can be pushed."},
            {"text": "Open the pull request", "feedback": "The pull request is opened once commits are pushed."},
            {"text": "Review", "feedback": "Review needs an open pull request to look at."},
            {"text": "Merge", "feedback": "Merging is the last step, after review approves."},
        ],
        "misconceptions": [{"first": "Merge", "then": "Review",
                            "feedback": "Merging first and reviewing later means main carries unreviewed code."}],
        "feedback": "Branch, commit, open, review, merge.",
        "hint": "What must exist before a reviewer can look at anything?",
        **extra,
    }


KEY = ["Create a branch", "Commit", "Open the pull request", "Review", "Merge"]


def test_ordering_starts_shuffled_and_seeded():
    q = Ordering(ordering_spec())
    assert list(q.value) != KEY and sorted(q.value) == sorted(KEY)
    assert Ordering(ordering_spec()).value == q.value  # the same shuffle every time


def test_ordering_right_order_by_clicking():
    q = Ordering(ordering_spec())
    # a bubble sort driven only through the ↑ buttons, like a learner with a keyboard
    while list(q.value) != KEY:
        for i in range(1, len(KEY)):
            if KEY.index(q.value[i]) < KEY.index(q.value[i - 1]):
                up = q.rows.children[i].children[0]
                assert up.description == "↑"
                up.click()
                break
    q.submit.click()
    assert q.correct is True and q.solved_on == 1
    assert "Branch, commit, open, review, merge." in shown(q)


def test_ordering_buttons_at_the_ends_are_disabled_and_move_swaps():
    q = Ordering(ordering_spec())
    first, last = q.rows.children[0], q.rows.children[-1]
    assert first.children[0].disabled and not first.children[1].disabled
    assert last.children[1].disabled
    before = list(q.value)
    first.children[1].click()  # ↓ on the first step
    assert list(q.value) == [before[1], before[0], *before[2:]]


def test_ordering_wrong_names_first_misplaced_step_and_misconception():
    q = Ordering(ordering_spec())
    q.value = ["Create a branch", "Commit", "Open the pull request", "Merge", "Review"]
    q.submit.click()
    assert q.correct is False
    assert "Merging first and reviewing later" in shown(q)
    assert "The first step out of place is number 4, 'Merge'." in shown(q)
    assert "Merging is the last step, after review approves." in shown(q)
    q.value = ["Commit", "Create a branch", "Open the pull request", "Review", "Merge"]
    q.submit.click()
    assert "number 1, 'Commit'" in shown(q) and "Merging first" not in shown(q)
    assert "You commit on the branch" in shown(q)
    q.value = KEY
    q.submit.click()
    assert q.correct is True and q.attempts == 3 and q.solved_on == 3


def test_ordering_value_must_be_a_permutation():
    with pytest.raises(KitError, match="must list each step once"):
        Ordering(ordering_spec()).value = ["Commit"]


def matching_spec() -> dict:
    return {
        "id": "layers", "type": "matching",
        "prompt": "Match each part to what it does.",
        "pairs": [
            {"term": "Redis", "match": "Cache", "feedback": "Redis keeps hot data in memory in front of the database."},
            {"term": "Postgres", "match": "Database", "feedback": "Postgres is where the records of truth live."},
            {"term": "CloudFront", "match": "CDN", "feedback": "CloudFront serves static files near the user."},
        ],
        "extra": ["Queue"],
        "misconceptions": [{"term": "Redis", "match": "Database",
                            "feedback": "Redis can persist, but here it is a cache: losing it loses no records."}],
    }


def test_matching_dropdown_per_term_with_sorted_choices_and_nothing_chosen():
    q = Matching(matching_spec())
    assert set(q.dropdowns) == {"Redis", "Postgres", "CloudFront"}
    menu = q.dropdowns["Redis"]
    assert [label for label, _ in menu.options] == ["choose...", "Cache", "CDN", "Database", "Queue"]
    assert q.value == {"Redis": None, "Postgres": None, "CloudFront": None}
    q.submit.click()
    assert q.attempts == 0 and "Choose a match for every term" in shown(q)


def test_matching_menus_show_the_placeholder_not_a_blank():
    # ipywidgets 8 draws a Dropdown whose index is None as an empty box; every menu starts on "choose..."
    q = Matching(matching_spec())
    for menu in q.dropdowns.values():
        assert menu.index == 0 and menu.label == "choose..."
    q.value = {"Redis": "Cache"}
    q.value = {"Redis": None}  # back to unchosen: the placeholder again, not a blank
    assert q.dropdowns["Redis"].index == 0 and q.value["Redis"] is None
    q.dropdowns["Postgres"].index = 0  # a learner picking "choose..." again has not chosen
    q.value = {"Redis": "Cache", "CloudFront": "CDN"}
    q.submit.click()
    assert q.attempts == 0 and "Choose a match for every term" in shown(q)


def test_matching_terms_and_menus_line_up_in_two_columns():
    q = Matching(matching_spec())
    grid = next(child for child in q.children if isinstance(child, widgets.GridBox))
    assert grid.layout.grid_template_columns.split()[-1] == "max-content"  # one column of menus
    labels, menus = grid.children[0::2], grid.children[1::2]
    assert all(isinstance(menu, widgets.Dropdown) for menu in menus)
    assert [html.unescape(label.value) for label in labels] == [f"<span>{term}</span>" for term in q.dropdowns]
    assert [menu.tooltip for menu in menus] == list(q.dropdowns)  # each menu is still named by its term


def test_matching_value_refuses_an_unknown_choice():
    with pytest.raises(KitError, match="'Broker' is not a choice for 'Redis'"):
        Matching(matching_spec()).value = {"Redis": "Broker"}


def test_matching_right_and_wrong():
    q = Matching(matching_spec())
    q.dropdowns["Redis"].value = "Database"
    q.dropdowns["Postgres"].value = "Database"
    q.dropdowns["CloudFront"].value = "Queue"
    q.submit.click()
    assert q.correct is False
    assert "'Redis' is not 'Database': Redis can persist" in shown(q)  # the named misconception
    assert "'CloudFront' is not 'Queue': CloudFront serves static files" in shown(q)  # the pair's own reason
    assert "Postgres" not in shown(q)
    q.value = {"Redis": "Cache", "CloudFront": "CDN"}
    q.submit.click()
    assert q.correct is True and q.solved_on == 2


def test_matching_value_refuses_unknown_terms():
    with pytest.raises(KitError, match="not a term"):
        Matching(matching_spec()).value = {"Kafka": "Queue"}


def text_spec(**extra) -> dict:
    return {
        "id": "split-point", "type": "text",
        "prompt": "What is the commit called where two branches split?",
        "answers": ["merge base", "common ancestor"],
        "misconceptions": [{"text": "HEAD", "feedback": "HEAD is where you are now, not where the branches split."}],
        "feedback": "Yes: git diff main...feature compares against it.",
        "hint": "Two words; git has a command named after it.",
        **extra,
    }


@pytest.mark.parametrize("typed", ["merge base", "Merge Base", "  the merge-base! ", "MERGE   BASE.",
                                   "common ancestor", "The common ancestor"])
def test_text_accepts_synonyms_case_spaces_punctuation(typed):
    q = TextAnswer(text_spec())
    q.entry.value = typed
    q.submit.click()
    assert q.correct is True, typed
    assert "git diff main...feature" in shown(q)


def test_text_misconception_and_other_wrong_text():
    q = TextAnswer(text_spec())
    q.entry.value = "head"
    q.submit.click()
    assert q.correct is False and "HEAD is where you are now" in shown(q)
    q.entry.value = "origin"
    q.submit.click()
    assert q.correct is False and "Two words" in shown(q)
    q = TextAnswer(text_spec(otherwise="Think of the commit both branches have in their history."))
    q.entry.value = "origin"
    q.submit.click()
    assert "both branches have" in shown(q)


def test_text_empty_is_not_an_attempt():
    q = TextAnswer(text_spec())
    q.entry.value = " ?! "
    q.submit.click()
    assert q.attempts == 0 and "Type an answer first" in shown(q)


@pytest.mark.parametrize(("text", "expected"), [
    ("The Merge-Base!", "merge base"), ("  a   CDN ", "cdn"), ("99.9%", "99.9%"), ("3.", "3"),
    ("Café", "cafe"), ("the", "the"), (None, ""),
])
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


def predict_spec(**extra) -> dict:
    spec = {
        "id": "count-refunds", "type": "predict",
        "prompt": "What does this query return for the 5 payments above (2 refunded)?",
        "code": "SELECT COUNT(*) FROM payments\nWHERE refunded;",
        "options": [
            {"text": "2", "correct": True, "feedback": "Yes: WHERE keeps the refunded rows, COUNT counts them."},
            {"text": "5", "feedback": "That ignores WHERE: COUNT(*) counts the rows that are left after filtering."},
        ],
    }
    spec.update(extra)
    return spec


def test_predict_shows_code_in_a_monospace_block_and_judges_options():
    q = Predict(predict_spec())
    assert "<pre" in q.code.value and "SELECT COUNT(*) FROM payments" in html.unescape(q.code.value)
    q.choices.value = "5"
    q.submit.click()
    assert q.correct is False and "That ignores WHERE" in shown(q)
    q.choices.value = "2"
    q.submit.click()
    assert q.correct is True and q.solved_on == 2


def test_predict_with_typed_output():
    spec = predict_spec(answers=["2", "two"], misconceptions=[{"text": "5", "feedback": "That ignores WHERE."}])
    del spec["options"]
    q = Predict(spec)
    q.entry.value = "5"
    q.submit.click()
    assert q.correct is False and "That ignores WHERE." in shown(q)
    q.entry.value = " Two "
    q.submit.click()
    assert q.correct is True


def test_code_is_escaped():
    q = Predict(predict_spec(code="print('<b>hi</b>')"))
    assert "<b>hi</b>" not in q.code.value and "&lt;b&gt;" in q.code.value


# --- hints, and no answer in the widget state before the learner checks ------------------------

@pytest.mark.parametrize("make", [lambda: Ordering(ordering_spec()), lambda: TextAnswer(text_spec()),
                                  lambda: Numeric(numeric_spec(hint="Divide the window by the burn rate."))])
def test_hint_on_request(make):
    q = make()
    assert q.hint_button.layout.display != "none"
    assert q.hint.value == ""
    q.hint_button.click()
    assert q.spec["hint"] in html.unescape(q.hint.value)
    assert q.attempts == 0


def test_no_hint_button_without_a_hint():
    q = SingleChoice(single_spec())
    assert q.hint_button.layout.display == "none"


# --- every press of Check shows something new ------------------------------------------------------

def test_the_verdict_names_the_attempt_so_a_repeated_check_changes_it():
    q = SingleChoice(single_spec())
    q.choices.value = "30 days"
    seen = []
    for _ in range(3):  # the same wrong answer three times
        q.submit.click()
        seen.append(q.feedback.value)
    assert len(set(seen)) == 3
    assert "(attempt 1)" in seen[0] and "(attempt 3)" in seen[2]
    q.choices.value = "About 2.08 days"
    q.submit.click()
    assert "✓ Correct." in shown(q) and "(attempt 4)" in shown(q)


def test_a_repeated_check_with_no_answer_also_changes_the_line():
    q = Numeric(numeric_spec())
    q.submit.click()
    first = q.feedback.value
    q.submit.click()
    assert q.feedback.value != first and "reminder 2" in q.feedback.value
    assert q.attempts == 0


# --- the right answer waits: Show answer, or REVEAL_AFTER wrong checks -------------------------------

def test_show_answer_reveals_the_key_and_the_answer_note_and_counts_in_results():
    quiz = Quiz([numeric_spec(answer_note="720 h / 14.4 = 50 h.")], source="demo.quiz.yaml")
    q = quiz["exhaust-hours"]
    assert q.answer.value == "" and not q.reveal_button.disabled
    q.reveal_button.click()
    assert "50 h" in html.unescape(q.answer.value) and "720 h / 14.4 = 50 h." in html.unescape(q.answer.value)
    assert "on request" in q.answer.value
    assert q.revealed and q.reveal_button.disabled and q.attempts == 0
    assert quiz.results()[0]["revealed"] is True


def test_the_first_miss_does_not_reveal_the_second_does():
    assert REVEAL_AFTER == 2
    q = Numeric(numeric_spec(answer_note="720 h / 14.4 = 50 h."))
    q.entry.value = "2"
    q.submit.click()
    assert q.answer.value == "" and not q.revealed
    assert "2.08 days, not 2 hours" in shown(q)  # the first miss names the misconception
    q.entry.value = "7"
    q.submit.click()
    assert q.revealed and "after 2 wrong tries" in q.answer.value
    assert "720 h / 14.4 = 50 h." in html.unescape(q.answer.value)


def test_right_answers_and_empty_checks_do_not_count_towards_the_reveal():
    q = SingleChoice(single_spec())
    q.submit.click()  # nothing picked
    q.submit.click()
    q.choices.value = "About 2.08 days"
    q.submit.click()
    q.choices.value = "30 days"
    q.submit.click()
    assert q.misses == 1 and not q.revealed


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: SingleChoice(single_spec()), "About 2.08 days"),
    (lambda: MultipleSelect(multiple_spec()), "• latency<br>• traffic"),
    (lambda: Numeric(numeric_spec()), "50 h"),
    (lambda: Numeric(numeric_spec(answer=4321, unit="")), "4,321"),
    (lambda: Ordering(ordering_spec()), "1. Create a branch<br>2. Commit<br>3. Open the pull request"),
    (lambda: Matching(matching_spec()), "Redis → Cache<br>Postgres → Database<br>CloudFront → CDN"),
    (lambda: TextAnswer(text_spec()), "merge base (also accepted: common ancestor)"),
    (lambda: Predict(predict_spec()), ":<br>2</div>"),
])
def test_the_revealed_answer_is_worked_out_from_the_key(make, expected):
    q = make()
    q.reveal()
    assert expected in html.unescape(q.answer.value)


def widget_state(widget) -> str:
    """Everything the browser is sent for this widget and its children, as one string."""
    states, stack, seen = [], [widget], set()
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        state = w.get_state()
        states.append(json.dumps(state, default=str))
        for name in ("children", "layout", "style"):
            child = getattr(w, name, None)
            stack.extend(child if isinstance(child, (list, tuple)) else [child] if child is not None else [])
    return html.unescape("\n".join(states))


@pytest.mark.parametrize(("make", "secrets"), [
    (lambda: Numeric(numeric_spec(answer_note="Thirty days of 24 hours")), ["Thirty days of 24 hours"]),
    (lambda: Ordering(ordering_spec()), ["Branch, commit, open, review, merge.", "Merging first",
                                         "Work starts on its own branch", "What must exist"]),
    (lambda: Matching(matching_spec()), ["Redis keeps hot data", "Redis can persist"]),
    (lambda: TextAnswer(text_spec()), ["merge base", "common ancestor", "HEAD is where", "Two words"]),
    (lambda: Predict(predict_spec()), ["WHERE keeps the refunded rows", "That ignores WHERE"]),
    (lambda: SingleChoice(single_spec()), ["720 h / 14.4 = 50 h", "The blog error"]),
    (lambda: Numeric(numeric_spec()), ["50.0", "30 days x 24 h"]),
])
def test_answers_are_not_in_the_widget_state_before_checking(make, secrets):
    state = widget_state(make())
    for secret in secrets:
        assert secret not in state


def test_ordering_state_shows_the_shuffle_not_the_key():
    question = Ordering(ordering_spec())
    state = widget_state(question)
    labels = [row.children[2].value for row in question.rows.children]   # top to bottom, as drawn
    assert all(json.dumps(label)[1:-1] in state for label in labels), "the browser is sent the drawn order"
    drawn = [next(text for text in KEY if f". {text}<" in label) for label in labels]
    assert sorted(drawn) == sorted(KEY) and drawn != list(KEY)


# --- Quiz ----------------------------------------------------------------------------------------

def make_quiz() -> Quiz:
    return Quiz([single_spec(), multiple_spec(), numeric_spec()], source="demo.quiz.yaml")


def test_quiz_results_are_plain_dicts():
    quiz = make_quiz()
    quiz["exhaust"].choices.value = "About 2 hours"
    quiz["exhaust"].submit.click()
    quiz["exhaust"].choices.value = "About 2.08 days"
    quiz["exhaust"].submit.click()
    quiz["exhaust-hours"].entry.value = "2"
    quiz["exhaust-hours"].submit.click()

    results = quiz.results()
    assert results == [
        {"id": "exhaust", "type": "single", "correct": True, "attempts": 2, "solved_on": 2, "revealed": False},
        {"id": "signals", "type": "multiple", "correct": None, "attempts": 0, "solved_on": None, "revealed": False},
        {"id": "exhaust-hours", "type": "numeric", "correct": False, "attempts": 1, "solved_on": None,
         "revealed": False},
    ]
    assert isinstance(results, list)
    for row in results:
        assert type(row) is dict
        assert all(type(v) in (str, int, bool, type(None)) for v in row.values())
    assert len(quiz) == 3
    assert [q.id for q in quiz] == ["exhaust", "signals", "exhaust-hours"]


def test_quiz_score_counts_latest_correct_answers():
    quiz = make_quiz()
    assert quiz.score == 0
    quiz["exhaust"].choices.value = "About 2.08 days"
    quiz["exhaust"].submit.click()
    quiz["exhaust-hours"].entry.value = "50"
    quiz["exhaust-hours"].submit.click()
    assert quiz.score == 2
    quiz["exhaust-hours"].entry.value = "2"
    quiz["exhaust-hours"].submit.click()
    assert quiz.score == 1


def test_quiz_results_show_as_a_table_and_stay_a_list():
    quiz = make_quiz()
    quiz["exhaust"].choices.value = "About 2 hours"
    quiz["exhaust"].submit.click()
    quiz["exhaust-hours"].reveal()
    results = quiz.results()
    assert isinstance(results, Results) and isinstance(results, list) and len(results) == 3
    lines = repr(results).splitlines()
    assert lines[0].split() == ["question", "type", "correct", "attempts", "solved", "on", "answer", "shown"]
    assert lines[1].split() == ["exhaust", "single", "no", "1", "no"]
    assert lines[2].split()[:3] == ["signals", "multiple", "not"]
    assert lines[3].split()[-1] == "yes"  # the revealed numeric question
    table = results._repr_html_()
    assert table.startswith("<table>") and table.count("<tr>") == 4 and "<th>answer shown</th>" in table
    assert str(results) == repr(results)  # print() shows the table too


def test_results_table_escapes_question_ids():
    table = Results([{"id": "<b>x</b>", "type": "single", "correct": None, "attempts": 0, "solved_on": None,
                      "revealed": False}])._repr_html_()
    assert "<b>x</b>" not in table and "&lt;b&gt;x&lt;/b&gt;" in table


def test_quiz_missing_question():
    with pytest.raises(KitError, match="has no question 'nope'") as exc:
        make_quiz()["nope"]
    assert "exhaust, signals, exhaust-hours" in str(exc.value)


# --- validation ----------------------------------------------------------------------------------

def without_correct_flag(spec: dict) -> dict:
    spec["options"] = [{k: v for k, v in o.items() if k != "correct"} for o in spec["options"]]
    return spec


@pytest.mark.parametrize(("questions", "phrase"), [
    ([single_spec(type="essay")], "type must be one of single, multiple, numeric"),
    ([without_correct_flag(single_spec())], "exactly one option with correct: true"),
    ([single_spec(options=[{"text": "a", "correct": True, "feedback": "x"},
                           {"text": "b", "correct": True, "feedback": "y"}])],
     "exactly one option with correct: true"),
    ([single_spec(options=[{"text": "a", "correct": True}, {"text": "b"}])],
     "the wrong option 'b' needs feedback"),
    ([multiple_spec(), multiple_spec()], "repeated: signals"),
    ([{k: v for k, v in numeric_spec().items() if k != "answer"}], "needs a number as 'answer'"),
    ([numeric_spec(answer="50")], "needs a number as 'answer'"),
    ([numeric_spec(tolerance=-1)], "'tolerance' cannot be negative"),
    ([numeric_spec(misconceptions=[{"value": 2}])], "needs a 'value' and the 'feedback'"),
    ({"id": "x"}, "a quiz is a non-empty list of questions"),
    ([], "a quiz is a non-empty list of questions"),
    (None, "a quiz is a non-empty list of questions"),
    (["just a string"], "must be a mapping"),
    ([{"type": "single", "prompt": "p"}], "has no 'id'"),
    ([single_spec(prompt="  ")], "the prompt is missing"),
    ([single_spec(options=[{"text": "only", "correct": True}])], "at least two options"),
    ([single_spec(options=[{"text": "same", "correct": True}, {"text": "same", "feedback": "f"}])],
     "its own non-empty 'text'"),
    ([without_correct_flag(multiple_spec())], "mark at least one option correct"),
    ([single_spec(options=[{"text": "a", "corect": True, "feedback": "x"}, {"text": "b", "feedback": "y"}])],
     "unknown field 'corect'"),
    ([single_spec(explanation="x")], "unknown field 'explanation'"),
    ([numeric_spec(unit=5)], "'unit' must be text"),
    ([ordering_spec(items=["a", "b"])], "at least three distinct items"),
    ([ordering_spec(items=["a", "b", "c"])], "the item 'a' needs feedback"),
    ([ordering_spec(misconceptions=[{"first": "Commit", "then": "Merge", "feedback": "f"}])], "is the right order"),
    ([ordering_spec(misconceptions=[{"first": "Deploy", "then": "Merge", "feedback": "f"}])],
     "names a step that is not one of the items"),
    ([ordering_spec(misconceptions=[{"first": "Merge", "then": "Review"}])], "needs 'feedback'"),
    ([{**matching_spec(), "pairs": matching_spec()["pairs"][:1]}], "at least two pairs"),
    ([{**matching_spec(), "pairs": [{"term": "a", "match": "b"}, {"term": "c", "match": "d", "feedback": "f"}]}],
     "entry 1 of 'pairs' needs 'feedback'"),
    ([{**matching_spec(), "misconceptions": [{"term": "Redis", "match": "Cache", "feedback": "f"}]}],
     "is the right pair"),
    ([{**matching_spec(), "misconceptions": [{"term": "Kafka", "match": "Cache", "feedback": "f"}]}],
     "not a term and a choice"),
    ([{k: v for k, v in text_spec().items() if k != "misconceptions"}], "needs 'misconceptions'"),
    ([text_spec(answers=[])], "'answers' must list at least one accepted text"),
    ([text_spec(misconceptions=[{"text": "The Merge-Base", "feedback": "f"}])], "is also an accepted answer"),
    ([{k: v for k, v in predict_spec().items() if k != "code"}], "needs 'code'"),
    ([predict_spec(answers=["2"])], "'options' or 'answers', not both"),
    ([{k: v for k, v in predict_spec().items() if k != "options"}], "needs 'options', or 'answers'"),
])
def test_invalid_quiz_is_refused_with_a_reason(questions, phrase):
    with pytest.raises(KitError) as exc:
        Quiz(questions, source="bad.quiz.yaml")
    message = str(exc.value)
    assert phrase in message
    assert message.startswith("bad.quiz.yaml")
    assert "\n" not in message


def test_validation_names_the_question():
    with pytest.raises(KitError) as exc:
        Quiz([single_spec(type="essay")], source="bad.quiz.yaml")
    assert "question 'exhaust'" in str(exc.value)


# --- load_quiz -----------------------------------------------------------------------------------

def test_load_quiz_from_folder_and_from_path(tmp_path):
    (tmp_path / "99-demo.quiz.yaml").write_text(
        yaml.safe_dump([single_spec(), numeric_spec()]), encoding="utf-8")
    quiz = load_quiz("99-demo", folder=tmp_path)
    assert [q.id for q in quiz] == ["exhaust", "exhaust-hours"]
    assert quiz.source == "99-demo.quiz.yaml"
    assert isinstance(quiz["exhaust"], SingleChoice)
    assert isinstance(quiz["exhaust-hours"], Numeric)
    assert len(load_quiz(tmp_path / "99-demo.quiz.yaml")) == 2


def test_load_quiz_default_folder_is_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "99-demo.quiz.yaml").write_text(yaml.safe_dump([multiple_spec()]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert [q.id for q in load_quiz("99-demo")] == ["signals"]


def test_load_quiz_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "99-demo.quiz.yaml"
    path.write_text("- id: a\n  type: single\n  prompt: [unclosed\n", encoding="utf-8")
    with pytest.raises(KitError) as exc:
        load_quiz("99-demo", folder=tmp_path)
    message = str(exc.value)
    assert "99-demo.quiz.yaml is not valid YAML at line" in message
    line = int(message.split("at line ")[1].split(":")[0])
    assert 1 <= line <= 4


def test_load_quiz_missing_file(tmp_path):
    with pytest.raises(KitError, match="No quiz file at") as exc:
        load_quiz("99-nothing", folder=tmp_path)
    assert "99-nothing.quiz.yaml" in str(exc.value)


def test_load_quiz_validates_content(tmp_path):
    (tmp_path / "99-demo.quiz.yaml").write_text("id: not-a-list\n", encoding="utf-8")
    with pytest.raises(KitError, match="non-empty list of questions"):
        load_quiz("99-demo", folder=tmp_path)


# --- every lesson quiz in the repository: the answer key works --------------------------------

def test_the_course_has_quiz_files():
    assert COURSE_QUIZZES, "expected at least one course/*.quiz.yaml"


def _questions():
    for path in COURSE_QUIZZES:
        quiz = load_quiz(path)
        for question in quiz:
            yield pytest.param(path, question.id, id=f"{path.stem}:{question.id}")


@pytest.mark.parametrize(("path", "qid"), list(_questions()))
def test_course_quiz_answer_key(path, qid):
    def fresh():  # a new widget per answer: no state carries over between checks
        return load_quiz(path)[qid]

    spec = fresh().spec
    if spec["type"] == "single":
        for option in spec["options"]:
            q = fresh()
            q.choices.value = option["text"]
            q.submit.click()
            assert q.correct is bool(option.get("correct")), option["text"]
            if not option.get("correct"):
                assert plain(option["feedback"]) in plain(q.feedback.value)
    elif spec["type"] == "multiple":
        key = [option["text"] for option in spec["options"] if option.get("correct")]
        q = fresh()
        q.value = key
        q.submit.click()
        assert q.correct is True
        for option in spec["options"]:
            if option.get("correct"):
                continue
            q = fresh()
            q.value = [*key, option["text"]]  # the key plus one false statement
            q.submit.click()
            assert q.correct is False, option["text"]
            assert plain(option["feedback"]) in plain(q.feedback.value)
    elif spec["type"] == "ordering":
        key = [item["text"] for item in spec["items"]]
        q = fresh()
        assert list(q.value) != key, "the steps must not start in the right order"
        q.value = key
        q.submit.click()
        assert q.correct is True
        for wrong in spec.get("misconceptions", []):
            order = [t for t in key if t != wrong["first"]]
            order.insert(order.index(wrong["then"]), wrong["first"])  # just that mistake
            q = fresh()
            q.value = order
            q.submit.click()
            assert q.correct is False and plain(wrong["feedback"]) in plain(q.feedback.value)
    elif spec["type"] == "matching":
        key = {pair["term"]: pair["match"] for pair in spec["pairs"]}
        q = fresh()
        q.value = key
        q.submit.click()
        assert q.correct is True
        for wrong in spec.get("misconceptions", []):
            q = fresh()
            q.value = {**key, wrong["term"]: wrong["match"]}
            q.submit.click()
            assert q.correct is False and plain(wrong["feedback"]) in plain(q.feedback.value)
    elif spec["type"] in ("text", "predict") and "options" not in spec:
        for accepted in spec["answers"]:
            q = fresh()
            q.entry.value = f"  {accepted.upper()}. "
            q.submit.click()
            assert q.correct is True, accepted
        for wrong in spec["misconceptions"]:
            q = fresh()
            q.entry.value = wrong["text"]
            q.submit.click()
            assert q.correct is False and plain(wrong["feedback"]) in plain(q.feedback.value)
    elif spec["type"] == "predict":
        for option in spec["options"]:
            q = fresh()
            q.choices.value = option["text"]
            q.submit.click()
            assert q.correct is bool(option.get("correct")), option["text"]
    else:
        q = fresh()
        q.entry.value = repr(spec["answer"])  # no unit typed: read in the question's unit
        q.submit.click()
        assert q.correct is True
        for wrong in spec.get("misconceptions", []):
            q = fresh()
            q.entry.value = repr(wrong["value"])
            q.submit.click()
            assert q.correct is False, wrong["value"]
            assert plain(wrong["feedback"]) in plain(q.feedback.value)
