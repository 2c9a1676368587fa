"""Talking to stock nbgrader, in one place: its environment, its command line with the real error, its gradebook.

- `env()`: the environment nbgrader's subprocesses need (this Python's bin/ first: nbgrader may run `alembic`).
- `run(args, cwd=...)`: nbgrader's command line; a failure raises NbgraderFailed carrying the line of its
  output that says what went wrong (`cause`), never a page of traceback.
- `open_gradebook(url)`: nbgrader's Gradebook, a new one stamped in this process (`alembic_head`) instead of
  by the `alembic` command line, which costs a Python start of its own (about 3 s).
`python -m autograder.nbgrader_command ARGS` is nbgrader's own command line with that stamping installed.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

from autograder.errors import GradeError

_GENERIC = ("see the above traceback", "please see the error message", "there was an error processing")


class NbgraderFailed(GradeError):
    """An nbgrader command failed; the message is the line of its output that says why."""


def env(**extra: str) -> dict:
    """Environment for nbgrader subprocesses: this Python's bin/ first (nbgrader runs `alembic`), plus `extra`."""
    out = dict(os.environ)
    out["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), out.get("PATH", "")])
    out.update(extra)
    return out


def cause(stderr: str) -> str:
    """The line of an nbgrader run's error output that says what went wrong: the last exception line of a
    traceback, else the last log line that is not one of nbgrader's "see above" pointers."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    exceptions = [line for line in lines if not line.startswith(("[", "File ", "^", "~")) and ": " in line
                  and line.split(":", 1)[0].replace(".", "").isidentifier() and line.split(":", 1)[0][:1].isupper()]
    if exceptions:
        return exceptions[-1]
    useful = [line for line in lines if not any(g in line.lower() for g in _GENERIC)]
    return (useful or lines or ["(no output)"])[-1]


def run(args: list[str], *, cwd: Path, stock: bool = False, extra_env: dict | None = None) -> None:
    """Run `nbgrader ARGS` in `cwd`: stock (`python -m nbgrader`, as people run it) or with the in-process
    gradebook stamping (`autograder.nbgrader_command`). Raises NbgraderFailed with the cause."""
    module = "nbgrader" if stock else "autograder.nbgrader_command"
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env(**(extra_env or {})),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise NbgraderFailed(cause(done.stderr))


@functools.cache
def alembic_head() -> str:
    """The head revision of nbgrader's gradebook schema, as `alembic heads` prints it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader import api

    with api._temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:   # nbgrader's own way to point at its scripts
        (head,) = ScriptDirectory.from_config(Config(ini)).get_heads()
    return head


def install() -> None:
    """Make nbgrader's Gradebook use `alembic_head` when it creates a gradebook."""
    from nbgrader import api

    api.get_alembic_version = alembic_head


def open_gradebook(url: str):
    """nbgrader's Gradebook at `url` (its tools on PATH), a new gradebook stamped in this process."""
    from nbgrader.api import Gradebook

    os.environ["PATH"] = env()["PATH"]
    install()
    return Gradebook(url)
