"""Every value the hidden tests of exercise 06-apis grade, recomputed here with independent reference code:
method properties from RFC 9110's lists, status codes by asking a fresh API on 127.0.0.1,
the pro-plan count and the net payouts by paging a fresh API a different way, the webhook verdicts with an
HMAC built here from SHA-256 by hand (RFC 2104), and the build-vs-buy totals month by month from the
prompt's table. Then the brief's quoted facts, and proof that the misconceptions' answers miss the keys."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from autograder import notebooks
from tests.test_answer_keys import assert_keys, hidden_keys
from tpmkit import api, buildbuy
from tpmkit.api import READONLY_KEY, SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
AID = "06-apis"
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]

# RFC 9110 section 9.2.1 (safe) and 9.2.2 (idempotent: PUT, DELETE and the safe methods); RFC 5789: PATCH neither.
SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}
IDEMPOTENT = SAFE | {"PUT", "DELETE"}

# Question 7's table, as the prompt states it (pounds).
BUILD = {"one_off": 85_000, "upkeep_share_per_year": 0.20, "monthly": 600, "per_text": 0.018}
BUY = {"one_off": 12_000, "monthly": 400, "per_text": 0.032}
TEXTS_PER_MONTH = {1: 60_000, 2: 120_000, 3: 200_000}  # by year


def prompt(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


class Client:
    """Requests to a fresh API on 127.0.0.1, by path (as the learner's code sends them)."""

    def __init__(self, server):
        self.url = server.url

    def get(self, path, **kwargs):
        return requests.get(self.url + path, timeout=10, **kwargs)

    def post(self, path, **kwargs):
        return requests.post(self.url + path, timeout=10, **kwargs)


@contextmanager
def client():
    server = api.start(quiet=True)
    try:
        yield Client(server)
    finally:
        server.stop()


def bearer(key: str = SECRET_KEY) -> dict:
    return {"Authorization": f"Bearer {key}"}


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """HMAC as RFC 2104 defines it, from SHA-256 alone (independent of the hmac module the solution uses)."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def reference_verdict(body: str, header: str, secret: str, now: int) -> bool:
    fields = {}
    for part in header.split(","):
        name, _, value = part.partition("=")
        fields[name.strip()] = value.strip()
    signed = hmac_sha256_hex(secret.encode("utf-8"), (fields["t"] + "." + body).encode("utf-8"))
    return signed == fields["v1"] and abs(now - int(fields["t"])) <= 300


def webhook_vectors() -> list[tuple]:
    """The literal arguments of each is_genuine call in Question 6's hidden test."""
    hidden = prompt("q6-webhook").split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
    calls = [n for n in ast.walk(ast.parse(hidden)) if isinstance(n, ast.Call) and getattr(n.func, "id", "") ==
             "is_genuine"]
    return [tuple(ast.literal_eval(a) for a in call.args) for call in calls]


def pro_count_by_paging(page_size: int) -> int:
    count, cursor = 0, None
    with client() as shop:
        while True:
            params = {"limit": page_size, **({"starting_after": cursor} if cursor else {})}
            page = shop.get("/v1/customers", headers=bearer(READONLY_KEY), params=params).json()
            count += sum(customer["plan"] == "pro" for customer in page["data"])
            if not page["has_more"]:
                return count
            cursor = page["data"][-1]["id"]


@functools.cache
def reports() -> dict[str, dict]:
    """Each month's report, fetched as a polite client does (waiting out every 429)."""
    out = {}
    with client() as shop:
        for month in MONTHS:
            answer = shop.get(f"/v1/reports/settlements/{month}", headers=bearer())
            while answer.status_code == 429:
                time.sleep(int(answer.headers["Retry-After"]))
                answer = shop.get(f"/v1/reports/settlements/{month}", headers=bearer())
            out[month] = answer.json()
    return out


def statuses() -> dict[str, int]:
    with client() as shop:
        report_statuses = [shop.get(f"/v1/reports/settlements/{m}", headers=bearer()).status_code
                           for m in MONTHS[:4]]
        return {
            "no_key": shop.get("/v1/customers").status_code,
            "read_only_key_post": shop.post("/v1/payments", headers=bearer(READONLY_KEY),
                                            json={"amount": 2450, "customer": "cus_0042"}).status_code,
            "unknown_payment": shop.get("/v1/payments/pay_99999", headers=bearer()).status_code,
            "too_many": report_statuses[3],
            "amount_too_small": shop.post("/v1/payments", headers=bearer(),
                                          json={"amount": 10, "customer": "cus_0042"}).status_code,
            "payment_created": shop.post("/v1/payments", headers=bearer(),
                                         json={"amount": 2450, "customer": "cus_0042"}).status_code,
        }


def three_year_cost(option: dict, *, upkeep_every_year: bool = True, volumes=TEXTS_PER_MONTH) -> float:
    """Month by month: the one-off cost, then each month's fixed costs and texts, upkeep at each year's start."""
    total = option["one_off"]
    for month in range(1, 37):
        year = (month - 1) // 12 + 1
        total += option["monthly"] + option["per_text"] * volumes[year]
        if month % 12 == 1 and (upkeep_every_year or year == 1):
            total += option.get("upkeep_share_per_year", 0) * option["one_off"]
    return total


def expected_keys() -> dict[str, object]:
    nets = reports()
    return {
        "q1-methods": {m: {"safe": m in SAFE, "idempotent": m in IDEMPOTENT}
                       for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
        "q2-status": statuses(),
        "q3-pro-customers": pro_count_by_paging(7),
        "q4-reports": {"months_fetched": len(MONTHS), "early_retries": 0,
                       "total_net": sum(r["gross"] - r["fees"] for r in nets.values())},
        # £24.50 in pence, taken exactly once, and the payment the learner's code got back is that one
        "q5-payment": [{"amount": round(24.50 * 100), "yours": True}],
        "q6-webhook": [reference_verdict(*args) for args in webhook_vectors()],
        "q7-build-buy": [round(three_year_cost(BUILD)), round(three_year_cost(BUY))],
    }


def test_06_keys_are_recomputed():
    assert_keys(AID, expected_keys())


def test_06_prompts_state_the_figures_the_keys_use():
    q7 = prompt("q7-prompt")
    for figure in ("£85,000", "20% of the one-off build cost every year", "£600", "£0.018", "£12,000", "£400",
                   "£0.032", "**60,000**", "**120,000**", "**200,000**", "**three years** (36 months)",
                   "nearest pound"):
        assert figure in q7, figure
    q5 = prompt("q5-prompt")
    assert all(s in q5 for s in ("**A-1042**", "**£24.50**", '"amount": 2450', "cus_0042", "**`timeout=1`**",
                                 "**at most 3 attempts**"))
    q4 = prompt("q4-prompt")
    assert all(s in q4 for s in ("2026-01", "2026-06", "**3 report requests per 2 seconds**", "`net`"))
    assert "**300 seconds**" in prompt("q6-prompt")
    assert "limit=100" in prompt("q3-prompt") and '`"pro"`' in prompt("q3-prompt")


def test_06_webhook_vectors_cover_each_way_to_fail():
    vectors, verdicts = webhook_vectors(), hidden_keys(AID)["q6-webhook"]
    assert len(vectors) == 5 and verdicts.count(True) == 2
    # RFC 4231 test case 2 proves the hand-built HMAC right.
    assert hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    now = vectors[0][3]
    ages = [now - int(header.split(",")[0].removeprefix("t=")) for _, header, _, _ in vectors]
    fresh = [age for age, ok in zip(ages, verdicts, strict=True) if ok]
    assert max(fresh) < 300 < max(ages), "fresh genuine deliveries and a stale one"
    # Without the timestamp check the stale one would pass; with the body re-serialised nothing would.
    stale = next(i for i, a in enumerate(ages) if a > 300)
    body, header, secret, _ = vectors[stale]
    assert reference_verdict(body, header, secret, now - ages[stale])
    assert all(json.dumps(json.loads(b)) != b for b, *_ in vectors), "re-serialising changes the signed bytes"
    # The sample in the prompt is genuine, as the prompt says.
    q6 = prompt("q6-prompt")
    sample_body = q6.split("- body: `")[1].split("`")[0]
    sample_header = q6.split("- header: `")[1].split("`")[0]
    sample_secret = q6.split('signed with the secret `"')[1].split('"`')[0]
    sample_now = int(q6.split("at `now = ")[1].split("`")[0])
    assert reference_verdict(sample_body, sample_header, sample_secret, sample_now)


def test_06_keys_match_the_curriculum_brief():
    keys = hidden_keys(AID)
    # RFC 9110: GET safe and idempotent; PUT and DELETE idempotent; POST neither; PATCH not idempotent in general.
    methods = keys["q1-methods"]
    assert methods["GET"] == {"safe": True, "idempotent": True}
    assert not methods["POST"]["idempotent"] and not methods["PATCH"]["idempotent"]
    assert methods["PUT"]["idempotent"] and methods["DELETE"]["idempotent"]
    # 401 not authenticated, 403 authenticated but not allowed, 422 validation (RFC 9110), 429 (RFC 6585).
    codes = keys["q2-status"]
    assert (codes["no_key"], codes["read_only_key_post"], codes["amount_too_small"], codes["too_many"]) == (
        401, 403, 422, 429)
    # The lesson names its sources.
    lesson = " ".join(" ".join(c.source.split()) for c in notebooks.read(ROOT / "course" / f"{AID}.ipynb").cells)
    for source in ("RFC 9110", "RFC 6585", "RFC 5789", "RFC 8288", "The Idempotency-Key HTTP Header Field",
                   "Stripe API docs", "GitHub REST API docs", "OpenAPI Specification"):
        assert source in lesson, source


def test_06_an_idempotency_key_is_what_makes_the_retry_charge_once():
    sale = {"amount": 2450, "customer": "cus_0042", "order": "A-1042"}
    with client() as shop:
        first = shop.post("/v1/payments", headers={**bearer(), "Idempotency-Key": "k-1"}, json=sale)
        again = shop.post("/v1/payments", headers={**bearer(), "Idempotency-Key": "k-1"}, json=sale)
        shop.post("/v1/payments", headers=bearer(), json={**sale, "order": "B-7"})
        shop.post("/v1/payments", headers=bearer(), json={**sale, "order": "B-7"})
        listed = shop.get("/v1/payments", headers=bearer(), params={"per_page": 100}).json()["data"]
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [p["order"] for p in listed].count("A-1042") == 1 and [p["order"] for p in listed].count("B-7") == 2


def test_06_traps_give_different_answers():
    keys = hidden_keys(AID)
    # First page only, or every page but the last: fewer pro shops.
    with client() as shop:
        first_page = shop.get("/v1/customers", headers=bearer(), params={"limit": 100}).json()["data"]
    assert sum(c["plan"] == "pro" for c in first_page) < keys["q3-pro-customers"]
    assert pro_count_by_paging(100) == keys["q3-pro-customers"] == pro_count_by_paging(1)
    # Gross is not net.
    assert sum(r["gross"] for r in reports().values()) != keys["q4-reports"]["total_net"]
    # Build vs buy: no upkeep, upkeep once, or year 1's volume throughout all miss.
    build, buy = keys["q7-build-buy"]
    assert round(three_year_cost({**BUILD, "upkeep_share_per_year": 0})) != build
    assert round(three_year_cost(BUILD, upkeep_every_year=False)) != build
    flat = dict.fromkeys(TEXTS_PER_MONTH, TEXTS_PER_MONTH[1])
    assert round(three_year_cost(BUILD, volumes=flat)) != build and round(three_year_cost(BUY, volumes=flat)) != buy
    # The package's own sums agree with this file's, month by month.
    options = {"build": {"upfront": 85_000, "monthly": 600 + 0.20 * 85_000 / 12, "per_unit": 0.018},
               "buy": {"upfront": 12_000, "monthly": 400, "per_unit": 0.032}}
    table = buildbuy.compare(options, volumes=[60_000, 120_000, 200_000])
    assert table["total"].tolist() == pytest.approx([build, buy], abs=0.5)
    assert math.isclose(buildbuy.total_cost(**options["buy"], volumes=[60_000, 120_000, 200_000]), buy)
