"""A hands-on disaster-recovery drill: a tiny orders service, a real SQLite database, real backups, a real restore.

Notebooks import this module as `from tpmkit import drill`; RPO and RTO on paper (schedules,
strategies) are in `rpo_rto` (`tpmkit.dr`).

`OrderService` keeps Tillpoint's orders in a SQLite database file in a new temporary folder. A seeded
stream of orders arrives on a simulated clock (so a day runs in about a second, the same way on every
machine), and a backup job copies the database with sqlite3's backup API every `backup_every_minutes`,
starting at 08:00 when the drill day begins. The database already holds the previous day's orders.

    shop = OrderService(backup_every_minutes=60)
    shop.run_until("14:37")        # orders arrive, backups are taken on the hour
    shop.backups()                 # the backup files, as the backup job reported them
    shop.disaster()                # the primary database file is deleted: the service is down
    shop.restore()                 # fetch the newest backup, check it, copy it back, reopen, health check
    shop.query("SELECT MAX(created_at) FROM orders")     # read the restored database
    shop.processor_log()           # every order the card processor accepted: it survives the disaster
    shop.measure(rpo_target_minutes=60, rto_target_minutes=30)
    shop.chart()
    shop.cleanup()                 # or: with OrderService() as shop: ...

The restore really copies a backup file into place, checks it and reopens it, but it is not timed: each
step moves the simulated clock on by a FIXED time (RESTORE_STEPS): fetching a backup from backup storage,
checking it, copying it into place and reopening the database, and waiting for the service to pass a
health check. A backup that fails its check costs a fetch and a check, and the restore falls back to the
next newest one. So the restore's duration is the sum of the fixed times of the steps it really took.

The backup disk can be made to fill up (`backup_disk_slots`): from then on the backup job's copies are
cut short, yet the job still reports "succeeded", as a job that never checks its own output would.
Nobody finds out until a backup is restored, which is why a backup that has never been restored is a
guess. `test_backups()` restores each backup into a scratch file to find out before a disaster does.

What the drill measures (`measure()`):
- RPO achieved: the time from the recovery point the restore brought back (the moment the backup it used
  was taken: that backup holds every order written before then) to the disaster. This is the AWS DR
  whitepaper's RPO, the time since the last recovery point, measured on the restore that really happened
  (a cut-short backup is not a recovery point), not read off the schedule. The restored database and the
  processor's record are the evidence: the newest order kept is before the recovery point, and the orders
  lost (`orders_lost`) are the ones written between it and the disaster.
- RTO achieved: the time from the start of the restore (the moment the primary was lost: the drill
  starts restoring at once) to the service answering again, on the simulated clock. It is the sum of the
  fixed step times (RESTORE_STEPS) of the steps the restore needed: real are the steps (how many backups
  were fetched and checked before one passed), not their durations. A real drill times each step.
"""

from __future__ import annotations

import functools
import math
import random
import re
import shutil
import sqlite3
from numbers import Integral
from pathlib import Path

import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from tpmkit.errors import KitError
from tpmkit.scratch_folder import ScratchFolder, ScratchOwner

__all__ = ["DAY_START", "DEFAULT_SEED", "DRILL_DATE", "RESTORE_STEPS", "OrderService", "exercise_service",
           "order_stream"]

DRILL_DATE = "2026-11-12"                       # a Thursday
DAY_START = pd.Timestamp(f"{DRILL_DATE} 08:00")  # the drill clock starts here; the first backup is taken now
DAY_END = pd.Timestamp(f"{DRILL_DATE} 23:59:59")
DEFAULT_SEED = 2026
# Simulated minutes each restore step takes. Fetch and check happen once per backup tried.
RESTORE_STEPS = {"fetch": 8, "check": 2, "copy": 4, "health": 3}
_PREFIX = "tpmkit-drill-"
_SCHEMA = ("CREATE TABLE orders (order_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
           "shop_id TEXT NOT NULL, amount_pence INTEGER NOT NULL)")
_FMT = "%Y-%m-%d %H:%M:%S"


# --- the seeded order stream ------------------------------------------------------------------------

def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        raise KitError(f"{name} must be a whole number from {low:,} to {high:,}, not {value!r}.")
    return int(value)


