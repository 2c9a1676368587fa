"""Acceptance criteria that run: Given/When/Then scenarios, executed against Tillpoint's API.

A learner writes scenarios in Gherkin, the plain-language format Cucumber reads (Cucumber's Gherkin
reference): `Given` sets the scene, ONE `When` does the action, `Then` checks the outcome; `And` and
`But` continue the step before. The kit knows a fixed library of steps (`steps()` lists them), each
matched by a regular expression; nothing in the text is ever run as code.

    report = acceptance.run(feature, url=shop.url, key=shop.key)   # real HTTP to a running API
    report                                  # a table: each scenario passed or failed, and why
    report.chart()                          # the same as a picture
    acceptance.catches(feature, bug="refund_over_amount")
    # -> {"scenarios": 2, "pass_on_correct": 2, "fail_on_buggy": 1, "undefined_steps": [], "catches_bug": True}

`catches` runs the scenarios against a correct build and a build with a planted bug, each scenario
on a fresh in-process copy of the API (no port, no network), and returns plain data. It is safe on
untrusted text: the text is only matched against the step library, and scenarios, steps, line
lengths, numbers and time are all bounded.
"""

from __future__ import annotations

import difflib
import html
import re
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from tpmkit.check import reports_progress
from tpmkit.errors import CheckFailed, KitError

__all__ = ["Report", "catches", "lint", "parse", "run", "self_check", "steps"]

MAX_TEXT = 20_000        # characters in a feature
MAX_LINE = 300           # characters in one line
MAX_SCENARIOS = 20
MAX_STEPS = 15           # steps in one scenario, Background included
TIME_LIMIT = 20.0        # seconds for one run of a whole feature (catches: for both builds together)
REQUEST_TIMEOUT = 5.0    # seconds for one request to a running server

_SECRET_KEY = "sk_test_tillpoint"    # the API's keys (tpmkit.api.app); repeated so parsing needs no server code
_READONLY_KEY = "rk_test_readonly"
_DEFAULT_CUSTOMER = "cus_0001"


# --- parsing ---------------------------------------------------------------------------------------


@dataclass
class Step:
    keyword: str     # as written: Given, When, Then, And, But, *
    kind: str        # given, when or then (And/But take the kind of the step before)
    text: str        # the step after its keyword, spaces tidied
    line: int

    def __str__(self) -> str:
        return f"{self.keyword} {self.text}"


@dataclass
class Scenario:
    name: str
    line: int
    steps: list[Step] = field(default_factory=list)


_HEADING = re.compile(r"(Feature|Background|Scenario|Example|Rule|Scenario Outline|Scenario Template|Examples|"
                      r"Scenarios):(.*)", re.IGNORECASE)
_STEP = re.compile(r"(Given|When|Then|And|But|\*)(?:\s+(.*))?", re.IGNORECASE)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


def _tidy(text: str) -> str:
    text = " ".join(text.translate(_QUOTES).split())
    return text[:-1] if text.endswith(".") else text


