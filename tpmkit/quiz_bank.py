"""Quiz bank files: reading `course/NN-slug.quiz.yaml` and checking it against the schema.

The format (seven question types and their fields) is described in docs/quiz-format.md; `SCHEMA`
below is its machine-readable half. `validate_questions` refuses a malformed bank with one sentence
naming the question and the fix; `tpmkit.quiz.load_quiz` runs it on every load.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tpmkit.errors import KitError
from tpmkit.quiz_judge import normalise_text, step_text

__all__ = ["SCHEMA", "TYPES", "read_bank", "validate_questions"]

# --- the schema: which fields each type has, and what each holds ----------------------------------

_NUMBER = "number"  # int or float, not bool
_COMMON = {"id": str, "type": str, "prompt": str, "feedback": str, "hint": str, "answer_note": str}
_TAG = "misconception"  # a wrong entry's common-mistake id (course/common-mistakes.yaml)
_OPTION = {"text": str, "correct": bool, "feedback": str, "missed": str, _TAG: str}
TYPES = ("single", "multiple", "numeric", "ordering", "matching", "text", "predict")
SCHEMA: dict[str, dict] = {
    # per type: fields (name -> kind), required field names, and for list fields the fields of each entry
    "single": {"fields": {"options": list}, "required": ["options"],
               "entries": {"options": (_OPTION, ["text"])}},
    "multiple": {"fields": {"options": list}, "required": ["options"],
                 "entries": {"options": (_OPTION, ["text"])}},
    "numeric": {"fields": {"answer": _NUMBER, "tolerance": _NUMBER, "unit": str, "misconceptions": list},
                "required": [],
                "entries": {"misconceptions": ({"value": _NUMBER, "feedback": str, _TAG: str}, [])}},
    "ordering": {"fields": {"items": list, "misconceptions": list}, "required": ["items"],
                 "entries": {"misconceptions": ({"first": str, "then": str, "feedback": str, _TAG: str},
                                                ["first", "then", "feedback"])}},
    "matching": {"fields": {"pairs": list, "extra": list, "misconceptions": list}, "required": ["pairs"],
                 "entries": {"pairs": ({"term": str, "match": str, "feedback": str}, ["term", "match", "feedback"]),
                             "misconceptions": ({"term": str, "match": str, "feedback": str, _TAG: str},
                                                ["term", "match", "feedback"])}},
    "text": {"fields": {"answers": list, "misconceptions": list, "otherwise": str},
             "required": ["answers", "misconceptions"],
             "entries": {"misconceptions": ({"text": str, "feedback": str, _TAG: str}, ["text", "feedback"])}},
    "predict": {"fields": {"code": str, "language": str, "options": list, "answers": list, "misconceptions": list,
                           "otherwise": str},
                "required": ["code"],
                "entries": {"options": (_OPTION, ["text"]),
                            "misconceptions": ({"text": str, "feedback": str, _TAG: str}, ["text", "feedback"])}},
}


def _is(value, kind) -> bool:
    if kind == _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


_KIND_NAMES = {str: "text", bool: "true or false", list: "a list", _NUMBER: "a number"}


def _check_fields(entry: dict, allowed: dict, where: str) -> None:
    unknown = [key for key in entry if key not in allowed]
    if unknown:
        raise KitError(f"{where}: unknown field {unknown[0]!r}; the fields here are {', '.join(allowed)}.")
    for key, kind in allowed.items():
        if key in entry and not _is(entry[key], kind) and not (key == "answer" and kind == _NUMBER):
            raise KitError(f"{where}: '{key}' must be {_KIND_NAMES[kind]}.")


def _check_choice_options(spec: dict, kind: str, where: str) -> None:
    options = spec.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise KitError(f"{where}: a choice question needs a list of at least two options.")
    texts = [o.get("text") if isinstance(o, dict) else None for o in options]
    if not all(isinstance(t, str) and t for t in texts) or len(set(texts)) != len(texts):
        raise KitError(f"{where}: every option needs its own non-empty 'text'.")
    for number, option in enumerate(options, start=1):
        _check_fields(option, SCHEMA["single"]["entries"]["options"][0], f"{where}, options entry {number}")
    n_correct = sum(bool(o.get("correct")) for o in options)
    if kind == "single" and n_correct != 1:
        raise KitError(f"{where}: a single-choice question needs exactly one option with correct: true.")
    if kind == "multiple" and n_correct < 1:
        raise KitError(f"{where}: mark at least one option correct: true.")
    for option in options:
        if not option.get("correct") and not option.get("feedback"):
            raise KitError(f"{where}: the wrong option '{option['text']}' needs feedback naming its misconception.")
        if option.get("correct") and _TAG in option:
            raise KitError(f"{where}: the right option '{option['text']}' cannot name a misconception.")


def _check_texts(spec: dict, where: str) -> None:
    answers = spec.get("answers")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and normalise_text(a)
                                                               for a in answers):
        raise KitError(f"{where}: 'answers' must list at least one accepted text.")
    accepted = {normalise_text(a) for a in answers}
    for wrong in spec.get("misconceptions", []):
        if normalise_text(wrong["text"]) in accepted:
            raise KitError(f"{where}: the misconception '{wrong['text']}' is also an accepted answer.")


def _check_ordering(spec: dict, where: str) -> None:
    items = spec["items"]
    texts = [step_text(item) if isinstance(item, (str, dict)) else None for item in items]
    if len(items) < 3 or not all(isinstance(t, str) and t for t in texts) or len(set(texts)) != len(texts):
        raise KitError(f"{where}: an ordering question needs at least three distinct items, in the right order.")
    for item in items:
        if isinstance(item, dict):
            _check_fields(item, {"text": str, "feedback": str}, f"{where}, item '{item.get('text')}'")
        if not (isinstance(item, dict) and item.get("feedback")):
            raise KitError(f"{where}: the item '{step_text(item)}' needs feedback saying why it goes where it does.")
    for wrong in spec.get("misconceptions", []):
        if wrong["first"] not in texts or wrong["then"] not in texts:
            raise KitError(f"{where}: a misconception names a step that is not one of the items.")
        if texts.index(wrong["first"]) < texts.index(wrong["then"]):
            raise KitError(f"{where}: the misconception '{wrong['first']}' before '{wrong['then']}' is the right "
                           "order; a misconception describes a wrong one.")


def _check_matching(spec: dict, where: str) -> None:
    pairs = spec["pairs"]
    terms = [pair["term"] for pair in pairs]
    if len(pairs) < 2 or len(set(terms)) != len(terms):
        raise KitError(f"{where}: a matching question needs at least two pairs, each with its own term.")
    targets = {pair["match"] for pair in pairs} | set(spec.get("extra", []))
    if not all(isinstance(t, str) and t for t in spec.get("extra", [])):
        raise KitError(f"{where}: 'extra' must list texts.")
    key = {pair["term"]: pair["match"] for pair in pairs}
    for wrong in spec.get("misconceptions", []):
        if wrong["term"] not in key or wrong["match"] not in targets:
            raise KitError(f"{where}: a misconception pairs '{wrong['term']}' with '{wrong['match']}', "
                           "which are not a term and a choice of this question.")
        if key[wrong["term"]] == wrong["match"]:
            raise KitError(f"{where}: the misconception '{wrong['term']}' -> '{wrong['match']}' is the right pair.")


def _validate(spec, where: str) -> None:  # noqa: C901 - one check per schema rule, each its own message
    """Refuse a malformed question with one sentence naming the question and the fix."""
    if not isinstance(spec, dict):
        raise KitError(f"{where}: each question must be a mapping with id, type and prompt.")
    qid = spec.get("id")
    if not isinstance(qid, str) or not qid:
        raise KitError(f"{where}: a question has no 'id'; give each question a short unique id.")
    where = f"{where}, question '{qid}'"
    kind = spec.get("type")
    if kind not in TYPES:
        raise KitError(f"{where}: type must be one of {', '.join(TYPES)}, not {kind!r}.")
    if not isinstance(spec.get("prompt"), str) or not spec["prompt"].strip():
        raise KitError(f"{where}: the prompt is missing.")
    schema = SCHEMA[kind]
    if kind == "numeric" and (not isinstance(spec.get("answer"), (int, float)) or isinstance(spec["answer"], bool)):
        raise KitError(f"{where}: a numeric question needs a number as 'answer'.")
    if kind in ("single", "multiple") or (kind == "predict" and "options" in spec):
        _check_choice_options(spec, "single" if kind == "predict" else kind, where)
    _check_fields(spec, {**_COMMON, **schema["fields"]}, where)
    for field in schema["required"]:
        if field not in spec:
            raise KitError(f"{where}: a {kind} question needs '{field}'.")
    for field, (fields, required) in schema["entries"].items():
        for number, entry in enumerate(spec.get(field, []), start=1):
            if kind == "numeric" and field == "misconceptions" and (
                    not isinstance(entry, dict) or "value" not in entry or not entry.get("feedback")):
                raise KitError(f"{where}: each misconception needs a 'value' and the 'feedback' that explains it.")
            if not isinstance(entry, dict):
                raise KitError(f"{where}: entry {number} of '{field}' must be a mapping.")
            _check_fields(entry, fields, f"{where}, {field} entry {number}")
            missing = [name for name in required if not entry.get(name)]
            if missing:
                raise KitError(f"{where}: entry {number} of '{field}' needs '{missing[0]}'.")
    if kind == "numeric" and float(spec.get("tolerance", 0)) < 0:
        raise KitError(f"{where}: 'tolerance' cannot be negative.")
    if kind == "ordering":
        _check_ordering(spec, where)
    elif kind == "matching":
        _check_matching(spec, where)
    elif kind == "text" or (kind == "predict" and "options" not in spec):
        if kind == "predict" and "misconceptions" not in spec:
            raise KitError(f"{where}: a predict question needs 'options', or 'answers' and 'misconceptions'.")
        _check_texts(spec, where)
    if kind == "predict" and "options" in spec and ("answers" in spec or "misconceptions" in spec):
        raise KitError(f"{where}: a predict question takes 'options' or 'answers', not both.")


def validate_questions(questions, source: str = "quiz") -> None:
    """The whole bank: a non-empty list of valid questions with unique ids. Raises KitError."""
    if not isinstance(questions, list) or not questions:
        raise KitError(f"{source}: a quiz is a non-empty list of questions.")
    for spec in questions:
        _validate(spec, source)
    ids = [spec["id"] for spec in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KitError(f"{source}: question ids must be unique; repeated: {', '.join(duplicates)}.")


def read_bank(path: str | Path) -> list:
    """The questions of one quiz file as plain data (YAML errors become one-line KitErrors)."""
    path = Path(path)
    if not path.is_file():
        raise KitError(f"No quiz file at {path}: quiz files sit beside their lesson as NN-slug.quiz.yaml.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise KitError(f"{path.name} is not valid YAML{at}: fix the file and run the cell again.") from None