def order_stream(seed: int = DEFAULT_SEED, orders_per_hour: int = 40) -> pd.DataFrame:
    """Every order of the drill's two days, in time order: the previous day (08:00-20:00) and the drill day.

    Arrivals are a Poisson stream at `orders_per_hour`, to the second; amounts are in pence. Only
    `random.Random.random()` is used, whose sequence Python keeps the same across versions.
    """
    seed = _whole(seed, "seed", 0, 2**32 - 1)
    rate = _whole(orders_per_hour, "orders_per_hour", 1, 600)
    rng = random.Random(seed)  # noqa: S311 - seeded demo data, not a secret
    rows = []
    day_before = DAY_START - pd.Timedelta(days=1)
    for start, end in ((day_before, day_before + pd.Timedelta(hours=12)), (DAY_START, DAY_END)):
        second = 0.0
        limit = (end - start).total_seconds()
        while True:
            second += -math.log(1.0 - rng.random()) * 3600 / rate
            if second > limit:
                break
            when = start + pd.Timedelta(seconds=int(second))
            shop = 1 + int(rng.random() * 60)
            amount = 150 + int(rng.random() ** 3 * 6000)
            rows.append({"created_at": when.strftime(_FMT), "shop_id": f"S-{shop:03d}", "amount_pence": amount})
    for number, row in enumerate(rows, start=1):
        row["order_id"] = f"T-{number:06d}"
    return pd.DataFrame(rows, columns=["order_id", "created_at", "shop_id", "amount_pence"])


# --- housekeeping -------------------------------------------------------------------------------------

