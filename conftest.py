"""Loaded by pytest for every test and notebook run in this repository (tests/, course/, solutions/).

Progress (tpmkit.progress) must never be written to the learner's real file by the test suite:
this points TPMKIT_PROGRESS at a throwaway file before any notebook kernel starts, so kernels
started by nbval and nbgrader inherit it. tests/conftest.py narrows it further to one file per test.
"""

import os
import shutil
import tempfile

import pytest

_SCRATCH = tempfile.mkdtemp(prefix="tpmkit-progress-")
os.environ["TPMKIT_PROGRESS"] = os.path.join(_SCRATCH, "progress.sqlite")


# Files whose tests grade whole exercises: split per exercise so that every worker grades some.
_PER_EXERCISE = {"test_exercises.py", "test_grade.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """For `pytest -n N --dist loadgroup` (make test): one worker runs a file's tests in order (a notebook's
    cells share one kernel; a module's fixtures are built once), except the exercise-grading files, whose
    tests go to a worker per exercise."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        group = str(item.path)
        if item.path.name in _PER_EXERCISE and "aid" in params:
            group = f"{item.path.name}::{params['aid']}"
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_unconfigure(config):
    shutil.rmtree(_SCRATCH, ignore_errors=True)
