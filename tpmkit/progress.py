"""Progress that lasts: quiz answers and self-check results in a small SQLite file on your machine.

Where the file is (the first that applies):

- the environment variable `TPMKIT_PROGRESS` (a file path), which tests and instructors can set;
- Windows: `%APPDATA%\\tpmkit\\progress.sqlite`;
- macOS: `~/Library/Application Support/tpmkit/progress.sqlite`;
- elsewhere: `$XDG_DATA_HOME/tpmkit/progress.sqlite`, by default `~/.local/share/tpmkit/progress.sqlite`.

Quizzes record every check (`record_quiz`): the verdict, the answer given and the common mistakes
it showed (course/common-mistakes.yaml), so a quiz loaded again after a restart says what you
answered before, and `frequent_mistakes()` lists the mistakes you make most often. The visible
self-checks in exercises (`check.number`, `check.text_format`, `check.choices`, `check.mapping`)
record pass or fail when they run in a notebook kernel.
`summary()` is a per-module table, `progress_chart()` its picture, `reset()` forgets.

Progress never breaks a lesson: when the file is corrupt or cannot be written, nothing is saved,
the quizzes still work, and a note says so once per kernel. In a grading kernel (tpm-grade's
`TPMKIT_GRADING=1`, or stock nbgrader's `NBGRADER_EXECUTION`) nothing is read or written.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from tpmkit.display import ipython_shell
from tpmkit.errors import KitError

__all__ = ["frequent_mistakes", "history", "location", "mistakes_note", "progress_chart", "record_check",
           "record_quiz", "reset", "saving", "summary"]

ENV_PATH = "TPMKIT_PROGRESS"
ENV_GRADING = "TPMKIT_GRADING"
ENV_NBGRADER = "NBGRADER_EXECUTION"
MODULE_ID = re.compile(r"\d\d-[a-z0-9]+(?:-[a-z0-9]+)*")
SUMMARY_COLUMNS = ["module", "questions_answered", "questions_correct", "checks_run", "checks_passed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quiz_answers (
    module TEXT NOT NULL, question TEXT NOT NULL, correct INTEGER NOT NULL,
    attempt INTEGER NOT NULL, answered_at TEXT NOT NULL, answer TEXT, mistakes TEXT);
CREATE TABLE IF NOT EXISTS self_checks (
    module TEXT NOT NULL, notebook TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    passed INTEGER NOT NULL, checked_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS quiz_by_question ON quiz_answers (module, question);
"""

# Once per kernel: the first failure to save is reported, later ones are silent.
_problem: str | None = None
_problem_pending = False
_told_grading = False
_current_module: str | None = None


def location() -> Path:
    """The progress file this kernel uses (it may not exist yet)."""
    override = os.environ.get(ENV_PATH, "").strip()
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "tpmkit" / "progress.sqlite"


def grading() -> bool:
    """True in a grading kernel, where progress is neither read nor written: tpm-grade's sandbox sets
    TPMKIT_GRADING, and stock nbgrader sets NBGRADER_EXECUTION while it autogrades or validates.
    Nothing else may set either: a lesson kernel that inherited one would silently save nothing."""
    return any(os.environ.get(name, "") not in ("", "0") for name in (ENV_GRADING, ENV_NBGRADER))


def saving() -> bool:
    """True when progress is being saved in this kernel (no failure so far, not grading)."""
    return not grading() and _problem is None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fail(exc: BaseException) -> None:
    global _problem, _problem_pending
    if _problem is None:
        _problem = (f"Progress is not being saved ({type(exc).__name__}: {exc}; file {location()}). "
                    f"The quizzes still work. To fix it, set {ENV_PATH} to a writable file, "
                    "or run tpmkit.progress.reset() to start a fresh file.")
        _problem_pending = True


