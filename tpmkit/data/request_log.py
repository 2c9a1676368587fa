"""Tillpoint's Checkout API request log, minute by minute, with one planted incident.

Shape (see the curriculum brief, "Data the kit generates"): 1,000 requests a minute, a baseline
error rate of 0.02%, and one incident in which 15% of requests fail for 10 minutes. Latency is
lognormal with p90 near 432 ms and p99 near 891 ms, the figures of the SRE Workbook's worked example.

Figures the exercises are graded on are fixed (the incident is the same for every seed); they are
documented in tests/content/test_data.py.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

START = pd.Timestamp("2026-10-01 00:00")
REQUESTS_PER_MINUTE = 1_000
BASELINE_ERROR_RATE = 0.0002
INCIDENT_START = pd.Timestamp("2026-10-17 14:20")
INCIDENT_MINUTES = 10
INCIDENT_ERROR_RATE = 0.15
LATENCY_P90_MS = 432
LATENCY_P99_MS = 891
DEFAULT_SEED = 2026


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return seed


def request_log(days: int = 30, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per minute: `minute` (start, UTC), `requests`, `errors` (failed requests).

    `days` is 28, 29 or 30: the SLO windows the course uses. The incident is the same for every
    seed; the seed only changes the baseline errors around it.
    """
    if isinstance(days, bool) or days not in (28, 29, 30):
        raise KitError(f"days must be 28, 29 or 30 (the SLO windows this course uses), not {days!r}.")
    rng = np.random.default_rng(_seed(seed))
    minutes = pd.date_range(START, periods=days * 24 * 60, freq="min")
    requests = np.full(len(minutes), REQUESTS_PER_MINUTE, dtype=np.int64)
    errors = rng.binomial(REQUESTS_PER_MINUTE, BASELINE_ERROR_RATE, len(minutes)).astype(np.int64)
    first = minutes.get_loc(INCIDENT_START)
    errors[first:first + INCIDENT_MINUTES] = round(REQUESTS_PER_MINUTE * INCIDENT_ERROR_RATE)
    return pd.DataFrame({"minute": minutes, "requests": requests, "errors": errors})


def latency_sample(n: int = 100_000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """`n` request latencies in milliseconds (`latency_ms`), lognormal, p90 ~ 432 ms, p99 ~ 891 ms."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000_000:
        raise KitError(f"n must be a whole number of requests between 1 and 10,000,000, not {n!r}.")
    # Solve ln(p90) = mu + z90*sigma and ln(p99) = mu + z99*sigma for the lognormal's mu, sigma.
    z90, z99 = NormalDist().inv_cdf(0.90), NormalDist().inv_cdf(0.99)
    sigma = (np.log(LATENCY_P99_MS) - np.log(LATENCY_P90_MS)) / (z99 - z90)
    mu = np.log(LATENCY_P90_MS) - z90 * sigma
    rng = np.random.default_rng(_seed(seed))
    return pd.DataFrame({"latency_ms": rng.lognormal(mu, sigma, n).round(1)})
