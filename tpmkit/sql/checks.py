"""The checks that grade SQL answers: an answer is a SQL string.

`self_check(query, name)` runs it and prints only the SHAPE of the result (its columns and number of
rows); `same_result(query, expected, name, ...)` (the hidden test) compares the RESULT SET with the
expected rows: column names must match (in any order), rows in any order unless the question asks for
one, numbers within a stated tolerance. Neither ever looks at the text of the query beyond checking it
is one SELECT; the query itself runs in the locked-down worker (`tpmkit.sql.worker`).
"""

from __future__ import annotations

import math
import re
from numbers import Real

import duckdb

from tpmkit.check import plain_text, reports_progress
from tpmkit.errors import CheckFailed, KitError
from tpmkit.sql.tables import _first_line
from tpmkit.sql.worker import _worker

TIME_LIMIT = 5.0             # seconds a graded query may run
MAX_ROWS = 1_000             # rows a check fetches; answers are aggregated, a few dozen rows at most
MAX_QUERY_CHARS = 20_000


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


# --- comparing a result set with the expected rows (both plain JSON values by now) ---------------------

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
    try:
        _compare(columns, rows, want_columns, want_rows, name, ordered, float(tolerance), f" {hint}".rstrip())
    except CheckFailed as exc:
        exc.produced = _produced(columns, rows, ordered)
        raise


def _produced(columns: list[str], rows: list[list], ordered: bool) -> dict:
    """A result set in one canonical form (columns by name, rows sorted unless their order is asked for), so
    that two queries with the same result compare equal whatever their text."""
    names = [c.lower() for c in columns]
    index = sorted(range(len(names)), key=lambda k: names[k])
    canonical = [[_norm(row[k]) for k in index] for row in rows]
    if not ordered:
        canonical.sort(key=lambda row: [_sort_key(v) for v in row])
    return {"columns": [names[k] for k in index], "rows": canonical}


def _compare(columns: list[str], rows: list[list], want_columns: list[str], want_rows: list[list], name: str,
             ordered: bool, tol: float, tail: str) -> None:
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
