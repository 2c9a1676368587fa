"""The hidden keys of an exercise: the expected value each hidden test passes to check.equal/check.close, read
from the exercise source, and the assertion that they equal a recomputed set (tests/content/test_keys_NN.py)."""

from __future__ import annotations

import ast

import pytest

from autograder import notebooks
from tests.support import ROOT


def hidden_keys(aid: str) -> dict[str, object]:
    """grade_id -> the expected value passed to check.equal/check.close in its hidden tests."""
    keys = {}
    for cell in notebooks.graded_cells(notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")):
        if "### BEGIN HIDDEN TESTS" not in cell.source:
            continue
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        calls = [n for n in ast.walk(ast.parse(hidden)) if isinstance(n, ast.Call)
                 and getattr(n.func, "attr", "") in ("equal", "close", "same_items", "same_result")]
        assert len(calls) == 1, f"{notebooks.nbgrader_id(cell)}: one keyed check per question"
        keys[notebooks.nbgrader_id(cell)] = ast.literal_eval(calls[0].args[1])
    return keys


def assert_keys(aid: str, expected: dict[str, object]) -> None:
    """The hidden keys of exercise `aid` are exactly `expected` (floats to 1e-9, everything else exactly)."""
    keys = hidden_keys(aid)
    assert set(keys) == set(expected)
    for gid, value in expected.items():
        if isinstance(value, float):
            assert keys[gid] == pytest.approx(value, abs=1e-9), gid
        else:
            assert keys[gid] == value, gid