def parse(feature_text) -> list[Scenario]:
    """The scenarios of a feature, checked for shape. Bad text raises KitError with one line saying why."""
    if not isinstance(feature_text, str):
        raise KitError("A feature is text (a str) holding Given/When/Then scenarios, "
                       f"not a {type(feature_text).__name__}.")
    if len(feature_text) > MAX_TEXT:
        raise KitError(f"The feature is {len(feature_text):,} characters; keep it under {MAX_TEXT:,} "
                       "(a few scenarios, not a whole test suite).")
    scenarios: list[Scenario] = []
    background: list[Step] = []
    section = None          # None, "feature", "background", "scenario"
    for number, raw in enumerate(feature_text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        if len(line) > MAX_LINE:
            raise KitError(f"Line {number} is {len(line)} characters long; a step fits on one short line.")
        if line.startswith(("|", '"""', "```")):
            raise KitError(f"Line {number}: tables and doc strings are not supported here; "
                           "write the value in the step itself, such as: When I refund 3000 pence of it.")
        heading = _HEADING.fullmatch(line)
        if heading:
            word = heading.group(1).lower()
            if word in ("scenario outline", "scenario template", "examples", "scenarios"):
                raise KitError(f"Line {number}: Scenario Outline and Examples are not supported here; "
                               "write one Scenario per example.")
            if word == "background":
                if scenarios:
                    raise KitError(f"Line {number}: a Background comes before the first Scenario.")
                section = "background"
            elif word in ("scenario", "example"):
                if len(scenarios) == MAX_SCENARIOS:
                    raise KitError(f"The feature has more than {MAX_SCENARIOS} scenarios; keep to the ones "
                                   "that matter for this story.")
                name = heading.group(2).strip() or f"Scenario at line {number}"
                scenarios.append(Scenario(name, number))
                section = "scenario"
            else:  # Feature or Rule: a heading, maybe with description lines under it
                section = "feature"
            continue
        step = _STEP.fullmatch(line)
        if step and step.group(2):
            keyword = step.group(1)
            keyword = keyword if keyword == "*" else keyword.capitalize()
            if section not in ("background", "scenario"):
                raise KitError(f"Line {number}: '{line}' is a step outside any scenario; "
                               "start one with a line such as: Scenario: a refund larger than the payment.")
            target = background if section == "background" else scenarios[-1].steps
            if len(background) + (len(target) if section == "scenario" else 0) >= MAX_STEPS:
                raise KitError(f"Line {number}: a scenario has more than {MAX_STEPS} steps (its Background's "
                               "included); split it into smaller scenarios.")
            target.append(Step(keyword, "", _tidy(step.group(2)), number))
            continue
        if step:
            raise KitError(f"Line {number}: '{line}' has a keyword but no step after it.")
        current = scenarios[-1].steps if section == "scenario" and scenarios else \
            background if section == "background" else None
        if current:  # free text after steps have started
            raise KitError(f"Line {number}: '{_short(line)}' is not a step; steps start with Given, When, "
                           "Then, And or But.")
        if section is None:
            raise KitError(f"Line {number}: '{_short(line)}' is not Gherkin; start with 'Feature:' or "
                           "'Scenario:' and write steps that start with Given, When or Then.")
        # otherwise: a description line under a heading, which Gherkin allows
    if not scenarios:
        raise KitError("The text has no Scenario: write at least one 'Scenario: ...' with Given, When and Then steps.")
    _kinds(background, "Background")
    if any(s.kind != "given" for s in background):
        bad = next(s for s in background if s.kind != "given")
        raise KitError(f"Line {bad.line}: a Background holds only Given steps (the scene every scenario shares).")
    for scenario in scenarios:
        _kinds(scenario.steps, f"Scenario '{scenario.name}'")
        shared = [Step(s.keyword, s.kind, s.text, s.line) for s in background]
        scenario.steps = shared + scenario.steps
        _check_shape(scenario)
    return scenarios


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kinds(steps: list[Step], where: str) -> None:
    previous = None
    for step in steps:
        word = step.keyword.lower()
        if word in ("and", "but", "*"):
            if previous is None:
                raise KitError(f"Line {step.line}: {where} starts with '{step.keyword}'; "
                               "the first step starts with Given or When.")
            step.kind = previous
        else:
            step.kind = word
        previous = step.kind


def _check_shape(scenario: Scenario) -> None:
    where = f"Scenario '{_short(scenario.name, 50)}' (line {scenario.line})"
    if not scenario.steps:
        raise KitError(f"{where} has no steps; give it Given, When and Then steps.")
    whens = [s for s in scenario.steps if s.kind == "when"]
    if len(whens) > 1:
        raise KitError(f"{where} has {len(whens)} When steps (lines {', '.join(str(s.line) for s in whens)}); "
                       "a scenario tests ONE action (Cucumber's Gherkin reference): split it into scenarios.")
    if not whens:
        raise KitError(f"{where} has no When step; say the one action it tests, such as: "
                       "When I refund 3000 pence of it.")
    position = scenario.steps.index(whens[0])
    for step in scenario.steps[:position]:
        if step.kind == "then":
            raise KitError(f"Line {step.line}: a Then before the When; Then checks what happened after the action.")
    for step in scenario.steps[position + 1:]:
        if step.kind == "given":
            raise KitError(f"Line {step.line}: a Given after the When; set the scene before the action.")
    if not any(s.kind == "then" for s in scenario.steps):
        raise KitError(f"{where} has no Then step; say what must be true afterwards, such as: "
                       "Then the response status is 422.")


# --- talking to the API ------------------------------------------------------------------------------


class StepFailed(AssertionError):
    """A step whose check did not hold (or whose set-up the API refused)."""


class OutOfTime(StepFailed):
    """The feature used up its time limit before this step could run."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object           # parsed JSON, or None
    text: str

    def describe(self) -> str:
        code = _error_code(self.body)
        return f"{self.status}" + (f" {code}" if code else "")


def _error_code(body) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


class _World:
    """What one scenario knows while it runs: the client, the key, the payment it set up, the last answer."""

    def __init__(self, http, key: str, deadline: float):
        self.http, self.setup_key, self.key, self.deadline = http, key, key, deadline
        self.version: str | None = None
        self.customer = _DEFAULT_CUSTOMER
        self.payment: dict | None = None
        self.response: Answer | None = None

    def call(self, method: str, path: str, *, json=None, params=None, setup: bool = False,
             idempotency_key: str | None = None) -> Answer:
        if time.monotonic() > self.deadline:
            raise OutOfTime(f"the feature ran out of time ({TIME_LIMIT:g} s); run fewer scenarios at once.")
        key = self.setup_key if setup else self.key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if self.version and not setup:
            headers["Tillpoint-Version"] = self.version
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            reply = self.http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TimeoutException:
            raise StepFailed(f"the API did not answer within {REQUEST_TIMEOUT:g} s.") from None
        except httpx.TransportError:
            raise KitError(f"Nothing answers at {self.http.base_url}: start the API with shop = api.start() "
                           "and pass url=shop.url.") from None
        try:
            body = reply.json()
        except ValueError:
            body = None
        return Answer(reply.status_code, {k.lower(): v for k, v in reply.headers.items()}, body, reply.text[:500])

    def act(self, method: str, path: str, **kwargs) -> None:
        """The scenario's When: the answer is what the Then steps check."""
        self.response = self.call(method, path, **kwargs)

    def answer(self) -> Answer:
        if self.response is None:  # pragma: no cover - parse() guarantees a When before any Then
            raise StepFailed("there is no response yet: the When step makes the request.")
        return self.response

    def the_payment(self) -> dict:
        if self.payment is None:
            raise StepFailed("no payment yet: start with a step such as 'Given a succeeded payment of 2500 pence'.")
        return self.payment


# --- the step library ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Def:
    kind: str
    pattern: re.Pattern
    example: str
    does: str
    run: object


_LIBRARY: list[_Def] = []
_ID = r"[A-Za-z0-9_\-]{1,40}"
_PENCE = r"(\d{1,7}) ?(?:pence|p)"


def _step(kind: str, pattern: str, example: str, does: str):
    def register(func):
        _LIBRARY.append(_Def(kind, re.compile(pattern, re.IGNORECASE), example, does, func))
        return func
    return register


def _created(world: _World, answer: Answer, what: str) -> dict:
    if answer.status != 201 or not isinstance(answer.body, dict):
        raise StepFailed(f"could not set up {what}: the API answered {answer.describe()}.")
    return answer.body


# Given: the scene -------------------------------------------------------------------------------------

@_step("given", r"I use the (secret|read-only|readonly) (?:API )?key", "I use the read-only key",
       "send the When request with the secret key or the read-only key")
def _use_key(world, which):
    world.key = _SECRET_KEY if which.lower() == "secret" else _READONLY_KEY


@_step("given", r"I (?:use|send) no API key", "I use no API key", "send the When request without a key")
def _no_key(world):
    world.key = None


@_step("given", r'I use the API key "([A-Za-z0-9_\-]{1,100})"', 'I use the API key "sk_test_wrong"',
       "send the When request with this key")
def _some_key(world, key):
    world.key = key


@_step("given", r'I (?:pin|use) (?:the )?API version "([0-9\-]{1,20})"', 'I pin API version "2026-01-01"',
       "send the Tillpoint-Version header with the When request")
def _version(world, version):
    world.version = version


@_step("given", rf'a customer "({_ID})"', 'a customer "cus_0042"', "use this shop for payments and messages")
def _customer(world, customer):
    answer = world.call("GET", f"/v1/customers/{customer}", setup=True)
    if answer.status != 200:
        raise StepFailed(f"there is no customer {customer} (the API answered {answer.describe()}).")
    world.customer = customer


@_step("given", rf'a succeeded payment of {_PENCE}(?: for customer "({_ID})")?'
                r'(?: taken with idempotency key "([A-Za-z0-9_\-]{1,64})")?',
       "a succeeded payment of 2500 pence", "take a card payment first (optionally for a customer, with a key)")
def _succeeded_payment(world, amount, customer=None, idempotency_key=None):
    body = {"amount": int(amount), "customer": customer or world.customer}
    answer = world.call("POST", "/v1/payments", json=body, setup=True, idempotency_key=idempotency_key)
    world.payment = _created(world, answer, f"a payment of {amount} pence")


@_step("given", r"a failed payment", "a failed payment", "pick a payment whose card was declined")
def _failed_payment(world):
    for page in range(1, 7):
        answer = world.call("GET", "/v1/payments", params={"page": page, "per_page": 100}, setup=True)
        rows = answer.body.get("data", []) if isinstance(answer.body, dict) else []
        for row in rows:
            if isinstance(row, dict) and row.get("status") == "failed" and row.get("refunded") == 0:
                world.payment = row
                return
        if not rows:
            break
    raise StepFailed("could not find a failed payment in the API.")


@_step("given", rf'a payment "({_ID})"', 'a payment "pay_00012"', "use a payment the API already holds")
def _payment_by_id(world, payment):
    answer = world.call("GET", f"/v1/payments/{payment}", setup=True)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise StepFailed(f"there is no payment {payment} (the API answered {answer.describe()}).")
    world.payment = answer.body


@_step("given", r"a payment id that does not exist", "a payment id that does not exist",
       "refer to a payment the API has never had")
def _no_such_payment(world):
    world.payment = {"id": "pay_99999", "amount": 0, "refunded": 0}


@_step("given", rf"{_PENCE} of it (?:has|have|was|were) already been refunded|{_PENCE} of it (?:was|were) refunded",
       "1000 pence of it has already been refunded", "refund part of the payment first")
def _refunded_before(world, amount, other=None):
    amount = amount or other
    payment = world.the_payment()
    answer = world.call("POST", "/v1/refunds", json={"payment": payment["id"], "amount": int(amount)}, setup=True)
    _created(world, answer, f"a refund of {amount} pence")


# When: the one action -----------------------------------------------------------------------------------

@_step("when", rf"I refund {_PENCE} of it", "I refund 3000 pence of it", "POST /v1/refunds for the payment")
def _refund(world, amount):
    world.act("POST", "/v1/refunds", json={"payment": world.the_payment()["id"], "amount": int(amount)})


@_step("when", r"I refund (?:all of it|the full amount|what is left)", "I refund all of it",
       "POST /v1/refunds for what is left of the payment")
def _refund_all(world):
    payment = world.the_payment()
    now = world.call("GET", f"/v1/payments/{payment['id']}", setup=True)
    current = now.body if now.status == 200 and isinstance(now.body, dict) else payment
    left = int(current.get("amount", 0)) - int(current.get("refunded", 0))
    world.act("POST", "/v1/refunds", json={"payment": payment["id"], "amount": left})


@_step("when", rf'I take a payment of {_PENCE}(?: for customer "({_ID})")?'
               r'(?: with idempotency key "([A-Za-z0-9_\-]{1,64})")?',
       'I take a payment of 2500 pence with idempotency key "order-1042"', "POST /v1/payments")
def _take_payment(world, amount, customer=None, idempotency_key=None):
    body = {"amount": int(amount), "customer": customer or world.customer}
    world.act("POST", "/v1/payments", json=body, idempotency_key=idempotency_key)
    if world.response.status == 201 and isinstance(world.response.body, dict):
        world.payment = world.response.body


@_step("when", r"I fetch (?:the payment|it)", "I fetch the payment", "GET /v1/payments/{id} for the payment")
def _fetch_payment(world):
    world.act("GET", f"/v1/payments/{world.the_payment()['id']}")


@_step("when", rf'I fetch payment "({_ID})"', 'I fetch payment "pay_00012"', "GET /v1/payments/{id}")
def _fetch_payment_id(world, payment):
    world.act("GET", f"/v1/payments/{payment}")


@_step("when", rf'I fetch (?:the customer|customer "({_ID})")', 'I fetch customer "cus_0042"',
       "GET /v1/customers/{id}")
def _fetch_customer(world, customer=None):
    world.act("GET", f"/v1/customers/{customer or world.customer}")


@_step("when", rf'I list customers(?: with limit (\d{{1,6}}))?(?: starting after "({_ID})")?',
       'I list customers with limit 5 starting after "cus_0010"', "GET /v1/customers (cursor pagination)")
def _list_customers(world, limit=None, after=None):
    params = {}
    if limit is not None:
        params["limit"] = int(limit)
    if after is not None:
        params["starting_after"] = after
    world.act("GET", "/v1/customers", params=params)


@_step("when", r"I list payments(?: page (\d{1,6}))?(?: with (\d{1,6}) per page)?",
       "I list payments page 2 with 50 per page", "GET /v1/payments (page numbers)")
def _list_payments(world, page=None, per_page=None):
    params = {}
    if page is not None:
        params["page"] = int(page)
    if per_page is not None:
        params["per_page"] = int(per_page)
    world.act("GET", "/v1/payments", params=params)


@_step("when", rf'I send an? (SMS|text message|text|email|e-mail) of (\d{{1,5}}) characters(?: to customer "({_ID})")?',
       "I send an SMS of 161 characters", "POST /v1/messages to the customer")
def _send_message(world, channel, length, customer=None):
    channel = "sms" if channel.lower() in ("sms", "text message", "text") else "email"
    body = {"customer": customer or world.customer, "channel": channel, "text": "x" * int(length)}
    world.act("POST", "/v1/messages", json=body)


@_step("when", r'I fetch the settlement report for "?(\d{4}-\d{2})"?', 'I fetch the settlement report for "2026-03"',
       "GET /v1/reports/settlements/{month}")
def _report(world, month):
    world.act("GET", f"/v1/reports/settlements/{month}")


@_step("when", r'I request "(/(?!/)[A-Za-z0-9_\-/.?=&%]{0,200})"', 'I request "/v1/customers?limit=3"',
       "GET any path of the API")
def _request(world, path):
    world.act("GET", path)


# Then: the outcome ----------------------------------------------------------------------------------------

@_step("then", r"the (?:response )?status(?: code)? is (\d{3})", "the response status is 422",
       "the HTTP status code of the answer")
def _status(world, status):
    answer = world.answer()
    if answer.status != int(status):
        raise StepFailed(f"expected status {status}, got {answer.describe()}.")


@_step("then", r'the error code is "([A-Za-z0-9_]{1,60})"', 'the error code is "amount_too_large"',
       "the code in the answer's error object")
def _error(world, code):
    got = _error_code(world.answer().body)
    if got != code:
        raise StepFailed(f'expected error code "{code}", got ' + (f'"{got}".' if got else
                         f"no error (status {world.answer().status})."))


_VALUE = r'("[^"]{0,200}"|-?\d{1,12}(?:\.\d{1,6})?|true|false|null)'


def _literal(text: str):
    if text.startswith('"'):
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[lowered]
    return float(text) if "." in text else int(text)


def _show(value) -> str:
    if isinstance(value, str):
        return f'the text "{_short(value, 60)}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    return f"a {'list' if isinstance(value, list) else 'object'}"


_MISSING = object()


def _dig(body, path: str):
    for part in path.split("."):
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return _MISSING
    return body


@_step("then", rf'the response field "([A-Za-z0-9_.]{{1,80}})" is {_VALUE}', 'the response field "amount" is 3000',
       'one field of the JSON answer ("data.0.id" reaches into lists)')
def _field_is(world, path, value):
    got, want = _dig(world.answer().body, path), _literal(value)
    if got is _MISSING:
        raise StepFailed(f'the response has no field "{path}".')
    number = isinstance(want, (int, float)) and not isinstance(want, bool)
    if number:
        same = isinstance(got, (int, float)) and not isinstance(got, bool) and got == want
    else:
        same = type(got) is type(want) and got == want
    if not same:
        raise StepFailed(f'field "{path}" is {_show(got)}, not {_show(want)}.')


@_step("then", r'the response has (?:a |the )?field "([A-Za-z0-9_.]{1,80})"',
       'the response has a field "business_name"', "the JSON answer has this field")
def _has_field(world, path):
    if _dig(world.answer().body, path) is _MISSING:
        raise StepFailed(f'the response has no field "{path}".')


@_step("then", r'the response has no field "([A-Za-z0-9_.]{1,80})"', 'the response has no field "name"',
       "the JSON answer does not have this field")
def _no_field(world, path):
    if _dig(world.answer().body, path) is not _MISSING:
        raise StepFailed(f'the response has a field "{path}".')


@_step("then", r"the list has (\d{1,4}) items?", "the list has 5 items", "how many items the list answer holds")
def _list_size(world, count):
    data = _dig(world.answer().body, "data")
    if not isinstance(data, list):
        raise StepFailed(f"the response is not a list (status {world.answer().describe()}).")
    if len(data) != int(count):
        raise StepFailed(f"the list has {len(data)} items, not {count}.")


@_step("then", r"the list has (no )?more items", "the list has more items",
       "has_more (cursor pages) or a next link (numbered pages)")
def _more(world, no=None):
    answer = world.answer()
    more = _dig(answer.body, "has_more")
    if more is _MISSING:
        more = 'rel="next"' in answer.headers.get("link", "")
    if bool(more) == bool(no):
        raise StepFailed("the list says there are more items." if no else "the list says there are no more items.")


@_step("then", r'the response header "([A-Za-z0-9\-]{1,60})" is "([^"]{0,200})"',
       'the response header "Tillpoint-Version" is "2026-01-01"', "one header of the answer")
def _header_is(world, name, value):
    got = world.answer().headers.get(name.lower())
    if got is None:
        raise StepFailed(f'the response has no header "{name}".')
    if got != value:
        raise StepFailed(f'header "{name}" is "{_short(got, 60)}", not "{value}".')


@_step("then", r'the response has (no )?(?:a |the )?header "([A-Za-z0-9\-]{1,60})"',
       'the response has a header "Retry-After"', "the answer has (or has no) this header")
def _has_header(world, no, name):
    present = name.lower() in world.answer().headers
    if present and no:
        raise StepFailed(f'the response has a header "{name}".')
    if not present and not no:
        raise StepFailed(f'the response has no header "{name}".')


@_step("then", r"the payment's (refunded total|status|amount) is (\d{1,7}|\"[a-z_]{1,30}\"|[a-z_]{1,30})",
       "the payment's refunded total is 2500", "reads the payment again and checks it")
def _payment_is(world, what, value):
    payment = world.the_payment()
    answer = world.call("GET", f"/v1/payments/{payment['id']}", setup=True)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise StepFailed(f"could not read the payment again (the API answered {answer.describe()}).")
    column = {"refunded total": "refunded", "status": "status", "amount": "amount"}[what.lower()]
    got, want = answer.body.get(column), value.strip('"')
    if str(got) != want:
        raise StepFailed(f"the payment's {what} is {got}, not {want}.")


# --- matching and suggestions ----------------------------------------------------------------------------


def _match(step: Step):
    for definition in _LIBRARY:
        if definition.kind == step.kind:
            found = definition.pattern.fullmatch(step.text)
            if found:
                return definition, found.groups()
    return None, ()


def _shape(text: str) -> str:
    text = re.sub(r'"[^"]*"', '"x"', text.lower())
    return re.sub(r"\d+", "9", text)


def nearest(step: Step) -> str:
    """The known step closest to one the library does not know (for the learner to copy)."""
    for definition in _LIBRARY:
        if definition.kind != step.kind and definition.pattern.fullmatch(step.text):
            return f"{definition.kind.capitalize()} {definition.example} (a {definition.kind.capitalize()} step)"
    candidates = [d for d in _LIBRARY if d.kind == step.kind] or _LIBRARY
    shaped = _shape(step.text)
    best = max(candidates, key=lambda d: difflib.SequenceMatcher(None, shaped, _shape(d.example)).ratio())
    return f"{best.kind.capitalize()} {best.example}"


def _undefined(scenarios: list[Scenario]) -> list[dict]:
    seen, out = set(), []
    for scenario in scenarios:
        for step in scenario.steps:
            if _match(step)[0] is None and step.line not in seen:
                seen.add(step.line)
                out.append({"line": step.line, "step": str(step), "nearest": nearest(step)})
    return out


def lint(feature_text) -> list[str]:
    """What is wrong with a feature's text, as plain sentences: its shape, then any step the kit does not know.

    An empty list means the text is well-formed and every step is known (it says nothing about passing).
    """
    try:
        scenarios = parse(feature_text)
    except KitError as exc:
        return [str(exc)]
    return [f"Line {u['line']}: '{u['step']}' is not a step the kit knows; nearest: {u['nearest']}."
            for u in _undefined(scenarios)]


def steps() -> pd.DataFrame:
    """The steps the kit knows, one example each: copy one and change its numbers or quoted values."""
    return pd.DataFrame([{"kind": d.kind.capitalize(), "step": d.example, "what it does": d.does} for d in _LIBRARY])


# --- running -------------------------------------------------------------------------------------------------


def _run_scenario(scenario: Scenario, http, key: str, deadline: float) -> dict:
    world = _World(http, key, deadline)
    matched = [_match(step) for step in scenario.steps]
    rows, status, timed_out = [], "passed", False
    if any(d is None for d, _ in matched):
        status = "undefined"
    for step, (definition, groups) in zip(scenario.steps, matched, strict=True):
        row = {"keyword": step.keyword, "kind": step.kind, "text": step.text, "line": step.line,
               "status": "skipped", "message": ""}
        if definition is None:
            row["nearest"] = nearest(step)
            row.update(status="undefined", message=f"not a step the kit knows; nearest: {row['nearest']}")
        elif status == "passed":
            try:
                definition.run(world, *groups)
                row["status"] = "passed"
            except StepFailed as exc:
                row.update(status="failed", message=str(exc))
                status, timed_out = "failed", isinstance(exc, OutOfTime)
        rows.append(row)
    failing = next((r for r in rows if r["status"] in ("failed", "undefined")), None)
    return {"name": scenario.name, "line": scenario.line, "status": status, "steps": rows,
            "failing_step": f"{failing['keyword']} {failing['text']}" if failing else "",
            "why": failing["message"] if failing else "", "timed_out": timed_out}


_COLOURS = {"passed": "#1a7f37", "failed": "#b42318", "undefined": "#dba100", "skipped": "#b0b0b0"}
_MARKS = {"passed": "✓", "failed": "✗", "undefined": "?", "skipped": "–"}


class Report:
    """What happened when a feature ran: one entry per scenario, each step passed, failed, undefined or skipped.

    Shows as a table in a notebook; `chart()` draws it; `scenarios` and `summary()` are plain data.
    """

    def __init__(self, scenarios: list[dict], target: str):
        self.scenarios = scenarios
        self.target = target

    @property
    def passed(self) -> int:
        return sum(s["status"] == "passed" for s in self.scenarios)

    @property
    def failed(self) -> int:
        return sum(s["status"] == "failed" for s in self.scenarios)

    def summary(self) -> dict:
        """Plain data: how many scenarios, how many passed and failed, and the steps the kit did not know."""
        undefined = [{"line": st["line"], "step": f"{st['keyword']} {st['text']}",
                      "nearest": st["nearest"]}
                     for s in self.scenarios for st in s["steps"] if st["status"] == "undefined"]
        return {"scenarios": len(self.scenarios), "passed": self.passed, "failed": self.failed,
                "undefined_steps": undefined}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"scenario": s["name"], "result": s["status"], "failing step": s["failing_step"],
                              "why": s["why"]} for s in self.scenarios])

    def __repr__(self) -> str:
        lines = [f"{self.passed} of {len(self.scenarios)} scenarios passed against {self.target}"]
        for s in self.scenarios:
            lines.append(f"{_MARKS.get(s['status'], '?')} {s['name']}: {s['status']}")
            for st in s["steps"]:
                note = f"  <- {st['message']}" if st["message"] else ""
                lines.append(f"    {_MARKS[st['status']]} {st['keyword']} {st['text']}{note}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        out = [f"<p><b>{self.passed} of {len(self.scenarios)} scenarios passed</b> against "
               f"{html.escape(self.target)}</p><table>"]
        for s in self.scenarios:
            colour = _COLOURS.get(s["status"], "#333")
            out.append(f'<tr><td colspan="2" style="text-align:left"><b style="color:{colour}">'
                       f"{_MARKS.get(s['status'], '?')} {html.escape(s['name'])}</b> ({s['status']})</td></tr>")
            for st in s["steps"]:
                c = _COLOURS[st["status"]]
                out.append(f'<tr><td style="text-align:left;color:{c};padding-left:2em">{_MARKS[st["status"]]} '
                           f"<b>{html.escape(st['keyword'])}</b> {html.escape(st['text'])}</td>"
                           f'<td style="text-align:left;color:{c}">{html.escape(st["message"])}</td></tr>')
        out.append("</table>")
        return "".join(out)

    def chart(self) -> Figure:
        """Each scenario as a row of squares, one per step: green passed, red failed, amber undefined, grey skipped."""
        rows = self.scenarios
        width = max(len(s["steps"]) for s in rows)
        fig = Figure(figsize=(min(3 + 0.9 * width + 4, 14), 0.6 * len(rows) + 1.4), layout="constrained")
        ax = fig.subplots()
        for y, s in enumerate(reversed(rows)):
            for x, st in enumerate(s["steps"]):
                ax.add_patch(Rectangle((x + 0.08, y + 0.12), 0.84, 0.76, facecolor=_COLOURS[st["status"]],
                                       edgecolor="white"))
                ax.text(x + 0.5, y + 0.5, st["kind"][0].upper(), ha="center", va="center", color="white",
                        fontsize=9, fontweight="bold")
            if s["why"]:
                ax.text(len(s["steps"]) + 0.2, y + 0.5, _short(s["why"], 70), va="center", fontsize=8.5,
                        color=_COLOURS[s["status"]])
        ax.set_xlim(0, width + 7)
        ax.set_ylim(0, len(rows))
        ax.set_yticks([y + 0.5 for y in range(len(rows))],
                      [_short(s["name"], 40) for s in reversed(rows)], fontsize=9)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"{self.passed} of {len(rows)} scenarios passed against {self.target}\n"
                     "(each square is a step: G = Given, W = When, T = Then)", fontsize=10)
        fig.legend(handles=[Patch(color=c, label=k) for k, c in _COLOURS.items()], loc="outside lower center",
                   fontsize=8.5, ncol=4, frameon=False)
        return fig


