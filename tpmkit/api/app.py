"""The Tillpoint API as a FastAPI application: what a real payments API does, on 127.0.0.1.

Every answer is JSON, errors included (`{"error": {"type", "code", "message"}}`), with the status
code HTTP defines for it (RFC 9110; 429 from RFC 6585): a request that is itself wrong (a body that is not
JSON, a query parameter out of range) is 400; a well-formed JSON body whose content breaks a rule is 422
(RFC 9110 section 15.5.21 is about the request's content). Requests carry an API key, may pin an API
version, are rate limited per key, may carry an Idempotency-Key on POST, and are recorded so a
lesson or a grader can see how a client behaved. `/docs` serves the OpenAPI description with
Swagger UI from files inside the kit, so it works offline; its Authorize button takes the key (the
description's `apiKey` security scheme, HTTP Bearer), so "Try it out" works on every /v1 operation.
The answers each operation documents, errors included, are in tpmkit.api.schemas.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import datetime, timezone
from importlib import resources
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tpmkit.api import schemas, webhooks
from tpmkit.api.client import parse_retry_after
from tpmkit.api.schemas import responses
from tpmkit.api.store import REPORT_MONTHS, Store, settlement_report
from tpmkit.api.traffic import Faults, RateLimiter, RequestLog, limit_group

SECRET_KEY = "sk_test_tillpoint"  # noqa: S105 - the local teaching API's published demo key
READONLY_KEY = "rk_test_readonly"
KEYS = {SECRET_KEY: "full", READONLY_KEY: "read_only"}
VERSIONS = ("2026-01-01", "2026-07-01")  # 2026-07-01 renamed a customer's `name` to `business_name`
LATEST = VERSIONS[-1]
MAX_BODY_BYTES = 64 * 1024
# Bugs a lesson can plant in a build, so that acceptance criteria have something to catch.
KNOWN_BUGS = frozenset({"refund_over_amount", "refund_failed_payment"})
SECURITY_SCHEME = "apiKey"  # its name in the OpenAPI description (tpmkit.openapi_diff uses the same)

# The middleware checks the key; this dependency only tells the OpenAPI description how the key travels,
# which is what gives Swagger UI its Authorize button (it never refuses a request itself).
_bearer = HTTPBearer(auto_error=False, scheme_name=SECURITY_SCHEME,
                     description=f"Your API key: `{SECRET_KEY}`, or the read-only `{READONLY_KEY}`. "
                                 "Paste the key alone: Swagger UI sends `Authorization: Bearer <key>`.")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "invalid_request_error", 405: "invalid_request_error", 409: "idempotency_error",
          413: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error"}


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    kind = _TYPES.get(status, "api_error")
    return JSONResponse({"error": {"type": kind, "code": code, "message": message}}, status, headers=headers)


class PaymentIn(BaseModel):
    amount: int = Field(ge=50, le=1_000_000, description="in pence: 2450 is £24.50")
    customer: str = Field(pattern=r"^cus_\d{4}$", description="the shop taking the payment")
    order: str | None = Field(default=None, max_length=64, description="the shop's own order reference")


class RefundIn(BaseModel):
    payment: str = Field(pattern=r"^pay_\d{5}$")
    amount: int = Field(ge=1, le=1_000_000, description="in pence; at most what is left to refund")


class WebhookEndpointIn(BaseModel):
    url: str = Field(max_length=200, description="where to deliver events; must be on 127.0.0.1 in this course")
    events: list[schemas.EventType] = Field(min_length=1)


class MessageIn(BaseModel):
    customer: str = Field(pattern=r"^cus_\d{4}$")
    channel: Literal["sms", "email"]
    text: str = Field(min_length=1, max_length=1000)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _versioned(customer: dict, version: str) -> dict:
    if version >= "2026-07-01":
        return dict(customer)
    old = {k: v for k, v in customer.items() if k != "business_name"}
    return {"id": old.pop("id"), "object": "customer", "name": customer["business_name"], **old}


def _link_header(base: str, page: int, per_page: int, last: int) -> str:
    links = []
    if page < last:
        links.append(f'<{base}?page={page + 1}&per_page={per_page}>; rel="next"')
    links.append(f'<{base}?page={last}&per_page={per_page}>; rel="last"')
    if page > 1:
        links.append(f'<{base}?page={page - 1}&per_page={per_page}>; rel="prev"')
        links.append(f'<{base}?page=1&per_page={per_page}>; rel="first"')
    return ", ".join(links)


def create_app(store: Store | None = None, *, bugs: frozenset[str] | set[str] = frozenset(),
               limiter: RateLimiter | None = None, deliver_webhooks: bool = True) -> FastAPI:
    """A fresh API with its own state. `bugs` plants known defects (see KNOWN_BUGS) for lessons.

    `deliver_webhooks=False` (the grader's copy) records events but never calls a URL a learner gave."""
    unknown = set(bugs) - KNOWN_BUGS
    if unknown:
        from tpmkit.errors import KitError
        raise KitError(f"Unknown planted bug {sorted(unknown)[0]!r}; known: {', '.join(sorted(KNOWN_BUGS))}.")
    app = FastAPI(title="Tillpoint API", version=LATEST, docs_url=None, redoc_url=None,
                  description="Payments and customer messaging for small shops. Amounts are in pence. "
                              f"Every /v1 call needs an API key: click **Authorize** and paste `{SECRET_KEY}` "
                              f"(or the read-only `{READONLY_KEY}`); code sends `Authorization: Bearer <key>`. "
                              "Pin a version with the `Tillpoint-Version` header (2026-01-01 or 2026-07-01; "
                              "this page describes 2026-07-01). Every error is JSON: "
                              '`{"error": {"type", "code", "message"}}`. Rate limits: 300 requests per 10 '
                              "seconds per key, 3 per 2 seconds for reports; a 429 says how long to wait in "
                              "Retry-After.")
    app.state.store = store or Store()
    app.state.bugs = frozenset(bugs)
    app.state.limiter = limiter or RateLimiter()
    app.state.faults = Faults()
    app.state.log = RequestLog()
    app.state.deliveries = []
    app.state.deliver_webhooks = deliver_webhooks
    app.state.tasks = set()
    app.mount("/static", StaticFiles(directory=str(resources.files("fastapi_offline") / "static")), name="static")
    _add_traffic_middleware(app)
    _add_error_handlers(app)
    _add_routes(app)
    _describe_only_real_errors(app)
    return app


def _describe_only_real_errors(app: FastAPI) -> None:
    """FastAPI documents a 422 in its own shape on every operation with parameters; Tillpoint never sends one.

    Each operation that can answer 422 documents it (in the Error shape) itself, so drop FastAPI's."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = build()  # FastAPI keeps it in app.openapi_schema: edit it in place, once
            fastapi_shape = {"$ref": "#/components/schemas/HTTPValidationError"}
            for item in doc["paths"].values():
                for operation in item.values():
                    answer = operation["responses"].get("422", {})
                    if answer.get("content", {}).get("application/json", {}).get("schema") == fastapi_shape:
                        del operation["responses"]["422"]
            if "HTTPValidationError" not in json.dumps(doc["paths"]):
                for name in ("HTTPValidationError", "ValidationError"):
                    doc["components"]["schemas"].pop(name, None)
        return app.openapi_schema

    app.openapi = openapi


def _add_traffic_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def traffic(request: Request, call_next):
        path, method = request.url.path, request.method
        if not path.startswith("/v1"):
            return await call_next(request)
        log, sent = app.state.log, app.state.log.now()
        key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        headers: dict[str, str] = {}
        response = _refuse(app, request, key, headers)
        fault = None if response else app.state.faults.take(method, path)
        if response is None and fault and fault.status:
            retry_after = fault.retry_after_header(time.time())
            response = error_response(fault.status, "service_unavailable",
                                      "The service is briefly unavailable; retry with back-off.",
                                      {"Retry-After": retry_after} if retry_after is not None else {})
        if response is None:
            request.state.key = key
            request.state.version = request.headers.get("tillpoint-version") or LATEST
            try:
                response = await call_next(request)
            except Exception:  # noqa: BLE001 - the client gets a JSON 500, never a stack trace
                response = error_response(500, "internal_error", "Something went wrong on Tillpoint's side.")
            if fault and fault.seconds:
                await asyncio.sleep(fault.seconds)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        response.headers["Tillpoint-Version"] = request.headers.get("tillpoint-version") or LATEST
        log.add(sent=sent, method=method, path=path, query=str(request.url.query), key=key,
                status=response.status_code, retry_after=_told_to_wait(response.headers.get("retry-after")),
                idempotency_key=request.headers.get("idempotency-key"),
                replayed=response.headers.get("idempotent-replayed") == "true", answered=log.now())
        return response


def _told_to_wait(value: str | None) -> int | float | None:
    """For the record: the seconds a Retry-After told the client to wait, whichever form it took (RFC 9110
    section 10.2.3); whole seconds as sent, a date as the seconds from now until it (to the hundredth)."""
    parsed = parse_retry_after(value, datetime.now(timezone.utc))
    if parsed is None:
        return None
    seconds, form = parsed
    return int(seconds) if form == "seconds" else math.floor(seconds * 100) / 100


def _refuse(app: FastAPI, request: Request, key: str, headers: dict) -> JSONResponse | None:
    """The answer for a request that must not run (auth, version, size, rate limit), or None."""
    if not key:
        return error_response(401, "missing_api_key", "Send your API key: Authorization: Bearer <key>.",
                              {"WWW-Authenticate": "Bearer"})
    if key not in KEYS:
        return error_response(401, "invalid_api_key", "That API key is not valid.", {"WWW-Authenticate": "Bearer"})
    if KEYS[key] == "read_only" and request.method not in ("GET", "HEAD", "OPTIONS"):
        return error_response(403, "read_only_key", "This key may only read; use a secret key to make changes.")
    version = request.headers.get("tillpoint-version")
    if version is not None and version not in VERSIONS:
        return error_response(400, "unsupported_version",
                              f"Tillpoint-Version must be one of {', '.join(VERSIONS)}.")
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return error_response(413, "body_too_large", f"Request bodies are at most {MAX_BODY_BYTES} bytes.")
    allowed, limit_headers = app.state.limiter.take(key, limit_group(request.url.path))
    headers.update(limit_headers)
    if not allowed:
        return error_response(429, "rate_limited", "Too many requests; wait for Retry-After seconds, then retry.",
                              limit_headers)
    return None


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {404: "No such resource.", 405: f"{request.method} is not allowed here."}.get(
            exc.status_code, str(exc.detail))
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = exc.errors()
        first = problems[0] if problems else {}
        if first.get("type") == "json_invalid" or tuple(first.get("loc", ())) == ("body",):
            return error_response(400, "invalid_json",
                                  "The request body must be a JSON object (send Content-Type: application/json).")
        loc = tuple(first.get("loc", ()))
        message = first.get("msg", "invalid")
        if loc and loc[0] in ("query", "path", "header"):
            # Not the request's content: the request itself is wrong (RFC 9110 section 15.5.1; Stripe does the same).
            return error_response(400, "invalid_parameter", f"{loc[0].capitalize()} parameter "
                                  f"{'.'.join(str(part) for part in loc[1:])}: {message}.")
        # The JSON body is well formed but its content breaks a rule (RFC 9110 section 15.5.21).
        where = ".".join(str(part) for part in loc if part != "body")
        return error_response(422, "invalid_parameter", f"{where or 'request'}: {message}.")


def _stored(request: Request, idempotency_key: str | None, fingerprint: str) -> JSONResponse | None:
    """The first response for this Idempotency-Key, replayed; or None when the key is new."""
    if idempotency_key is None:
        return None
    if not 1 <= len(idempotency_key) <= 255:
        raise ApiError(400, "invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters.")
    saved = request.app.state.store.idempotency.get((request.state.key, idempotency_key))
    if saved is None:
        return None
    if saved["fingerprint"] != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       "This Idempotency-Key was used with a different request; use a new key for a new request.")
    return JSONResponse(saved["body"], saved["status"], headers={"Idempotent-Replayed": "true"})


def _remember(request: Request, idempotency_key: str | None, fingerprint: str, status: int, body: dict) -> JSONResponse:
    if idempotency_key is not None:
        request.app.state.store.idempotency[(request.state.key, idempotency_key)] = {
            "fingerprint": fingerprint, "status": status, "body": body}
    return JSONResponse(body, status)


def _emit(app: FastAPI, kind: str, data: dict) -> None:
    event = app.state.store.add_event(kind, data, _now())
    if not app.state.deliver_webhooks:
        return
    for endpoint in list(app.state.store.webhook_endpoints):
        if kind in endpoint["events"]:
            task = asyncio.get_running_loop().create_task(
                webhooks.deliver(endpoint, event, app.state.deliveries))
            app.state.tasks.add(task)
            task.add_done_callback(app.state.tasks.discard)


def _add_routes(app: FastAPI) -> None:  # noqa: C901 - the API's routes one after another: a table
    store: Store = app.state.store

    @app.get("/docs", include_in_schema=False)
    async def docs():
        # persistAuthorization: the key survives a reload of the page (and a restart on the same port).
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Tillpoint API",
                                   swagger_js_url="/static/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui.css", swagger_favicon_url="/static/favicon.png",
                                   swagger_ui_parameters={"persistAuthorization": True})

    # The server's records, for a kernel whose server runs in the grader (tpmkit.api.server.Remote).
    @app.get("/_kit/requests", include_in_schema=False)
    async def kit_requests(path: str | None = None, method: str | None = None):
        return app.state.log.rows(path, method)

    @app.get("/_kit/payments", include_in_schema=False)
    async def kit_payments(order: str | None = None):
        with store.lock:
            return [dict(p) for p in store.payments if order is None or p["order"] == order]

    @app.get("/_kit/deliveries", include_in_schema=False)
    async def kit_deliveries():
        return [dict(d) for d in app.state.deliveries]

    @app.get("/health", tags=["service"], responses={200: {"model": schemas.Health, "description": "Up."}})
    async def health():
        """Is the service up? Needs no key."""
        return {"status": "ok"}

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_bearer)])

    @v1.get("/customers", tags=["customers"], responses=responses(
        200, schemas.CustomerList, "A page of customers.",
        {400: ("invalid_parameter",), 404: ("unknown_cursor",)}))
    async def list_customers(request: Request, limit: int = Query(10, ge=1, le=100),
                             starting_after: str | None = Query(None, pattern=r"^cus_\d{4}$")):
        """Shops using Tillpoint, oldest first, a page at a time (cursor pagination: pass the last id you saw)."""
        rows = store.customers
        if starting_after is not None:
            index = next((i for i, c in enumerate(rows) if c["id"] == starting_after), None)
            if index is None:
                raise ApiError(404, "unknown_cursor", f"No customer {starting_after}.")
            rows = rows[index + 1:]
        page = [_versioned(c, request.state.version) for c in rows[:limit]]
        return {"object": "list", "data": page, "has_more": len(rows) > limit}

    @v1.get("/customers/{customer_id}", tags=["customers"], responses=responses(
        200, schemas.Customer, "The customer.", {404: ("not_found",)}))
    async def get_customer(request: Request, customer_id: str):
        """One shop. Pinned to Tillpoint-Version 2026-01-01, `business_name` is called `name`."""
        customer = store.customer(customer_id)
        if customer is None:
            raise ApiError(404, "not_found", f"No customer {customer_id}.")
        return _versioned(customer, request.state.version)

    @v1.get("/payments", tags=["payments"], responses=responses(
        200, schemas.PaymentList, "A page of payments.", {400: ("invalid_parameter",)},
        headers={"Link": schemas.header("URLs of the next, prev, first and last pages (RFC 8288)", "string"),
                 "X-Total-Count": schemas.header("how many payments there are")}))
    async def list_payments(request: Request, page: int = Query(1, ge=1, le=100_000),
                            per_page: int = Query(30, ge=1, le=100)):
        """Payments, newest first, by page number (offset pagination, with a Link header)."""
        with store.lock:
            rows = list(reversed(store.payments))
        last = max(1, -(-len(rows) // per_page))
        data = rows[(page - 1) * per_page: page * per_page]
        link = _link_header(str(request.url.replace(query=None)), page, per_page, last)
        headers = {"Link": link, "X-Total-Count": str(len(rows))}
        return JSONResponse({"object": "list", "data": data, "page": page, "per_page": per_page}, headers=headers)

    replayed = {"Idempotent-Replayed": schemas.header("`true` when this is the stored answer to an earlier "
                                                       "request with the same Idempotency-Key", "string")}

    @v1.post("/payments", status_code=201, tags=["payments"], responses=responses(
        201, schemas.Payment, "Payment taken.",
        {400: ("invalid_idempotency_key",), 404: ("no_such_customer",),
         422: ("invalid_parameter", "idempotency_key_reused")}, write=True, headers=replayed))
    async def create_payment(request: Request, payment: PaymentIn,
                             idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
        """Take a card payment. Send an Idempotency-Key so that a retry never charges twice."""
        fingerprint = json.dumps(payment.model_dump(), sort_keys=True)
        replay = _stored(request, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        if store.customer(payment.customer) is None:
            return _remember(request, idempotency_key, fingerprint, 404,
                             {"error": {"type": "invalid_request_error", "code": "no_such_customer",
                                        "message": f"No customer {payment.customer}."}})
        row = store.add_payment(payment.amount, payment.customer, payment.order, _now())
        _emit(request.app, "payment.succeeded", row)
        return _remember(request, idempotency_key, fingerprint, 201, row)

    @v1.get("/payments/{payment_id}", tags=["payments"], responses=responses(
        200, schemas.Payment, "The payment.", {404: ("not_found",)}))
    async def get_payment(payment_id: str):
        payment = store.payment(payment_id)
        if payment is None:
            raise ApiError(404, "not_found", f"No payment {payment_id}.")
        return payment

    @v1.post("/refunds", status_code=201, tags=["payments"], responses=responses(
        201, schemas.Refund, "Refund made.",
        {400: ("invalid_idempotency_key",), 404: ("not_found",),
         422: ("invalid_parameter", "idempotency_key_reused", "payment_not_succeeded", "amount_too_large")},
        write=True, headers=replayed))
    async def create_refund(request: Request, refund: RefundIn,
                            idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
        """Give money back, in full or in part. The total refunded never exceeds the payment."""
        fingerprint = json.dumps(refund.model_dump(), sort_keys=True)
        replay = _stored(request, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        bugs = request.app.state.bugs
        with store.lock:
            payment = store.payment(refund.payment)
            if payment is None:
                raise ApiError(404, "not_found", f"No payment {refund.payment}.")
            if payment["status"] != "succeeded" and "refund_failed_payment" not in bugs:
                raise ApiError(422, "payment_not_succeeded", "Only a succeeded payment can be refunded.")
            left = payment["amount"] - payment["refunded"]
            if refund.amount > left and "refund_over_amount" not in bugs:
                raise ApiError(422, "amount_too_large", f"At most {left} pence of this payment is left to refund.")
            row = store.add_refund(payment, refund.amount, _now())
        _emit(request.app, "refund.created", row)
        return _remember(request, idempotency_key, fingerprint, 201, row)

    @v1.get("/reports/settlements/{month}", tags=["reports"], responses=responses(
        200, schemas.SettlementReport, "The month's settlement.", {400: ("invalid_month",), 404: ("no_report",)}))
    async def settlements(month: str):
        """A month's settlement (gross, fees, net, in pence). Reports are costly: 3 requests per 2 seconds."""
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ApiError(400, "invalid_month", "A month is written YYYY-MM, such as 2026-03.")
        if month not in REPORT_MONTHS:
            raise ApiError(404, "no_report", f"Reports exist for {REPORT_MONTHS[0]} to {REPORT_MONTHS[-1]}.")
        return settlement_report(month)

    @v1.post("/webhook_endpoints", status_code=201, tags=["webhooks"], responses=responses(
        201, schemas.WebhookEndpoint, "Endpoint registered.", {422: ("invalid_parameter", "invalid_url")},
        write=True))
    async def add_webhook_endpoint(endpoint: WebhookEndpointIn):
        """Ask Tillpoint to POST events to your receiver. Keep the secret: it proves deliveries are genuine."""
        if not webhooks.loopback_url(endpoint.url):
            raise ApiError(422, "invalid_url", "In this course a webhook URL is http://127.0.0.1:PORT/... .")
        with store.lock:
            row = {"id": f"we_{len(store.webhook_endpoints) + 1:03d}", "object": "webhook_endpoint",
                   "url": endpoint.url, "events": list(endpoint.events), "secret": webhooks.new_secret()}
            store.webhook_endpoints.append(row)
        return row

    @v1.get("/events", tags=["webhooks"], responses=responses(
        200, schemas.EventList, "The newest events.", {400: ("invalid_parameter",)}))
    async def list_events(limit: int = Query(10, ge=1, le=100)):
        """The newest events: what webhooks were sent about."""
        with store.lock:
            rows = list(reversed(store.events))
        return {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit}

    @v1.post("/messages", status_code=202, tags=["messaging"], responses=responses(
        202, schemas.Message, "Queued: it is sent later.",
        {404: ("not_found",), 422: ("invalid_parameter", "text_too_long")}, write=True))
    async def send_message(message: MessageIn):
        """Send a shop a text or an e-mail. Accepted now, sent later (202): delivery is asynchronous."""
        if store.customer(message.customer) is None:
            raise ApiError(404, "not_found", f"No customer {message.customer}.")
        if message.channel == "sms" and len(message.text) > 160:
            raise ApiError(422, "text_too_long", "A text message is at most 160 characters.")
        return {"object": "message", "status": "queued", "customer": message.customer, "channel": message.channel}

    app.include_router(v1)  # after its routes: include_router copies the routes it has now
