import os
from pathlib import Path

import pytest

from tests.support import ROOT

# Tests never read or write the gradebook an instructor's shell points at (autograder.gradebook.resolve_url).
os.environ.pop("TPM_GRADE_DB_URL", None)


@pytest.fixture(scope="session")
def kit_root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def progress_file(tmp_path_factory, monkeypatch) -> Path:
    """Each test saves quiz and self-check progress to its own throwaway file, never the learner's."""
    from tpmkit import progress

    path = tmp_path_factory.mktemp("progress") / "progress.sqlite"
    monkeypatch.setenv(progress.ENV_PATH, str(path))
    monkeypatch.delenv(progress.ENV_GRADING, raising=False)
    monkeypatch.delenv(progress.ENV_NBGRADER, raising=False)
    progress._forget_problem()
    yield path
    progress._forget_problem()