def pending_notice() -> str:
    """The "not being saved" note, the first time it is asked for after a failure; else "".
    A kernel marked as a grading kernel says so too: a lesson should never run in one."""
    global _problem_pending, _told_grading
    if grading() and not _told_grading:
        _told_grading = True
        marked = ", ".join(name for name in (ENV_GRADING, ENV_NBGRADER) if os.environ.get(name, "") not in ("", "0"))
        return (f"Progress is not being saved: this kernel is marked as a grading kernel ({marked} is set). "
                "Start JupyterLab with `make lab` or from a shell where that variable is not set.")
    if _problem_pending and _problem:
        _problem_pending = False
        return _problem
    return ""


def _forget_problem() -> None:
    """Start again as if no failure happened (tests, and after a successful reset)."""
    global _problem, _problem_pending, _told_grading
    _problem, _problem_pending, _told_grading = None, False, False


def _connect() -> sqlite3.Connection:
    path = location()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=2)
    try:
        con.executescript(_SCHEMA)
        # Files written before answers were kept lack two columns: add them, keeping every row.
        have = {row[1] for row in con.execute("PRAGMA table_info(quiz_answers)")}
        for column in ("answer", "mistakes"):
            if column not in have:
                con.execute(f"ALTER TABLE quiz_answers ADD COLUMN {column} TEXT")
    except BaseException:
        con.close()
        raise
    return con


def _write(sql: str, params: tuple) -> bool:
    if grading() or _problem is not None:
        return False
    try:
        with closing(_connect()) as con, con:
            con.execute(sql, params)
        return True
    except (sqlite3.Error, OSError) as exc:
        _fail(exc)
        return False


def _read(sql: str, params: tuple = ()) -> list[tuple] | None:
    """Rows, or None when there is nothing to read (grading, or the file is unusable)."""
    if grading() or _problem is not None:
        return None
    if not location().exists():
        return []
    try:
        with closing(_connect()) as con:
            return con.execute(sql, params).fetchall()
    except (sqlite3.Error, OSError) as exc:
        _fail(exc)
        return None


def _module_id(module) -> str:
    if not isinstance(module, str) or not module.strip():
        raise KitError(f"A module id is text such as '07-slos', not {module!r}.")
    return module.strip()


def set_module(module: str) -> None:
    """Name the module that self-checks belong to when the notebook's own name is not known."""
    global _current_module
    _current_module = _module_id(module)


def record_quiz(module: str, question: str, correct: bool, attempt: int, *, answer: str | None = None,
                mistakes: tuple[str, ...] | list[str] = ()) -> bool:
    """Save one checked quiz answer: its verdict, the answer given (JSON text, see
    tpmkit.quiz_judge.answer_record) and the common-mistake ids it showed.
    Returns False (and never raises) when it could not be saved."""
    return _write("INSERT INTO quiz_answers (module, question, correct, attempt, answered_at, answer, mistakes) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (str(module), str(question), int(bool(correct)), int(attempt), _now(),
                   None if answer is None else str(answer), " ".join(mistakes) or None))


def history(module: str, question: str) -> dict | None:
    """What was saved for one question: attempts, latest verdict, first correct attempt, the latest
    answer given (JSON text, or None for answers saved before answers were kept); None if nothing."""
    rows = _read("SELECT correct, attempt, answered_at, answer FROM quiz_answers WHERE module = ? AND question = ? "
                 "ORDER BY rowid", (str(module), str(question)))
    if not rows:
        return None
    solved = [attempt for correct, attempt, _, _ in rows if correct]
    return {"attempts": max(attempt for _, attempt, _, _ in rows), "correct": bool(rows[-1][0]),
            "solved_on": min(solved) if solved else None, "last_answered": rows[-1][2], "last_answer": rows[-1][3]}


MISTAKE_COLUMNS = ["mistake", "times", "questions", "modules", "summary", "lesson"]


