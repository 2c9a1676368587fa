"""The Tillpoint API served by the kit: real HTTP on 127.0.0.1, checked from the outside with `requests`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from tests.support.net import free_port
from tpmkit import api
from tpmkit.api.traffic import Faults, Limit, RateLimiter
from tpmkit.errors import KitError


@pytest.fixture(scope="module")
def shop():
    server = api.start(quiet=True)
    yield server
    server.stop()


@pytest.fixture
def fresh():
    """A server of its own, for tests that change state or arm faults."""
    server = api.start(quiet=True)
    yield server
    server.stop()


def auth(key=api.SECRET_KEY, **extra):
    return {"Authorization": f"Bearer {key}", **extra}


def assert_json_error(response, status, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and {"type", "code", "message"} <= set(body["error"])
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code:
        assert body["error"]["code"] == code


# --- authentication and versions ---------------------------------------------------------------

def test_no_key_is_401_with_a_challenge_and_a_bad_key_is_401(shop):
    missing = requests.get(shop.url + "/v1/customers")
    assert_json_error(missing, 401, "missing_api_key")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert_json_error(requests.get(shop.url + "/v1/customers", headers=auth("sk_test_wrong")), 401, "invalid_api_key")


def test_read_only_key_reads_but_may_not_write_403(shop):
    assert requests.get(shop.url + "/v1/customers", headers=auth(api.READONLY_KEY)).status_code == 200
    refused = requests.post(shop.url + "/v1/payments", headers=auth(api.READONLY_KEY),
                            json={"amount": 500, "customer": "cus_0001"})
    assert_json_error(refused, 403, "read_only_key")


def test_version_header_pins_the_old_field_name(shop):
    new = requests.get(shop.url + "/v1/customers/cus_0001", headers=auth())
    old = requests.get(shop.url + "/v1/customers/cus_0001", headers=auth(**{"Tillpoint-Version": "2026-01-01"}))
    assert new.headers["Tillpoint-Version"] == api.LATEST and old.headers["Tillpoint-Version"] == "2026-01-01"
    assert "business_name" in new.json() and "name" not in new.json()
    assert old.json()["name"] == new.json()["business_name"] and "business_name" not in old.json()
    bad = requests.get(shop.url + "/v1/customers", headers=auth(**{"Tillpoint-Version": "2025-13-01"}))
    assert_json_error(bad, 400, "unsupported_version")


# --- pagination --------------------------------------------------------------------------------

def test_cursor_pagination_walks_every_customer_once(shop):
    seen, cursor = [], None
    while True:
        params = {"limit": 100, **({"starting_after": cursor} if cursor else {})}
        page = requests.get(shop.url + "/v1/customers", headers=auth(), params=params).json()
        seen += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert len(seen) == len(set(seen)) == 243
    first = requests.get(shop.url + "/v1/customers", headers=auth()).json()
    assert len(first["data"]) == 10 and first["has_more"], "the default page is small: one page is not all"


def test_page_limits_are_enforced_with_400_not_422(shop):
    """A bad query parameter is the request itself being wrong (400, as Stripe answers it), not its content
    breaking a rule: 422 is about the request's content (RFC 9110 section 15.5.21), the JSON body."""
    for params in ({"limit": 101}, {"limit": "ten"}, {"limit": 0}, {"starting_after": "bob"}):
        answer = requests.get(shop.url + "/v1/customers", headers=auth(), params=params)
        assert_json_error(answer, 400, "invalid_parameter")
        assert answer.json()["error"]["message"].startswith(f"Query parameter {next(iter(params))}: ")
    assert_json_error(requests.get(shop.url + "/v1/events", headers=auth(), params={"limit": 500}), 400,
                      "invalid_parameter")
    body = requests.post(shop.url + "/v1/payments", headers=auth(), json={"amount": 10, "customer": "cus_0001"})
    assert_json_error(body, 422, "invalid_parameter")
    assert body.json()["error"]["message"].startswith("amount: ")
    assert_json_error(requests.get(shop.url + "/v1/customers", headers=auth(),
                                   params={"starting_after": "cus_9999"}), 404, "unknown_cursor")