def _loopback(url) -> str:
    if not isinstance(url, str):
        raise KitError("url is the API's address as text, such as shop.url after shop = api.start().")
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None \
            or parts.path not in ("", "/") or parts.query:
        raise KitError(f"url must be the kit's local API, such as http://127.0.0.1:8000 (shop.url), not {url!r}.")
    return f"http://{parts.hostname}:{parts.port}"


def _key(key) -> str:
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_\-]{1,100}", key):
        raise KitError("key is an API key as text, such as shop.key.")
    return key


def run(feature_text, *, url, key: str = _SECRET_KEY) -> Report:
    """Run every scenario against a running Tillpoint API (real HTTP) and report what passed and why not."""
    scenarios = parse(feature_text)
    base, key = _loopback(url), _key(key)
    deadline = time.monotonic() + TIME_LIMIT
    results = []
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, trust_env=False) as http:
        for scenario in scenarios:
            results.append(_run_scenario(scenario, http, key, deadline))
    return Report(results, base)


def _in_process(scenarios: list[Scenario], bugs: frozenset, deadline: float) -> list[dict]:
    from tpmkit.api import SECRET_KEY, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about its httpx dependency on import
        from fastapi.testclient import TestClient

    results = []
    for scenario in scenarios:
        with TestClient(create_app(bugs=bugs), raise_server_exceptions=False) as http:
            results.append(_run_scenario(scenario, http, SECRET_KEY, deadline))
    return results


