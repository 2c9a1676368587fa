"""Loaded by pytest for every test and notebook run in this repository (tests/, course/, solutions/).

Progress (tpmkit.progress) must never be written to the learner's real file by the test suite:
this points TPMKIT_PROGRESS at a throwaway file before any notebook kernel starts, so kernels
started by nbval and nbgrader inherit it. tests/conftest.py narrows it further to one file per test.
"""

import os
import shutil
import tempfile

_SCRATCH = tempfile.mkdtemp(prefix="tpmkit-progress-")
os.environ["TPMKIT_PROGRESS"] = os.path.join(_SCRATCH, "progress.sqlite")


def pytest_unconfigure(config):
    shutil.rmtree(_SCRATCH, ignore_errors=True)
