"""Who is learning: a stable id that seeds per-learner choices (such as the order of quiz options).

`learner_id()` is, the first that applies:

- the environment variable `TPMKIT_LEARNER` (tests and instructors can set it);
- a random id made once and kept in `learner-id` beside the progress file (`tpmkit.progress.location()`),
  so the same learner sees the same order after a restart;
- under the grader, or when that file cannot be read or written: a hash of the login name, which is
  stable on one machine and never fails.

The id is only a seed. It is not a secret and not a login; nothing is sent anywhere.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets

from tpmkit import progress

__all__ = ["ENV_LEARNER", "learner_id"]

ENV_LEARNER = "TPMKIT_LEARNER"
FILE_NAME = "learner-id"
_MAX_LENGTH = 100  # a hand-edited file may hold anything; only its first line, this long, counts


def _from_login() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises OSError or KeyError when no login name is known (some containers)
        name = ""
    return "user-" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:16]


def _first_line(path) -> str:
    text = path.read_text(encoding="utf-8").strip()
    return text.splitlines()[0].strip()[:_MAX_LENGTH] if text else ""


def _from_file() -> str | None:
    """The id kept beside the progress file, made on first use; None when the file is unusable."""
    try:
        path = progress.location().parent / FILE_NAME
        if path.exists():
            kept = _first_line(path)
            if kept:
                return kept
            made = secrets.token_hex(8)  # an emptied file: start a new id
            path.write_text(made + "\n", encoding="utf-8")
            return made
        made = secrets.token_hex(8)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two kernels start at once, one writes the id and the other reads it.
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _first_line(path) or None
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(made + "\n")
        return made
    except (OSError, ValueError, RuntimeError):  # ValueError: not text; RuntimeError: no home folder
        return None


def learner_id() -> str:
    """This learner's id (see the module docstring). Never raises."""
    chosen = os.environ.get(ENV_LEARNER, "").strip()
    if chosen:
        return chosen[:_MAX_LENGTH]
    if progress.grading():  # the grader reads and writes nothing of the learner's
        return _from_login()
    return _from_file() or _from_login()
