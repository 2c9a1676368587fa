"""tpmkit.sql: the learner's database and `%%sql`, the visible self-check (shape only), the hidden result-set
comparison, and the locked-down worker that runs anyone's SQL: every refusal is proven here."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import sql
from tpmkit.data.product import TABLES
from tpmkit.errors import CheckFailed, KitError


@pytest.fixture(scope="module")
def db():
    return sql.database("small")


# --- the database -----------------------------------------------------------------------------------

def test_database_has_the_four_tables_with_their_types(db):
    rows = db.execute("SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall()
    got = {}
    for table, column, kind in rows:
        got.setdefault(table, {})[column] = kind
    assert got == TABLES


def test_nulls_arrive_as_sql_null(db):
    nulls = db.execute("SELECT count(*) FILTER (WHERE user_id IS NULL), "
                       "(SELECT count(*) FILTER (WHERE refunded_gbp IS NULL) FROM payments) FROM orders").fetchone()
    assert nulls[0] > 0 and nulls[1] > 0
    assert db.execute("SELECT count(*) FROM users WHERE channel = NULL").fetchone() == (0,)


def test_connect_and_run_return_dataframes():
    conn = sql.connect("small")
    assert isinstance(conn, duckdb.DuckDBPyConnection)
    frame = sql.run("SELECT count(*) AS n FROM users")
    assert isinstance(frame, pd.DataFrame) and frame["n"].iloc[0] == 400
    fr = sql.run("SELECT count(*) AS n FROM users WHERE country = ?", ["FR"])
    assert 0 < fr["n"].iloc[0] < 400
    assert list(sql.schema()["table"].unique()) == sorted(TABLES)
    sql.run("CREATE TABLE scratch AS SELECT 1 AS x")  # a learner may make tables of their own
    assert sql.run("SELECT x FROM scratch")["x"].tolist() == [1]
    sql.connect("lesson")  # leave the default database for later tests


@pytest.mark.parametrize(("args", "phrase"), [
    (("",), "needs the SQL as text"),
    ((42,), "needs the SQL as text"),
    (("SELECT 1", "FR"), "params should be a list"),
    (("SELEC 1",), "The query did not run: Parser Error"),
    (("SELECT nope FROM users",), "The query did not run: Binder Error"),
])
def test_run_answers_bad_input_in_one_sentence(args, phrase):
    with pytest.raises(KitError, match=phrase) as info:
        sql.run(*args)
    assert "\n" not in str(info.value)


def test_bad_database_options():
    with pytest.raises(KitError, match="size must be one of"):
        sql.database("huge")
    with pytest.raises(KitError, match="threads must be"):
        sql.database("small", threads=0)


class FakeShell:
    def __init__(self):
        self.user_ns, self.magics = {}, {}

    def register_magic_function(self, func, magic_kind, magic_name):
        self.magics[(magic_kind, magic_name)] = func


def test_sql_cell_magic(monkeypatch):
    import IPython

    shell = FakeShell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert sql._register_magic()
    cell = shell.magics[("cell", "sql")]
    shown = cell("", "SELECT 2 AS two")
    assert shown["two"].tolist() == [2] and not shell.user_ns
    kept = cell("funnel ", "SELECT 3 AS three")
    assert shell.user_ns["funnel"] is kept
    with pytest.raises(KitError, match="must be a Python name"):
        cell("not a name", "SELECT 1")


# --- the visible self-check: shape only -----------------------------------------------------------------

def test_self_check_prints_the_shape_never_the_values(capsys):
    sql.self_check("SELECT 'Tillpoint' AS company, 4242 AS magic UNION ALL SELECT 'x', 1", "q1_sql")
    out = capsys.readouterr().out
    assert "2 rows" in out and "2 columns (company, magic)" in out
    assert "4242" not in out and "Tillpoint" not in out


TEN_THOUSAND = "SELECT range AS i FROM range(10000)"


@pytest.mark.parametrize(("query", "phrase"), [
    ("", "is empty"),
    ("   \n  ", "is empty"),
    ("-- just a comment", "holds no SQL statement"),
    (None, "is not set yet"),
    (42, "should be text"),
    ("SELECT 1; SELECT 2", "holds 2 SQL statements"),
    ("SELECT 1; DROP TABLE users", "holds 2 SQL statements"),
    ("CREATE TABLE x AS SELECT 1", "is a CREATE statement"),
    ("DROP TABLE users", "is a DROP statement"),
    ("DELETE FROM users", "is a DELETE statement"),
    ("INSERT INTO users (user_id) VALUES (0)", "is an INSERT statement"),
    ("UPDATE users SET plan = 'pro'", "is an UPDATE statement"),
    ("COPY users TO '/tmp/tpmkit-users.csv'", "is a COPY statement"),
    ("EXPORT DATABASE '/tmp/tpmkit-export'", "is an EXPORT statement"),
    ("ATTACH '/tmp/tpmkit.duckdb' AS other", "is an ATTACH statement"),
    ("INSTALL httpfs", "is an INSTALL statement"),
    ("LOAD httpfs", "is a LOAD statement"),
    ("SET enable_external_access = true", "is a SET statement"),
    ("RESET lock_configuration", "is a RESET statement"),
    ("PRAGMA enable_profiling", "is a PRAGMA statement"),
    ("CALL pragma_version()", "is a CALL statement"),
    ("PIVOT users ON plan", "is a PIVOT statement"),
    ("SELEC 1", "has a syntax error: Parser Error"),
    ("SELECT nope FROM users", "does not run: Binder Error"),
    ("SELECT * FROM read_csv('/etc/passwd')", "tries to reach files, the network or settings"),
    ("SELECT * FROM read_text('/etc/hostname')", "tries to reach files, the network or settings"),
    ("SELECT * FROM glob('/*')", "tries to reach files, the network or settings"),
    ("SELECT * FROM '/etc/passwd'", "does not run"),
    ("SELECT * FROM read_parquet('https://example.com/x.parquet')", "tries to reach files, the network"),
    ("SELECT * FROM query('INSTALL httpfs')", "does not run"),
    (TEN_THOUSAND, "returns more than 1,000 rows"),
    ("SELECT 1 AS x" + " " * sql.MAX_QUERY_CHARS, "characters long"),
])
def test_every_refusal_is_one_line_saying_which_problem(query, phrase):
    with pytest.raises(CheckFailed) as info:
        sql.self_check(query, "q_sql")
    message = str(info.value)
    assert phrase in message and message.startswith("q_sql") and "\n" not in message


def test_settings_stay_locked_inside_a_select():
    # Even read-only functions cannot switch file access back on, and the setting reads as off.
    cols, rows = sql._result("SELECT current_setting('enable_external_access') AS ext, "
                             "current_setting('lock_configuration') AS locked", "q", 5)
    assert rows == [[False, True]]


def test_a_query_that_runs_forever_is_stopped_and_the_next_one_runs():
    with pytest.raises(CheckFailed, match="ran for more than 0.5 s and was stopped"):
        sql.self_check("SELECT count(*) FROM range(1000000) AS a, range(1000000) AS b", "q_sql", time_limit=0.5)
    with pytest.raises(CheckFailed, match="ran for more than 0.5 s"):
        sql.same_result("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) AS n FROM r",
                        [{"n": 1}], "q_sql", time_limit=0.5)
    sql.same_result("SELECT 1 AS one", [{"one": 1}], "q_sql")


def test_a_memory_bomb_costs_only_its_own_check():
    with pytest.raises(CheckFailed, match="too much memory"):
        sql.self_check("SELECT repeat('x', 100000000) AS s FROM range(100)", "q_sql")
    with pytest.raises(CheckFailed, match="too much memory"):
        sql.self_check("SELECT list(range) AS l FROM range(300000000)", "q_sql")
    sql.same_result("SELECT 2 AS two", [{"two": 2}], "q_sql")


def test_a_dead_worker_is_replaced():
    sql.same_result("SELECT 1 AS one", [{"one": 1}], "q_sql")
    sql._worker.proc.kill()
    sql._worker.proc.wait()
    sql.same_result("SELECT 1 AS one", [{"one": 1}], "q_sql")


def test_a_worker_that_cannot_start_says_so():
    broken = sql._Worker("no-such-size")
    with pytest.raises(KitError, match="could not start"):
        broken.ask("SELECT 1", 1.0, 10)


def test_answers_run_on_the_grading_database_not_the_learners():
    sql.connect("small")
    try:
        sql.same_result("SELECT count(*) AS n FROM users", [{"n": 2500}], "q_sql")
    finally:
        sql.connect("lesson")


# --- the hidden check: result sets ---------------------------------------------------------------------

BY_COUNTRY = "SELECT country, count(*) AS users FROM users WHERE country IN ('GB', 'FR') GROUP BY country"


def test_column_order_case_and_row_order_do_not_matter():
    expected = [dict(zip(r, v, strict=True)) for r, v in
                [(("country", "users"), tuple(x)) for x in sql._result(BY_COUNTRY, "q", 5)[1]]]
    sql.same_result(BY_COUNTRY + " ORDER BY users", expected, "q_sql")
    sql.same_result(BY_COUNTRY + " ORDER BY users DESC", expected, "q_sql")
    sql.same_result("SELECT count(*) AS USERS, country AS Country FROM users WHERE country IN ('GB', 'FR') "
                    "GROUP BY country", expected, "q_sql")


def test_order_matters_only_when_asked():
    expected = [{"n": 1}, {"n": 2}, {"n": 3}]
    sql.same_result("SELECT range AS n FROM range(1, 4) ORDER BY n DESC", expected, "q_sql")
    sql.same_result("SELECT range AS n FROM range(1, 4) ORDER BY n", expected, "q_sql", ordered=True)
    with pytest.raises(CheckFailed, match="right rows in the wrong order"):
        sql.same_result("SELECT range AS n FROM range(1, 4) ORDER BY n DESC", expected, "q_sql", ordered=True)


def test_numbers_within_the_stated_tolerance():
    sql.same_result("SELECT 12.34 AS pct", [{"pct": 12.3}], "q_sql", tolerance=0.05)
    sql.same_result("SELECT 10 AS n", [{"n": 10.0}], "q_sql")
    with pytest.raises(CheckFailed, match="values in pct are not right yet"):
        sql.same_result("SELECT 12.34 AS pct", [{"pct": 12.3}], "q_sql")
    with pytest.raises(CheckFailed, match="values in pct"):
        sql.same_result("SELECT 12.4 AS pct", [{"pct": 12.3}], "q_sql", tolerance=0.05)


def test_dates_nulls_and_types():
    sql.same_result("SELECT date_trunc('month', DATE '2026-03-15') AS month", [{"month": "2026-03-01"}], "q_sql")
    sql.same_result("SELECT DATE '2026-03-01' AS month", [{"month": "2026-03-01"}], "q_sql")
    sql.same_result("SELECT TIMESTAMP '2026-03-31 16:42:10' AS t", [{"t": "2026-03-31 16:42:10"}], "q_sql")
    sql.same_result("SELECT CAST(19.99 AS DECIMAL(10,2)) AS gbp", [{"gbp": 19.99}], "q_sql")
    sql.same_result("SELECT NULL AS channel", [{"channel": None}], "q_sql")
    for query in ("SELECT '1' AS n", "SELECT true AS n", "SELECT NULL AS n"):
        with pytest.raises(CheckFailed, match="values in n"):
            sql.same_result(query, [{"n": 1}], "q_sql")
    with pytest.raises(CheckFailed, match="values in month"):
        sql.same_result("SELECT TIMESTAMP '2026-03-01 00:00:01' AS month", [{"month": "2026-03-01"}], "q_sql")


def test_failure_messages_say_which_problem_and_never_the_expected_values():
    expected = [{"step": "signup", "users": 7919}, {"step": "first_sale", "users": 3571}]
    cases = [
        ("SELECT 'signup' AS step, 7919 AS people", "wrong columns (missing users; not asked for: people)"),
        ("SELECT 'signup' AS step", "wrong columns (missing users)"),
        ("SELECT 'signup' AS step, 1 AS users, 2 AS Users", "more than one column named users"),
        ("SELECT 'signup' AS step, 7919 AS users", "returns 1 row, which is not the number of rows"),
        ("SELECT * FROM (VALUES ('signup', 7919), ('first_sale', 3570)) AS t(step, users)", "values in users"),
        ("SELECT * FROM (VALUES ('signup', 3571), ('first_sale', 7919)) AS t(step, users)",
         "not paired up in the right rows"),
        ("SELECT * FROM (VALUES ('signup', 7919), ('first sale', 3571)) AS t(step, users)", "values in step"),
    ]
    for query, phrase in cases:
        with pytest.raises(CheckFailed) as info:
            sql.same_result(query, expected, "q5_sql", hint="Count users.")
        message = str(info.value)
        assert phrase in message, (query, message)
        assert message.endswith("Count users.") and "\n" not in message
        assert "3571" not in message and "7919" not in message and "first_sale" not in message


def test_a_lying_answer_is_refused():
    class Sneaky(str):
        def __eq__(self, other):
            return True

    with pytest.raises(CheckFailed, match="should be text"):
        sql.same_result(Sneaky("SELECT 1 AS x"), [{"x": 1}], "q_sql")


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"expected": []}, "expected must be a non-empty list of rows"),
    ({"expected": [{"a": 1}, {"b": 2}]}, "same columns"),
    ({"expected": "rows"}, "expected must be a non-empty list of rows"),
    ({"tolerance": -1}, "tolerance must be a number"),
    ({"time_limit": 0}, "time_limit must be a number of seconds"),
    ({"time_limit": 600}, "time_limit must be a number of seconds"),
])
def test_same_result_refuses_bad_arguments(kwargs, phrase):
    args = {"expected": [{"a": 1}], **kwargs}
    with pytest.raises(KitError, match=phrase):
        sql.same_result("SELECT 1 AS a", args.pop("expected"), "q_sql", **args)


# --- pictures -------------------------------------------------------------------------------------------

def test_pictures_are_figures_and_refuse_the_wrong_frame():
    assert isinstance(sql.tables_diagram(), Figure)
    assert isinstance(sql.joins_diagram(), Figure)
    funnel = pd.DataFrame({"step": ["signup", "first_sale"], "users": [100, 40]})
    assert isinstance(sql.funnel_chart(funnel), Figure)
    daily = pd.DataFrame({"day": pd.to_datetime(["2026-03-11", "2026-03-12"]), "events": [5, 9], "users": [2, 2]})
    assert isinstance(sql.daily_chart(daily), Figure)
    assert isinstance(sql.daily_chart(daily, "events", mark="2026-03-12"), Figure)
    cohorts = pd.DataFrame({"cohort_month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
                            "months_after": [0, 1, 0], "retention_pct": [100.0, 55.5, 100.0]})
    assert isinstance(sql.cohort_chart(cohorts), Figure)
    with pytest.raises(KitError, match="needs a DataFrame"):
        sql.funnel_chart([("signup", 100)])
    with pytest.raises(KitError, match="has no users"):
        sql.funnel_chart(funnel.rename(columns={"users": "events"}))
    with pytest.raises(KitError, match="empty result"):
        sql.funnel_chart(funnel.iloc[:0])
    with pytest.raises(KitError, match="not one of the days"):
        sql.daily_chart(daily, mark="2026-04-01")
    with pytest.raises(KitError, match="has no cohort_month"):
        sql.cohort_chart(daily)


def test_a_failed_result_says_what_it_produced_in_one_form_whatever_the_query_text():
    """The grader's diagnosis compares what a wrong query returns, not how it is written."""
    expected = [{"n": 1}, {"n": 2}, {"n": 3}]
    produced = []
    for query in ("SELECT range AS n, 'x' AS Tag FROM range(2)",
                  "select 'x' as tag, n from (values (1), (0)) t(n)"):
        with pytest.raises(CheckFailed) as failed:
            sql.same_result(query, expected, "q_sql")
        produced.append(failed.value.produced)
    assert produced[0] == produced[1] == {"columns": ["n", "tag"], "rows": [[0, "x"], [1, "x"]]}
    with pytest.raises(CheckFailed) as ordered:
        sql.same_result("SELECT 2 - range AS n FROM range(3)", expected, "q_sql", ordered=True)
    assert ordered.value.produced["rows"] == [[2], [1], [0]], "an ordered question keeps the answer's order"
