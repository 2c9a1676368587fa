"""Tillpoint's four product tables (users, events, orders, payments) in a new in-memory DuckDB database.

The rows come from `tpmkit.data.product`, generated on this machine from a fixed seed. The learner's
database and the grading worker's are both built here, so they hold the same rows with the same types.
"""

from __future__ import annotations

import duckdb

from tpmkit.data.product import DEFAULT_SEED, SIZES, TABLES, _generate
from tpmkit.errors import KitError


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
        db.execute(f"CREATE TABLE {name} AS SELECT {select} FROM _tpmkit_frame")  # noqa: S608 - the kit's own column names and types
        db.unregister("_tpmkit_frame")
    return db


def _first_line(exc: BaseException) -> str:
    """A DuckDB error in one line (its messages run to several), for every message that reports one."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
