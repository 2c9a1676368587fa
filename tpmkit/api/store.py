"""What the Tillpoint API knows: its seeded customers and payments, and what happens to them.

All state sits in one `Store`, guarded by a lock: the server's event loop writes it while the
notebook (another thread) reads it through the `Server` handle. Nothing is written to disk.
"""

from __future__ import annotations

import copy
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

SEED = 2026
CUSTOMER_COUNT = 243
PAYMENT_COUNT = 520
REPORT_MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
START = datetime(2025, 6, 1, tzinfo=timezone.utc)

_FIRST = ["Oak", "River", "Corner", "Hill", "Bright", "Little", "Old", "Green", "North", "Market", "Harbour",
          "Station", "Blue", "Golden", "Maple", "Willow"]
_KIND = ["Bakery", "Books", "Florist", "Coffee", "Deli", "Hardware", "Records", "Barber", "Cycles", "Grocer",
         "Gallery", "Tailor"]
_CITIES = ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "Brighton"]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seeded_customers() -> list[dict]:
    """The shops that use Tillpoint, oldest first (ids sort in the same order)."""
    rng = random.Random(SEED)  # noqa: S311 - seeded demo data, not a secret
    rows = []
    for n in range(1, CUSTOMER_COUNT + 1):
        rows.append({
            "id": f"cus_{n:04d}",
            "object": "customer",
            "business_name": f"{rng.choice(_FIRST)} {rng.choice(_KIND)}",
            "city": rng.choice(_CITIES),
            "plan": "pro" if rng.random() < 0.31 else "starter",
            "created": _iso(START + timedelta(hours=36 * n + rng.randrange(30))),
        })
    return rows


def seeded_payments(customers: list[dict]) -> list[dict]:
    """Card payments taken by those shops, oldest first; amounts in pence."""
    rng = random.Random(SEED + 1)  # noqa: S311 - seeded demo data, not a secret
    rows = []
    for n in range(1, PAYMENT_COUNT + 1):
        rows.append({
            "id": f"pay_{n:05d}",
            "object": "payment",
            "amount": rng.randrange(150, 9_000, 5),
            "currency": "gbp",
            "customer": rng.choice(customers)["id"],
            "status": "succeeded" if rng.random() < 0.94 else "failed",
            "order": None,
            "refunded": 0,
            "created": _iso(START + timedelta(minutes=1_000 * n + rng.randrange(600))),
        })
    return rows


def settlement_report(month: str) -> dict:
    """A monthly settlement: what card payments brought in, Tillpoint's fees and what was paid out (pence)."""
    rng = random.Random(f"{SEED}-{month}")  # noqa: S311 - seeded demo data, not a secret
    gross = rng.randrange(4_000_000, 9_000_000, 100)
    fees = round(gross * 0.0175)
    return {"object": "settlement_report", "month": month, "gross": gross, "fees": fees, "net": gross - fees}


@dataclass
class Store:
    customers: list[dict] = field(default_factory=seeded_customers)
    payments: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    webhook_endpoints: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    idempotency: dict[tuple[str, str], dict] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self):
        if not self.payments:
            self.payments = seeded_payments(self.customers)

    def customer(self, customer_id: str) -> dict | None:
        return next((c for c in self.customers if c["id"] == customer_id), None)

    def payment(self, payment_id: str) -> dict | None:
        return next((p for p in self.payments if p["id"] == payment_id), None)

    def add_payment(self, amount: int, customer: str, order: str | None, now: datetime) -> dict:
        with self.lock:
            row = {"id": f"pay_{len(self.payments) + 1:05d}", "object": "payment", "amount": amount,
                   "currency": "gbp", "customer": customer, "status": "succeeded", "order": order, "refunded": 0,
                   "created": _iso(now)}
            self.payments.append(row)
            return copy.deepcopy(row)

    def add_refund(self, payment: dict, amount: int, now: datetime) -> dict:
        with self.lock:
            payment["refunded"] += amount
            row = {"id": f"re_{len(self.refunds) + 1:05d}", "object": "refund", "payment": payment["id"],
                   "amount": amount, "created": _iso(now)}
            self.refunds.append(row)
            return copy.deepcopy(row)

    def add_event(self, kind: str, data: dict, now: datetime) -> dict:
        with self.lock:
            event = {"id": f"evt_{len(self.events) + 1:05d}", "object": "event", "type": kind,
                     "created": _iso(now), "data": copy.deepcopy(data)}
            self.events.append(event)
            return event