def catches(feature_text, bug: str = "refund_over_amount") -> dict:
    """Would these scenarios catch a planted bug? Runs them on a correct build and on one with `bug`.

    Each scenario runs on its own fresh copy of the API, in this process. Returns plain data:
    scenarios, pass_on_correct, fail_on_buggy, undefined_steps and catches_bug (True when every
    scenario passes on the correct build, at least one fails on the buggy build, and every step is known).
    """
    from tpmkit.api import KNOWN_BUGS

    if not isinstance(bug, str) or bug not in KNOWN_BUGS:
        raise KitError(f"bug is one of the planted bugs ({', '.join(sorted(KNOWN_BUGS))}), not {bug!r}.")
    scenarios = parse(feature_text)
    undefined = _undefined(scenarios)
    deadline = time.monotonic() + TIME_LIMIT
    correct = _in_process(scenarios, frozenset(), deadline)
    buggy = _in_process(scenarios, frozenset({bug}), deadline)
    if any(s["timed_out"] for s in correct + buggy):  # never count a scenario cut short as catching the bug
        raise KitError(f"The scenarios took longer than {TIME_LIMIT:g} s to run; keep to the few that matter.")
    result = {
        "scenarios": len(scenarios),
        "pass_on_correct": sum(s["status"] == "passed" for s in correct),
        "fail_on_buggy": sum(s["status"] == "failed" for s in buggy),
        "undefined_steps": undefined,
    }
    result["catches_bug"] = (not undefined and result["pass_on_correct"] == result["scenarios"]
                             and result["fail_on_buggy"] >= 1)
    return result


@reports_progress("acceptance")
def self_check(feature_text, name: str) -> None:
    """Visible self-check: the text is well-formed Gherkin and every step is one the kit knows.

    It does not run the scenarios: run them yourself with acceptance.run(...). Hidden tests run them
    against a correct build and a buggy one when the exercise is graded.
    """
    if feature_text is None or feature_text is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: assign your scenarios (a str) to {name} and run the cell.")
    try:
        scenarios = parse(feature_text)
    except KitError as exc:
        raise CheckFailed(f"{name}: {exc}") from None
    undefined = _undefined(scenarios)
    if undefined:
        first = undefined[0]
        raise CheckFailed(f"{name}, line {first['line']}: '{_short(first['step'])}' is not a step the kit "
                          f"knows; nearest: {first['nearest']}.")
    count = sum(len(s.steps) for s in scenarios)
    print(f"✓ {name} is well-formed: {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}, {count} steps, "
          "every step known. Hidden tests run it against a correct build and a buggy one when graded.")
