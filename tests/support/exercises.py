"""An exercise's source as the tests read it: its graded questions, which are autograded, and its
misconception variants (solutions/ID/misconceptions.yaml)."""

from __future__ import annotations

from autograder import misconceptions as misconceptions_mod
from autograder import notebooks
from tests.support import ROOT


def misconceptions(aid: str) -> list[dict]:
    return misconceptions_mod.load(ROOT, aid)


def graded_questions(aid: str) -> dict[str, dict]:
    """grade_id -> nbgrader metadata of each graded cell in the exercise source."""
    nb = notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")
    return {notebooks.nbgrader_id(c): c.metadata["nbgrader"] for c in notebooks.graded_cells(nb)}


def autograded(aid: str) -> set[str]:
    return {gid for gid, meta in graded_questions(aid).items() if not meta.get("solution")}