def _check_database(path: Path) -> dict:
    """Open a database file read-only and check it; {'ok', 'orders', 'newest', 'problem'}."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                return {"ok": False, "orders": None, "newest": None, "problem": f"integrity check: {verdict}"}
            count, newest = conn.execute("SELECT COUNT(*), MAX(created_at) FROM orders").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        return {"ok": False, "orders": None, "newest": None, "problem": str(error)}
    return {"ok": True, "orders": count, "newest": newest, "problem": ""}


def _at(value, name: str) -> pd.Timestamp:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise KitError(f"{name} must be a time on the drill day such as '14:37' (24-hour HH:MM), not {value!r}.")
    return pd.Timestamp(f"{DRILL_DATE} {int(match[1]):02d}:{match[2]}:{match[3] or '00'}")


# --- the service ----------------------------------------------------------------------------------------

class OrderService(ScratchOwner):
    """Tillpoint's orders service for one drill day, with its database, its backups and a simulated clock.

    backup_every_minutes: the backup schedule (from 08:00). backup_disk_slots: how many backups fit on
    the backup disk before copies are cut short (None: never). orders_per_hour and seed set the stream.
    Its files live in a temporary folder: `cleanup()` closes the database and deletes it; so does
    leaving a `with` block, and so does Python when the service is no longer used or the kernel stops.
    """

    _cleaned_up_message = "This drill was cleaned up: make a new one, for example drill.OrderService()."

    def __init__(self, backup_every_minutes: int = 60, *, backup_disk_slots: int | None = None,
                 orders_per_hour: int = 40, seed: int = DEFAULT_SEED):
        self.backup_every_minutes = _whole(backup_every_minutes, "backup_every_minutes", 5, 24 * 60)
        self.backup_disk_slots = (None if backup_disk_slots is None
                                  else _whole(backup_disk_slots, "backup_disk_slots (or None)", 1, 10_000))
        stream = order_stream(seed, orders_per_hour)
        self.seed, self.orders_per_hour = seed, orders_per_hour
        self._handles: dict[str, sqlite3.Connection | None] = {"conn": None}  # closed on cleanup too
        self._scratch = ScratchFolder(_PREFIX, before_removal=functools.partial(_close, self._handles))
        self._root = Path(self._scratch.path)
        for sub in ("primary", "backups", "restore"):
            (self._root / sub).mkdir()
        self._primary = self._root / "primary" / "orders.db"
        self._orders = stream
        before = stream["created_at"] < DAY_START.strftime(_FMT)
        self._next = int(before.sum())  # index of the next order to arrive
        self._clock = DAY_START
        self._state = "up"
        self._backups: list[dict] = []
        self._refused: set[int] = set()  # indices of orders that arrived while the service was down
        self._next_backup = DAY_START
        self._disaster: dict | None = None
        self._restore: dict | None = None
        self._history: list[tuple[pd.Timestamp, int]] = []  # (time, orders in the database) for the chart
        self._open()
        self._conn.execute(_SCHEMA)
        self._conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                               stream[before][["order_id", "created_at", "shop_id", "amount_pence"]]
                               .itertuples(index=False, name=None))
        self._conn.commit()
        self._in_db = self._next
        self._history.append((DAY_START, self._in_db))
        self._advance(DAY_START)  # the 08:00 backup

    # -- lifecycle: cleanup(), cleaned_up and `with` come from ScratchOwner --
    def __repr__(self) -> str:
        if self.cleaned_up:
            return "<orders service drill: cleaned up>"
        return (f"<orders service drill at {self.now}: {self.status}, backups every {self.backup_every_minutes} min, "
                f"{len(self._backups)} taken>")

    @property
    def _conn(self) -> sqlite3.Connection | None:
        return self._handles["conn"]

    def _open(self) -> None:
        conn = sqlite3.connect(self._primary)
        conn.execute("PRAGMA synchronous = OFF")  # a simulation: no need to wait for the disk
        self._handles["conn"] = conn

    # -- state --
    @property
    def path(self) -> str:
        """The drill's temporary folder (primary/, backups/, restore/)."""
        self._alive()
        return str(self._root)

    @property
    def now(self) -> str:
        """The simulated clock, 'YYYY-MM-DD HH:MM:SS'."""
        return self._clock.strftime(_FMT)

    @property
    def status(self) -> str:
        """'up' (taking orders), 'down' (primary lost) or 'restored' (taking orders again after a restore)."""
        return self._state

    # -- running the day --
    def _take_backup(self, when: pd.Timestamp) -> None:
        self._conn.commit()
        target = self._root / "backups" / f"orders-{when:%H%M}.db"
        copy = sqlite3.connect(target)
        try:
            self._conn.backup(copy)  # sqlite3's online backup API: a consistent copy of the live database
        finally:
            copy.close()
        cut_short = self.backup_disk_slots is not None and len(self._backups) >= self.backup_disk_slots
        if cut_short:  # the disk is full: the copy stops half-way, and the job does not notice
            with open(target, "r+b") as handle:
                handle.truncate(target.stat().st_size // 2)
        self._backups.append({"taken_at": when, "file": target, "checked": None})

    def _advance(self, until: pd.Timestamp) -> None:
        orders = self._orders
        while True:
            next_order = (pd.Timestamp(orders.at[self._next, "created_at"]) if self._next < len(orders) else None)
            due_backup = self._next_backup if self._next_backup <= until else None
            if due_backup is not None and (next_order is None or due_backup <= next_order):
                self._take_backup(due_backup)
                self._next_backup += pd.Timedelta(minutes=self.backup_every_minutes)
                continue
            if next_order is None or next_order > until:
                break
            row = orders.iloc[self._next]
            self._conn.execute("INSERT INTO orders VALUES (?, ?, ?, ?)",
                               (row["order_id"], row["created_at"], row["shop_id"], int(row["amount_pence"])))
            self._next += 1
            self._in_db += 1
            self._history.append((next_order, self._in_db))
        self._conn.commit()
        self._clock = until

    def run_until(self, time: str) -> None:
        """Let the day run to `time` ('HH:MM' or 'HH:MM:SS'): orders arrive and backups are taken on schedule."""
        self._alive()
        until = _at(time, "time")
        if self._state == "down":
            raise KitError(f"The service is down (the primary was lost at {self._disaster['at']:%H:%M:%S}): "
                           "restore it first with restore().")
        if until < self._clock:
            raise KitError(f"The drill clock is already at {self._clock:%H:%M:%S}; it cannot go back to {time}.")
        self._advance(until)
        print(f"{self.now}: {len(self._accepted()):,} orders accepted so far, {len(self._backups)} backups taken "
              f"(every {self.backup_every_minutes} min from 08:00).")

    def backups(self) -> pd.DataFrame:
        """The backup files as the backup job reported them (every job says it succeeded)."""
        self._alive()
        return pd.DataFrame([{"taken_at": b["taken_at"].strftime("%H:%M"), "file": b["file"].name,
                              "size_kb": round(b["file"].stat().st_size / 1024, 1), "job_status": "succeeded"}
                             for b in self._backups], columns=["taken_at", "file", "size_kb", "job_status"])

    def test_backups(self) -> pd.DataFrame:
        """Restore every backup into a scratch file and check it: can it be used, and what does it hold?"""
        self._alive()
        rows = []
        for backup in self._backups:
            scratch = self._root / "restore" / "test.db"
            shutil.copyfile(backup["file"], scratch)
            verdict = _check_database(scratch)
            scratch.unlink()
            backup["checked"] = verdict["ok"]
            rows.append({"taken_at": backup["taken_at"].strftime("%H:%M"), "restorable": verdict["ok"],
                         "orders": verdict["orders"], "newest_order": verdict["newest"], "problem": verdict["problem"]})
        frame = pd.DataFrame(rows, columns=["taken_at", "restorable", "orders", "newest_order", "problem"])
        frame["orders"] = frame["orders"].astype("Int64")  # whole numbers, empty where the check failed
        return frame

    def processor_log(self) -> pd.DataFrame:
        """Every order the card processor accepted so far (both days). It is kept outside Tillpoint's
        database, so it survives the disaster: compare it with the restored database to see what was lost."""
        self._alive()
        return self._accepted().reset_index(drop=True)

    def _accepted(self) -> pd.DataFrame:
        seen = self._orders.iloc[:self._next]
        return seen[~seen.index.isin(sorted(self._refused))].copy()

    def query(self, sql: str) -> pd.DataFrame:
        """Run one read-only SQL query on the service's database (the restored one after a restore)."""
        self._alive()
        if not isinstance(sql, str) or not sql.strip():
            raise KitError("sql must be a query as text, such as 'SELECT COUNT(*) FROM orders'.")
        if self._state == "down":
            raise KitError(f"The primary database is gone (lost at {self._disaster['at']:%H:%M:%S}): "
                           "restore it first with restore().")
        self._conn.commit()
        reader = sqlite3.connect(f"file:{self._primary}?mode=ro", uri=True)
        try:
            return pd.read_sql_query(sql, reader)
        except (sqlite3.Error, pd.errors.DatabaseError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "readonly" in message:
                raise KitError("query() only reads: use a SELECT query.") from None
            raise KitError(f"SQLite could not run the query ({message.rstrip('.')}).") from None
        finally:
            reader.close()

    # -- the drill --
    def disaster(self) -> None:
        """Lose the primary: the database file is deleted and the service stops answering."""
        self._alive()
        if self._state == "down":
            raise KitError("The primary is already lost: restore it with restore().")
        if self._disaster is not None:
            raise KitError("This drill already had its disaster and restore: make a new OrderService "
                           "to run the drill again.")
        self._conn.commit()
        self._conn.close()
        self._handles["conn"] = None
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self._primary}{suffix}").unlink(missing_ok=True)
        self._state = "down"
        written = self._accepted()
        self._disaster = {"at": self._clock, "orders_written": len(written),
                          "last_written": written["created_at"].iloc[-1], "written_ids": set(written["order_id"])}
        self._in_db = 0
        self._history.append((self._clock, 0))
        print(f"{self.now}: DISASTER. The primary database file is gone and the service has stopped answering.")

    def restore(self, backup: str | None = None) -> dict:
        """Restore the newest backup that passes its check (or the one taken at `backup`, 'HH:MM').

        Prints each step on the simulated clock and returns what happened as plain data.
        """
        self._alive()
        if self._disaster is None:
            raise KitError("There has been no disaster to restore from yet: call disaster() first "
                           "(a drill restores after losing the primary).")
        if self._state != "down":
            raise KitError(f"The primary was already restored (service answering since "
                           f"{self._restore['answering_at']}); make a new OrderService to run the drill again.")
        lost_at = self._disaster["at"]
        candidates = [b for b in reversed(self._backups) if b["taken_at"] <= lost_at]
        if backup is not None:
            wanted = _at(backup, "backup")
            candidates = [b for b in candidates if b["taken_at"] == wanted]
            if not candidates:
                taken = ", ".join(f"{b['taken_at']:%H:%M}" for b in self._backups) or "none"
                raise KitError(f"There is no backup taken at {backup}; the backups are: {taken}.")
        clock = lost_at
        steps = [{"at": clock.strftime(_FMT), "step": "restore started: the primary database is gone"}]

        def step(minutes: int, text: str) -> None:
            nonlocal clock
            clock += pd.Timedelta(minutes=minutes)
            steps.append({"at": clock.strftime(_FMT), "step": text})

        used, tried = None, []
        scratch = self._root / "restore" / "candidate.db"
        for candidate in candidates:
            name = f"{candidate['taken_at']:%H:%M}"
            tried.append(name)
            shutil.copyfile(candidate["file"], scratch)
            step(RESTORE_STEPS["fetch"], f"fetched the {name} backup from backup storage")
            verdict = _check_database(scratch)
            candidate["checked"] = verdict["ok"]
            if verdict["ok"]:
                step(RESTORE_STEPS["check"], f"checked the {name} backup: usable, {verdict['orders']:,} orders")
                used = candidate
                break
            step(RESTORE_STEPS["check"], f"checked the {name} backup: NOT usable ({verdict['problem']})")
        if used is None:
            for line in steps:
                print(f"{line['at']}  {line['step']}")
            raise KitError(f"None of the {len(tried)} backup(s) could be restored, so the orders are lost: "
                           "test backups before you need them.")
        shutil.copyfile(scratch, self._primary)  # copy the checked backup into place
        scratch.unlink()
        self._open()
        step(RESTORE_STEPS["copy"], "copied it into place and reopened the database")
        kept_count, newest = self._conn.execute("SELECT COUNT(*), MAX(created_at) FROM orders").fetchone()
        kept_ids = {row[0] for row in self._conn.execute("SELECT order_id FROM orders")}
        step(RESTORE_STEPS["health"], f"service answering: health check passed ({kept_count:,} orders)")
        self._clock = clock
        self._state = "restored"
        self._in_db = kept_count
        self._history.append((clock, kept_count))
        # Orders that arrived while the service was down were refused at the till (no payment was taken),
        # so they are in neither the database nor the processor's record; the stream resumes after that.
        while self._next < len(self._orders) and pd.Timestamp(self._orders.at[self._next, "created_at"]) <= clock:
            self._refused.add(self._next)
            self._next += 1
        while self._next_backup <= clock:
            self._next_backup += pd.Timedelta(minutes=self.backup_every_minutes)
        lost = self._disaster["written_ids"] - kept_ids
        self._restore = {
            "started_at": lost_at.strftime(_FMT),
            "answering_at": clock.strftime(_FMT),
            "backup_used": f"{used['taken_at']:%H:%M}",
            "recovery_point": used["taken_at"].strftime(_FMT),  # the backup holds every order written before this
            "backups_tried": tried,
            "orders_kept": kept_count,
            "newest_order_kept": newest,
            "orders_lost": len(lost),
            "steps": steps,
        }
        print("Restore log (simulated clock: each step adds its fixed time from drill.RESTORE_STEPS):")
        for line in steps:
            print(f"{line['at']}  {line['step']}")
        return {key: (list(value) if isinstance(value, list) else value) for key, value in self._restore.items()}

    def measure(self, rpo_target_minutes: float | None = None, rto_target_minutes: float | None = None) -> dict:
        """RPO and RTO achieved by the drill (minutes), and whether they met the targets given. Plain data."""
        self._alive()
        if self._restore is None:
            raise KitError("There is nothing to measure yet: run the drill first (disaster(), then restore()).")
        for name, value in (("rpo_target_minutes", rpo_target_minutes), ("rto_target_minutes", rto_target_minutes)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise KitError(f"{name} must be a number of minutes, 0 or more, not {value!r}.")
        last_written = pd.Timestamp(self._disaster["last_written"])
        last_kept = pd.Timestamp(self._restore["newest_order_kept"])
        point = pd.Timestamp(self._restore["recovery_point"])
        started, answering = pd.Timestamp(self._restore["started_at"]), pd.Timestamp(self._restore["answering_at"])
        result = {
            "disaster_at": self._disaster["at"].strftime(_FMT),
            "backup_used": self._restore["backup_used"],
            "backups_tried": list(self._restore["backups_tried"]),
            "recovery_point": point.strftime(_FMT),
            "rpo_achieved_minutes": (self._disaster["at"] - point).total_seconds() / 60,
            "last_order_kept": last_kept.strftime(_FMT),
            "last_order_written": last_written.strftime(_FMT),
            "orders_written": self._disaster["orders_written"],
            "orders_kept": self._restore["orders_kept"],
            "orders_lost": self._restore["orders_lost"],
            "restore_started_at": self._restore["started_at"],
            "service_answering_at": self._restore["answering_at"],
            "rto_achieved_minutes": (answering - started).total_seconds() / 60,
            "rto_timed_by": "the simulated clock: fixed minutes per restore step (drill.RESTORE_STEPS)",
        }
        if rpo_target_minutes is not None:
            result["rpo_target_minutes"] = rpo_target_minutes
            result["rpo_met"] = result["rpo_achieved_minutes"] <= rpo_target_minutes
        if rto_target_minutes is not None:
            result["rto_target_minutes"] = rto_target_minutes
            result["rto_met"] = result["rto_achieved_minutes"] <= rto_target_minutes
        return result

    def chart(self) -> Figure:
        """The drill day: orders accepted against orders in the database, backups, the disaster and the restore."""
        self._alive()
        fig = Figure(figsize=(9.5, 4.2), layout="constrained")
        ax = fig.subplots()
        accepted = self._accepted()
        at_start = int((accepted["created_at"] < DAY_START.strftime(_FMT)).sum())
        today = [pd.Timestamp(t) for t in accepted["created_at"].iloc[at_start:]]
        accepted_t = [DAY_START, *today, self._clock]
        accepted_n = [at_start, *range(at_start + 1, at_start + len(today) + 1), len(accepted)]
        ax.step(accepted_t, accepted_n, where="post", color="#999999", lw=3, label="orders the processor accepted")
        times = [t for t, _ in self._history] + [self._clock]
        counts = [n for _, n in self._history] + [self._history[-1][1]]
        ax.step(times, counts, where="post", color="#1b9e77", lw=1.5, label="orders in Tillpoint's database")
        for backup in self._backups:
            colour = {None: "#bbbbbb", True: "#1b9e77", False: "#b42318"}[backup["checked"]]
            ax.axvline(backup["taken_at"], color=colour, lw=1.2, ls=":", zorder=0)
        ax.plot([], [], color="#bbbbbb", ls=":", label="backup (grey: never restored, green: restored, red: failed)")
        top = len(accepted)
        spread = max(top - at_start, 10)
        if self._disaster is not None:
            ax.axvline(self._disaster["at"], color="#b42318", lw=2, label="disaster: primary lost")
        if self._restore is not None:
            started, answering = pd.Timestamp(self._restore["started_at"]), pd.Timestamp(self._restore["answering_at"])
            ax.axvspan(started, answering, color="#7570b3", alpha=0.2, label="restore")
            point = pd.Timestamp(self._restore["recovery_point"])
            lost_at = self._disaster["at"]
            y = top + 0.1 * spread
            ax.annotate("", xy=(lost_at, y), xytext=(point, y),
                        arrowprops={"arrowstyle": "<->", "color": "#d95f02", "lw": 1.8, "shrinkA": 0, "shrinkB": 0})
            rpo = (lost_at - point).total_seconds() / 60
            rto = (answering - started).total_seconds() / 60
            ax.text(point, y, f"RPO achieved {rpo:g} min from the {point:%H:%M} recovery point "
                              f"({self._restore['orders_lost']} orders lost) ",
                    color="#d95f02", fontsize=8, ha="right", va="center")
            ax.text(answering, at_start + 0.5 * spread, f" RTO achieved {rto:g} min\n (fixed step times)",
                    color="#7570b3", fontsize=8, va="center")
        ax.set_ylim(at_start - 0.1 * spread, top + 0.2 * spread)
        room = pd.Timedelta(minutes=75 if self._restore is not None else 20)  # space for the RTO label
        ax.set_xlim(DAY_START - pd.Timedelta(minutes=10), self._clock + room)
        ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
        ax.set_xlabel(f"drill day {DRILL_DATE} (simulated clock)")
        ax.set_ylabel("orders held (both days)")
        ax.set_title(f"Orders drill: backups every {self.backup_every_minutes} minutes", loc="left", fontsize=10)
        ax.legend(loc="lower right", fontsize=7)
        return fig


def _close(handles: dict) -> None:
    """Close the database before its folder is deleted (it must not refer to the service, or it is never collected)."""
    conn = handles.get("conn")
    if conn is not None:
        conn.close()
        handles["conn"] = None


def exercise_service() -> OrderService:
    """The exercise's orders service: backups every 30 minutes from 08:00, on a backup disk of 17 slots."""
    return OrderService(backup_every_minutes=30, backup_disk_slots=17, orders_per_hour=45, seed=808)