def test_offset_pages_shift_when_a_row_is_inserted(fresh):
    page1 = requests.get(fresh.url + "/v1/payments", headers=auth(), params={"per_page": 5}).json()["data"]
    requests.post(fresh.url + "/v1/payments", headers=auth(), json={"amount": 700, "customer": "cus_0002"})
    page2 = requests.get(fresh.url + "/v1/payments", headers=auth(), params={"page": 2, "per_page": 5})
    assert page2.json()["data"][0]["id"] == page1[-1]["id"], "newest-first pages repeat a row after an insert"
    links = page2.headers["Link"]
    assert f'{fresh.url}/v1/payments?page=3&per_page=5>; rel="next"' in links and 'rel="prev"' in links
    assert page2.headers["X-Total-Count"] == "521"


# --- rate limits -------------------------------------------------------------------------------

def test_reports_answer_429_with_retry_after_then_recover(fresh):
    statuses = []
    for month in ["2026-01", "2026-02", "2026-03", "2026-04"]:
        response = requests.get(f"{fresh.url}/v1/reports/settlements/{month}", headers=auth())
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]
    assert_json_error(response, 429, "rate_limited")
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 2 and response.headers["RateLimit-Remaining"] == "0"
    time.sleep(wait)
    again = requests.get(f"{fresh.url}/v1/reports/settlements/2026-04", headers=auth())
    assert again.status_code == 200 and again.json()["net"] == again.json()["gross"] - again.json()["fees"]
    report = api.retry_report(fresh.requests(path="/v1/reports"))
    assert report == {"months_fetched": 4, "early_retries": 0}


def test_retry_report_counts_requests_sent_before_retry_after():
    rows = [{"n": 1, "sent": 0.0, "key": "k", "path": "/r/1", "status": 200, "retry_after": None},
            {"n": 2, "sent": 0.1, "key": "k", "path": "/r/2", "status": 429, "retry_after": 2},
            {"n": 3, "sent": 0.2, "key": "k", "path": "/r/2", "status": 429, "retry_after": 2},  # early
            {"n": 4, "sent": 2.25, "key": "k", "path": "/r/2", "status": 200, "retry_after": None},  # 2 s after n=3
            {"n": 5, "sent": 0.3, "key": "other", "path": "/r/3", "status": 200, "retry_after": None}]
    assert api.retry_report(rows) == {"months_fetched": 3, "early_retries": 1}
    with pytest.raises(KitError, match="list of request dicts"):
        api.retry_report("not a record")


def test_rate_limiter_windows_are_per_key_and_reset():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0], limits={"default": Limit(2, 10.0)})
    assert [limiter.take("a", "default")[0] for _ in range(3)] == [True, True, False]
    assert limiter.take("b", "default")[0], "another key has its own budget"
    allowed, headers = limiter.take("a", "default")
    assert not allowed and headers["Retry-After"] == "10"
    now[0] = 10.0
    assert limiter.take("a", "default")[0]


# --- Retry-After in both forms (RFC 9110 section 10.2.3) ----------------------------------------

DATE = "Wed, 01 Jul 2026 09:30:00 GMT"


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry-After": "2"}, 2.0),
    ({"Retry-After": " 120 "}, 120.0),
    ({"Retry-After": "0"}, 0.0),
    ({"Retry-After": "Wed, 01 Jul 2026 09:30:05 GMT", "Date": DATE}, 5.0),          # IMF-fixdate
    ({"Retry-After": "Wednesday, 01-Jul-26 09:30:07 GMT", "Date": DATE}, 7.0),     # obsolete RFC 850 form
    ({"Retry-After": "Wed Jul  1 09:31:00 2026", "Date": DATE}, 60.0),             # obsolete asctime form
    ({"Retry-After": "Wed, 01 Jul 2026 09:29:00 GMT", "Date": DATE}, 0.0),         # already past: now
    ({"retry-after": "3"}, 3.0),                                                    # names are case-insensitive
    ({}, None),
    ({"Retry-After": "soon"}, None),
    ({"Retry-After": "-1"}, None),
    ({"Retry-After": "1.5"}, None),
])
def test_retry_after_seconds_reads_both_forms(headers, seconds):
    assert api.retry_after_seconds(headers) == seconds
    response = requests.models.Response()
    response.headers.update(headers)
    assert api.retry_after_seconds(response) == seconds


