"""The world one scenario runs in: the HTTP client, the key, what the Given steps set up, the last answer.

Steps never touch HTTP themselves; they ask the world, which adds the key and version headers, keeps to the
feature's deadline, and turns transport errors into a StepFailed (a scenario result) or a KitError (nothing
is listening, so no scenario can say anything).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from tpmkit.acceptance import limits
from tpmkit.errors import KitError

# The API's keys (tpmkit.api.app), repeated so that parsing and linting never import the server code.
SECRET_KEY = "sk_test_tillpoint"  # noqa: S105 - the local teaching API's published demo key
READONLY_KEY = "rk_test_readonly"
DEFAULT_CUSTOMER = "cus_0001"


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
        code = error_code(self.body)
        return f"{self.status}" + (f" {code}" if code else "")


def error_code(body) -> str | None:
    """The `code` of the API's error object (`{"error": {"code": ...}}`), or None when the body has none."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


class World:
    """What one scenario knows while it runs: the client, the key, the payment it set up, the last answer."""

    def __init__(self, http, key: str, deadline: float):
        # Set-up calls keep the key the run started with, even after a Given switches `key` for the When.
        self.http, self.setup_key, self.key, self.deadline = http, key, key, deadline
        self.version: str | None = None
        self.customer = DEFAULT_CUSTOMER
        self.payment: dict | None = None
        self.response: Answer | None = None

    def call(self, method: str, path: str, *, json=None, params=None, setup: bool = False,
             idempotency_key: str | None = None) -> Answer:
        if time.monotonic() > self.deadline:
            raise OutOfTime(f"the feature ran out of time ({limits.TIME_LIMIT:g} s); run fewer scenarios at once.")
        key = self.setup_key if setup else self.key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if self.version and not setup:
            headers["Tillpoint-Version"] = self.version
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            reply = self.http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TimeoutException:
            raise StepFailed(f"the API did not answer within {limits.REQUEST_TIMEOUT:g} s.") from None
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
