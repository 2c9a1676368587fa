"""The Tillpoint API's docs page can really try the API: /openapi.json, fetched from a running server, has a
security scheme on every /v1 operation, real response schemas, and every error the server gives (each one
provoked here, then looked up in the description); a request sent the way Swagger UI sends it, with the key
the server printed, works; and in headless Chromium, Authorize then Execute answers 200. Lesson 06 keeps its
API running at one address for the docs tab."""

from __future__ import annotations

import contextlib
import copy
import io
import re

import jsonschema
import pytest
import requests

from autograder import notebooks
from tests.support import ROOT
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_browser
from tpmkit import api

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def served():
    """A server started as a lesson starts it (not quiet), the key it printed, and its OpenAPI description."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        server = api.start()
    key = re.search(r"key: (\S+)\)", printed.getvalue()).group(1)
    yield server, key, requests.get(server.url + "/openapi.json", timeout=10).json()
    server.stop()


def operations(spec: dict, prefix: str = "/v1"):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS and path.startswith(prefix):
                yield method, path, op


def scheme_of(spec: dict) -> tuple[str, dict]:
    [(name, scheme)] = spec["components"]["securitySchemes"].items()
    return name, scheme


def swagger_headers(spec: dict, key: str) -> dict:
    """The header Swagger UI sends after Authorize, worked out from the security scheme alone."""
    _, scheme = scheme_of(spec)
    if scheme["type"] == "http":
        assert scheme["scheme"].lower() == "bearer"
        return {"Authorization": f"Bearer {key}"}
    assert scheme["type"] == "apiKey" and scheme["in"] == "header"
    return {scheme["name"]: key}


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def strict_validator(spec: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """Validates against the description with every object closed, so an undocumented field fails too."""
    components = copy.deepcopy(spec["components"])

    def close(node):
        if isinstance(node, dict):
            if "properties" in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(components)
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": components, **schema}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def operation_for(spec: dict, method: str, url_path: str) -> tuple[str, dict]:
    for path, item in spec["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), url_path) and method.lower() in item:
            return path, item[method.lower()]
    raise AssertionError(f"{method} {url_path} is not in the description")


def documented(op: dict, status: int) -> dict | None:
    """The response the description gives for a status, by exact code or by range (5XX)."""
    return op["responses"].get(str(status)) or op["responses"].get(f"{str(status)[0]}XX")


# --- the description ---------------------------------------------------------------------------------

def test_a_security_scheme_says_how_the_key_travels_and_every_v1_operation_uses_it(served):
    _, _, spec = served
    name, scheme = scheme_of(spec)
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}, "the server reads Authorization: Bearer"
    ops = list(operations(spec))
    assert len(ops) == 10
    for method, path, op in ops:
        assert op.get("security") == [{name: []}], f"{method.upper()} {path} has no Authorize"
    assert "security" not in spec["paths"]["/health"]["get"] and "security" not in spec, "/health needs no key"


def test_hidden_routes_stay_out_of_the_description(served):
    _, _, spec = served
    assert not [p for p in spec["paths"] if p.startswith(("/_kit", "/docs", "/static", "/openapi"))]
    assert "HTTPValidationError" not in spec["components"]["schemas"], "FastAPI's 422 shape is never sent"


def test_every_success_has_a_real_schema_and_every_error_the_error_shape(served):
    _, _, spec = served
    for method, path, op in operations(spec):
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1, (method, path)
        schema = resolve(spec, op["responses"][success[0]]["content"]["application/json"]["schema"])
        assert schema.get("type") == "object" and schema.get("properties"), f"{method} {path}: a bare {schema}"
        assert {"RateLimit-Remaining", "Tillpoint-Version"} <= set(op["responses"][success[0]]["headers"])
        for code, answer in op["responses"].items():
            if not code.startswith("2"):
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert {"400", "401", "429", "500", "503"} <= set(op["responses"]), (method, path)
        assert "Retry-After" in op["responses"]["429"]["headers"] and "Retry-After" in op["responses"]["503"]["headers"]
        assert ("403" in op["responses"]) == (method == "post"), "only a change can be refused to a read-only key"


# --- the description against the server ----------------------------------------------------------------

def test_real_answers_match_their_documented_schemas_field_for_field(served):
    server, key, spec = served
    headers = swagger_headers(spec, key)
    pay = requests.post(server.url + "/v1/payments", headers=headers, json={"amount": 900, "customer": "cus_0003"})
    calls = [
        ("GET", "/v1/customers", {}),
        ("GET", "/v1/customers/cus_0001", {}),
        ("GET", "/v1/payments", {"params": {"per_page": 3}}),
        ("GET", "/v1/payments/pay_00001", {}),
        ("POST", "/v1/refunds", {"json": {"payment": pay.json()["id"], "amount": 100}}),
        ("GET", "/v1/reports/settlements/2026-01", {}),
        ("POST", "/v1/webhook_endpoints", {"json": {"url": "http://127.0.0.1:9/hook", "events": ["refund.created"]}}),
        ("GET", "/v1/events", {}),
        ("POST", "/v1/messages", {"json": {"customer": "cus_0001", "channel": "sms", "text": "hi"}}),
        ("GET", "/health", {}),
    ]
    answers = [("POST", "/v1/payments", pay)]
    answers += [(m, p, requests.request(m, server.url + p, headers=headers, timeout=10, **kw)) for m, p, kw in calls]
    for method, url_path, answer in answers:
        path, op = operation_for(spec, method, url_path)
        response = op["responses"].get(str(answer.status_code))
        assert response, f"{method} {url_path} answered {answer.status_code}, which is not documented"
        schema = response["content"]["application/json"]["schema"]
        errors = [e.message for e in strict_validator(spec, schema).iter_errors(answer.json())]
        assert errors == [], f"{method} {path}: {errors[:3]}"
    events = requests.get(server.url + "/v1/events", headers=headers, timeout=10).json()["data"]
    assert {e["type"] for e in events} == {"payment.succeeded", "refund.created"}, "both kinds of event were checked"


def test_the_validator_is_strict_enough_to_catch_a_wrong_answer(served):
    """The check above would catch an undocumented field, a missing one, or a wrong type."""
    _, _, spec = served
    customer = {"id": "cus_0001", "object": "customer", "business_name": "Oak Books", "city": "Leeds",
                "plan": "pro", "created": "2025-06-02T12:00:00Z"}
    validator = strict_validator(spec, {"$ref": "#/components/schemas/Customer"})
    assert validator.is_valid(customer)
    assert not validator.is_valid({**customer, "vat_number": "GB1"})
    assert not validator.is_valid({k: v for k, v in customer.items() if k != "city"})
    assert not validator.is_valid({**customer, "plan": "gold"})


def _break_the_store(server):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    server.app.state.store.add_payment = broken


# Each error the server gives: (how to provoke it, the status and code it answers). Every one is then
# looked up in the description of the operation it came from.
PAYMENT = {"amount": 500, "customer": "cus_0001"}
PROVOKED = [
    ("no key", "GET", "/v1/customers", {"headers": {"Authorization": None}}, 401, "missing_api_key"),
    ("wrong key", "GET", "/v1/payments/pay_00001", {"headers": {"Authorization": "Bearer sk_wrong"}}, 401,
     "invalid_api_key"),
    ("read-only key", "POST", "/v1/messages",
     {"headers": {"Authorization": f"Bearer {api.READONLY_KEY}"},
      "json": {"customer": "cus_0001", "channel": "sms", "text": "hi"}}, 403, "read_only_key"),
    ("unknown version", "GET", "/v1/events", {"headers": {"Tillpoint-Version": "2020-01-01"}}, 400,
     "unsupported_version"),
    ("not json", "POST", "/v1/refunds", {"data": "{nope", "headers": {"Content-Type": "application/json"}}, 400,
     "invalid_json"),
    ("long idempotency key", "POST", "/v1/payments", {"json": PAYMENT, "headers": {"Idempotency-Key": "k" * 300}},
     400, "invalid_idempotency_key"),
    ("month spelt out", "GET", "/v1/reports/settlements/March", {}, 400, "invalid_month"),
    ("huge body", "POST", "/v1/webhook_endpoints",
     {"data": "x" * 70_000, "headers": {"Content-Type": "application/json"}}, 413, "body_too_large"),
    ("unknown cursor", "GET", "/v1/customers", {"params": {"starting_after": "cus_9999"}}, 404, "unknown_cursor"),
    ("unknown customer", "GET", "/v1/customers/cus_9999", {}, 404, "not_found"),
    ("payment for nobody", "POST", "/v1/payments", {"json": {"amount": 500, "customer": "cus_9999"}}, 404,
     "no_such_customer"),
    ("unknown payment", "GET", "/v1/payments/pay_99999", {}, 404, "not_found"),
    ("refund of nothing", "POST", "/v1/refunds", {"json": {"payment": "pay_99999", "amount": 1}}, 404, "not_found"),
    ("no report", "GET", "/v1/reports/settlements/2020-01", {}, 404, "no_report"),
    ("text to nobody", "POST", "/v1/messages", {"json": {"customer": "cus_9999", "channel": "sms", "text": "hi"}},
     404, "not_found"),
    ("limit too big", "GET", "/v1/customers", {"params": {"limit": 500}}, 400, "invalid_parameter"),
    ("cursor not an id", "GET", "/v1/customers", {"params": {"starting_after": "bob"}}, 400, "invalid_parameter"),
    ("page zero", "GET", "/v1/payments", {"params": {"page": 0}}, 400, "invalid_parameter"),
    ("too small", "POST", "/v1/payments", {"json": {"amount": 1, "customer": "cus_0001"}}, 422, "invalid_parameter"),
    ("refund too big", "POST", "/v1/refunds", {"json": {"payment": "pay_00001", "amount": 999_999}}, 422,
     "amount_too_large"),
    ("webhook off the machine", "POST", "/v1/webhook_endpoints",
     {"json": {"url": "http://example.com/x", "events": ["refund.created"]}}, 422, "invalid_url"),
    ("no events", "GET", "/v1/events", {"params": {"limit": 0}}, 400, "invalid_parameter"),
    ("long text", "POST", "/v1/messages", {"json": {"customer": "cus_0001", "channel": "sms", "text": "x" * 161}},
     422, "text_too_long"),
]


@pytest.mark.parametrize(("what", "method", "url_path", "extra", "status", "code"), PROVOKED,
                         ids=[p[0] for p in PROVOKED])
def test_each_error_the_server_gives_is_documented_for_its_operation(served, what, method, url_path, extra,
                                                                   status, code):
    server, key, spec = served
    extra = dict(extra)
    headers = {**swagger_headers(spec, key), **extra.pop("headers", {})}  # None drops a header
    answer = requests.request(method, server.url + url_path, headers=headers, timeout=10, **extra)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    _, op = operation_for(spec, method, url_path)
    response = documented(op, status)
    assert response is not None, f"{method} {url_path} answered {status}, which its description leaves out"
    assert f"`{code}`" in response["description"], f"{status} {code} is not named in {response['description']!r}"
    assert strict_validator(spec, response["content"]["application/json"]["schema"]).is_valid(answer.json())


def test_rate_limits_idempotency_clashes_and_outages_are_documented_too():
    """The errors that need state: a fresh server of their own."""
    with api.start(quiet=True) as server:
        spec = requests.get(server.url + "/openapi.json", timeout=10).json()
        headers = swagger_headers(spec, server.key)
        got = []
        for month in ["2026-01", "2026-02", "2026-03", "2026-04"]:
            got.append(requests.get(f"{server.url}/v1/reports/settlements/{month}", headers=headers, timeout=10))
        reused = [requests.post(server.url + "/v1/payments", headers={**headers, "Idempotency-Key": "same"},
                                json={**PAYMENT, "amount": amount}, timeout=10) for amount in (500, 600)]
        server.faults.fail("GET /v1/customers", status=503, retry_after=2)
        server.faults.fail("GET /v1/customers/cus_0001", status=503, retry_after=1, http_date=True)
        server.faults.fail("GET /v1/events", status=502)
        server.faults.fail("POST /v1/refunds", status=504)
        outages = [requests.request(m, server.url + p, headers=headers, json=body, timeout=10)
                   for m, p, body in [("GET", "/v1/customers", None), ("GET", "/v1/events", None),
                                      ("POST", "/v1/refunds", {"payment": "pay_00001", "amount": 1}),
                                      ("GET", "/v1/customers/cus_0001", None)]]
        _break_the_store(server)
        crashed = requests.post(server.url + "/v1/payments", headers=headers, json=PAYMENT, timeout=10)
    cases = [("GET", "/v1/reports/settlements/2026-04", got[-1], 429, "rate_limited"),
             ("POST", "/v1/payments", reused[1], 422, "idempotency_key_reused"),
             ("GET", "/v1/customers", outages[0], 503, "service_unavailable"),
             ("GET", "/v1/events", outages[1], 502, "service_unavailable"),
             ("POST", "/v1/refunds", outages[2], 504, "service_unavailable"),
             ("GET", "/v1/customers/cus_0001", outages[3], 503, "service_unavailable"),
             ("POST", "/v1/payments", crashed, 500, "internal_error")]
    for method, url_path, answer, status, code in cases:
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
        _, op = operation_for(spec, method, url_path)
        response = documented(op, status)
        assert response is not None and f"`{code}`" in response["description"], (method, url_path, status)
        if status in (429, 503):  # both were sent with Retry-After; 429 with the rate-limit headers as well
            missing = [name for name in response["headers"] if name not in answer.headers]  # any case
            assert not missing, f"{status} is documented with {missing}, but was sent without them"
    assert int(got[-1].headers["Retry-After"]) >= 1
    # Retry-After is whole seconds or an HTTP-date (RFC 9110 section 10.2.3): what each status documents admits
    # what it was sent with, a 429's seconds and a 503's date alike.
    _, customer = operation_for(spec, "GET", "/v1/customers/cus_0001")
    for status, answer in ((429, got[-1]), (503, outages[0]), (503, outages[3])):
        schema = customer["responses"][str(status)]["headers"]["Retry-After"]["schema"]
        sent = answer.headers["Retry-After"]
        assert jsonschema.Draft202012Validator(schema).is_valid(int(sent) if schema["type"] == "integer" else sent)
    assert not outages[3].headers["Retry-After"].isdigit() and "HTTP-date" in (
        customer["responses"]["503"]["headers"]["Retry-After"]["description"])


# --- trying it the way Swagger UI does ----------------------------------------------------------------

def test_a_request_made_as_swagger_ui_makes_it_with_the_printed_key_works(served):
    server, key, spec = served
    assert key == server.key, "the key printed when the API starts is the one to paste into Authorize"
    for method, path, _ in operations(spec):
        if method == "get" and "{" not in path:
            answer = requests.get(server.url + path, headers=swagger_headers(spec, key), timeout=10)
            assert answer.status_code == 200, (path, answer.text)
    answer = requests.post(server.url + "/v1/payments", headers=swagger_headers(spec, api.READONLY_KEY),
                           json=PAYMENT, timeout=10)
    assert answer.status_code == 403, "the read-only key authenticates (403, not 401) but may not write"
    page = requests.get(server.docs_url, timeout=10).text
    assert '"persistAuthorization": true' in page, "the key survives a reload of the docs page"


def test_authorize_then_execute_in_a_real_browser(tmp_path):
    """Swagger UI itself: Authorize with the key, Try it out on GET /v1/customers/{customer_id}, Execute: 200."""
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    with api.start(quiet=True) as shop, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(shop.docs_url)
            page.locator("button.authorize").first.click()
            page.locator(".auth-container input").first.fill(shop.key)
            page.locator(".auth-btn-wrapper button.authorize").click()
            page.locator(".auth-btn-wrapper button", has_text="Close").click()
            block = page.locator(".opblock", has=page.locator(".opblock-summary-path",
                                                                has_text="/v1/customers/{customer_id}"))
            block.locator(".opblock-summary").click()
            block.get_by_role("button", name="Try it out").click()
            block.locator("input[placeholder='customer_id']").fill("cus_0042")
            block.get_by_role("button", name="Execute").click()
            expect(block.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")
            page.screenshot(path=str(tmp_path / "api-docs-authorized.png"))
        finally:
            browser.close()
    [row] = shop.requests(path="/v1/customers/cus_0042")
    assert (row["status"], row["key"]) == (200, api.SECRET_KEY), "the page sent the key it was given"


# --- lesson 06 keeps its API up at one address ----------------------------------------------------------

def test_lesson_06_starts_its_api_on_the_usual_port_and_never_stops_it():
    nb = notebooks.read(ROOT / "course" / "06-apis.ipynb")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.findall(r"api\.start\(([^)]*)\)", code) == ["port=api.PORT"]
    assert "shop.stop()" not in code, "the docs tab the lesson asks the learner to keep open must keep working"
    assert isinstance(api.PORT, int) and 1024 <= api.PORT <= 65535
