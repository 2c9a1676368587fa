"""Stock nbgrader commands work from the repository root with its nbgrader_config.py:
`nbgrader generate_assignment 07-slos` writes exercises/07-slos, and `nbgrader autograde 07-slos`
grades a submission copied into submitted/ without
writing to the progress file of whoever runs it. Run in a copy so the repository stays untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from autograder import notebooks
from autograder.nbgrader_bridge import env as nbgrader_env
from tests.support import ROOT


def nbgrader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(),
                          capture_output=True, text=True)


def test_stock_commands_from_the_repository_root(tmp_path, progress_file):
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
    # bob hands in the model answers, so his self-checks run (and pass) in nbgrader's kernel
    solved = tmp_path / "submitted" / "bob" / "07-slos" / "07-slos.ipynb"
    solved.parent.mkdir(parents=True)
    shutil.copy(tmp_path / "solutions" / "07-slos" / "07-slos.ipynb", solved)
    done = nbgrader(tmp_path, "autograde", "07-slos")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "autograded" / "alice" / "07-slos" / "07-slos.ipynb").exists()
    assert (tmp_path / "gradebook.db").exists()
    assert (tmp_path / "autograded" / "bob" / "07-slos" / "07-slos.ipynb").exists()
    # nbgrader marks its kernels with NBGRADER_EXECUTION: bob's self-checks never reach the progress
    # file of the instructor who runs it
    assert not progress_file.exists()


def test_formgrader_finds_a_working_exchange_from_the_repository_root(monkeypatch):
    """Formgrader reads nbgrader_config.py from the folder JupyterLab starts in (`make lab`: the repository
    root); with the course's exchange folder there, it shows no "exchange does not exist" warning."""
    from nbgrader.apps import NbGrader
    from nbgrader.apps.api import NbGraderAPI

    monkeypatch.chdir(ROOT)
    app = NbGrader()
    app.load_config_file()
    api = NbGraderAPI(config=app.config)
    assert Path(api.exchange_root) == ROOT / ".nbgrader-exchange"
    assert api.course_id and not api.exchange_missing and api.exchange_is_functional
