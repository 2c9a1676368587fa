"""The locked-down worker process that runs a learner's SQL for the checks: a security boundary.

The checks may be handed anyone's SQL (the grader runs them in its own process), so the query runs in a
separate worker process that holds its own copy of the lesson-size tables in a locked-down DuckDB
database: no files or network (`enable_external_access = false`), no extensions, no spilling to disk, a
memory limit, two threads, configuration locked, a time limit (the worker interrupts the query; the
caller kills the worker if even that does not stop it), a cap on the rows fetched, and an address-space
limit on the worker, so a query that builds enormous strings ends the worker rather than the grader. A
new worker starts on the next call. (That the query is one SELECT is vetted before it gets here, by
`tpmkit.sql.checks`.)
"""

from __future__ import annotations

import atexit
import datetime as dt
import decimal
import json
import math
import os
import queue
import subprocess
import sys
import threading

import duckdb

from tpmkit.errors import KitError
from tpmkit.sql.tables import _first_line, database

GRADING_SIZE = "lesson"      # the database exercises are graded on (the same one `connect()` gives)
MAX_REPLY_CHARS = 2_000_000  # JSON the worker may send back for one query
WORKER_MEMORY = 3 * 1024**3  # address space of the worker process (bytes)
WORKER_START_SECONDS = 120

# The worker process's program. Not `-m tpmkit.sql.worker`, which would load this module twice (once for the
# package, once as __main__).
_SERVE = "from tpmkit.sql.worker import _serve; _serve()"


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
        self.proc = subprocess.Popen([sys.executable, "-c", _SERVE, self.size],
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


_worker = _Worker()  # shared by every check in this Python process
atexit.register(_worker.stop)
