"""SQL on Tillpoint's product tables, with DuckDB: one line to start, and the checks that grade SQL answers.

For the learner:

    from tpmkit import sql
    db = sql.connect()            # an in-memory DuckDB database with users, events, orders, payments
    sql.run("SELECT count(*) FROM events")      # any query -> a pandas DataFrame
    %%sql                         # (after connect) a cell of SQL, shown as a table

The tables come from `tpmkit.data.product`, generated on this machine from a fixed seed.

For exercises, an answer is a SQL string. `self_check(query, name)` runs it and prints only the
SHAPE of the result (its columns and number of rows); `same_result(query, expected, name, ...)`
(the hidden test) compares the RESULT SET with the expected rows: column names must match (in any
order), rows in any order unless the question asks for one, numbers within a stated tolerance.
Neither ever looks at the text of the query beyond checking it is one SELECT.

Both checks may be handed anyone's SQL (the grader runs them in its own process), so the query runs
in a separate worker process that holds its own copy of the lesson-size tables in a locked-down
DuckDB database: no files or network (`enable_external_access = false`), no extensions, no spilling
to disk, a memory limit, two threads, configuration locked, one SELECT statement only, a time limit
(the worker interrupts the query; the caller kills the worker if even that does not stop it), a cap
on the rows fetched, and an address-space limit on the worker, so a query that builds enormous
strings ends the worker rather than the grader. A new worker starts on the next call.
"""

from __future__ import annotations

import atexit
import datetime as dt
import decimal
import json
import math
import os
import queue
import re
import subprocess
import sys
import threading
from numbers import Real

import duckdb
import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from tpmkit.check import plain_text, reports_progress
from tpmkit.data.product import DEFAULT_SEED, SIZES, TABLES, _generate
from tpmkit.errors import CheckFailed, KitError

__all__ = ["cohort_chart", "connect", "daily_chart", "database", "funnel_chart", "joins_diagram", "run", "same_result",
           "schema", "self_check", "tables_diagram"]

GRADING_SIZE = "lesson"      # the database exercises are graded on (the same one `connect()` gives)
TIME_LIMIT = 5.0             # seconds a graded query may run
MAX_ROWS = 1_000             # rows a check fetches; answers are aggregated, a few dozen rows at most
MAX_QUERY_CHARS = 20_000
MAX_REPLY_CHARS = 2_000_000  # JSON the worker may send back for one query
WORKER_MEMORY = 3 * 1024**3  # address space of the worker process (bytes)
WORKER_START_SECONDS = 120

_current: duckdb.DuckDBPyConnection | None = None


# --- the database ---------------------------------------------------------------------------------

