"""The README's module table says what is true: one row per lesson, links that exist, and points
that add up to what the exercise sources give."""

from __future__ import annotations

import re

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.readme import table_rows
from tpmkit import course

LESSONS = course.module_ids()  # the one list of modules


def exercise_points(module: str) -> tuple[float, float]:
    """(autograded, hand-graded) points in solutions/MODULE/MODULE.ipynb."""
    nb = notebooks.read(ROOT / "solutions" / module / f"{module}.ipynb")
    auto = hand = 0.0
    for cell in notebooks.graded_cells(nb):
        meta = cell.metadata["nbgrader"]
        if meta.get("solution"):
            hand += meta["points"]
        else:
            auto += meta["points"]
    return auto, hand


def test_one_row_per_lesson():
    assert sorted(table_rows()) == LESSONS


@pytest.mark.parametrize("module", LESSONS)
def test_row_links_exist_and_points_add_up(module):
    _, items, lesson, exercise, points = table_rows()[module]
    assert items, "name the literacy items the module covers"
    for link in re.findall(r"\]\(([^)]+)\)", lesson + exercise):
        assert (ROOT / link).exists(), link
    if (ROOT / "solutions" / module).exists():
        auto, hand = exercise_points(module)
        assert points == f"{auto + hand:g} ({auto:g} autograded, {hand:g} by hand)"
        assert f"exercises/{module}/{module}.ipynb" in exercise
    else:
        assert points == "0" and exercise == "none"


@pytest.mark.parametrize("module", [m for m in LESSONS if (ROOT / "solutions" / m).exists()])
def test_exercise_intro_states_the_same_points(module):
    auto, hand = exercise_points(module)
    intro = notebooks.read(ROOT / "solutions" / module / f"{module}.ipynb").cells[0].source
    assert f"{auto:g} autograded points and {hand:g} hand-graded points" in intro


# The curriculum brief's checklist: each literacy item and the module that teaches it.
LITERACY = {"L1": "01-products-and-stacks", "L2": "01-products-and-stacks", "L3": "02-pull-requests",
            "L4": "03-deployments", "L5": "03-deployments", "L6": "04-sql", "L7": "05-metrics", "L8": "06-apis",
            "L9": "07-slos", "L10": "08-disaster-recovery", "L11": "09-architecture-and-nfrs",
            "L12": "10-requirements", "L13": "11-prioritisation-and-delivery", "L14": "12-capstone"}


@pytest.mark.parametrize("item", LITERACY)
def test_every_literacy_item_maps_to_a_graded_exercise(item):
    module = LITERACY[item]
    row = table_rows().get(module)
    assert row is not None, f"{item} is taught by {module}, which has no row in the README's module table"
    listed = re.findall(r"\bL\d+\b", row[1].split(":", 1)[0])
    assert item in listed, f"the {module} row does not list {item}"
    auto, _ = exercise_points(module)
    assert auto > 0 and f"exercises/{module}/{module}.ipynb" in row[3], f"{item} has no autograded exercise"


@pytest.mark.parametrize("page", ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))])
def test_relative_links_in_the_readme_and_docs_exist(page):
    text = (ROOT / page).read_text()
    for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in link or link.startswith("mailto:"):
            continue
        assert ((ROOT / page).parent / link).exists(), f"{page} links to {link}, which does not exist"


def test_the_readme_opens_with_the_learner_path():
    headings = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("## ")]
    assert headings[:4] == ["## For learners", "## Modules", "## For instructors", "## For CI"]
