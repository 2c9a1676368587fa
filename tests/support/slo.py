"""Reference SLO maths with plain NumPy, independent of tpmkit.slo: burn rates over the request log's windows
(tests/content/test_data.py documents the planted incident; test_answer_keys.py recomputes 07-slos's keys)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SLO = 0.999


def window_sums(values: np.ndarray, width: int) -> np.ndarray:
    """Sum of the `width` values ending at each index (NaN before a full window), by cumulative sums."""
    total = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    out = np.full(len(values), np.nan)
    out[width - 1:] = total[width:] - total[:-width]
    return out


def burn(log: pd.DataFrame, width: int) -> np.ndarray:
    errors = window_sums(log["errors"].to_numpy(), width)
    requests = window_sums(log["requests"].to_numpy(), width)
    return errors / requests / (1 - SLO)
