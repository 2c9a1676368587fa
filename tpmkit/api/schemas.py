"""What the Tillpoint API answers, written as models for its OpenAPI description (what /docs shows).

These models only document: the handlers in tpmkit.api.app still build plain dicts, so a response is
never filtered or re-validated on its way out (a customer pinned to an older Tillpoint-Version, for
example, has `name` where the description, which is for the latest version, says `business_name`).
tests/browser/test_api_docs.py checks real responses against these schemas, so the two cannot drift apart.

`responses(...)` builds one operation's documented answers: its success, the errors every /v1 call can
get (a bad key, a rate limit, an outage), and the ones that operation adds, each listing the error
`code`s that come with that status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tpmkit.api.webhooks import EVENT_TYPES

EventType = Literal[EVENT_TYPES]  # a tuple subscript is the same as listing them: one list of event types


class ErrorDetail(BaseModel):
    type: Literal["invalid_request_error", "authentication_error", "permission_error", "rate_limit_error",
                  "api_error"] = Field(description="the kind of problem")
    code: str = Field(description="what exactly went wrong, for code to act on, e.g. `rate_limited`")
    message: str = Field(description="the same, for people")


class Error(BaseModel):
    """Every error answer, whatever its status."""

    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]


class Customer(BaseModel):
    """A shop using Tillpoint (Tillpoint-Version 2026-07-01; pinned to 2026-01-01, `business_name` is `name`)."""

    id: str = Field(pattern=r"^cus_\d{4}$")
    object: Literal["customer"]
    business_name: str
    city: str
    plan: Literal["starter", "pro"]
    created: datetime


class CustomerList(BaseModel):
    object: Literal["list"]
    data: list[Customer]
    has_more: bool = Field(description="true when there are more: ask again with starting_after = the last id")


class Payment(BaseModel):
    id: str = Field(pattern=r"^pay_\d{5}$")
    object: Literal["payment"]
    amount: int = Field(description="in pence")
    currency: Literal["gbp"]
    customer: str
    status: Literal["succeeded", "failed"]
    order: str | None = Field(description="the shop's own order reference, if it sent one")
    refunded: int = Field(description="pence refunded so far")
    created: datetime


class PaymentList(BaseModel):
    object: Literal["list"]
    data: list[Payment]
    page: int
    per_page: int


class Refund(BaseModel):
    id: str = Field(pattern=r"^re_\d{5}$")
    object: Literal["refund"]
    payment: str
    amount: int = Field(description="in pence")
    created: datetime


class SettlementReport(BaseModel):
    object: Literal["settlement_report"]
    month: str = Field(description="YYYY-MM")
    gross: int = Field(description="card payments taken, in pence")
    fees: int = Field(description="Tillpoint's fees, in pence")
    net: int = Field(description="paid out to the shop: gross - fees, in pence")


class WebhookEndpoint(BaseModel):
    id: str = Field(pattern=r"^we_\d{3}$")
    object: Literal["webhook_endpoint"]
    url: str
    events: list[EventType]
    secret: str = Field(description="signs every delivery (Tillpoint-Signature); keep it secret")


class Event(BaseModel):
    id: str = Field(pattern=r"^evt_\d{5}$")
    object: Literal["event"]
    type: EventType
    created: datetime
    data: Payment | Refund = Field(description="the payment (payment.succeeded) or refund (refund.created)")


class EventList(BaseModel):
    object: Literal["list"]
    data: list[Event]
    has_more: bool


class Message(BaseModel):
    object: Literal["message"]
    status: Literal["queued"]
    customer: str
    channel: Literal["sms", "email"]


# --- documented answers ------------------------------------------------------------------------------

def header(description: str, kind: str = "integer") -> dict:
    return {"description": description, "schema": {"type": kind}}


RATE_HEADERS = {"RateLimit-Limit": header("requests allowed per window, for this key"),
                "RateLimit-Remaining": header("requests left in this window"),
                "RateLimit-Reset": header("seconds until the window starts again")}
VERSION_HEADER = {"Tillpoint-Version": header("the API version that answered", "string")}
# RFC 9110 section 10.2.3: Retry-After is a number of seconds or an HTTP-date. A 429 from Tillpoint always
# sends seconds; a 503 may send either, so a client must read both (tpmkit.api.retry_after_seconds does).
RETRY_AFTER_SECONDS = {"Retry-After": header("whole seconds to wait before sending the request again")}
RETRY_AFTER_EITHER = {"Retry-After": header("how long to wait before trying again: whole seconds (`2`), or the "
                                            "HTTP-date after which to retry (`Wed, 01 Jul 2026 09:30:02 GMT`)",
                                            "string")}

_MEANING = {
    400: "Bad request: fix it before sending it again.",
    401: "Not authenticated: no API key, or one Tillpoint does not know. Click Authorize and paste your key.",
    403: "Authenticated but not allowed: the read-only key may not make changes.",
    404: "Not found.",
    413: "The request body is over 64 KB.",
    422: "Understood, but the content breaks a rule: change it before sending it again.",
    429: "Too many requests: wait Retry-After seconds, then send the same request again.",
    500: "Tillpoint failed. Retry later (a POST only with the same Idempotency-Key).",
    503: "Tillpoint is briefly unavailable: wait as long as Retry-After says (seconds, or until a date), "
         "then retry.",
    "5XX": "Another server or gateway failure (502, 504): retry later, with back-off.",
}
_HEADERS = {401: {"WWW-Authenticate": header("how to authenticate: Bearer", "string")},
            429: {**RETRY_AFTER_SECONDS, **RATE_HEADERS}, 503: RETRY_AFTER_EITHER}
# What any /v1 call can get (tpmkit.api.app's middleware answers these before the operation runs).
_EVERY_CALL = {400: ("unsupported_version",), 401: ("missing_api_key", "invalid_api_key"), 429: ("rate_limited",),
               500: ("internal_error", "service_unavailable"), 503: ("service_unavailable",),
               "5XX": ("service_unavailable",)}
# ... and what any call that sends a body (a change) can get as well.
_EVERY_WRITE = {400: ("invalid_json",), 403: ("read_only_key",), 413: ("body_too_large",)}


def responses(status: int, model: type[BaseModel], description: str, errors: dict | None = None, *,
              write: bool = False, headers: dict | None = None) -> dict:
    """One operation's answers for FastAPI's `responses=`: success, then every error status it can give."""
    out: dict = {status: {"model": model, "description": description,
                          "headers": {**RATE_HEADERS, **VERSION_HEADER, **(headers or {})}}}
    codes: dict = {}
    for extra in (_EVERY_CALL, _EVERY_WRITE if write else {}, errors or {}):
        for code, names in extra.items():
            codes[code] = codes.get(code, ()) + tuple(n for n in names if n not in codes.get(code, ()))
    for code in sorted(codes, key=str):
        listed = ", ".join(f"`{name}`" for name in codes[code])
        out[code] = {"model": Error, "description": f"{_MEANING[code]} Error codes: {listed}.",
                     **({"headers": _HEADERS[code]} if code in _HEADERS else {})}
    return out
