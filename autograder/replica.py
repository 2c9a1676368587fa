"""The grader's replica of a course's setup cells, for one submission (see tpmkit.replica).

Names the setup cells bind are the course's. Tests read them from here, never from the learner's
kernel. The setup runs here only when some test reads such a name; each setup cell runs here just
before it runs in the learner's kernel, so a service the kernel connects to is already listening.
"""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

from autograder.assignment import Assignment
from autograder.trusted import loaded_names
from tpmkit import replica as context_mod


def _bound(source: str) -> set[str]:
    """Names a cell binds at its top level, imports excluded (the course's imports are replayed anyway)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def course_names(asg: Assignment) -> frozenset[str]:
    """Every name the assignment's setup (locked code) cells bind."""
    return frozenset(n for c in asg.cells if c.role == "locked" and c.cell_type == "code" for n in _bound(c.source))


def needed(asg: Assignment) -> frozenset[str]:
    """The course-owned names some test reads: when empty, no replica is needed."""
    read = set().union(*(loaded_names(q.test_source) for q in asg.questions if not q.manual))
    return frozenset(read & course_names(asg))


class Replica:
    """Runs setup cells in the grader, with tpmkit making the grader's own course objects."""

    def __init__(self, scratch: Path, services: Path):
        self.context = context_mod.Context(Path(scratch), Path(services))
        self.namespace: dict = {"__name__": "__tpm_replica__"}
        self.broken: set[str] = set()   # names whose setup cell failed here (a course problem, not the learner's)

    def run(self, source: str) -> None:
        quiet = io.StringIO()
        try:
            with context_mod.building(self.context), contextlib.redirect_stdout(quiet), \
                    contextlib.redirect_stderr(quiet):
                exec(compile(source, "<setup>", "exec"), self.namespace)  # noqa: S102 - the course's own code
        except Exception:  # noqa: BLE001 - tests that read these names report it; other questions go on
            self.broken |= _bound(source)

    def close(self) -> None:
        for close in reversed(self.context.closers):
            with contextlib.suppress(Exception):
                close()
        self.context.closers.clear()