def test_a_date_without_a_date_header_is_measured_from_this_computer_clock():
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 28 <= api.retry_after_seconds({"Retry-After": soon}) <= 30
    with pytest.raises(KitError, match="takes an HTTP response"):
        api.retry_after_seconds("Retry-After: 2")


def test_a_503_can_say_retry_after_as_a_date_and_the_record_keeps_the_seconds(fresh):
    fresh.faults.fail("GET /v1/customers", status=503, retry_after=2, http_date=True)
    busy = requests.get(fresh.url + "/v1/customers", headers=auth())
    assert_json_error(busy, 503, "service_unavailable")
    with pytest.raises(ValueError):
        int(busy.headers["Retry-After"])  # what a client written for seconds alone does with it
    wait = api.retry_after_seconds(busy)
    assert wait is not None and 2 <= wait <= 4, "at least the 2 s asked for, rounded up to whole seconds"
    [row] = fresh.requests(path="/v1/customers")
    assert 1.9 <= row["retry_after"] <= 3 and row["retry_after"] <= wait
    time.sleep(wait)
    again = requests.get(fresh.url + "/v1/customers", headers=auth())
    assert again.status_code == 200
    assert api.retry_report(fresh.requests(path="/v1/customers")) == {"months_fetched": 1, "early_retries": 0}
    # ... and a client that came back after one second is counted early
    fresh.faults.fail("GET /v1/events", status=503, retry_after=2, http_date=True)
    requests.get(fresh.url + "/v1/events", headers=auth())
    time.sleep(1)
    requests.get(fresh.url + "/v1/events", headers=auth())
    assert api.retry_report(fresh.requests(path="/v1/events"))["early_retries"] == 1


def test_retry_after_as_seconds_is_still_the_default(fresh):
    fresh.faults.fail("GET /v1/customers", status=503, retry_after=1)
    busy = requests.get(fresh.url + "/v1/customers", headers=auth())
    assert busy.headers["Retry-After"] == "1" and api.retry_after_seconds(busy) == 1.0
    assert fresh.requests(path="/v1/customers")[-1]["retry_after"] == 1


# --- idempotency -------------------------------------------------------------------------------

def test_idempotency_key_replays_the_first_response(fresh):
    body = {"amount": 2450, "customer": "cus_0007", "order": "T-1"}
    first = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "abc"}), json=body)
    second = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "abc"}), json=body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert len(fresh.payments(order="T-1")) == 1
    other = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "abc"}),
                          json={**body, "amount": 9999})
    assert_json_error(other, 422, "idempotency_key_reused")
    without = [requests.post(fresh.url + "/v1/payments", headers=auth(), json=body) for _ in range(2)]
    assert [r.status_code for r in without] == [201, 201] and len(fresh.payments(order="T-1")) == 3


def test_an_error_response_is_replayed_too(fresh):
    body = {"amount": 500, "customer": "cus_9999"}
    first = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "e1"}), json=body)
    again = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "e1"}), json=body)
    assert first.status_code == again.status_code == 404 and again.headers["Idempotent-Replayed"] == "true"


def test_slow_response_then_retry_with_the_same_key_charges_once(fresh):
    fresh.faults.slow("POST /v1/payments", seconds=2)
    body = {"amount": 1200, "customer": "cus_0003", "order": "T-2"}
    with pytest.raises(requests.Timeout):
        requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "slow"}), json=body, timeout=0.5)
    retry = requests.post(fresh.url + "/v1/payments", headers=auth(**{"Idempotency-Key": "slow"}), json=body,
                          timeout=5)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert [p["amount"] for p in fresh.payments(order="T-2")] == [1200]


# --- faults ------------------------------------------------------------------------------------

