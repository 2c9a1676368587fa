"""What an API's answer tells its client to do next: how long Retry-After says to wait.

RFC 9110 section 10.2.3 gives Retry-After two forms: a number of seconds (`Retry-After: 2`, its
"delay-seconds") or an HTTP-date, the moment after which to try again (`Retry-After: Wed, 01 Jul 2026
09:30:02 GMT`). A client written for the first form alone, `int(response.headers["Retry-After"])`,
crashes on the second. This reads both:

    from tpmkit import api
    wait = api.retry_after_seconds(response)   # 2.0; or the seconds until that date; None without one
    time.sleep(wait)

A date is measured from the response's own `Date` header when it has one (the server's clock, so a
learner's clock that is a little wrong does not matter), else from this computer's clock; a date
already past means "now" (0 seconds). An answer without Retry-After, or with one that is neither form,
gives None: the server did not say, so the client backs off on its own (exponentially, with jitter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from tpmkit.errors import KitError

__all__ = ["parse_retry_after", "retry_after_seconds"]

_DELAY_SECONDS = re.compile(r"[0-9]+")  # RFC 9110: delay-seconds = 1*DIGIT


def _http_date(value: str) -> datetime | None:
    """An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms RFC 9110 asks recipients to read)."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # HTTP-dates are always GMT; the asctime form carries no zone, so Python leaves it naive.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def parse_retry_after(value: str | None, now: datetime) -> tuple[float, str] | None:
    """(seconds to wait from `now`, "seconds" or "date") for a Retry-After value, or None if it is neither form."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(int(value)), "seconds"
    moment = _http_date(value)
    if moment is None:
        return None
    return max(0.0, (moment - now).total_seconds()), "date"


def _headers(response) -> Mapping:
    headers = getattr(response, "headers", response)
    if not isinstance(headers, Mapping) and not hasattr(headers, "get"):
        raise KitError("retry_after_seconds takes an HTTP response (from requests or httpx) or its headers, "
                       f"not {type(response).__name__}.")
    return headers


def _header(headers: Mapping, name: str) -> str | None:
    value = headers.get(name)
    if value is None and isinstance(headers, dict):  # a plain dict is case-sensitive; HTTP names are not
        value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name.lower()), None)
    return value if isinstance(value, str) else None


def retry_after_seconds(response) -> float | None:
    """How many seconds the answer's Retry-After says to wait (either form), or None when it does not say.

    `response` is a response from `requests` or `httpx` (or just its headers)."""
    headers = _headers(response)
    value = _header(headers, "Retry-After")
    if value is None:
        return None
    now = _http_date(_header(headers, "Date") or "") or datetime.now(timezone.utc)
    parsed = parse_retry_after(value, now)
    return None if parsed is None else parsed[0]
