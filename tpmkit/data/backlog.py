"""Tillpoint's product backlogs for Q1 2027, with RICE and WSJF estimates for every candidate item.

Two teams, two backlogs: `backlog()` is the Till app team's twelve items (the exercise works on it) and
`backlog("checkout")` is the Checkout team's eight (the lesson works on it). One row per item:

- `item_id` ("B01" ... for the Till app, "C01" ... for Checkout) and `title`;
- `key_result`: the team's Q1 2027 key result the item moves (KEY_RESULTS[team]), or "none";
- RICE estimates (Intercom, Sean McBride 2016): `reach` (shops affected per quarter), `impact` (Intercom's
  scale: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal), `confidence_pct` (100 high, 80 medium,
  50 low: a PERCENTAGE, so 80 means 0.8) and `effort_pm` (person-months, everyone's time included);
- WSJF estimates (SAFe), each on the relative scale 1, 2, 3, 5, 8, 13, 20: `business_value` (user-business
  value), `time_criticality`, `risk_reduction` (risk reduction and/or opportunity enablement) and
  `job_size`. Cost of delay is the sum of the first three; WSJF = cost of delay / job size.

The estimates are designed tables (each is a deliberate judgement, like a real team's), so every ranking is
the same for every seed. The seed only shuffles the order of the rows, as a backlog tool lists items in
whatever order they were entered: sort, never rely on position. No two items of a team tie on RICE or on
WSJF.

The rankings the exercises are graded on are documented, and checked, in tests/content/test_backlog_data.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

DEFAULT_SEED = 2027
TEAMS = ("till-app", "checkout")
COLUMNS = ["item_id", "title", "key_result", "reach", "impact", "confidence_pct", "effort_pm", "business_value",
           "time_criticality", "risk_reduction", "job_size"]

# Each team's objective for Q1 2027 is "No sale is lost at the counter"; these are its key results.
KEY_RESULTS = {
    "till-app": {
        "KR1": "Cut failed card payments from 1.2% to 0.8% of attempts",
        "KR2": "Meet the card schemes' 3-D Secure 2 deadline (1 April 2027) for every payment link",
        "KR3": "Raise the share of shops taking a payment every day from 62% to 70%",
    },
    "checkout": {
        "KR1": "Raise the share of card payments approved first time from 94.0% to 95.5%",
        "KR2": "Apply the card schemes' new decline codes before their 1 March 2027 deadline",
        "KR3": "Grow payment-link sales from 8% to 12% of all card payments",
    },
}

# item_id: (title, key result, reach, impact, confidence %, effort person-months,
#           business value, time criticality, risk reduction and/or opportunity enablement, job size)
ITEMS: dict[str, dict[str, tuple]] = {
    "till-app": {
        "B01": ("3-D Secure 2 for payment links", "KR2", 300, 1, 100, 2, 3, 20, 13, 3),
        "B02": ("Offline mode for tills", "KR1", 5000, 2, 50, 6, 13, 3, 8, 13),
        "B03": ("Split a bill between two cards", "KR3", 2400, 1, 80, 1, 5, 2, 1, 2),
        "B04": ("Retry failed card payments automatically", "KR1", 4000, 1, 80, 2, 8, 5, 5, 3),
        "B05": ("Low-stock warning", "KR3", 1500, 0.5, 100, 0.5, 3, 1, 1, 1),
        "B06": ("Gift cards", "KR3", 1300, 2, 50, 3, 8, 3, 2, 5),
        "B07": ("Tap to Pay on iPhone", "KR3", 3000, 2, 80, 4, 13, 5, 3, 8),
        "B08": ("E-mail receipts", "none", 3500, 0.25, 100, 0.5, 1, 1, 1, 1),
        "B09": ("Card reader SDK upgrade (old SDK loses support)", "KR1", 6000, 0.25, 80, 2, 2, 8, 13, 3),
        "B10": ("Daily takings report", "KR3", 2000, 1, 100, 1, 5, 1, 1, 2),
        "B11": ("Loyalty stamps", "KR3", 1000, 1, 50, 3, 5, 2, 1, 5),
        "B12": ("Multi-currency for tourist shops", "none", 400, 2, 50, 4, 8, 2, 5, 8),
    },
    "checkout": {
        "C01": ("Decline reasons shown to shop staff", "KR1", 3500, 1, 80, 1, 5, 2, 2, 2),
        "C02": ("Card-scheme rule change: new decline codes", "KR2", 600, 0.5, 100, 1, 2, 13, 8, 2),
        "C03": ("Apple Pay and Google Pay in payment links", "KR3", 1800, 2, 80, 3, 8, 3, 3, 5),
        "C04": ("Faster approvals through a second acquirer", "KR1", 6000, 1, 50, 5, 8, 2, 8, 8),
        "C05": ("Refunds in one tap", "none", 2500, 0.5, 100, 0.5, 3, 1, 1, 1),
        "C06": ("Fraud rules a shop can tune", "KR1", 900, 2, 50, 2, 5, 2, 5, 3),
        "C07": ("Checkout in Welsh", "none", 200, 1, 100, 0.5, 1, 1, 1, 1),
        "C08": ("Receipts by text message", "none", 2800, 0.25, 80, 1, 2, 1, 1, 2),
    },
}


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def backlog(team: str = "till-app", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """A team's backlog items for Q1 2027 with their RICE and WSJF estimates (columns: COLUMNS).

    `team` is "till-app" (twelve items, the exercise's) or "checkout" (eight, the lesson's). The estimates
    and so every ranking are the same for every seed; the seed only shuffles the rows.
    """
    if team not in TEAMS:
        raise KitError(f"team must be one of {', '.join(repr(t) for t in TEAMS)}, not {team!r}.")
    rng = np.random.default_rng(_seed(seed))
    rows = [(item_id, *values) for item_id, values in ITEMS[team].items()]
    order = rng.permutation(len(rows))
    table = pd.DataFrame([rows[i] for i in order], columns=COLUMNS)
    table["impact"] = table["impact"].astype(float)
    table["effort_pm"] = table["effort_pm"].astype(float)
    return table