def test_fail_fault_answers_503_with_retry_after_without_running(fresh):
    fresh.faults.fail("POST /v1/payments", count=2, retry_after=1)
    body = {"amount": 300, "customer": "cus_0001", "order": "T-3"}
    answers = [requests.post(fresh.url + "/v1/payments", headers=auth(), json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].headers["Retry-After"] == "1"
    assert len(fresh.payments(order="T-3")) == 1, "a 503 from the fault did not take the payment"
    assert requests.get(fresh.url + "/v1/customers", headers=auth()).status_code == 200


def test_faults_refuse_bad_settings_in_one_line():
    faults = Faults()
    with pytest.raises(KitError, match="looks like 'POST /v1/payments'"):
        faults.fail("payments")
    with pytest.raises(KitError, match="500, 502, 503 or 504"):
        faults.fail("/v1/payments", status=404)
    with pytest.raises(KitError, match="between 0 and 30 seconds"):
        faults.slow("/v1/payments", seconds=60)
    with pytest.raises(KitError, match="whole number from 1 to 1000"):
        faults.fail("/v1/payments", count=0)
    with pytest.raises(KitError, match="whole number of seconds from 0 to 600"):
        faults.fail("/v1/payments", retry_after=1.5)
    with pytest.raises(KitError, match="needs retry_after in seconds"):
        faults.fail("/v1/payments", retry_after=None, http_date=True)
    with pytest.raises(KitError, match="http_date is True"):
        faults.fail("/v1/payments", http_date="yes")


# --- webhooks ----------------------------------------------------------------------------------

def _verify(secret: str, header: str, body: str) -> bool:
    """The receiver's side, written independently of the server's signing code."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), (parts["t"] + "." + body).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= 300


def test_webhooks_are_delivered_signed_and_retried(fresh):
    hooks = api.receiver()
    try:
        endpoint = requests.post(fresh.url + "/v1/webhook_endpoints", headers=auth(),
                                 json={"url": hooks.url, "events": ["payment.succeeded"]}).json()
        hooks.fail_next(1)
        payment = requests.post(fresh.url + "/v1/payments", headers=auth(),
                                json={"amount": 800, "customer": "cus_0004"}).json()
        got = hooks.wait(2)
        assert [d["answered"] for d in got] == [500, 200], "the API retried after the receiver's 500"
        event = json.loads(got[1]["body"])
        assert event["type"] == "payment.succeeded" and event["data"]["id"] == payment["id"]
        assert got[1]["headers"]["Tillpoint-Event-Id"] == event["id"]
        assert _verify(endpoint["secret"], got[1]["headers"]["Tillpoint-Signature"], got[1]["body"])
        assert not _verify(endpoint["secret"], got[1]["headers"]["Tillpoint-Signature"], got[1]["body"] + " ")
        assert not _verify("whsec_other", got[1]["headers"]["Tillpoint-Signature"], got[1]["body"])
        # The API logs an attempt once the receiver's answer is back, just after the receiver saw the request.
        deadline = time.monotonic() + 10
        while len(fresh.deliveries()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        attempts = fresh.deliveries()
        assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, 500), (2, 200)]
    finally:
        hooks.stop()


@pytest.mark.parametrize("url", ["http://example.com/hook", "https://127.0.0.1:9/x", "http://10.0.0.1:80/x",
                                 "http://127.0.0.1/no-port", "not a url"])
def test_webhook_urls_must_be_on_loopback(shop, url):
    refused = requests.post(shop.url + "/v1/webhook_endpoints", headers=auth(),
                            json={"url": url, "events": ["payment.succeeded"]})
    assert_json_error(refused, 422, "invalid_url")


# --- bad requests never show a stack trace -----------------------------------------------------

BAD_REQUESTS = [
    ("GET", "/v1/nothing-here", {}, 404, "not_found"),
    ("DELETE", "/v1/customers", {}, 405, "method_not_allowed"),
    ("POST", "/v1/payments", {"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400,
     "invalid_json"),
    ("POST", "/v1/payments", {"data": "plain text"}, 400, "invalid_json"),
    ("POST", "/v1/payments", {"json": [1, 2]}, 400, "invalid_json"),
    ("POST", "/v1/payments", {"json": {"amount": 10, "customer": "cus_0001"}}, 422, "invalid_parameter"),
    ("POST", "/v1/payments", {"json": {"amount": "lots", "customer": "cus_0001"}}, 422, "invalid_parameter"),
    ("POST", "/v1/payments", {"json": {"amount": 500, "customer": "bob"}}, 422, "invalid_parameter"),
    ("POST", "/v1/payments", {"data": "x" * 70_000, "headers": {"Content-Type": "application/json"}}, 413,
     "body_too_large"),
    ("POST", "/v1/payments", {"json": {"amount": 500, "customer": "cus_0001"},
                              "headers": {"Idempotency-Key": "k" * 300}}, 400, "invalid_idempotency_key"),
    ("GET", "/v1/payments", {"params": {"page": 0}}, 400, "invalid_parameter"),
    ("GET", "/v1/payments", {"params": {"per_page": 101}}, 400, "invalid_parameter"),
    ("GET", "/v1/payments/pay_99999", {}, 404, "not_found"),
    ("GET", "/v1/customers/cus_9999", {}, 404, "not_found"),
    ("GET", "/v1/reports/settlements/March", {}, 400, "invalid_month"),
    ("GET", "/v1/reports/settlements/2025-01", {}, 404, "no_report"),
    ("POST", "/v1/refunds", {"json": {"payment": "pay_99999", "amount": 100}}, 404, "not_found"),
    ("POST", "/v1/refunds", {"json": {"payment": "pay_00001", "amount": 10_000_000}}, 422, "invalid_parameter"),
    ("POST", "/v1/messages", {"json": {"customer": "cus_0001", "channel": "sms", "text": "x" * 161}}, 422,
     "text_too_long"),
    ("POST", "/v1/messages", {"json": {"customer": "cus_0001", "channel": "pigeon", "text": "hi"}}, 422,
     "invalid_parameter"),
]


@pytest.mark.parametrize(("method", "path", "extra", "status", "code"), BAD_REQUESTS,
                         ids=[f"{m} {p} {s}" for m, p, _, s, _ in BAD_REQUESTS])
def test_bad_requests_get_a_status_and_a_json_error(shop, method, path, extra, status, code):
    extra = dict(extra)
    headers = auth(**extra.pop("headers", {}))
    assert_json_error(requests.request(method, shop.url + path, headers=headers, **extra), status, code)


def test_refunds_never_exceed_the_payment_unless_the_bug_is_planted():
    for bugs, expected in [(set(), [201, 422]), ({"refund_over_amount"}, [201, 201])]:
        with api.start(bugs=bugs, quiet=True) as server:
            pay = requests.post(server.url + "/v1/payments", headers=auth(),
                                json={"amount": 2500, "customer": "cus_0001"}).json()
            got = [requests.post(server.url + "/v1/refunds", headers=auth(),
                                 json={"payment": pay["id"], "amount": amount}).status_code for amount in (2000, 1000)]
            assert got == expected, bugs
    with pytest.raises(KitError, match="Unknown planted bug"):
        api.create_app(bugs={"everything"})


def test_an_unexpected_failure_is_a_json_500(fresh):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    fresh.app.state.store.add_payment = broken
    failed = requests.post(fresh.url + "/v1/payments", headers=auth(), json={"amount": 500, "customer": "cus_0001"})
    assert_json_error(failed, 500, "internal_error")
    assert "database on fire" not in failed.text
    assert fresh.requests(path="/v1/payments", method="POST")[-1]["status"] == 500


# --- docs, start and stop ----------------------------------------------------------------------

def test_docs_are_served_from_the_kit_not_a_cdn(shop):
    page = requests.get(shop.docs_url)
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert "http://" not in page.text.replace(shop.url, "") and "https://" not in page.text
    for asset in ("/static/swagger-ui-bundle.js", "/static/swagger-ui.css"):
        assert requests.get(shop.url + asset).status_code == 200
    spec = requests.get(shop.url + "/openapi.json").json()
    assert {"/v1/customers", "/v1/payments", "/v1/refunds", "/v1/webhook_endpoints"} <= set(spec["paths"])
    assert requests.get(shop.url + "/health").json() == {"status": "ok"}


def _refused(url: str) -> bool:
    try:
        requests.get(url + "/health", timeout=2)
    except requests.ConnectionError:
        return True
    return False


def test_a_proxy_setting_never_captures_calls_to_the_local_api(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there: a proxied call would fail
    monkeypatch.setenv("NO_PROXY", "intranet.example")
    monkeypatch.delenv("no_proxy", raising=False)
    with api.start(quiet=True) as server:
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok"}
    assert os.environ["NO_PROXY"] == "intranet.example,127.0.0.1,localhost"


def test_record_says_when_each_response_left(fresh):
    fresh.faults.slow("/v1/customers", seconds=0.5)
    requests.get(fresh.url + "/v1/customers", headers=auth())
    [row] = fresh.requests(path="/v1/customers")
    assert row["answered"] - row["sent"] >= 0.5


def test_stop_frees_the_port_and_bad_ports_are_refused():
    server = api.start(quiet=True)
    assert server.running and "running" in repr(server)
    server.stop()
    server.stop()
    assert _refused(server.url) and "stopped" in repr(server)
    with pytest.raises(KitError, match="port is 0"):
        api.start(port=80)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(KitError, match="is taken"):
            api.start(port=taken.getsockname()[1], strict_port=True)


def test_a_taken_port_falls_back_to_a_free_one_and_says_so_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with api.start(port=port) as server:
            note, shown = capsys.readouterr().out.strip().splitlines()
            assert server.url != f"http://127.0.0.1:{port}" and server.running
            assert f"Port {port} is taken" in note and server.url.rsplit(":", 1)[1] in note
            assert shown == repr(server)
            assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok"}
        with api.start(port=port, quiet=True) as server:
            assert capsys.readouterr().out == "", "quiet means quiet, the note too"


def test_the_same_port_again_after_a_kernel_restart_so_the_docs_url_stays():
    """What "Restart Kernel and Run All" does to a lesson: the new kernel's API is at the old address."""
    from jupyter_client.manager import start_new_kernel

    port, urls = free_port(), []  # an explicit free port: parallel test workers never share api.PORT
    for _ in range(2):
        outputs: list[dict] = []
        manager, client = start_new_kernel(kernel_name="python3")
        try:
            code = f"from tpmkit import api; shop = api.start(port={port}, quiet=True); print(shop.docs_url)"
            reply = client.execute_interactive(code, output_hook=outputs.append, timeout=60)
            assert reply["content"]["status"] == "ok"
            urls.append(next(m["content"]["text"].strip() for m in outputs if m["msg_type"] == "stream"))
            assert requests.get(urls[-1], timeout=5).status_code == 200
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=False)
    assert urls[0] == urls[1] == f"http://127.0.0.1:{port}/docs"


def test_the_server_stops_when_its_kernel_stops():
    from jupyter_client.manager import start_new_kernel

    outputs: list[dict] = []
    manager, client = start_new_kernel(kernel_name="python3")
    reply = client.execute_interactive("from tpmkit import api; shop = api.start(quiet=True); print(shop.url)",
                                       output_hook=outputs.append, timeout=60)
    url = next(m["content"]["text"].strip() for m in outputs if m["msg_type"] == "stream")
    assert reply["content"]["status"] == "ok" and not _refused(url)
    client.stop_channels()
    manager.shutdown_kernel(now=False)
    assert _refused(url)


def test_console_script_serves_until_interrupted():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tpmkit.api", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).json() == {"status": "ok"}
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    bad = subprocess.run([sys.executable, "-m", "tpmkit.api", "--port", "22"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("tpm-api: port is 0")
    with socket.socket() as taken:  # the console script never moves: a client may be set up for its port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = subprocess.run([sys.executable, "-m", "tpmkit.api", "--port", str(taken.getsockname()[1])],
                              capture_output=True, text=True)
    assert busy.returncode == 2 and "is taken" in busy.stderr
