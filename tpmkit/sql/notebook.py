"""The learner's side: `connect()` opens the product database for the notebook, `run()` and `schema()`
query it, and `%%sql` cells run on it."""

from __future__ import annotations

import duckdb
import pandas as pd

from tpmkit.display import ipython_shell
from tpmkit.errors import KitError
from tpmkit.sql.tables import _first_line, database

_current: duckdb.DuckDBPyConnection | None = None  # the database connect() opened; run() and %%sql use it


def connect(size: str = "lesson") -> duckdb.DuckDBPyConnection:
    """Open Tillpoint's product database for this notebook and turn on `%%sql` cells.

    `size="lesson"` (the default) is the one the lesson and exercise use; `size="full"` holds over
    a million events (it takes a few seconds to build).
    """
    global _current
    _current = database(size)
    _register_magic()
    return _current


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
        ipython_shell().user_ns[target] = frame
    return frame


def _register_magic() -> bool:
    shell = ipython_shell()
    if shell is None:
        return False
    shell.register_magic_function(_sql_cell, magic_kind="cell", magic_name="sql")
    return True
