"""A submission's cells as plain dicts, for autograder.plan (tests/grading/test_plan.py, tests/core/test_plan.py)."""

from __future__ import annotations


def nbgrader(grade_id: str, **flags) -> dict:
    """A cell's metadata: its nbgrader grade_id and flags (solution, grade, points, locked)."""
    return {"nbgrader": {"grade_id": grade_id, **flags}}


def cell(cell_type: str, source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": cell_type, "source": source, "metadata": metadata or {}}
