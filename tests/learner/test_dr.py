"""tpmkit.disaster_recovery.rpo_rto (tpmkit.dr in notebooks): recovery points of a backup schedule, the four
strategies, and the pictures."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit.disaster_recovery import rpo_rto
from tpmkit.errors import KitError


@pytest.mark.parametrize(("failure", "point", "lost"), [
    ("12:10", "08:00", 250),   # the 12:00 backup is still running until 12:25
    ("12:25", "12:00", 25),    # ... and counts the moment it has finished
    ("12:24", "08:00", 264),   # the worst case is just before it finishes
    ("00:25", "00:00", 25),
    ("23:59", "20:00", 239),
])
def test_last_recovery_point_counts_only_finished_backups(failure, point, lost):
    assert rpo_rto.last_recovery_point(failure, 240, takes_minutes=25) == point
    assert rpo_rto.data_loss_minutes(failure, 240, takes_minutes=25) == lost


def test_schedule_with_another_first_backup_and_no_run_time():
    assert rpo_rto.last_recovery_point("14:20", 240, first="02:00", takes_minutes=30) == "10:00"
    assert rpo_rto.data_loss_minutes("14:20", 240, first="02:00", takes_minutes=30) == 260
    assert rpo_rto.data_loss_minutes("14:20", 60, first="02:00") == 20
    assert rpo_rto.data_loss_minutes("14:00", 60) == 0


def test_worst_case_is_interval_plus_run_time():
    assert rpo_rto.worst_case_data_loss_minutes(240, 25) == 265
    assert rpo_rto.worst_case_data_loss_minutes(60) == 60
    # The worst case is what a failure a minute before the backup finishes loses (to the minute).
    worst = rpo_rto.worst_case_data_loss_minutes(240, 25)
    assert rpo_rto.data_loss_minutes("12:24", 240, takes_minutes=25) == worst - 1


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: rpo_rto.data_loss_minutes("25:00", 60), "clock time such as '14:35'"),
    (lambda: rpo_rto.data_loss_minutes(1210, 60), "clock time such as '14:35'"),
    (lambda: rpo_rto.data_loss_minutes("12:10", 0), "more than 0 minutes"),
    (lambda: rpo_rto.data_loss_minutes("12:10", "4h"), "number of minutes"),
    (lambda: rpo_rto.data_loss_minutes("12:10", True), "number of minutes"),
    (lambda: rpo_rto.data_loss_minutes("12:10", 60, takes_minutes=-5), "at least 0 minutes"),
    (lambda: rpo_rto.data_loss_minutes("12:10", 60, takes_minutes=60), "cannot start every 60 minutes"),
    (lambda: rpo_rto.data_loss_minutes("00:10", 240, takes_minutes=25), "No backup of the day had finished"),
    (lambda: rpo_rto.last_recovery_point("12:10", 60, first="noon"), "first must be a clock time"),
    (lambda: rpo_rto.worst_case_data_loss_minutes(30, 45), "cannot start every 30 minutes"),
    (lambda: rpo_rto.compare("15", 60), "rpo_minutes must be a number"),
    (lambda: rpo_rto.compare(15, 60, budget_per_month=-1), "budget_per_month must be at least 0"),
])
def test_bad_input_is_one_clear_sentence(call, phrase):
    with pytest.raises(KitError, match=phrase) as caught:
        call()
    assert "\n" not in str(caught.value)


def test_strategy_table_cheapest_first_with_the_whitepaper_bands():
    table = rpo_rto.strategy_table()
    assert list(table.index) == ["backup and restore", "pilot light", "warm standby", "multi-site active/active"]
    assert list(table["AWS RPO/RTO band"]) == ["hours", "tens of minutes", "minutes", "near zero"]
    costs, rtos = list(table["cost per month (£)"]), list(table["RTO (min)"])
    assert costs == sorted(costs) and rtos == sorted(rtos, reverse=True)
    assert (table["RPO (min)"] <= table["RTO (min)"]).all()
    assert "Disaster Recovery of Workloads on AWS" in table.attrs["source"]


def test_compare_marks_targets_and_budget():
    table = rpo_rto.compare(15, 60, budget_per_month=2000)
    assert list(table["meets RPO"]) == [False, True, True, True]
    assert list(table["meets RTO"]) == [False, True, True, True]
    assert list(table["within budget"]) == [True, True, False, False]
    # "at or under" meets a target: the quote equal to the target counts
    exact = rpo_rto.compare(10, 40)
    assert bool(exact.loc["pilot light", "meets RPO"]) and "within budget" not in exact


def test_cost_chart_is_a_figure():
    fig = rpo_rto.cost_chart()
    assert isinstance(fig, Figure)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert all(band in texts for band in ("hours", "tens of minutes", "minutes", "near zero"))


def test_incident_timeline_marks_rpo_and_rto():
    fig = rpo_rto.incident_timeline(last_backup="2026-11-12 14:00", failure="2026-11-12 14:37",
                               detect="2026-11-12 14:43", mitigate="2026-11-12 15:04", resolve="2026-11-12 17:30",
                               rpo_target_minutes=60, rto_target_minutes=30, title="drill")
    assert isinstance(fig, Figure)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "RTO achieved: 27 min" in texts and "RPO achieved: 37 min" in texts
    assert "RTO target: 30 min" in texts and "RPO target: 60 min" in texts
    # Timestamps and no resolve or backup work too
    plain = rpo_rto.incident_timeline(failure=pd.Timestamp("2026-09-05 15:00"), detect=pd.Timestamp("2026-09-05 15:06"),
                                 mitigate=pd.Timestamp("2026-09-05 18:10"))
    assert "RTO achieved: 190 min" in " ".join(t.get_text() for t in plain.axes[0].texts)


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"failure": "2026-11-12 14:37", "detect": "2026-11-12 14:30", "mitigate": "2026-11-12 15:00"},
     "detect .* comes before failure"),
    ({"failure": "14:37", "detect": "2026-11-12 14:40", "mitigate": "2026-11-12 15:00"},
     "failure must be a date and time"),
    ({"failure": 5, "detect": "2026-11-12 14:40", "mitigate": "2026-11-12 15:00"}, "failure must be a date and time"),
    ({"failure": "2026-11-12 14:37", "detect": "2026-11-12 14:40", "mitigate": "2026-11-12 15:00",
      "last_backup": "2026-11-12 15:00"}, "failure .* comes before last_backup"),
    ({"failure": "2026-11-12 14:37", "detect": "2026-11-12 14:40", "mitigate": "2026-11-12 15:00",
      "rto_target_minutes": -1}, "rto_target_minutes must be at least 0"),
    ({"failure": "2026-11-12 14:37", "detect": "2026-11-12 14:40", "mitigate": "2026-11-12 15:00", "title": 3},
     "title must be text"),
])
def test_incident_timeline_refuses_bad_input(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        rpo_rto.incident_timeline(**kwargs)


def test_the_old_name_dr_is_the_same_module_for_saved_notebooks():
    from tpmkit import dr

    for name in rpo_rto.__all__:
        assert getattr(dr, name) is getattr(rpo_rto, name), name