def frequent_mistakes(folder: str | Path = ".", *, limit: int = 5):
    """The common mistakes your wrong quiz answers showed, most frequent first: how many times, in how
    many questions, in which modules, with the catalogue's summary and the lesson that teaches it
    (`folder` holds course/common-mistakes.yaml; a lesson's own folder by default). Nothing leaves
    your machine."""
    import pandas as pd

    from tpmkit import common_mistakes

    catalogue = common_mistakes.load(folder)
    rows = _read("SELECT module, question, mistakes FROM quiz_answers WHERE correct = 0 AND mistakes IS NOT NULL") or []
    seen: dict[str, dict] = {}
    for module, question, tags in rows:
        for tag in str(tags).split():
            entry = seen.setdefault(tag, {"times": 0, "questions": set(), "modules": set()})
            entry["times"] += 1
            entry["questions"].add((module, question))
            entry["modules"].add(module)
    ranked = sorted(seen.items(), key=lambda item: (-len(item[1]["questions"]), -item[1]["times"], item[0]))
    table = pd.DataFrame(
        [{"mistake": tag, "times": entry["times"], "questions": len(entry["questions"]),
          "modules": ", ".join(sorted(entry["modules"])),
          "summary": catalogue[tag].summary if tag in catalogue else "",
          "lesson": catalogue[tag].lesson if tag in catalogue else ""} for tag, entry in ranked[:limit]],
        columns=MISTAKE_COLUMNS)
    return table.astype({"times": "int64", "questions": "int64"})


def mistakes_note(table=None):
    """`frequent_mistakes()` as sentences to read (an HTML display object in a notebook)."""
    import html

    from IPython.display import HTML

    table = frequent_mistakes() if table is None else table
    missing = [c for c in MISTAKE_COLUMNS if c not in getattr(table, "columns", [])]
    if missing:
        raise KitError("mistakes_note needs the table from progress.frequent_mistakes(); "
                       f"missing: {', '.join(missing)}.")
    if table.empty:
        return HTML("<p><i>No common mistake recorded yet: when a wrong quiz answer shows one, "
                    "it is listed here.</i></p>")
    items = []
    for row in table.itertuples(index=False):
        where = f"{row.questions} question{'s' if row.questions != 1 else ''} ({row.modules})"
        said = html.escape(row.summary or row.mistake)
        revisit = f" Revisit <b>{html.escape(row.lesson)}</b>." if row.lesson else ""
        items.append(f"<li>{said} <i>{row.times} time{'s' if row.times != 1 else ''}, in {where}.</i>{revisit}</li>")
    return HTML("<p>The mistakes your quiz answers showed most often:</p><ul>" + "".join(items) + "</ul>")


def _notebook() -> str:
    """The notebook this kernel runs, when Jupyter says (JPY_SESSION_NAME); else ""."""
    return os.environ.get("JPY_SESSION_NAME", "")


def record_check(name: str, passed: bool, *, kind: str = "check", module: str | None = None,
                 notebook: str | None = None) -> bool:
    """Save one self-check result. The module comes from the notebook's file name when it is
    NN-slug, else from `module`, else from the last `load_quiz`/`set_module`, else "unknown"."""
    notebook = _notebook() if notebook is None else str(notebook)
    stem = Path(notebook).name.removesuffix(".ipynb") if notebook else ""
    found = stem if MODULE_ID.fullmatch(stem) else (module or _current_module or "unknown")
    return _write("INSERT INTO self_checks VALUES (?, ?, ?, ?, ?, ?)",
                  (str(found), notebook, str(name), str(kind), int(bool(passed)), _now()))


