"""A throwaway nbgrader course folder: generate, submit, autograde with stock nbgrader, read scores.

The test suite uses it to prove every exercise discriminates (solution full marks, blank 0, each
misconception loses its question); `make bench` uses it as the stock-nbgrader baseline.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import nbgrader_bridge, notebooks
from autograder.errors import GradeError


class GradingError(GradeError):
    """A stock nbgrader step failed; the message carries its last line of output."""


@dataclass(frozen=True)
class QuestionScore:
    score: float | None  # None: waits for a hand grade
    max_score: float


def fill_answers(released: nbformat.NotebookNode, source: nbformat.NotebookNode,
                 overrides: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """A submission: the released notebook with each answer cell holding the source's solution,
    except the cells named in `overrides` (grade_id -> source), which get that text instead."""
    overrides = dict(overrides or {})
    solutions = {notebooks.nbgrader_id(c): c for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution") and notebooks.nbgrader_id(c)}
    unknown = set(overrides) - set(solutions)
    if unknown:
        raise KeyError(f"no answer cell with grade_id {', '.join(sorted(unknown))}")
    filled = copy.deepcopy(released)
    for cell in filled.cells:
        grade_id = notebooks.nbgrader_id(cell)
        if grade_id and grade_id in solutions:
            cell.source = overrides.pop(grade_id, None) or notebooks.solution_text(solutions[grade_id].source)
    return filled


class ScratchCourse:
    """An nbgrader course rooted at `root`, with exercises copied in from the kit's solutions/."""

    def __init__(self, root: Path, kit_root: Path):
        self.root = Path(root).resolve()
        self.kit_root = Path(kit_root).resolve()

    def _nbgrader(self, *args: str) -> None:
        try:
            nbgrader_bridge.run([*args, f"--CourseDirectory.root={self.root}"], cwd=self.root, stock=True)
        except nbgrader_bridge.NbgraderFailed as exc:
            raise GradingError(f"nbgrader {args[0]} failed: {exc}") from None

    def generate(self, aid: str) -> None:
        shutil.copytree(self.kit_root / "solutions" / aid, self.root / "source" / aid, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self._nbgrader("generate_assignment", aid, "--force")

    def released(self, aid: str, notebook: str) -> nbformat.NotebookNode:
        return notebooks.read(self.root / "release" / aid / f"{notebook}.ipynb")

    def source(self, aid: str, notebook: str) -> nbformat.NotebookNode:
        return notebooks.read(self.root / "source" / aid / f"{notebook}.ipynb")

    def submit(self, student: str, aid: str, notebook: str, nb: nbformat.NotebookNode) -> None:
        notebooks.write(nb, self.root / "submitted" / student / aid / f"{notebook}.ipynb")

    def autograde(self, aid: str) -> None:
        try:
            self._nbgrader("autograde", aid, "--force")
        except GradingError as exc:
            # Stock nbgrader picks TCP ports for each kernel at random; on a loaded machine a kernel now and
            # then dies at start (a port taken in between). That is nbgrader's flake, not the exercise's:
            # one more try, and only for that failure.
            if "Kernel died before replying to kernel_info" not in str(exc):
                raise
            self._nbgrader("autograde", aid, "--force")

    def scores(self, aid: str) -> dict[str, dict[str, QuestionScore]]:
        """student -> grade_id -> score, read from the gradebook."""
        from nbgrader.api import Gradebook

        result: dict[str, dict[str, QuestionScore]] = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for submission in gradebook.assignment_submissions(aid):
                grades = result.setdefault(submission.student.id, {})
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        pending = grade.needs_manual_grade and grade.manual_score is None
                        grades[grade.name] = QuestionScore(None if pending else float(grade.score),
                                                           float(grade.max_score))
        return result
