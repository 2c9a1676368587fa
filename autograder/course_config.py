"""Where a course keeps things, read the way nbgrader reads it: `COURSE/nbgrader_config.py`, else nbgrader's defaults.

One reading serves every command, so `tpm-grade` and stock nbgrader agree on the folders (source,
release, submitted, autograded, feedback), the gradebook, the files that travel with an assignment
and the cell timeout. Relative paths are taken from the course folder, never from the folder the
command was started in. The config file is the instructor's (trusted) Python; a learner's repository is
never read as a course here (`tpm-grade ci` copies the assignment into a folder of its own first).

A course without a config whose sources are in `solutions/` (a copy of this kit's layout, as
`tpm-grade ci` and the tests build) reads as this kit: `solutions/` and `exercises/`.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass, field
from pathlib import Path

from autograder.defaults import CELL_TIMEOUT
from autograder.errors import GradeError

CONFIG_FILE = "nbgrader_config.py"
DEFAULT_TIMEOUT = CELL_TIMEOUT
DEFAULT_COURSE_ID = "default_course"        # the course row nbgrader's Gradebook creates without a course_id
DEFAULT_IGNORE = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")


class CourseConfigError(GradeError):
    """The course's nbgrader_config.py cannot be read; the message names the file and the cause."""


@dataclass(frozen=True)
class CourseLayout:
    root: Path
    source: str = "source"
    release: str = "release"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    db_url: str | None = None               # None: sqlite at ROOT/gradebook.db
    course_id: str = DEFAULT_COURSE_ID
    timeout: float = DEFAULT_TIMEOUT
    header: str = ""                         # notebooks whose cells nbgrader adds to every released notebook
    footer: str = ""
    exclude_overwriting: dict = field(default_factory=dict)   # assignment -> files a learner's copy is kept of
    from_config: bool = False

    def folder(self, kind: str, aid: str, student: str | None = None) -> Path:
        """ROOT/<kind's folder>/[STUDENT/]AID, as nbgrader's CourseDirectory.format_path builds it."""
        base = self.root / getattr(self, kind)
        return base / student / aid if student else base / aid

    def ignored(self, relative: str) -> bool:
        """Does nbgrader leave this file out of an assignment (CourseDirectory.ignore)?"""
        return any(fnmatch.fnmatch(part, pattern) for part in Path(relative).parts for pattern in self.ignore)


def _absolute(root: Path, value: str) -> str:
    return str(value) if not value or Path(value).is_absolute() else str(root / value)


def _sqlite_from_root(root: Path, url: str) -> str:
    """A relative sqlite path is nbgrader's cwd-relative; here it is relative to the course folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url[len(prefix):] not in ("", ":memory:"):
        return prefix + str((root / url[len(prefix):]).resolve())
    return url


@functools.lru_cache(maxsize=32)
def _read(root: Path, text: str):
    """The traitlets Config of ROOT/nbgrader_config.py (cached per file content)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        return None
    except (Exception, SystemExit) as exc:   # noqa: BLE001 - the instructor's Python can raise anything
        raise CourseConfigError(f"{root / CONFIG_FILE} could not be read: {type(exc).__name__}: {exc}") from None


def load(course: Path) -> CourseLayout:
    """The layout of the course rooted at `course`."""
    root = Path(course).resolve()
    path = root / CONFIG_FILE
    if not path.is_file():
        if not (root / "source").is_dir() and (root / "solutions").is_dir():
            return CourseLayout(root, source="solutions", release="exercises")
        return CourseLayout(root)
    config = _read(root, path.read_text(encoding="utf-8", errors="replace"))
    if config is None:
        return CourseLayout(root)
    cd, ex = config.get("CourseDirectory", {}), config.get("Execute", {})
    epp, hf = config.get("ExecutePreprocessor", {}), config.get("IncludeHeaderFooter", {})
    auto = config.get("Autograde", {})

    def text(section, key: str, default: str) -> str:
        value = section.get(key, default)
        if not isinstance(value, str):
            raise CourseConfigError(f"{path}: {key} must be a string, not {value!r}.")
        return value

    timeout = ex.get("timeout", epp.get("timeout", DEFAULT_TIMEOUT))
    if not isinstance(timeout, (int, float)) or timeout is True or timeout <= 0:
        raise CourseConfigError(f"{path}: the cell timeout must be a positive number of seconds, not {timeout!r}.")
    db_url = text(cd, "db_url", "") or None
    return CourseLayout(
        root, source=text(cd, "source_directory", "source"), release=text(cd, "release_directory", "release"),
        submitted=text(cd, "submitted_directory", "submitted"),
        autograded=text(cd, "autograded_directory", "autograded"),
        feedback=text(cd, "feedback_directory", "feedback"),
        ignore=tuple(cd.get("ignore", DEFAULT_IGNORE)),
        db_url=_sqlite_from_root(root, db_url) if db_url else None,
        course_id=text(cd, "course_id", "") or DEFAULT_COURSE_ID, timeout=float(timeout),
        header=_absolute(root, text(hf, "header", "")), footer=_absolute(root, text(hf, "footer", "")),
        exclude_overwriting=dict(auto.get("exclude_overwriting", {})), from_config=True)