def summary(modules: list[str] | None = None):
    """One row per module: questions answered and correct (right at least once), self-checks run and
    passed (by their latest run). `modules` lists modules to show even with nothing recorded yet."""
    import pandas as pd

    answers = _read("SELECT module, question, MAX(correct) FROM quiz_answers GROUP BY module, question") or []
    checks = _read("SELECT module, name, passed FROM self_checks s WHERE rowid = "
                   "(SELECT MAX(rowid) FROM self_checks t WHERE t.module = s.module AND t.name = s.name)") or []
    rows: dict[str, dict] = {m: dict.fromkeys(SUMMARY_COLUMNS[1:], 0) for m in (modules or [])}
    for module, _question, correct in answers:
        row = rows.setdefault(module, dict.fromkeys(SUMMARY_COLUMNS[1:], 0))
        row["questions_answered"] += 1
        row["questions_correct"] += int(bool(correct))
    for module, _name, passed in checks:
        row = rows.setdefault(module, dict.fromkeys(SUMMARY_COLUMNS[1:], 0))
        row["checks_run"] += 1
        row["checks_passed"] += int(bool(passed))
    table = pd.DataFrame([{"module": m, **rows[m]} for m in sorted(rows)], columns=SUMMARY_COLUMNS)
    return table.astype({c: "int64" for c in SUMMARY_COLUMNS[1:]})


def progress_chart(table=None):
    """Bars per module: questions answered and correct, self-checks passed (a matplotlib Figure)."""
    from matplotlib.figure import Figure

    table = summary() if table is None else table
    missing = [c for c in SUMMARY_COLUMNS if c not in getattr(table, "columns", [])]
    if missing:
        raise KitError(f"progress_chart needs the table from progress.summary(); missing: {', '.join(missing)}.")
    fig = Figure(figsize=(8, 0.6 + 0.55 * max(len(table), 1)), layout="constrained")
    ax = fig.subplots()
    if table.empty:
        ax.text(0.5, 0.5, "Nothing recorded yet: answer a quiz or run a self-check.",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    y = range(len(table))
    bars = (("questions_answered", "questions answered", "#9ecae1", 0.27),
            ("questions_correct", "questions correct", "#1b9e77", 0.0),
            ("checks_passed", "self-checks passed", "#d95f02", -0.27))
    for column, label, colour, shift in bars:
        ax.barh([i + shift for i in y], table[column], height=0.26, color=colour, label=label)
    ax.set_yticks(list(y), table["module"])
    ax.invert_yaxis()
    ax.set_xlabel("count")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Your progress per module")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def reset(module: str | None = None) -> int:
    """Forget saved progress: every module, or one (`reset("07-slos")`). Returns the rows removed.

    A corrupt file is moved aside (to `progress.sqlite.corrupt`), never deleted, and a fresh one starts.
    """
    if module is not None:
        module = _module_id(module)
    if grading():
        return 0
    path = location()
    if not path.exists():
        _forget_problem()
        return 0
    where, params = ("", ()) if module is None else (" WHERE module = ?", (module,))
    try:
        with closing(_connect()) as con, con:
            removed = sum(con.execute(f"DELETE FROM {table}{where}", params).rowcount  # noqa: S608 - the module's own table names
                          for table in ("quiz_answers", "self_checks"))
    except sqlite3.DatabaseError as exc:
        if module is not None:
            raise KitError(f"The progress file {path} is damaged ({exc}); run tpmkit.progress.reset() "
                           "with no module to start a fresh one.") from None
        try:
            path.replace(path.with_name(path.name + ".corrupt"))
        except OSError as move:
            raise KitError(f"Could not move the damaged progress file {path} aside ({move}); "
                           f"delete it by hand or set {ENV_PATH} to another file.") from None
        removed = 0
    except OSError as exc:
        raise KitError(f"Could not change the progress file {path} ({exc}); "
                       f"set {ENV_PATH} to a writable file.") from None
    _forget_problem()
    return removed


def record_self_check(name: str, passed: bool, kind: str) -> bool:
    """Called by tpmkit.check's visible self-checks: saved only in a learner's notebook kernel, never
    under the grader or in plain Python (the grader runs the same checks in its own process)."""
    if ipython_shell() is None or grading():
        return False
    return record_check(str(name), passed, kind=kind)
