"""course/common-mistakes.yaml: every mistake a quiz names is in the catalogue, every catalogue mistake
recurs (two questions at least), points at a real lesson heading, and gives no quiz answer away."""

from __future__ import annotations

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.forms import number_forms, numeric_answer_forms, says_number, says_text
from tpmkit import common_mistakes
from tpmkit.errors import KitError
from tpmkit.quiz import read_bank

COURSE = ROOT / "course"
CATALOGUE = common_mistakes.load(COURSE)
BANKS = {path.name.removesuffix(".quiz.yaml"): read_bank(path) for path in sorted(COURSE.glob("*.quiz.yaml"))}


def used() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for module, questions in BANKS.items():
        for tag, qids in common_mistakes.tags_in(questions).items():
            found.setdefault(tag, set()).update((module, qid) for qid in qids)
    return found


def test_the_catalogue_is_there_and_the_quizzes_use_it():
    assert len(CATALOGUE) >= 10
    assert sum(len(qids) for qids in used().values()) >= 60


@pytest.mark.parametrize("module", BANKS)
def test_every_mistake_a_quiz_names_is_in_the_catalogue(module):
    common_mistakes.check_tags(BANKS[module], CATALOGUE, f"{module}.quiz.yaml")


@pytest.mark.parametrize("mistake", CATALOGUE)
def test_each_mistake_recurs(mistake):
    """"You often ..." needs a mistake that two questions at least can show."""
    assert len(used().get(mistake, ())) >= 2, f"{mistake} is named by fewer than two questions"


def headings(module: str) -> set[str]:
    lesson = notebooks.read(COURSE / f"{module}.ipynb")
    return {line.lstrip("#").strip() for cell in lesson.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("mistake", CATALOGUE)
def test_each_mistake_points_at_a_heading_of_its_lesson(mistake):
    module, _, heading = CATALOGUE[mistake].lesson.partition(": ")
    assert module in BANKS, f"{mistake}: '{module}' is not a module"
    assert heading in headings(module), f"{mistake}: '{heading}' is not a heading of {module}"


def answers_of(spec: dict) -> tuple[list[str], set[str]]:
    """(right texts, right numbers in their usual spellings) of one question."""
    if spec["type"] == "numeric":
        return [], numeric_answer_forms(spec)
    texts = [o["text"] for o in spec.get("options", []) if o.get("correct")] or spec.get("answers", [])
    numbers = {form for text in texts if len(text.split()) <= 5 for word in text.split()
               for form in (number_forms(word.replace(",", "")) if word.replace(",", "").replace(".", "").isdigit()
                            else ())}
    return [t for t in texts if len(t.split()) <= 4], numbers


@pytest.mark.parametrize("mistake", CATALOGUE)
def test_no_summary_gives_a_quiz_answer_away(mistake):
    """A summary is shown beside every module; it names a mix-up, never what a question expects."""
    summary = CATALOGUE[mistake].summary
    for module, tag_users in ((m, qs) for m, qs in BANKS.items()):
        for spec in tag_users:
            texts, numbers = answers_of(spec)
            assert not [t for t in texts if says_text(summary, t)], (mistake, module, spec["id"])
            assert not [n for n in numbers if len(n.replace(".", "").replace(",", "")) >= 2
                        and says_number(summary, n)], (mistake, module, spec["id"])


def test_a_malformed_catalogue_is_refused_in_one_line(tmp_path):
    path = tmp_path / common_mistakes.FILE_NAME
    for text, phrase in [("- {id: a, summary: s}\n", "exactly id, summary and lesson"),
                         ("- {id: A b, summary: s, lesson: l}\n", "unique kebab-case"),
                         ("- {id: a, summary: s, lesson: l}\n- {id: a, summary: t, lesson: l}\n", "unique"),
                         ("- {id: a, summary: '', lesson: l}\n", "non-empty"),
                         ("id: a\n", "a list of entries"),
                         ("- [unclosed\n", "cannot be read")]:
        path.write_text(text)
        with pytest.raises(KitError, match=phrase):
            common_mistakes.load(tmp_path)
    path.unlink()
    assert common_mistakes.load(tmp_path) == {}
