"""SQL on Tillpoint's product tables, with DuckDB: one line to start, and the checks that grade SQL answers.

For the learner:

    from tpmkit import sql
    db = sql.connect()            # an in-memory DuckDB database with users, events, orders, payments
    sql.run("SELECT count(*) FROM events")      # any query -> a pandas DataFrame
    %%sql                         # (after connect) a cell of SQL, shown as a table

For exercises, an answer is a SQL string: `self_check(query, name)` prints the shape of its result,
`same_result(query, expected, name, ...)` (the hidden test) compares its result set.

The parts, one module each:

    tables.py     the four product tables in a new DuckDB database (`database`)
    notebook.py   the learner's database: `connect`, `run`, `schema` and `%%sql` cells
    worker.py     the locked-down process that runs an answer (the security boundary)
    checks.py     `self_check` and `same_result`, and how a result set is compared
    pictures.py   the tables and joins diagrams, and the funnel, daily and cohort charts

Lessons, exercises and the grader import only `tpmkit.sql`; the modules are not part of that interface.
"""

from tpmkit.sql.checks import same_result, self_check
from tpmkit.sql.notebook import connect, run, schema
from tpmkit.sql.pictures import cohort_chart, daily_chart, funnel_chart, joins_diagram, tables_diagram
from tpmkit.sql.tables import database

# isort: split
# Outside __all__, but reached as `sql.NAME` by the tests and the SQL bench (`NAME as NAME` marks a
# deliberate re-export).
from tpmkit.sql.checks import MAX_QUERY_CHARS as MAX_QUERY_CHARS
from tpmkit.sql.checks import TIME_LIMIT as TIME_LIMIT
from tpmkit.sql.checks import _result as _result
from tpmkit.sql.notebook import _register_magic as _register_magic
from tpmkit.sql.worker import GRADING_SIZE as GRADING_SIZE
from tpmkit.sql.worker import _Worker as _Worker
from tpmkit.sql.worker import _worker as _worker

__all__ = ["cohort_chart", "connect", "daily_chart", "database", "funnel_chart", "joins_diagram", "run", "same_result",
           "schema", "self_check", "tables_diagram"]
