"""Course objects as the grader rebuilds them for one submission: its "replica" of the setup cells.

A test must never trust a name the course's setup binds (`shop`, `repo_path`) as the learner's
kernel holds it: the learner could have rebound it. So the grader runs the course's setup cells a
second time, in its own process, inside `building(...)`; tpmkit helpers that make course objects
ask `current()` and, while it is set, make the grader's version, bound to this one submission:
`api.start()` serves the API that the learner's kernel talks to (over a socket in `services`, a
folder the sandbox mounts read-only), `git_sandbox.exercise_repo()` names the repository inside the
submission's own folder without running anything.

In the learner's kernel, `services_dir()` tells helpers where the grader's services listen.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SERVICES_ENV = "TPMKIT_SERVICES"
_local = threading.local()


@dataclass
class Context:
    scratch: Path      # the submission's folder (learner-writable: read it only with tpmkit.safe_files)
    services: Path     # the grader's folder for services the learner's kernel reaches
    closers: list[Callable[[], None]] = field(default_factory=list)


def current() -> Context | None:
    return getattr(_local, "context", None)


@contextlib.contextmanager
def building(context: Context):
    """Run course setup code with tpmkit helpers making the grader's versions of course objects."""
    previous = current()
    _local.context = context
    try:
        yield context
    finally:
        _local.context = previous


def services_dir() -> Path | None:
    """In a grading kernel: the folder where the grader's services listen; elsewhere None."""
    value = os.environ.get(SERVICES_ENV)
    return Path(value) if value else None
