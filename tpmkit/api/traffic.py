"""How the API treats traffic: rate limits per key, faults a lesson switches on, and a record of every call.

The record is what exercises are graded on ("did the client wait as long as Retry-After said?"),
so it keeps plain values only: times in seconds since the server started, methods, paths, statuses.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from tpmkit.errors import KitError


@dataclass(frozen=True)
class Limit:
    requests: int     # allowed per window, per API key
    window: float     # seconds


# The general limit is generous; reports are expensive to build, so they have a tight one.
LIMITS = {"default": Limit(300, 10.0), "reports": Limit(3, 2.0)}


def limit_group(path: str) -> str:
    return "reports" if path.startswith("/v1/reports") else "default"


class RateLimiter:
    """Fixed windows per (key, group), the simplest scheme real APIs use."""

    def __init__(self, clock=time.monotonic, limits: dict[str, Limit] | None = None):
        self.clock, self.limits = clock, dict(limits or LIMITS)
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, group: str) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (allowed, headers to send back)."""
        limit, now = self.limits[group], self.clock()
        with self._lock:
            started, used = self._windows.get((key, group), (now, 0))
            if now - started >= limit.window:
                started, used = now, 0
            allowed = used < limit.requests
            used += allowed
            self._windows[(key, group)] = (started, used)
        reset = max(1, math.ceil(started + limit.window - now))
        headers = {"RateLimit-Limit": str(limit.requests), "RateLimit-Remaining": str(limit.requests - used),
                   "RateLimit-Reset": str(reset)}
        if not allowed:
            headers["Retry-After"] = str(reset)
        return allowed, headers


def _route(route: str) -> tuple[str | None, str]:
    method, _, path = route.strip().rpartition(" ")
    if not path.startswith("/"):
        raise KitError(f"A route looks like 'POST /v1/payments' or '/v1/customers', not {route!r}.")
    return (method.upper() or None), path


@dataclass
class _Fault:
    method: str | None
    path: str
    left: int
    status: int = 0          # answer with this status instead of running the request
    seconds: float = 0.0     # or run it, then hold the response this long
    retry_after: int | None = None
    http_date: bool = False  # send Retry-After as the moment to retry (an HTTP-date), not as seconds

    def retry_after_header(self, now: float) -> str | None:
        """The Retry-After value this fault sends at Unix time `now`, or None when it sends none."""
        if self.retry_after is None:
            return None
        if not self.http_date:
            return str(self.retry_after)
        # An HTTP-date has whole seconds: round up, so the date is never sooner than `retry_after` from now.
        moment = datetime.fromtimestamp(math.ceil(now) + self.retry_after, timezone.utc)
        return format_datetime(moment, usegmt=True)


class Faults:
    """Deterministic trouble for lessons: the next N matching requests fail or are slow."""

    def __init__(self):
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()

    def fail(self, route: str, status: int = 503, count: int = 1, retry_after: int | None = 1,
             http_date: bool = False) -> None:
        """The next `count` requests to `route` get `status` (default 503, with Retry-After) without running.

        `retry_after` is the wait in whole seconds (None sends no Retry-After). With `http_date=True` the
        header says it the other way RFC 9110 allows: the date and time after which to retry."""
        if status not in (500, 502, 503, 504):
            raise KitError(f"A fault's status is 500, 502, 503 or 504, not {status!r}.")
        if retry_after is not None and (not isinstance(retry_after, int) or isinstance(retry_after, bool)
                                        or not 0 <= retry_after <= 600):
            raise KitError(f"retry_after is a whole number of seconds from 0 to 600 (or None), not {retry_after!r}.")
        if not isinstance(http_date, bool):
            raise KitError(f"http_date is True (send Retry-After as a date) or False (as seconds), not {http_date!r}.")
        if http_date and retry_after is None:
            raise KitError("http_date=True sends Retry-After as a date, so it needs retry_after in seconds too.")
        self._add(_Fault(*_route(route), left=self._count(count), status=status, retry_after=retry_after,
                         http_date=http_date))

    def slow(self, route: str, seconds: float, count: int = 1) -> None:
        """The next `count` requests to `route` run, but their responses are held back `seconds`."""
        if not isinstance(seconds, (int, float)) or not 0 < seconds <= 30:
            raise KitError(f"A slow response waits between 0 and 30 seconds, not {seconds!r}.")
        self._add(_Fault(*_route(route), left=self._count(count), seconds=float(seconds)))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @staticmethod
    def _count(count) -> int:
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            raise KitError(f"count is how many requests the fault affects, a whole number from 1 to 1000, "
                           f"not {count!r}.")
        return count

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> _Fault | None:
        """The fault that applies to this request, if any, counting it as used."""
        with self._lock:
            for fault in self._faults:
                if fault.left > 0 and fault.method in (None, method) and path.startswith(fault.path):
                    fault.left -= 1
                    return fault
        return None


class RequestLog:
    """Every request the server answered, in order, as plain dicts."""

    def __init__(self, clock=time.monotonic):
        self.clock, self.started = clock, clock()
        self._rows: list[dict] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return round(self.clock() - self.started, 4)

    def add(self, **row) -> None:
        with self._lock:
            self._rows.append({"n": len(self._rows) + 1, **row})

    def rows(self, path: str | None = None, method: str | None = None) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rows
                    if (path is None or r["path"].startswith(path)) and (method is None or r["method"] == method)]


def retry_report(rows: list[dict], tolerance: float = 0.05) -> dict:
    """How a client behaved under rate limits, from the server's record of its requests.

    `early_retries` counts requests sent before the Retry-After of the previous 429 or 503 (to the same
    key) had passed; `months_fetched` the distinct report paths that were answered 200.
    """
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise KitError("retry_report needs the server's record: a list of request dicts, such as shop.requests().")
    wait_until: dict[str, float] = {}
    early, fetched = 0, set()
    for row in sorted(rows, key=lambda r: r.get("n", 0)):
        key, at = row.get("key") or "", float(row.get("sent", 0.0))
        if at + tolerance < wait_until.get(key, -math.inf):
            early += 1
        if row.get("status") in (429, 503) and row.get("retry_after") is not None:
            wait_until[key] = at + float(row["retry_after"])
        if row.get("status") == 200:
            fetched.add(row.get("path"))
    return {"months_fetched": len(fetched), "early_retries": early}