def database(size: str = "lesson", *, seed: int = DEFAULT_SEED, threads: int = 2,
             memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB database holding the four product tables at `size`.

    Nothing is downloaded: extensions are never installed or loaded automatically.
    """
    if size not in SIZES:
        raise KitError(f"size must be one of {', '.join(repr(s) for s in SIZES)}, not {size!r}.")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise KitError(f"threads must be a whole number, 1 or more, not {threads!r}.")
    tables = _generate(size, seed)
    db = duckdb.connect(":memory:", config={"threads": threads, "memory_limit": memory_limit,
                                            "autoinstall_known_extensions": False,
                                            "autoload_known_extensions": False})
    for name, columns in TABLES.items():
        db.register("_tpmkit_frame", tables[name])
        select = ", ".join(f'CAST("{column}" AS {kind}) AS "{column}"' for column, kind in columns.items())
        db.execute(f"CREATE TABLE {name} AS SELECT {select} FROM _tpmkit_frame")
        db.unregister("_tpmkit_frame")
    return db


def connect(size: str = "lesson") -> duckdb.DuckDBPyConnection:
    """Open Tillpoint's product database for this notebook and turn on `%%sql` cells.

    `size="lesson"` (the default) is the one the lesson and exercise use; `size="full"` holds over
    a million events (it takes a few seconds to build).
    """
    global _current
    _current = database(size)
    _register_magic()
    return _current


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def run(query: str, params: list | None = None, db: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Run one query on the product database (the one `connect()` opened) and return a DataFrame.

    `params` fills the query's `?` placeholders in order, so values never have to be pasted into
    the SQL text: `sql.run("SELECT count(*) FROM users WHERE country = ?", ["FR"])`.
    """
    if type(query) is not str or not query.strip():
        raise KitError("run() needs the SQL as text, for example sql.run(\"SELECT count(*) FROM users\").")
    if params is not None and not isinstance(params, (list, tuple)):
        raise KitError(f"params should be a list of values for the ? placeholders, not a {type(params).__name__}.")
    if db is None:
        db = _current if _current is not None else connect()
    try:
        result = db.execute(query, params) if params is not None else db.execute(query)
        if result.description is None:
            return pd.DataFrame()
        return result.df()
    except duckdb.Error as exc:
        raise KitError(f"The query did not run: {_first_line(exc)}") from None


def schema(db: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """The tables and their columns: one row per column, with its type."""
    return run("SELECT table_name AS table, column_name AS column, data_type AS type FROM information_schema.columns "
               "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position", db=db)


def _sql_cell(line: str, cell: str):
    """`%%sql` runs the cell on the current database; `%%sql name` also keeps the result as `name`."""
    frame = run(cell)
    target = line.strip()
    if target:
        if not target.isidentifier():
            raise KitError(f"%%sql {target}: the name after %%sql must be a Python name such as funnel.")
        from IPython import get_ipython

        get_ipython().user_ns[target] = frame
    return frame


def _register_magic() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kit
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.register_magic_function(_sql_cell, magic_kind="cell", magic_name="sql")
    return True


# --- the locked-down worker that runs answers ------------------------------------------------------

def _locked_database(size: str = GRADING_SIZE) -> duckdb.DuckDBPyConnection:
    db = database(size, threads=2, memory_limit="512MB")
    for setting in ("SET temp_directory = ''",           # never spill to disk
                    "SET enable_external_access = false",  # no files, no network, no Python objects
                    "SET allow_community_extensions = false",
                    "SET lock_configuration = true"):      # and no SET can undo any of it
        db.execute(setting)
    return db


def _cell(value):
    """A result value as plain JSON data: dates as ISO text, decimals as floats."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _execute(db: duckdb.DuckDBPyConnection, query: str, time_limit: float, max_rows: int) -> dict:
    """Run one (already vetted) query with a time limit; the reply is plain JSON data."""
    timer = threading.Timer(time_limit, db.interrupt)
    timer.start()
    try:
        result = db.execute(query)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchmany(max_rows + 1)
    except duckdb.InterruptException:
        return {"problem": "timeout"}
    except duckdb.OutOfMemoryException:
        return {"problem": "memory"}
    except MemoryError:
        return {"problem": "memory"}
    except duckdb.PermissionException as exc:
        return {"problem": "forbidden", "detail": _first_line(exc)}
    except duckdb.Error as exc:
        return {"problem": "error", "detail": _first_line(exc)}
    except Exception as exc:  # noqa: BLE001 - a value Python cannot hold is this answer's error, not the worker's
        return {"problem": "error", "detail": f"{type(exc).__name__}: {_first_line(exc)}"}
    finally:
        timer.cancel()
        timer.join()  # a timer that fired just as the query ended must not interrupt the next one
    if len(rows) > max_rows:
        return {"problem": "rows"}
    return {"columns": columns, "rows": [[_cell(v) for v in row] for row in rows]}


def _serve() -> None:  # pragma: no cover - runs in the worker process; tested through _Worker
    """The worker: read one JSON request per line on stdin, answer one JSON line, until stdin closes."""
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing else may write into the replies
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    db = _locked_database(sys.argv[1] if len(sys.argv) > 1 else GRADING_SIZE)
    reply.write('{"ready": true}\n')
    reply.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = _execute(db, request["query"], float(request["time_limit"]), int(request["max_rows"]))
            text = json.dumps(answer)
        except MemoryError:
            text = '{"problem": "memory"}'
        if len(text) > MAX_REPLY_CHARS:
            text = '{"problem": "size"}'
        reply.write(text + "\n")
        reply.flush()


class _Worker:
    """One worker process per Python process, started on first use and again after it dies."""

    def __init__(self, size: str = GRADING_SIZE):
        self.size = size
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.lock = threading.Lock()

    def _start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
        self.proc = subprocess.Popen([sys.executable, "-c", "from tpmkit.sql import _serve; _serve()", self.size],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, close_fds=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()
        ready = self._reply(WORKER_START_SECONDS)
        if ready is None or not ready.get("ready"):
            self.stop()
            raise KitError("The SQL checker could not start its database; run the cell again, and if it keeps "
                           "failing, restart the kernel.")

    @staticmethod
    def _read(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # the worker has gone

    def _reply(self, seconds: float) -> dict | None:
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            return None
        if line is None:
            return None
        return json.loads(line)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for pipe in (self.proc.stdin, self.proc.stdout):
                pipe.close()
            self.proc = None

    def ask(self, query: str, time_limit: float, max_rows: int) -> dict:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.stop()
                self._start()
            request = json.dumps({"query": query, "time_limit": time_limit, "max_rows": max_rows})
            try:
                self.proc.stdin.write(request.encode() + b"\n")
                self.proc.stdin.flush()
            except OSError:
                self.stop()
                return {"problem": "memory"}
            answer = self._reply(time_limit + 10)
            if answer is None:  # no reply in time, or the worker died (out of memory)
                timed_out = self.proc.poll() is None
                self.stop()
                return {"problem": "timeout" if timed_out else "memory"}
            return answer


_worker = _Worker()
atexit.register(_worker.stop)


# --- the checks ------------------------------------------------------------------------------------

def _vet(query, name: str) -> str:
    """The query text, if it is one SELECT statement; otherwise fail saying what is wrong."""
    text = plain_text(query, name)
    if not text.strip():
        raise CheckFailed(f"{name} is empty: write one SELECT query between the triple quotes.")
    if len(text) > MAX_QUERY_CHARS:
        raise CheckFailed(f"{name} is {len(text):,} characters long; an answer needs far fewer "
                          f"(at most {MAX_QUERY_CHARS:,}).")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise CheckFailed(f"{name} has a syntax error: {_first_line(exc)}") from None
    if not statements:
        raise CheckFailed(f"{name} holds no SQL statement (only comments?): write one SELECT query.")
    if len(statements) > 1:
        raise CheckFailed(f"{name} holds {len(statements)} SQL statements; an answer is ONE SELECT query "
                          "(remove everything after the first ';').")
    if statements[0].type != duckdb.StatementType.SELECT:
        words = statements[0].query.split()
        kind = words[0].upper().strip(";") if words else statements[0].type.name
        article = "an" if kind[:1] in "AEIOU" else "a"
        raise CheckFailed(f"{name} is {article} {kind} statement; an answer must be a single SELECT "
                          "(or WITH ... SELECT) query that only reads the tables.")
    return text


def _time_limit(seconds) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, Real) or not 0 < seconds <= 60:
        raise KitError(f"time_limit must be a number of seconds between 0 and 60, not {seconds!r}.")
    return float(seconds)


def _result(query, name: str, time_limit: float) -> tuple[list[str], list[list]]:
    """Run an answer in the locked-down worker: (column names, rows), or fail with one line."""
    text = _vet(query, name)
    answer = _worker.ask(text, _time_limit(time_limit), MAX_ROWS)
    problem = answer.get("problem")
    if problem is None:
        return answer["columns"], answer["rows"]
    detail = answer.get("detail", "")
    messages = {
        "error": f"{name} does not run: {detail}",
        "forbidden": f"{name} tries to reach files, the network or settings, which an answer may not do "
                     f"(only the tables users, events, orders and payments are there): {detail}",
        "timeout": f"{name} ran for more than {time_limit:g} s and was stopped: look for a join without an ON "
                   "condition, or a query that multiplies rows.",
        "memory": f"{name} used too much memory and was stopped: look for a join without an ON condition, or "
                  "very long texts or lists.",
        "rows": f"{name} returns more than {MAX_ROWS:,} rows; the question asks for a small result: check your "
                "filters and GROUP BY.",
        "size": f"{name} returns too much data to check: select only the columns the question asks for.",
    }
    raise CheckFailed(messages.get(problem, f"{name} could not be checked ({problem})."))


@reports_progress()  # its pass or fail goes to the learner's progress, like tpmkit.check's self-checks
def self_check(query, name: str, *, time_limit: float = TIME_LIMIT) -> None:
    """Visible self-check: the answer runs as one SELECT. Prints its shape (columns, rows), never its values."""
    columns, rows = _result(query, name, time_limit)
    shown = ", ".join(columns)
    print(f"✓ {name} runs: {len(rows)} row{'s' if len(rows) != 1 else ''} and {len(columns)} "
          f"column{'s' if len(columns) != 1 else ''} ({shown}). Hidden tests check the values when graded.")


_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?")


def _norm(value):
    """Compare dates whatever their type: a time stamp at midnight equals its date."""
    if isinstance(value, str):
        match = _MIDNIGHT.fullmatch(value)
        return match.group(1) if match else value
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a, b, tolerance: float) -> bool:
    if _is_number(a) and _is_number(b):
        try:
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=tolerance)
        except OverflowError:  # an integer too large for a float is not any expected number
            return False
    if _is_number(a) or _is_number(b):
        return False
    return type(a) is type(b) and a == b


def _sort_key(value):
    if value is None:
        return (0, 0, "")
    if _is_number(value):
        return (1, value, "")
    return (2, 0, repr(value))


def _same_column(got: list, want: list, tolerance: float) -> bool:
    """The two columns hold the same values in some order (sorted, then compared one by one)."""
    return all(_same(a, b, tolerance) for a, b in zip(sorted(got, key=_sort_key), sorted(want, key=_sort_key),
                                                       strict=True))


def _matched(got_rows: list[list], want_rows: list[list], tolerance: float) -> bool:
    """Every expected row pairs with its own result row (in any order)."""
    left = list(got_rows)
    for want in want_rows:
        for i, got in enumerate(left):
            if all(_same(a, b, tolerance) for a, b in zip(got, want, strict=True)):
                del left[i]
                break
        else:
            return False
    return True


def _expected(expected) -> tuple[list[str], list[list]]:
    if not isinstance(expected, list) or not expected or not all(isinstance(r, dict) and r for r in expected):
        raise KitError("expected must be a non-empty list of rows, each a dict of column name -> value.")
    columns = [str(c).lower() for c in expected[0]]
    if any([str(c).lower() for c in row] != columns for row in expected):
        raise KitError("every expected row must have the same columns, in the same order.")
    return columns, [[_norm(v) for v in row.values()] for row in expected]


def same_result(query, expected: list[dict], name: str, *, ordered: bool = False, tolerance: float = 0.0,
                hint: str = "", time_limit: float = TIME_LIMIT) -> None:
    """Hidden test: the answer's RESULT SET equals `expected` (a literal list of row dicts).

    Column names must match, ignoring case and column order; rows may come in any order unless
    `ordered`; numbers may differ by up to `tolerance`. A failure says what is wrong (the columns,
    the number of rows, which columns' values, the order) but never the expected values.
    """
    want_columns, want_rows = _expected(expected)
    if isinstance(tolerance, bool) or not isinstance(tolerance, Real) or tolerance < 0:
        raise KitError(f"tolerance must be a number, 0 or more, not {tolerance!r}.")
    columns, rows = _result(query, name, time_limit)
    tail = f" {hint}".rstrip()
    got_columns = [c.lower() for c in columns]
    repeated = sorted({c for c in got_columns if got_columns.count(c) > 1})
    if repeated:
        raise CheckFailed(f"{name} returns more than one column named {', '.join(repeated)}: give each column its "
                          f"own name with AS.{tail}")
    missing = [c for c in want_columns if c not in got_columns]
    extra = [c for c in got_columns if c not in want_columns]
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"not asked for: {', '.join(extra)}"] if extra else [])
        raise CheckFailed(f"{name} returns the wrong columns ({'; '.join(parts)}). Use exactly the column names the "
                          f"question gives (AS names a column).{tail}")
    if len(rows) != len(want_rows):
        raise CheckFailed(f"{name} returns {len(rows)} row{'s' if len(rows) != 1 else ''}, which is not the number of "
                          f"rows the answer has: check your filters, the date range and GROUP BY.{tail}")
    index = [got_columns.index(c) for c in want_columns]
    got = [[_norm(row[i]) for i in index] for row in rows]
    tol = float(tolerance)
    if ordered:
        if all(_same(a, b, tol) for g, w in zip(got, want_rows, strict=True) for a, b in zip(g, w, strict=True)):
            return
        if _matched(got, want_rows, tol):
            raise CheckFailed(f"{name} returns the right rows in the wrong order: the question asks for a particular "
                              f"ORDER BY.{tail}")
    elif _matched(got, want_rows, tol):
        return
    wrong = [c for k, c in enumerate(want_columns)
             if not _same_column([g[k] for g in got], [w[k] for w in want_rows], tol)]
    if wrong:
        raise CheckFailed(f"{name} has the right columns and number of rows, but the values in "
                          f"{', '.join(wrong)} are not right yet.{tail}")
    raise CheckFailed(f"{name} has the right values in each column, but they are not paired up in the right "
                      f"rows.{tail}")


# --- pictures --------------------------------------------------------------------------------------

_KEYS = [("users", "user_id", "events", "user_id"), ("users", "user_id", "orders", "user_id"),
         ("orders", "order_id", "payments", "order_id")]


def tables_diagram() -> Figure:
    """The four tables, their columns, and the keys that join them."""
    spots = {"users": (0.03, 0.55), "events": (0.37, 0.55), "orders": (0.37, 0.02), "payments": (0.71, 0.02)}
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    line_h, width = 0.052, 0.26
    anchors = {}
    for table, (x, y) in spots.items():
        columns = list(TABLES[table])
        height = line_h * (len(columns) + 1.3)
        ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.005", fc="#f4f6fb", ec="#4a5a8a"))
        ax.text(x + 0.01, y + height - line_h * 0.8, table, weight="bold", fontsize=11, va="center")
        for i, column in enumerate(columns):
            cy = y + height - line_h * (i + 1.8)
            key = any((table, column) in ((a, b), (c, d)) for a, b, c, d in _KEYS)
            ax.text(x + 0.02, cy, f"{column}  {TABLES[table][column].lower()}", fontsize=8.5, va="center",
                    family="monospace", color="#b42318" if key else "black")
            anchors[(table, column)] = (x, x + width, cy)
    for a, b, c, d in _KEYS:
        left, right = anchors[(a, b)], anchors[(c, d)]
        start = (left[1], left[2]) if left[1] <= right[0] else (left[0], left[2])
        end = (right[0], right[2]) if left[1] <= right[0] else (right[1], right[2])
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-", "color": "#b42318", "lw": 1.2,
                                                          "connectionstyle": "arc3,rad=0.15"})
    ax.set_title("Tillpoint's product tables: red columns are the keys that join them", fontsize=11)
    return fig


def joins_diagram() -> Figure:
    """Which users each join keeps: INNER JOIN, LEFT JOIN, and the anti-join (LEFT JOIN ... IS NULL)."""
    fig = Figure(figsize=(9.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [("INNER JOIN orders", "users with at least one order", "inner"),
              ("LEFT JOIN orders", "every user; order columns NULL if none", "left"),
              ("LEFT JOIN ... WHERE o.order_id IS NULL", "users who never ordered", "anti")]
    for ax, (title, caption, kind) in zip(axes, panels, strict=True):
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.35, 1.25)
        users, orders = Circle((-0.45, 0), 0.9), Circle((0.45, 0), 0.9)
        shade = "#7fa7d9"
        if kind in ("left", "anti"):
            ax.add_patch(Circle((-0.45, 0), 0.9, fc=shade, ec="none"))
        if kind in ("inner", "anti"):
            overlap = Circle((0.45, 0), 0.9, fc=shade if kind == "inner" else "white", ec="none")
            ax.add_patch(overlap)
            overlap.set_clip_path(Circle((-0.45, 0), 0.9, transform=ax.transData))
        for circle in (users, orders):
            circle.set(fc="none", ec="#333333", lw=1.3)
            ax.add_patch(circle)
        ax.text(-0.8, 1.0, "users", ha="center", fontsize=9)
        ax.text(0.8, 1.0, "orders", ha="center", fontsize=9)
        ax.set_title(title, fontsize=9.5, family="monospace")
        ax.text(0, -1.25, caption, ha="center", fontsize=9)
    return fig


def _frame(frame, name: str, columns: list[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise KitError(f"{name} needs a DataFrame (the result of sql.run), not a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KitError(f"{name} needs the columns {', '.join(columns)}; this frame has no {', '.join(missing)}.")
    if frame.empty:
        raise KitError(f"{name} got an empty result: check the query's filters.")
    return frame


def funnel_chart(frame: pd.DataFrame) -> Figure:
    """Horizontal bars, one per funnel step, from a result with the columns `step` and `users`."""
    frame = _frame(frame, "funnel_chart", ["step", "users"])
    top = float(frame["users"].iloc[0]) or 1.0
    fig = Figure(figsize=(8, 0.6 + 0.55 * len(frame)), layout="constrained")
    ax = fig.subplots()
    ax.barh(frame["step"].astype(str), frame["users"], color="#4a78b5")
    ax.invert_yaxis()
    for y, value in enumerate(frame["users"]):
        ax.text(value, y, f"  {value:,.0f} ({100 * value / top:.0f}%)", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("users who reached the step")
    ax.set_title("Conversion funnel (share of the first step)")
    return fig


def daily_chart(frame: pd.DataFrame, *columns: str, mark: str | None = None) -> Figure:
    """One line per numeric column, per day, from a result with a `day` column; `mark` circles one day."""
    if not columns:
        columns = tuple(c for c in getattr(frame, "columns", []) if c != "day")
    frame = _frame(frame, "daily_chart", ["day", *columns]).sort_values("day")
    days = pd.to_datetime(frame["day"])
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    colours = ["#4a78b5", "#d95f02", "#1b9e77", "#7570b3"]
    for i, column in enumerate(columns):
        ax.plot(days, frame[column], color=colours[i % len(colours)], lw=1.4, label=column.replace("_", " "))
    if mark is not None:
        when = pd.Timestamp(mark)
        hit = frame[(days == when).to_numpy()]
        if hit.empty:
            raise KitError(f"daily_chart: {mark} is not one of the days in the result.")
        top = max(float(hit[c].iloc[0]) for c in columns)
        ax.annotate(f"{when:%d %b}", (when, top), xytext=(18, -12), textcoords="offset points", color="#b42318",
                    arrowprops={"arrowstyle": "->", "color": "#b42318"})
    ax.margins(y=0.1)
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    ax.set_ylabel("per day")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("Per day: " + ", ".join(c.replace("_", " ") for c in columns))
    return fig


def cohort_chart(frame: pd.DataFrame) -> Figure:
    """A retention table as a picture: one row per cohort, one column per month after signup.

    The result needs the columns `cohort_month`, `months_after` and `retention_pct`.
    """
    frame = _frame(frame, "cohort_chart", ["cohort_month", "months_after", "retention_pct"])
    table = frame.pivot_table(index="cohort_month", columns="months_after", values="retention_pct", aggfunc="first")
    table = table.sort_index()
    fig = Figure(figsize=(8, 0.9 + 0.45 * len(table)), layout="constrained")
    ax = fig.subplots()
    ax.imshow(table.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for (i, j), value in pd.DataFrame(table.to_numpy(dtype=float)).stack().dropna().items():
        ax.text(j, i, f"{value:.0f}%", ha="center", va="center", fontsize=9,
                color="white" if value > 60 else "black")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table)), [f"{pd.Timestamp(c):%b %Y}" for c in table.index])
    ax.set_xlabel("months after the signup month")
    ax.set_title("Share of each signup cohort active N months later")
    return fig
