"""tpmkit.disaster_recovery.restore_drill (tpmkit.drill in notebooks): the orders service really writes, backs
up, loses and restores a SQLite file, on a deterministic clock; its measurements agree with the files themselves;
misuse is one clear sentence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit.disaster_recovery import restore_drill
from tpmkit.errors import KitError


def rows_in(path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT order_id, created_at FROM orders ORDER BY order_id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def shop():
    service = restore_drill.OrderService(backup_every_minutes=60)
    yield service
    service.cleanup()


def test_order_stream_is_seeded_and_ordered():
    first, again = restore_drill.order_stream(), restore_drill.order_stream()
    assert first.equals(again)
    assert not first.equals(restore_drill.order_stream(seed=7))
    assert list(first["created_at"]) == sorted(first["created_at"])
    assert list(first["order_id"]) == [f"T-{n:06d}" for n in range(1, len(first) + 1)]
    today = first[first["created_at"] >= "2026-11-12"]
    hours = (pd.Timestamp("2026-11-12 23:59:59") - pd.Timestamp("2026-11-12 08:00")).total_seconds() / 3600
    assert 0.8 * 40 * hours < len(today) < 1.2 * 40 * hours  # about 40 orders an hour


def test_day_runs_backups_on_schedule_with_real_files(shop):
    shop.run_until("14:37")
    backups = shop.backups()
    assert list(backups["taken_at"]) == [f"{h:02d}:00" for h in range(8, 15)]
    assert set(backups["job_status"]) == {"succeeded"}
    folder = Path(shop.path)
    files = sorted(p.name for p in (folder / "backups").iterdir())
    assert files == list(backups["file"])
    # each backup holds exactly the orders written before it started
    stream = restore_drill.order_stream()
    for name, taken in zip(backups["file"], backups["taken_at"], strict=True):
        held = rows_in(folder / "backups" / name)
        expected = stream[stream["created_at"] < f"2026-11-12 {taken}:00"]
        assert [r[0] for r in held] == list(expected["order_id"])
    assert shop.query("SELECT COUNT(*) AS n FROM orders").loc[0, "n"] == len(shop.processor_log())


def test_disaster_deletes_the_file_and_restore_brings_it_back(shop, capsys):
    shop.run_until("14:37")
    primary = Path(shop.path) / "primary" / "orders.db"
    assert primary.exists()
    shop.disaster()
    assert not primary.exists() and shop.status == "down"
    result = shop.restore()
    assert primary.exists() and shop.status == "restored"
    assert rows_in(primary) == rows_in(Path(shop.path) / "backups" / "orders-1400.db")
    assert result["backup_used"] == "14:00" and result["backups_tried"] == ["14:00"]
    assert result["started_at"] == "2026-11-12 14:37:00"
    assert result["answering_at"] == "2026-11-12 14:54:00"  # 8 + 2 + 4 + 3 minutes
    assert "service answering" in capsys.readouterr().out
    # plain data only, so a grader could fetch it
    assert all(isinstance(v, (str, int, list)) for v in result.values())


def test_measurements_agree_with_the_files(shop):
    shop.run_until("14:37")
    log = shop.processor_log()
    shop.disaster()
    shop.restore()
    kept = rows_in(Path(shop.path) / "primary" / "orders.db")
    measured = shop.measure(rpo_target_minutes=60, rto_target_minutes=30)
    newest_written = pd.Timestamp(log["created_at"].max())
    newest_kept = pd.Timestamp(max(r[1] for r in kept))
    assert measured["last_order_kept"] == str(newest_kept)
    assert measured["last_order_written"] == str(newest_written)
    # RPO = time since the last recovery point (AWS DR whitepaper): the restored 14:00 backup to the 14:37 loss,
    # not the gap between orders (a quiet minute is still time whose writes would be lost).
    assert measured["recovery_point"] == "2026-11-12 14:00:00"
    assert measured["rpo_achieved_minutes"] == 37.0
    assert measured["rpo_achieved_minutes"] != pytest.approx((newest_written - newest_kept).total_seconds() / 60)
    # the files agree with that recovery point: everything kept was written before it, everything lost after it
    point = pd.Timestamp(measured["recovery_point"])
    lost = log[~log["order_id"].isin({r[0] for r in kept})]
    assert newest_kept < point <= pd.Timestamp(lost["created_at"].min())
    assert pd.Timestamp(lost["created_at"].max()) <= pd.Timestamp(measured["disaster_at"])
    assert measured["orders_lost"] == len(lost) == 23
    # the restore is not timed: its clock is the sum of the fixed step times of the steps it took
    assert measured["rto_achieved_minutes"] == 17.0 == sum(restore_drill.RESTORE_STEPS.values())
    assert "RESTORE_STEPS" in measured["rto_timed_by"]
    assert measured["rpo_met"] and measured["rto_met"]
    assert shop.measure(rpo_target_minutes=30)["rpo_met"] is False


def test_same_settings_give_the_same_drill():
    results = []
    for _ in range(2):
        with restore_drill.OrderService(backup_every_minutes=45, orders_per_hour=30, seed=5) as service:
            service.run_until("13:10")
            service.disaster()
            service.restore()
            results.append(service.measure())
    assert results[0] == results[1]


def test_a_full_backup_disk_is_found_only_by_restoring():
    with restore_drill.OrderService(backup_every_minutes=60, backup_disk_slots=6) as service:
        service.run_until("14:37")
        assert set(service.backups()["job_status"]) == {"succeeded"}  # the job never notices
        tested = service.test_backups()
        assert list(tested["restorable"]) == [True] * 6 + [False]
        assert "malformed" in tested["problem"].iloc[-1]
        service.disaster()
        result = service.restore()
        assert result["backups_tried"] == ["14:00", "13:00"] and result["backup_used"] == "13:00"
        assert result["recovery_point"] == "2026-11-12 13:00:00"
        measured = service.measure()
        assert measured["rpo_achieved_minutes"] == 97.0  # from the 13:00 backup, not the cut-short 14:00 one
        assert measured["rto_achieved_minutes"] == 27.0  # one more fetch and check


def test_restore_a_chosen_backup_and_keep_trading(shop):
    shop.run_until("12:30")
    shop.disaster()
    result = shop.restore(backup="09:00")
    assert result["backup_used"] == "09:00"
    shop.run_until("16:00")
    # orders that arrived while the service was down were refused: in neither the database nor the log
    log = shop.processor_log()
    assert len(log) == shop.query("SELECT COUNT(*) AS n FROM orders").loc[0, "n"] + result["orders_lost"]
    assert not ((log["created_at"] > "2026-11-12 12:30:00") & (log["created_at"] <= result["answering_at"])).any()
    assert list(shop.backups()["taken_at"])[-3:] == ["14:00", "15:00", "16:00"]


def test_no_usable_backup_is_one_line():
    with restore_drill.OrderService(backup_every_minutes=60, backup_disk_slots=1) as service:
        service.run_until("10:30")
        service.disaster()
        with pytest.raises(KitError, match="backup\\(s\\) could be restored"):
            service.restore(backup="10:00")


@pytest.mark.parametrize(("steps", "call", "phrase"), [
    ([], lambda s: s.restore(), "no disaster to restore from yet"),
    ([], lambda s: s.measure(), "nothing to measure yet"),
    (["disaster"], lambda s: s.disaster(), "already lost"),
    (["disaster"], lambda s: s.run_until("15:00"), "service is down"),
    (["disaster"], lambda s: s.query("SELECT 1"), "primary database is gone"),
    (["disaster"], lambda s: s.restore(backup="09:30"), "no backup taken at 09:30"),
    (["disaster", "restore"], lambda s: s.restore(), "already restored"),
    (["disaster", "restore"], lambda s: s.disaster(), "already had its disaster"),
    ([], lambda s: s.run_until("09:00"), "cannot go back"),
    ([], lambda s: s.run_until("25:00"), "time on the drill day"),
    ([], lambda s: s.query("DELETE FROM orders"), "only reads"),
    ([], lambda s: s.query("SELEC 1"), "SQLite could not run the query"),
    ([], lambda s: s.query(""), "sql must be a query"),
    (["disaster", "restore"], lambda s: s.measure(rpo_target_minutes="1h"), "rpo_target_minutes must be a number"),
    (["cleanup"], lambda s: s.backups(), "was cleaned up"),
])
def test_misuse_is_one_clear_sentence(steps, call, phrase, capsys):
    with restore_drill.OrderService() as service:
        service.run_until("11:00")
        for step in steps:
            getattr(service, step)()
        with pytest.raises(KitError, match=phrase) as caught:
            call(service)
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"backup_every_minutes": 0}, "backup_every_minutes must be a whole number from 5"),
    ({"backup_every_minutes": 7.5}, "backup_every_minutes must be a whole number"),
    ({"backup_disk_slots": 0}, "backup_disk_slots"),
    ({"orders_per_hour": True}, "orders_per_hour"),
    ({"seed": -1}, "seed"),
])
def test_bad_settings_are_refused_before_anything_is_written(kwargs, phrase, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(KitError, match=phrase):
        restore_drill.OrderService(**kwargs)
    assert not any(tmp_path.iterdir())


def test_cleanup_removes_the_folder_and_the_chart_still_draws():
    service = restore_drill.OrderService(backup_every_minutes=30)
    service.run_until("12:00")
    service.disaster()
    service.restore()
    fig = service.chart()
    assert isinstance(fig, Figure)
    assert any("RPO achieved" in t.get_text() for t in fig.axes[0].texts)
    folder = Path(service.path)
    service.cleanup()
    assert not folder.exists() and service.cleaned_up
    assert "cleaned up" in repr(service)


def test_a_forgotten_service_is_deleted_when_collected():
    import gc

    service = restore_drill.OrderService()
    folder = Path(service.path)
    del service
    gc.collect()
    assert not folder.exists()


def test_the_old_name_drill_is_the_same_module_for_saved_notebooks():
    from tpmkit import drill

    for name in restore_drill.__all__:
        assert getattr(drill, name) is getattr(restore_drill, name), name
