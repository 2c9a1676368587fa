"""Committed notebooks are clean (no outputs, counts or machine paths; kernel python3), follow the
lesson template, and every quiz checkpoint in a lesson names a question its quiz file has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from autograder import notebooks
from tests.support import ROOT

NOTEBOOKS = sorted(p for folder in ("course", "solutions", "exercises")
                   for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
LESSONS = sorted((ROOT / "course").glob("[0-9][0-9]-*.ipynb"))
# Course pages that are not NN-slug lessons (no quiz, no exercise): clean like every notebook, named freely.
PAGES = {ROOT / "course" / "progress.ipynb"}
CHECKPOINT = re.compile(r"""quiz\[["']([^"']+)["']\]""")


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_lessons_and_exercises():
    assert {p.stem for p in LESSONS} >= {"00-start-here", "07-slos"}
    assert all(page.exists() for page in PAGES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_is_clean(path):
    assert notebooks.hygiene_problems(path) == []


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p not in PAGES], ids=rel)
def test_notebook_ids_follow_the_module_naming(path):
    module = path.stem
    assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", module), f"{module} is not NN-slug"
    if path.parent.name != "course":
        assert path.parent.name == module, "exercise folder and notebook share the module id"


@pytest.mark.parametrize("path", LESSONS, ids=rel)
def test_lesson_follows_the_template(path):
    nb = notebooks.read(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for heading in ("You will learn", "Key points"):
        assert heading in text, f"lesson has no '{heading}' section"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "tpmkit" in first_code.source, "the first code cell imports from tpmkit"
    assert len(first_code.source.strip().splitlines()) <= 4, "setup stays a line or two, not pasted helpers"
    assert not any(re.search(r"^\s*def ", c.source, re.MULTILINE) for c in nb.cells if c.cell_type == "code"), (
        "helper functions belong in tpmkit, not in a lesson")


@pytest.mark.parametrize("path", LESSONS, ids=rel)
def test_quiz_checkpoints_match_the_quiz_file(path):
    used = [m for c in notebooks.read(path).cells if c.cell_type == "code" for m in CHECKPOINT.findall(c.source)]
    quiz_file = path.with_suffix(".quiz.yaml")
    assert used, "every lesson has at least one quiz checkpoint"
    assert quiz_file.exists(), f"{quiz_file.name} is missing"
    defined = [q["id"] for q in yaml.safe_load(quiz_file.read_text())]
    assert sorted(set(used)) == sorted(defined), "each question is asked once in the lesson, and only those"
    minimum = 1 if path.stem == "00-start-here" else 2
    assert len(used) >= minimum
