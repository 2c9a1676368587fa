"""The step library: every step a scenario may use, as a regular expression and the function it runs.

A step definition is registered with `@given`, `@when` or `@then` (the pattern, an example a learner can copy,
and what it does). The regex only picks values out of the step's text; nothing in the text is ever run as code,
and every pattern avoids nested repeats so matching stays linear on hostile lines. Given steps set up the scene
through the world with the run's own key (`setup=True`); the one When step makes the request the Then steps
check; Then steps raise StepFailed with a sentence saying what they saw instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tpmkit.acceptance.gherkin import shorten
from tpmkit.acceptance.world import READONLY_KEY, SECRET_KEY, Answer, StepFailed, World, error_code


@dataclass(frozen=True)
class StepDefinition:
    kind: str              # given, when or then: a step only matches definitions of its own kind
    pattern: re.Pattern    # matched against the whole step text; its groups are the function's arguments
    example: str           # a step that matches, shown by steps() and offered as the nearest step
    does: str
    run: object            # run(world, *groups)


LIBRARY: list[StepDefinition] = []   # in the order defined: the first definition that matches wins
_ID = r"[A-Za-z0-9_\-]{1,40}"
_PENCE = r"(\d{1,7}) ?(?:pence|p)"


def _registrar(kind: str):
    def define(pattern: str, example: str, does: str):
        def register(func):
            LIBRARY.append(StepDefinition(kind, re.compile(pattern, re.IGNORECASE), example, does, func))
            return func
        return register
    return define


given, when, then = _registrar("given"), _registrar("when"), _registrar("then")


def _created_body(world: World, answer: Answer, what: str) -> dict:
    """The object a set-up POST created, or StepFailed: a Given the API refuses makes the scenario fail."""
    if answer.status != 201 or not isinstance(answer.body, dict):
        raise StepFailed(f"could not set up {what}: the API answered {answer.describe()}.")
    return answer.body


# Given: the scene -------------------------------------------------------------------------------------

@given(r"I use the (secret|read-only|readonly) (?:API )?key", "I use the read-only key",
       "send the When request with the secret key or the read-only key")
def _use_key(world, which):
    world.key = SECRET_KEY if which.lower() == "secret" else READONLY_KEY


@given(r"I (?:use|send) no API key", "I use no API key", "send the When request without a key")
def _no_key(world):
    world.key = None


@given(r'I use the API key "([A-Za-z0-9_\-]{1,100})"', 'I use the API key "sk_test_wrong"',
       "send the When request with this key")
def _some_key(world, key):
    world.key = key


@given(r'I (?:pin|use) (?:the )?API version "([0-9\-]{1,20})"', 'I pin API version "2026-01-01"',
       "send the Tillpoint-Version header with the When request")
def _version(world, version):
    world.version = version


@given(rf'a customer "({_ID})"', 'a customer "cus_0042"', "use this shop for payments and messages")
def _customer(world, customer):
    answer = world.call("GET", f"/v1/customers/{customer}", setup=True)
    if answer.status != 200:
        raise StepFailed(f"there is no customer {customer} (the API answered {answer.describe()}).")
    world.customer = customer


@given(rf'a succeeded payment of {_PENCE}(?: for customer "({_ID})")?'
       r'(?: taken with idempotency key "([A-Za-z0-9_\-]{1,64})")?',
       "a succeeded payment of 2500 pence", "take a card payment first (optionally for a customer, with a key)")
def _succeeded_payment(world, amount, customer=None, idempotency_key=None):
    body = {"amount": int(amount), "customer": customer or world.customer}
    answer = world.call("POST", "/v1/payments", json=body, setup=True, idempotency_key=idempotency_key)
    world.payment = _created_body(world, answer, f"a payment of {amount} pence")


@given(r"a failed payment", "a failed payment", "pick a payment whose card was declined")
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


@given(rf'a payment "({_ID})"', 'a payment "pay_00012"', "use a payment the API already holds")
def _payment_by_id(world, payment):
    answer = world.call("GET", f"/v1/payments/{payment}", setup=True)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise StepFailed(f"there is no payment {payment} (the API answered {answer.describe()}).")
    world.payment = answer.body


@given(r"a payment id that does not exist", "a payment id that does not exist",
       "refer to a payment the API has never had")
def _no_such_payment(world):
    world.payment = {"id": "pay_99999", "amount": 0, "refunded": 0}


@given(rf"{_PENCE} of it (?:has|have|was|were) already been refunded|{_PENCE} of it (?:was|were) refunded",
       "1000 pence of it has already been refunded", "refund part of the payment first")
def _refunded_before(world, amount, other=None):
    amount = amount or other
    payment = world.the_payment()
    answer = world.call("POST", "/v1/refunds", json={"payment": payment["id"], "amount": int(amount)}, setup=True)
    _created_body(world, answer, f"a refund of {amount} pence")


# When: the one action -----------------------------------------------------------------------------------

@when(rf"I refund {_PENCE} of it", "I refund 3000 pence of it", "POST /v1/refunds for the payment")
def _refund(world, amount):
    world.act("POST", "/v1/refunds", json={"payment": world.the_payment()["id"], "amount": int(amount)})


@when(r"I refund (?:all of it|the full amount|what is left)", "I refund all of it",
      "POST /v1/refunds for what is left of the payment")
def _refund_all(world):
    payment = world.the_payment()
    now = world.call("GET", f"/v1/payments/{payment['id']}", setup=True)
    current = now.body if now.status == 200 and isinstance(now.body, dict) else payment
    left = int(current.get("amount", 0)) - int(current.get("refunded", 0))
    world.act("POST", "/v1/refunds", json={"payment": payment["id"], "amount": left})


@when(rf'I take a payment of {_PENCE}(?: for customer "({_ID})")?'
      r'(?: with idempotency key "([A-Za-z0-9_\-]{1,64})")?',
      'I take a payment of 2500 pence with idempotency key "order-1042"', "POST /v1/payments")
def _take_payment(world, amount, customer=None, idempotency_key=None):
    body = {"amount": int(amount), "customer": customer or world.customer}
    world.act("POST", "/v1/payments", json=body, idempotency_key=idempotency_key)
    if world.response.status == 201 and isinstance(world.response.body, dict):
        world.payment = world.response.body


@when(r"I fetch (?:the payment|it)", "I fetch the payment", "GET /v1/payments/{id} for the payment")
def _fetch_payment(world):
    world.act("GET", f"/v1/payments/{world.the_payment()['id']}")


@when(rf'I fetch payment "({_ID})"', 'I fetch payment "pay_00012"', "GET /v1/payments/{id}")
def _fetch_payment_id(world, payment):
    world.act("GET", f"/v1/payments/{payment}")


@when(rf'I fetch (?:the customer|customer "({_ID})")', 'I fetch customer "cus_0042"',
      "GET /v1/customers/{id}")
def _fetch_customer(world, customer=None):
    world.act("GET", f"/v1/customers/{customer or world.customer}")


@when(rf'I list customers(?: with limit (\d{{1,6}}))?(?: starting after "({_ID})")?',
      'I list customers with limit 5 starting after "cus_0010"', "GET /v1/customers (cursor pagination)")
def _list_customers(world, limit=None, after=None):
    params = {}
    if limit is not None:
        params["limit"] = int(limit)
    if after is not None:
        params["starting_after"] = after
    world.act("GET", "/v1/customers", params=params)


@when(r"I list payments(?: page (\d{1,6}))?(?: with (\d{1,6}) per page)?",
      "I list payments page 2 with 50 per page", "GET /v1/payments (page numbers)")
def _list_payments(world, page=None, per_page=None):
    params = {}
    if page is not None:
        params["page"] = int(page)
    if per_page is not None:
        params["per_page"] = int(per_page)
    world.act("GET", "/v1/payments", params=params)


@when(rf'I send an? (SMS|text message|text|email|e-mail) of (\d{{1,5}}) characters(?: to customer "({_ID})")?',
      "I send an SMS of 161 characters", "POST /v1/messages to the customer")
def _send_message(world, channel, length, customer=None):
    channel = "sms" if channel.lower() in ("sms", "text message", "text") else "email"
    body = {"customer": customer or world.customer, "channel": channel, "text": "x" * int(length)}
    world.act("POST", "/v1/messages", json=body)


@when(r'I fetch the settlement report for "?(\d{4}-\d{2})"?', 'I fetch the settlement report for "2026-03"',
      "GET /v1/reports/settlements/{month}")
def _report(world, month):
    world.act("GET", f"/v1/reports/settlements/{month}")


@when(r'I request "(/(?!/)[A-Za-z0-9_\-/.?=&%]{0,200})"', 'I request "/v1/customers?limit=3"',
      "GET any path of the API")
def _request(world, path):
    world.act("GET", path)


# Then: the outcome ----------------------------------------------------------------------------------------

@then(r"the (?:response )?status(?: code)? is (\d{3})", "the response status is 422",
      "the HTTP status code of the answer")
def _status(world, status):
    answer = world.answer()
    if answer.status != int(status):
        raise StepFailed(f"expected status {status}, got {answer.describe()}.")


@then(r'the error code is "([A-Za-z0-9_]{1,60})"', 'the error code is "amount_too_large"',
      "the code in the answer's error object")
def _error(world, code):
    got = error_code(world.answer().body)
    if got != code:
        raise StepFailed(f'expected error code "{code}", got ' + (f'"{got}".' if got else
                         f"no error (status {world.answer().status})."))


# Reading JSON answers: a value written in a step (a JSON literal), and a dotted path into the body.
_VALUE = r'("[^"]{0,200}"|-?\d{1,12}(?:\.\d{1,6})?|true|false|null)'


def _literal(text: str):
    """The Python value of a JSON literal matched by _VALUE: "text", a number, true, false or null."""
    if text.startswith('"'):
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[lowered]
    return float(text) if "." in text else int(text)


def _show(value) -> str:
    """A value as a learner would say it, with its JSON type: 2500 and "2500" must not read the same."""
    if isinstance(value, str):
        return f'the text "{shorten(value, 60)}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    return f"a {'list' if isinstance(value, list) else 'object'}"


_MISSING = object()   # not None: a field that holds null is there, and "is null" must be able to pass


def _dig(body, path: str):
    """The value at a dotted path ("data.0.id": list positions as numbers), or _MISSING."""
    for part in path.split("."):
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return _MISSING
    return body


@then(rf'the response field "([A-Za-z0-9_.]{{1,80}})" is {_VALUE}', 'the response field "amount" is 3000',
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


@then(r'the response has (?:a |the )?field "([A-Za-z0-9_.]{1,80})"',
      'the response has a field "business_name"', "the JSON answer has this field")
def _has_field(world, path):
    if _dig(world.answer().body, path) is _MISSING:
        raise StepFailed(f'the response has no field "{path}".')


@then(r'the response has no field "([A-Za-z0-9_.]{1,80})"', 'the response has no field "name"',
      "the JSON answer does not have this field")
def _no_field(world, path):
    if _dig(world.answer().body, path) is not _MISSING:
        raise StepFailed(f'the response has a field "{path}".')


@then(r"the list has (\d{1,4}) items?", "the list has 5 items", "how many items the list answer holds")
def _list_size(world, count):
    data = _dig(world.answer().body, "data")
    if not isinstance(data, list):
        raise StepFailed(f"the response is not a list (status {world.answer().describe()}).")
    if len(data) != int(count):
        raise StepFailed(f"the list has {len(data)} items, not {count}.")


@then(r"the list has (no )?more items", "the list has more items",
      "has_more (cursor pages) or a next link (numbered pages)")
def _more(world, no=None):
    answer = world.answer()
    more = _dig(answer.body, "has_more")
    if more is _MISSING:
        more = 'rel="next"' in answer.headers.get("link", "")
    if bool(more) == bool(no):
        raise StepFailed("the list says there are more items." if no else "the list says there are no more items.")


@then(r'the response header "([A-Za-z0-9\-]{1,60})" is "([^"]{0,200})"',
      'the response header "Tillpoint-Version" is "2026-01-01"', "one header of the answer")
def _header_is(world, name, value):
    got = world.answer().headers.get(name.lower())
    if got is None:
        raise StepFailed(f'the response has no header "{name}".')
    if got != value:
        raise StepFailed(f'header "{name}" is "{shorten(got, 60)}", not "{value}".')


@then(r'the response has (no )?(?:a |the )?header "([A-Za-z0-9\-]{1,60})"',
      'the response has a header "Retry-After"', "the answer has (or has no) this header")
def _has_header(world, no, name):
    present = name.lower() in world.answer().headers
    if present and no:
        raise StepFailed(f'the response has a header "{name}".')
    if not present and not no:
        raise StepFailed(f'the response has no header "{name}".')


@then(r"the payment's (refunded total|status|amount) is (\d{1,7}|\"[a-z_]{1,30}\"|[a-z_]{1,30})",
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
