"""tpmkit.slo_charts (tpmkit.plots in notebooks): the burn-rate and error-budget charts of lesson 07."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import plots, slo, slo_charts
from tpmkit.data import request_log
from tpmkit.errors import KitError


def test_the_old_name_plots_is_the_same_charts():
    assert plots.burn_rate_chart is slo_charts.burn_rate_chart
    assert plots.budget_chart is slo_charts.budget_chart


def test_burn_rate_chart_shades_where_both_windows_page():
    fig = slo_charts.burn_rate_chart(request_log(days=30))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["5-minute window", "60-minute window", "page threshold (14.4x)"]
    assert "page fires (both windows over)" in ax.get_legend_handles_labels()[1]


def test_budget_chart_draws_the_whole_budget_as_a_line():
    log = request_log(days=30)
    fig = slo_charts.budget_chart(log, 0.999)
    ax = fig.axes[0]
    budget = slo.error_budget(0.999, int(log["requests"].sum()))
    assert f"error budget: {budget:,} failed requests" in ax.get_legend_handles_labels()[1]
    assert "30-day window" in ax.get_title()


def test_a_log_shorter_than_the_short_window_is_one_sentence():
    log = pd.DataFrame({"minute": pd.date_range("2026-10-01", periods=3, freq="min"),
                        "requests": [100, 100, 100], "errors": [0, 1, 0]})
    with pytest.raises(KitError, match="shorter than the 5-minute window"):
        slo_charts.burn_rate_chart(log)
