"""Stock nbgrader commands work from the repository root with its nbgrader_config.py:
`nbgrader generate_assignment 07-slos` writes exercises/07-slos, and `nbgrader autograde 07-slos`
grades a submission copied into submitted/. Run in a copy so the repository stays untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from autograder import notebooks
from autograder.release import nbgrader_env

ROOT = Path(__file__).resolve().parent.parent


def nbgrader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(),
                          capture_output=True, text=True)


def test_stock_commands_from_the_repository_root(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")

    done = nbgrader(tmp_path, "generate_assignment", "07-slos")
    assert done.returncode == 0, done.stderr[-2000:]
    released = tmp_path / "exercises" / "07-slos" / "07-slos.ipynb"
    committed = notebooks.read(ROOT / "exercises" / "07-slos" / "07-slos.ipynb")
    assert notebooks.strip(notebooks.read(released)).cells == committed.cells

    submission = tmp_path / "submitted" / "alice" / "07-slos" / "07-slos.ipynb"
    submission.parent.mkdir(parents=True)
    shutil.copy(released, submission)
    done = nbgrader(tmp_path, "autograde", "07-slos")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "autograded" / "alice" / "07-slos" / "07-slos.ipynb").exists()
    assert (tmp_path / "gradebook.db").exists()
