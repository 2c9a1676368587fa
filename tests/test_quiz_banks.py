"""Every question bank in course/ passes the quiz schema (tpmkit.quiz.validate_questions, the same check
load_quiz runs), belongs to a lesson, and each of its questions is asked exactly once in that lesson."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import notebooks
from tpmkit.errors import KitError
from tpmkit.quiz import SCHEMA, read_bank, validate_questions

ROOT = Path(__file__).resolve().parent.parent
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
