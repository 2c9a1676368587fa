"""Shared pieces for the `tpm-grade grade` tests: a scratch course, submissions built from the real
exercise, and one call that grades a folder and returns the JSON report."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from autograder import grade, notebooks, sandbox
from autograder.scratch import fill_answers
from tests.support import ROOT


def require_sandbox() -> None:
    """Skip where the sandbox cannot run; under CI=true that is a failure, never a skip."""
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the grading sandbox must run in CI: {exc}")
        pytest.skip(f"the grading sandbox cannot run here: {exc}")


def make_course(path: Path, ids: list[str]) -> Path:
    """A course folder holding only the exercises' sources and released versions (as an instructor's would)."""
    for aid in ids:
        for part in ("solutions", "exercises"):
            shutil.copytree(ROOT / part / aid, path / part / aid)
    return path


def released(aid: str):
    return notebooks.read(ROOT / "exercises" / aid / f"{aid}.ipynb")


def source(aid: str):
    return notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")


def submission(aid: str, overrides: dict[str, str] | None = None):
    """The released notebook with the solution's answers, except `overrides` (answer grade_id -> code)."""
    return fill_answers(released(aid), source(aid), overrides)


def answer(aid: str, grade_id: str) -> str:
    """The solution's text of one answer cell, as a learner would type it."""
    cell = next(c for c in source(aid).cells if notebooks.nbgrader_id(c) == grade_id)
    return notebooks.solution_text(cell.source)


def blank(aid: str):
    return copy.deepcopy(released(aid))


def write(nb, folder: Path, student: str, aid: str) -> Path:
    path = folder / student / aid / f"{aid}.ipynb"
    notebooks.write(nb, path)
    return path


def run(course: Path, paths: list[Path], aid: str, report: Path, **options) -> dict:
    options.setdefault("workers", 2)
    code = grade.main(submissions=paths, assignment=aid, course=course, json_path=report, **options)
    assert code == 0
    return {s["student"]: s for s in json.loads(report.read_text())["submissions"]}


def scores(entry: dict) -> dict[str, float]:
    return {q["id"]: q["score"] for q in entry["questions"]}
