"""Speed of the SQL exercise at full size: `python -m bench.sql` (wired into `make bench`).

Builds the full-size product database (at least 1,000,000 events), then times each reference query of
exercise 04-sql, read from its solution notebook (`solutions/04-sql/04-sql.ipynb` in the kit, never
shipped inside the package, so the answers stay out of what learners import). Each query's time is the
median of several runs and is printed with its ratio to a baseline measured in the same run: a full
scan that reads every event, `SELECT sum(length(event_name)) FROM events` (a bare `count(*)` or `max`
is answered from table statistics without reading the rows). The target is every reference query
under 0.5 s on this machine; the exit status is 1 if one is slower. It also prints how long the
grading path takes at the lesson size (starting the locked-down worker, then one answer). Tests never
assert on these times.
"""

from __future__ import annotations

import ast
import json
import statistics
import sys
import time
from pathlib import Path

from tpmkit import sql
from tpmkit.errors import KitError

TARGET_SECONDS = 0.5
BASELINE = "SELECT sum(length(event_name)) FROM events"
RUNS = 5
SOLUTION = Path(__file__).resolve().parent.parent / "solutions" / "04-sql" / "04-sql.ipynb"


def reference_queries(path: Path = SOLUTION) -> dict[str, str]:
    """grade_id of each answer cell -> the SQL its solution assigns (`qN_sql = \"\"\"...\"\"\"`)."""
    if not path.is_file():
        raise KitError(f"{path} is missing: run the bench from a checkout of the kit, which has solutions/.")
    queries = {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(
                    node.value.value, str):
                queries[meta["grade_id"]] = node.value.value
    if not queries:
        raise KitError(f"{path.name} has no answer cells that assign a SQL string.")
    return queries


def _median_seconds(db, query: str, runs: int = RUNS) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        rows = len(db.execute(query).fetchall())
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def main(argv: list[str] | None = None) -> int:
    start = time.perf_counter()
    db = sql.database("full")
    built = time.perf_counter() - start
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"SQL bench: full-size database built in {built:.2f} s; events: {events:,} "
          f"(target at least 1,000,000: {'ok' if events >= 1_000_000 else 'TOO FEW'})")
    baseline, _ = _median_seconds(db, BASELINE)
    print(f"baseline {BASELINE!r}: {baseline * 1000:.1f} ms (median of {RUNS})")
    print(f"{'query':<16} {'ms':>8} {'x baseline':>11} {'rows':>5}  target < {TARGET_SECONDS:g} s")
    slow = []
    for gid, query in reference_queries().items():
        seconds, rows = _median_seconds(db, query)
        verdict = "ok" if seconds < TARGET_SECONDS else "SLOW"
        if verdict == "SLOW":
            slow.append(gid)
        print(f"{gid:<16} {seconds * 1000:>8.1f} {seconds / baseline:>11.1f} {rows:>5}  {verdict}")
    start = time.perf_counter()
    sql._result("SELECT 1", "warm_up", sql.TIME_LIMIT)
    started = time.perf_counter() - start
    checks = []
    for query in reference_queries().values():
        start = time.perf_counter()
        sql._result(query, "answer", sql.TIME_LIMIT)
        checks.append(time.perf_counter() - start)
    print(f"grading path (locked-down worker, {sql.GRADING_SIZE} size): worker start {started:.2f} s, "
          f"one answer checked in {statistics.median(checks) * 1000:.1f} ms (median of {len(checks)})")
    ok = not slow and events >= 1_000_000
    print("SQL bench: every reference query is under the target." if ok else
          f"SQL bench: over target or too little data: {', '.join(slow) or 'events'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
