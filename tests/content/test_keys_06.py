"""Every value the hidden tests of exercise 06-apis grade, recomputed here with independent reference code:
method properties from RFC 9110's lists, status codes by asking a fresh API on 127.0.0.1,
the pro-plan count and the net payouts by paging a fresh API a different way (the reports through the same
503 the exercise arms, its Retry-After read here as an HTTP-date), the webhook verdicts with an HMAC built
here from SHA-256 by hand (RFC 2104), and the build-vs-buy totals month by month from the prompt's table.
Then the brief's quoted facts, proof that the misconceptions' answers miss the keys, and that questions 3
to 6 give the loop and grade only its decisions (issue 15, item 5)."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import re
import textwrap
import time
from contextlib import contextmanager
from email.utils import parsedate_to_datetime

import pytest
import requests

from autograder import misconceptions, notebooks
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import api, buildbuy
from tpmkit.api import READONLY_KEY, SECRET_KEY

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


def lesson_code() -> str:
    return "\n".join(c.source for c in notebooks.read(ROOT / "course" / f"{AID}.ipynb").cells
                     if c.cell_type == "code")


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


def seconds_to_wait(headers) -> float:
    """RFC 9110 section 10.2.3, read here without the kit: delay-seconds, or an HTTP-date less the Date header."""
    value = headers["Retry-After"]
    if value.isdigit():
        return int(value)
    return (parsedate_to_datetime(value) - parsedate_to_datetime(headers["Date"])).total_seconds()


@functools.cache
def reports() -> dict[str, dict]:
    """Each month's report, fetched as a polite client does (waiting out every 429 and 503), with the
    exercise's own fault armed by its locked setup cell (run here against this server, as the grader does)."""
    out = {}
    server = api.start(quiet=True)
    try:
        exec(prompt("q4-setup"), {"shop": server})  # noqa: S102 - the course's own setup cell
        shop = Client(server)
        for month in MONTHS:
            answer = shop.get(f"/v1/reports/settlements/{month}", headers=bearer())
            while answer.status_code in (429, 503):
                time.sleep(seconds_to_wait(answer.headers))
                answer = shop.get(f"/v1/reports/settlements/{month}", headers=bearer())
            out[month] = answer.json()
        record = server.requests(path="/v1/reports")
    finally:
        server.stop()
    assert [r["status"] for r in record].count(503) == 1, "the setup cell's 503 was met on the way"
    assert api.retry_report(record)["early_retries"] == 0
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
    # Issue 15, item 4: 429 (RFC 6585 section 4) and 408 (RFC 9110 section 15.5.9) mean "wait, then send it
    # again", not "the same request will fail again"; Retry-After has two forms (RFC 9110 section 10.2.3);
    # 422 is about the request's content (section 15.5.21), so a bad query parameter is 400 (Stripe, "Errors").
    for fact in ("RFC 6585 section 4", "RFC 9110 section 15.5.9", "(RFC 9110 section 15.5.21)", "section 15.5.1",
                 "(section 10.2.3)", "HTTP-date", 'Stripe API docs, "Errors"', "api.retry_after_seconds"):
        assert fact in lesson, fact
    assert "the same request will fail again | 400" not in lesson


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


# --- questions 3 to 6 give the loop and grade its decisions (issue 15, item 5) ------------------------------

SCAFFOLDED = {"q3-answer": ("q3-prompt", {"last_page", "next_cursor"}),
              "q4-answer": ("q4-prompt", {"retry", "wait"}),
              "q5-answer": ("q5-prompt", {"key", "headers"}),
              "q6-answer": ("q6-prompt", {"signed_text", "fresh"})}
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?", re.M | re.S)


def assigned(code: str) -> set[str]:
    """Names a few lines of code assign, read with the indentation they had."""
    return {t.id for node in ast.walk(ast.parse(textwrap.dedent(code))) if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def scaffold_lines(source: str) -> list[str]:
    """The lines given to the learner: the answer cell without its solution regions."""
    return [line for line in REGION.sub("", source).splitlines() if line.strip()]


def read(source: str) -> set[str]:
    """Names the cell reads, so a decision that nothing acts on would show."""
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("answer", sorted(SCAFFOLDED))
def test_06_scaffolds_give_the_loop_and_leave_only_named_decisions(answer):
    prompt_id, decisions = SCAFFOLDED[answer]
    source = prompt(answer)
    regions = [body for _, body in REGION.findall(source)]
    assert regions and len(scaffold_lines(source)) >= 8, "the loop (or function) is given, not written"
    for region in regions:
        lines = [line for line in region.splitlines() if line.strip() and not line.strip().startswith("#")]
        assert 1 <= len(lines) <= 2, f"{answer}: a blank is one or two lines, not a loop: {region!r}"
        tree = ast.parse("\n".join(line.strip() for line in lines))
        assert all(isinstance(node, ast.Assign) for node in tree.body), f"{answer}: blanks only assign decisions"
    assert set().union(*map(assigned, regions)) == decisions
    text = prompt(prompt_id)
    assert decisions <= read(source), f"{answer}: the code acts on every decision"
    for name in decisions:
        assert f"`{name}`" in text, f"the prompt of {answer} names the decision {name}"
        # The lesson's worked example makes the same decision under the same name ("What the exercise expects").
        assert re.search(rf"^\s*{name} = .*# decision", lesson_code(), re.M), f"no worked example of {name}"


def test_06_the_intro_and_the_lesson_say_what_is_expected():
    intro = " ".join(prompt("intro").split())
    assert "**written for you**" in intro and "the **decisions**" in intro
    lesson = notebooks.read(ROOT / "course" / f"{AID}.ipynb").cells[1].source
    assert "**What the exercise expects.**" in lesson and "never write a loop from" in " ".join(lesson.split())


def test_06_misconceptions_in_scaffolded_questions_only_change_the_decisions():
    variants = misconceptions.load(ROOT, AID)
    checked = 0
    for variant in variants:
        if variant["answer"] not in SCAFFOLDED:
            continue
        _, decisions = SCAFFOLDED[variant["answer"]]
        given, pending = scaffold_lines(prompt(variant["answer"])), []
        for line in [line for line in variant["code"].splitlines() if line.strip()]:
            if given and line == given[0]:
                given.pop(0)
            else:
                pending.append(line)
        assert not given, f"{variant['misconception']}: the given code is not all there: {given[:2]}"
        for line in pending:
            stripped = line.strip()
            assert stripped.startswith("import ") or assigned(stripped) <= decisions and assigned(stripped), (
                f"{variant['misconception']}: only decision lines may differ, not {stripped!r}")
        checked += 1
    assert checked >= 2 * len(SCAFFOLDED)


def test_06_reports_meet_a_503_whose_retry_after_is_a_date():
    setup = prompt("q4-setup")
    assert "http_date=True" in setup and 'status=503' in setup
    assert "**date**" in prompt("q4-prompt") and "RFC 9110 section 10.2.3" in prompt("q4-prompt")
    server = api.start(quiet=True)
    try:
        exec(setup, {"shop": server})  # noqa: S102 - the course's own setup cell
        busy = requests.get(f"{server.url}/v1/reports/settlements/2026-05", headers=bearer(), timeout=10)
    finally:
        server.stop()
    assert busy.status_code == 503 and not busy.headers["Retry-After"].isdigit()
    assert 1 <= seconds_to_wait(busy.headers) <= 3
