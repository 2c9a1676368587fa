"""Tillpoint's production incidents for 26 weeks (30 March to 27 September 2026), with their timelines.

One row per incident, in order of start:

- `incident_id`: "INC-0001", "INC-0002", ... in start order;
- `service`: `checkout`, `payouts` or `dashboard` (the services of the deployments table);
- `severity`: "SEV1" (shops cannot take payments or get paid), "SEV2" (some shops, or a slower or partial
  service), "SEV3" (minor, or internal only);
- `summary`: one line saying what happened;
- `start`: when users were first affected (the failure);
- `detect`: when Tillpoint knew (an alert fired, or a shop owner reported it);
- `mitigate`: when users were no longer affected: service restored, perhaps by a rollback or a
  workaround (the RTO clock stops here);
- `resolve`: when the underlying cause was fixed and the incident closed;
- `deploy_id`: the production deployment that triggered it (a `deploy_id` of the deployments table),
  or missing when no deployment did;
- `detected_by`: "alert" or "customer report" (a monitoring gap: a postmortem trigger).

Every failed deployment of `tpmkit.data.deployments` is an incident here: it starts at the deployment
and is mitigated when the deployments table says service was restored. The other incidents (a card
network outage, an expired certificate, the orders database lost and restored from backup, ...) have
no deployment behind them.

Each incident's minutes from start to detect, its severity and how it was detected are fixed (DETECT
for the deployment incidents, keyed by their recovery minutes; OTHERS for the rest), so every
per-quarter figure (mean time to detect, mean time to mitigate, RTO breaches) is the same for every
seed. The seed only moves the times. The exercises are graded on these figures; they are documented in
tests/content/test_incidents_data.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tpmkit.data.deployments import DEFAULT_SEED, PLANTED, QUARTERS, deployments
from tpmkit.errors import KitError

COLUMNS = ["incident_id", "service", "severity", "summary", "start", "detect", "mitigate", "resolve", "deploy_id",
           "detected_by"]
ALERT, CUSTOMER = "alert", "customer report"

# For each failed deployment, keyed by (service, quarter) and then by its minutes from deploy to restored
# service (the deployments table's planted recovery times): (minutes to detect, severity, detected by).
DETECT: dict[tuple[str, str], dict[int, tuple[int, str, str]]] = {
    ("checkout", "Q2"): {20: (4, "SEV2", ALERT), 35: (5, "SEV2", ALERT), 45: (7, "SEV1", ALERT),
                         60: (12, "SEV1", ALERT), 80: (15, "SEV2", ALERT), 110: (22, "SEV2", ALERT),
                         150: (30, "SEV1", ALERT), 240: (65, "SEV2", CUSTOMER), 420: (95, "SEV2", CUSTOMER),
                         700: (240, "SEV3", CUSTOMER)},
    ("checkout", "Q3"): {18: (3, "SEV2", ALERT), 25: (4, "SEV2", ALERT), 40: (6, "SEV2", ALERT),
                         55: (8, "SEV1", ALERT), 75: (20, "SEV1", ALERT), 95: (12, "SEV2", ALERT),
                         140: (35, "SEV1", ALERT), 260: (45, "SEV2", ALERT), 1860: (1320, "SEV2", CUSTOMER)},
    ("payouts", "Q2"): {35: (10, "SEV2", ALERT), 70: (18, "SEV2", ALERT), 110: (40, "SEV3", ALERT),
                        190: (60, "SEV2", CUSTOMER), 300: (120, "SEV3", CUSTOMER)},
    ("payouts", "Q3"): {30: (5, "SEV2", ALERT), 65: (15, "SEV2", ALERT), 150: (50, "SEV3", CUSTOMER)},
    ("dashboard", "Q2"): {10: (2, "SEV3", ALERT), 12: (3, "SEV3", ALERT), 15: (3, "SEV3", ALERT),
                          20: (5, "SEV3", ALERT), 22: (5, "SEV2", ALERT), 30: (8, "SEV3", ALERT),
                          35: (10, "SEV3", ALERT), 45: (12, "SEV2", ALERT), 60: (20, "SEV3", ALERT),
                          90: (30, "SEV3", ALERT), 120: (45, "SEV3", CUSTOMER), 200: (90, "SEV3", CUSTOMER)},
    ("dashboard", "Q3"): {8: (2, "SEV3", ALERT), 10: (3, "SEV3", ALERT), 14: (4, "SEV3", ALERT),
                          18: (5, "SEV3", ALERT), 25: (6, "SEV2", ALERT), 30: (8, "SEV3", ALERT),
                          40: (10, "SEV3", ALERT), 70: (25, "SEV2", ALERT), 95: (40, "SEV3", ALERT),
                          150: (90, "SEV3", CUSTOMER)},
}
_RELEASE_SUMMARIES = {
    "checkout": ["Card payments failing after a release", "Receipts not printing after a release",
                 "Checkout slow after a release", "Refunds failing after a release",
                 "Tap to Pay errors after a release"],
    "payouts": ["Payouts stuck after a release", "Payout amounts shown wrongly after a release",
                "Bank details page failing after a release"],
    "dashboard": ["Sales charts empty after a release", "Dashboard log-in failing after a release",
                  "CSV export broken after a release", "Dashboard slow after a release"],
}


@dataclass(frozen=True)
class Other:
    """An incident with no deployment behind it. Minutes are counted from its start."""

    quarter: str
    service: str
    severity: str
    summary: str
    detect_minutes: int
    mitigate_minutes: int
    detected_by: str


OTHERS: tuple[Other, ...] = (
    Other("Q2", "checkout", "SEV1", "Card network outage at the main acquirer; switched to the second acquirer",
          3, 50, ALERT),
    Other("Q2", "payouts", "SEV2", "Bank rejected the payout file after a change on the bank's side", 240, 300,
          CUSTOMER),
    Other("Q2", "dashboard", "SEV3", "Cloud provider zone outage", 4, 40, ALERT),
    Other("Q3", "checkout", "SEV1", "Card network timeouts at the main acquirer; switched to the second acquirer",
          4, 60, ALERT),
    Other("Q3", "checkout", "SEV1", "Orders database disk failed; orders database restored from backup", 6, 190,
          ALERT),
    Other("Q3", "checkout", "SEV2", "TLS certificate expired on the till API", 9, 45, CUSTOMER),
    Other("Q3", "payouts", "SEV2", "Bank rejected the payout file: date format changed", 300, 420, CUSTOMER),
    Other("Q3", "dashboard", "SEV3", "Cloud provider zone outage", 3, 35, ALERT),
)


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def _quarter_of(when: pd.Timestamp) -> str:
    return next(q for q, (start, end) in QUARTERS.items() if start <= when < end)


def _minutes(value: float) -> pd.Timedelta:
    return pd.Timedelta(minutes=float(value))


def incidents(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Every production incident at Tillpoint, 30 March to 27 September 2026 (two 13-week quarters).

    The deployment incidents follow `deployments(seed)`; the planted minutes to detect and mitigate,
    severities and detection sources are the same for every seed.
    """
    seed = _seed(seed)
    rng = np.random.default_rng(seed + 8)
    rows = []
    deploys = deployments(seed)
    for deploy in deploys[deploys["failed"]].itertuples(index=False):
        quarter = _quarter_of(deploy.deploy_time)
        recovery = round((deploy.restored_time - deploy.deploy_time).total_seconds() / 60)
        detect, severity, source = DETECT[(deploy.service, quarter)][recovery]
        summaries = _RELEASE_SUMMARIES[deploy.service]
        rows.append({"service": deploy.service, "severity": severity,
                     "summary": summaries[int(rng.integers(len(summaries)))],
                     "start": deploy.deploy_time, "detect": deploy.deploy_time + _minutes(detect),
                     "mitigate": deploy.restored_time, "deploy_id": deploy.deploy_id, "detected_by": source})
    for other in OTHERS:
        first, end = QUARTERS[other.quarter]
        day = int(rng.integers(0, (end - first).days - 3))
        start = first + pd.Timedelta(days=day, minutes=int(rng.integers(7 * 60, 21 * 60)))
        rows.append({"service": other.service, "severity": other.severity, "summary": other.summary,
                     "start": start, "detect": start + _minutes(other.detect_minutes),
                     "mitigate": start + _minutes(other.mitigate_minutes), "deploy_id": None,
                     "detected_by": other.detected_by})
    for row in rows:  # the cause is fixed and the incident closed between 1 hour and 3 days after mitigation
        row["resolve"] = row["mitigate"] + _minutes(int(rng.integers(60, 72 * 60)))
    table = pd.DataFrame(rows).sort_values(["start", "service"], kind="stable").reset_index(drop=True)
    table["incident_id"] = [f"INC-{i + 1:04d}" for i in range(len(table))]
    for column in ("start", "detect", "mitigate", "resolve"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[ns]")
    return table[COLUMNS]


def planted_count() -> int:
    """How many incidents the table holds: every failed deployment, plus OTHERS."""
    return sum(plan.failed for plan in PLANTED.values()) + len(OTHERS)
