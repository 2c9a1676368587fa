"""Webhooks: the API calls the learner's receiver when something happens, and signs each call.

The signature scheme is the common one (Stripe's and others'): the header
`Tillpoint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint's secret>`.
A receiver recomputes the HMAC over the raw bytes it got, compares in constant time, and refuses
timestamps older than five minutes so a recorded delivery cannot be replayed later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

import httpx

SIGNATURE_HEADER = "Tillpoint-Signature"
TOLERANCE_SECONDS = 300
RETRY_DELAYS = (1.0, 2.0)  # after the first attempt: three attempts in all
EVENT_TYPES = ("payment.succeeded", "refund.created")


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def loopback_url(url: str) -> bool:
    """Webhooks go only to this machine: the course never sends traffic anywhere else."""
    try:
        parts = urlsplit(url)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost") and parts.port is not None
    except ValueError:
        return False


async def deliver(endpoint: dict, event: dict, log: list, clock=time.time) -> None:
    """POST one event to one endpoint, retrying with back-off until it answers 2xx (three attempts)."""
    body = json.dumps(event, separators=(",", ":")).encode()
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS), start=1):
            await asyncio.sleep(delay)
            headers = {"Content-Type": "application/json", "Tillpoint-Event-Id": event["id"],
                       SIGNATURE_HEADER: signature_header(endpoint["secret"], body, int(clock()))}
            try:
                response = await client.post(endpoint["url"], content=body, headers=headers)
                outcome = response.status_code
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            log.append({"event": event["id"], "endpoint": endpoint["id"], "attempt": attempt, "outcome": outcome})
            if isinstance(outcome, int) and 200 <= outcome < 300:
                return
