"""Tillpoint's product tables for the first half of 2026: users, events, orders and payments.

Tillpoint is a payments app for small shops. A shop owner signs up, sets up the shop, links a bank
account and takes a first sale; then uses the app on the days the shop trades. The tables:

- `users`, one row per account: `user_id`, `signup_date`, `country`, `channel` (how they found Tillpoint; empty
  for accounts moved over from the old system), `plan` (`free` or `pro` today), `shop_type`, `device`.
- `events`, one row per thing a user did in the app: `event_id`, `user_id`, `event_time` (UTC, to the second),
  `event_name`, `device`. The funnel steps are `signup`, `shop_setup`, `link_bank`, `first_sale`
  (each at most once per user, apart from logged copies); everyday use is `app_open`, `sale` and `view_report`.
- `orders`, one row per order from Tillpoint's hardware shop or for the Pro plan: `order_id`, `user_id` (empty
  for guest orders placed on the web shop without logging in), `ordered_at`, `item` (`card_reader`
  £29, `receipt_printer` £79, `pro_plan` £19 a month), `quantity`, `amount_gbp`.
- `payments`, one row per attempt to take payment for an order: `payment_id`, `order_id`, `paid_at`, `status`
  (`succeeded` or `failed`; a failed attempt is often retried), `amount_gbp`, `refunded_gbp` (empty
  unless money was given back, in full or in part).

Some facts are planted for the exercises (DOUBLE_LOGGED_DAY, CAMPAIGN_DAY, BIG_ORDER_TIME); they are
documented in tests/content/test_product_data.py.

Sizes: "small" (tests), "lesson" (the lesson, the exercise and its grading), "full" (the speed
bench: at least 1,000,000 events). The same size and seed give the same rows on every machine.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from tpmkit.errors import KitError

__all__ = ["BIG_ORDER_TIME", "CAMPAIGN_DAY", "DOUBLE_LOGGED_DAY", "DOUBLE_LOGGED_DEVICE", "END", "SIZES", "START",
           "TABLES", "events", "orders", "payments", "product_tables", "users"]

START = pd.Timestamp("2026-01-01")
END = pd.Timestamp("2026-07-01")  # exclusive: the data covers 1 January to 30 June 2026
DAYS = (END - START).days
DOUBLE_LOGGED_DAY = pd.Timestamp("2026-03-12")
DOUBLE_LOGGED_DEVICE = "android"
CAMPAIGN_DAY = pd.Timestamp("2026-04-14")
BIG_ORDER_TIME = pd.Timestamp("2026-03-31 16:42:10")
DEFAULT_SEED = 2026
SIZES = {"small": 400, "lesson": 2_500, "full": 40_000}  # number of users

TABLES = {  # table -> column -> DuckDB type (tpmkit.sql loads them with these types)
    "users": {"user_id": "INTEGER", "signup_date": "DATE", "country": "VARCHAR", "channel": "VARCHAR",
              "plan": "VARCHAR", "shop_type": "VARCHAR", "device": "VARCHAR"},
    "events": {"event_id": "BIGINT", "user_id": "INTEGER", "event_time": "TIMESTAMP", "event_name": "VARCHAR",
               "device": "VARCHAR"},
    "orders": {"order_id": "INTEGER", "user_id": "INTEGER", "ordered_at": "TIMESTAMP", "item": "VARCHAR",
               "quantity": "INTEGER", "amount_gbp": "DECIMAL(10,2)"},
    "payments": {"payment_id": "INTEGER", "order_id": "INTEGER", "paid_at": "TIMESTAMP", "status": "VARCHAR",
                 "amount_gbp": "DECIMAL(10,2)", "refunded_gbp": "DECIMAL(10,2)"},
}

COUNTRIES = (["GB", "IE", "FR", "DE", "ES", "NL"], [0.55, 0.10, 0.10, 0.10, 0.08, 0.07])
CHANNELS = (["organic", "ads", "referral", "partner", None], [0.40, 0.30, 0.20, 0.07, 0.03])
CHANNEL_LIFT = {"organic": 1.0, "ads": 0.85, "referral": 1.1, "partner": 1.15, None: 1.0}
DEVICES = (["android", "ios", "web"], [0.45, 0.40, 0.15])
SHOP_TYPES = (["cafe", "salon", "market stall", "retail", "food truck"], [0.3, 0.2, 0.15, 0.25, 0.1])
EVENT_NAMES = ["signup", "shop_setup", "link_bank", "first_sale", "app_open", "sale", "view_report"]
PRICES = {"card_reader": 29.0, "receipt_printer": 79.0, "pro_plan": 19.0}
ITEMS = list(PRICES)
DAY = 86_400


def _check(size, seed) -> tuple[str, int]:
    if size not in SIZES:
        raise KitError(f"size must be one of {', '.join(repr(s) for s in SIZES)}, not {size!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")
    return size, seed


def _pick(rng: np.random.Generator, options: tuple[list, list[float]], n: int) -> np.ndarray:
    values, weights = options
    return np.array(values, dtype=object)[rng.choice(len(values), n, p=weights)]


def _day_of(seconds: np.ndarray) -> np.ndarray:
    return seconds // DAY


def _rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of a np.repeat(..., counts)."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _seconds(stamp: pd.Timestamp) -> int:
    return int((stamp - START).total_seconds())


def _users(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    weights = np.linspace(1.0, 2.0, DAYS)  # Tillpoint is growing
    weekday = (START.day_of_week + np.arange(DAYS)) % 7
    weights[weekday >= 5] *= 0.7
    weights[(CAMPAIGN_DAY - START).days] *= 4  # the campaign brought a burst of signups
    day = rng.choice(DAYS, n, p=weights / weights.sum())
    signup = np.sort(day * DAY + rng.integers(7 * 3600, 22 * 3600, n))
    return {"signup": signup, "country": _pick(rng, COUNTRIES, n), "channel": _pick(rng, CHANNELS, n),
            "device": _pick(rng, DEVICES, n), "shop_type": _pick(rng, SHOP_TYPES, n)}


def _funnel(rng: np.random.Generator, signup: np.ndarray, channel: np.ndarray) -> dict[str, np.ndarray]:
    """The time each user reached each step, in seconds from START; -1 for a step not reached."""
    n = len(signup)
    lift = np.array([CHANNEL_LIFT[c] for c in channel])
    horizon = DAYS * DAY
    setup_t = signup + 60 + rng.exponential(5 * 3600, n).astype(np.int64)
    setup = (rng.random(n) < 0.80 * lift) & (setup_t < horizon)
    bank_t = setup_t + 300 + rng.exponential(30 * 3600, n).astype(np.int64)
    bank = setup & (rng.random(n) < 0.75 * lift) & (bank_t < horizon)
    sale_t = bank_t + 600 + rng.exponential(40 * 3600, n).astype(np.int64)
    sale = bank & (rng.random(n) < 0.80) & (sale_t < horizon)
    return {"signup": signup, "shop_setup": np.where(setup, setup_t, -1), "link_bank": np.where(bank, bank_t, -1),
            "first_sale": np.where(sale, sale_t, -1)}


def _activity(rng: np.random.Generator, funnel: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Everyday use: (user index, time, event code) for app opens, sales and reports."""
    n = len(funnel["signup"])
    first_sale = funnel["first_sale"]
    trading = np.flatnonzero(first_sale >= 0)
    first_day = _day_of(first_sale[trading])
    lifetime = rng.exponential(70, len(trading)).astype(np.int64)
    span = np.minimum(first_day + lifetime, DAYS - 1) - first_day
    keen = rng.beta(2, 3, len(trading))
    active = rng.binomial(span, keen)
    who = np.repeat(np.arange(len(trading)), active)
    day = first_day[who] + 1 + (rng.random(len(who)) * span[who]).astype(np.int64)
    key = np.unique(trading[who] * DAYS + day)  # one row per user and active day
    user, day = key // DAYS, key % DAYS
    # users who never took a sale still open the app now and then in their first three weeks
    idle = np.flatnonzero(first_sale < 0)
    visits = rng.poisson(2, len(idle))
    idle_user = np.repeat(idle, visits)
    idle_day = _day_of(funnel["signup"][idle_user]) + rng.integers(0, 21, len(idle_user))
    # the campaign: a push notification that about a third of all earlier signups opened
    earlier = np.flatnonzero(funnel["signup"] < _seconds(CAMPAIGN_DAY))
    opened = earlier[rng.random(len(earlier)) < 0.35]
    campaign_day = np.full(len(opened), (CAMPAIGN_DAY - START).days)

    open_user = np.concatenate([user, idle_user, opened])
    open_day = np.concatenate([day, idle_day, campaign_day])
    start = np.concatenate([rng.integers(6 * 3600, 20 * 3600, len(user) + len(idle_user)),
                            10 * 3600 + rng.exponential(3600, len(opened)).astype(np.int64)])
    open_t = open_day * DAY + start
    # on a trading day: a few sales after opening the app, and sometimes a look at the reports
    sales = rng.poisson(3, len(user))
    sale_user = np.repeat(user, sales)
    gaps = rng.exponential(40 * 60, len(sale_user)).astype(np.int64) + 1
    first_of_day = np.repeat(np.cumsum(sales) - sales, sales)
    since_open = np.cumsum(gaps) - np.cumsum(gaps)[first_of_day] + gaps[first_of_day]
    sale_t = np.repeat(open_t[:len(user)], sales) + since_open
    report = rng.random(len(user)) < 0.3
    report_t = open_t[:len(user)][report] + rng.integers(60, 2 * 3600, report.sum())
    users = np.concatenate([open_user, sale_user, user[report]])
    times = np.concatenate([open_t, sale_t, report_t])
    codes = np.concatenate([np.full(len(open_user), 4), np.full(len(sale_user), 5), np.full(report.sum(), 6)])
    if users.max(initial=0) >= n:   # the generator's own invariant: every event belongs to a generated user
        raise RuntimeError("the event generator produced a user id outside the users table")
    return users, times, codes


def _events(rng: np.random.Generator, n: int, device: np.ndarray, funnel: dict[str, np.ndarray]) -> pd.DataFrame:
    steps = [(code, funnel[name]) for code, name in enumerate(EVENT_NAMES[:4])]
    users = [np.flatnonzero(t >= 0) for _, t in steps]
    a_users, a_times, a_codes = _activity(rng, funnel)
    user = np.concatenate([*users, a_users])
    time = np.concatenate([*(t[u] for (_, t), u in zip(steps, users, strict=True)), a_times])
    code = np.concatenate([*(np.full(len(u), c) for (c, _), u in zip(steps, users, strict=True)), a_codes])
    keep = (time >= 0) & (time < DAYS * DAY)
    user, time, code = user[keep], time[keep], code[keep]
    # at most one event per user, name and second (two sales in the same second would look like copies)
    _, first = np.unique(np.stack([user, time, code]), axis=1, return_index=True)
    user, time, code = user[first], time[first], code[first]
    # planted copies on DOUBLE_LOGGED_DAY; documented in tests/content/test_product_data.py
    bad = (_day_of(time) == (DOUBLE_LOGGED_DAY - START).days) & (device[user] == DOUBLE_LOGGED_DEVICE)
    copies = 1 + bad.astype(np.int64) + (bad & (rng.random(len(bad)) < 0.1))
    user, time, code = np.repeat(user, copies), np.repeat(time, copies), np.repeat(code, copies)
    order = np.lexsort((code, user, time))
    user, time, code = user[order], time[order], code[order]
    return pd.DataFrame({
        "event_id": np.arange(1, len(user) + 1, dtype=np.int64),
        "user_id": (user + 1).astype(np.int64),
        "event_time": (START + pd.to_timedelta(time, unit="s")).astype("datetime64[ns]"),
        "event_name": np.array(EVENT_NAMES, dtype=object)[code],
        "device": device[user],
    })


def _orders(rng: np.random.Generator, funnel: dict[str, np.ndarray]) -> tuple[pd.DataFrame, np.ndarray]:
    """Orders, and which users are on the Pro plan."""
    horizon = DAYS * DAY
    bank, sale = funnel["link_bank"], funnel["first_sale"]
    readers = np.flatnonzero((bank >= 0) & (rng.random(len(bank)) < 0.9))
    reader_t = bank[readers] + 600 + rng.exponential(2 * 3600, len(readers)).astype(np.int64)
    reader_q = np.where(rng.random(len(readers)) < 0.85, 1, rng.integers(2, 5, len(readers)))
    sellers = np.flatnonzero(sale >= 0)
    printers = sellers[rng.random(len(sellers)) < 0.3]
    printer_t = sale[printers] + rng.integers(3600, 60 * DAY, len(printers))
    printer_q = np.where(rng.random(len(printers)) < 0.8, 1, 2)
    pro = sellers[rng.random(len(sellers)) < 0.35]
    upgrade = sale[pro] + rng.exponential(10 * DAY, len(pro)).astype(np.int64)
    months = np.maximum(0, (horizon - 1 - upgrade) // (30 * DAY) + 1)
    pro_user = np.repeat(pro, months)
    pro_t = np.repeat(upgrade, months) + 30 * DAY * _rank_in_group(months)
    guests = max(3, round(0.05 * (len(readers) + len(printers))))
    guest_t = rng.integers(0, horizon, guests)
    guest_item = np.where(rng.random(guests) < 0.7, 0, 1)
    # the planted order at BIG_ORDER_TIME, from a shop trading since February;
    # documented in tests/content/test_product_data.py
    veterans = sellers[sale[sellers] < _seconds(pd.Timestamp("2026-03-01"))]
    chain = int(veterans[len(veterans) // 2]) if len(veterans) else 0

    user = np.concatenate([readers, printers, pro_user, np.full(guests, -1), [chain]])
    time = np.concatenate([reader_t, printer_t, pro_t, guest_t, [_seconds(BIG_ORDER_TIME)]])
    item = np.concatenate([np.zeros(len(readers), int), np.ones(len(printers), int), np.full(len(pro_user), 2),
                           guest_item, [1]])
    quantity = np.concatenate([reader_q, printer_q, np.ones(len(pro_user), int), np.ones(guests, int), [8]])
    keep = time < horizon
    user, time, item, quantity = user[keep], time[keep], item[keep], quantity[keep]
    order = np.lexsort((user, time))
    user, time, item, quantity = user[order], time[order], item[order], quantity[order]
    prices = np.array([PRICES[i] for i in ITEMS])
    table = pd.DataFrame({
        "order_id": np.arange(10_001, 10_001 + len(user), dtype=np.int64),
        "user_id": pd.array(np.where(user >= 0, user + 1, 0), dtype="Int64"),
        "ordered_at": (START + pd.to_timedelta(time, unit="s")).astype("datetime64[ns]"),
        "item": np.array(ITEMS, dtype=object)[item],
        "quantity": quantity.astype(np.int64),
        "amount_gbp": np.round(prices[item] * quantity, 2),
    })
    table.loc[user < 0, "user_id"] = pd.NA
    return table, np.unique(pro_user[(pro_t < horizon)])


def _payments(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    n = len(orders)
    placed = ((orders["ordered_at"] - START).dt.total_seconds()).to_numpy().astype(np.int64)
    amount = orders["amount_gbp"].to_numpy()
    failed_first = rng.random(n) < 0.07
    retried = failed_first & (rng.random(n) < 0.75)
    first_t = placed + rng.integers(5, 60, n)
    retry_t = first_t + 600 + rng.exponential(6 * 3600, n).astype(np.int64)
    order_idx = np.concatenate([np.arange(n), np.flatnonzero(retried)])
    time = np.concatenate([first_t, retry_t[retried]])
    ok = np.concatenate([~failed_first, np.ones(retried.sum(), bool)])
    keep = time < DAYS * DAY
    order_idx, time, ok = order_idx[keep], time[keep], ok[keep]
    pay = amount[order_idx]
    hardware = orders["item"].to_numpy()[order_idx] != "pro_plan"
    roll = rng.random(len(pay))
    full = ok & np.where(hardware, roll < 0.05, roll < 0.02)
    part = ok & hardware & (roll >= 0.05) & (roll < 0.08)
    refunded = np.where(full, pay, np.where(part, np.round(pay / 2, 2), np.nan))
    order = np.lexsort((order_idx, time))
    return pd.DataFrame({
        "payment_id": np.arange(50_001, 50_001 + len(order), dtype=np.int64),
        "order_id": orders["order_id"].to_numpy()[order_idx[order]],
        "paid_at": (START + pd.to_timedelta(time[order], unit="s")).astype("datetime64[ns]"),
        "status": np.where(ok[order], "succeeded", "failed").astype(object),
        "amount_gbp": pay[order],
        "refunded_gbp": refunded[order],
    })


@functools.lru_cache(maxsize=4)
def _generate(size: str, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([seed, SIZES[size]])
    people = _users(rng, SIZES[size])
    funnel = _funnel(rng, people["signup"], people["channel"])
    events = _events(rng, SIZES[size], people["device"], funnel)
    orders, pro = _orders(rng, funnel)
    payments = _payments(rng, orders)
    plan = np.full(SIZES[size], "free", dtype=object)
    plan[pro] = "pro"
    users = pd.DataFrame({
        "user_id": np.arange(1, SIZES[size] + 1, dtype=np.int64),
        "signup_date": (START + pd.to_timedelta(_day_of(people["signup"]), unit="D")).astype("datetime64[ns]"),
        "country": people["country"], "channel": people["channel"], "plan": plan,
        "shop_type": people["shop_type"], "device": people["device"],
    })
    return {"users": users, "events": events, "orders": orders, "payments": payments}


def product_tables(size: str = "lesson", seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """All four tables as pandas DataFrames: {"users": ..., "events": ..., "orders": ..., "payments": ...}.

    Empty values (no channel, a guest order, no refund) are pandas missing values; in SQL they are NULL.
    """
    tables = _generate(*_check(size, seed))
    return {name: table.copy() for name, table in tables.items()}


def users(size: str = "lesson", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per Tillpoint account (see the module docstring for the columns)."""
    return _generate(*_check(size, seed))["users"].copy()


def events(size: str = "lesson", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per logged app event, including the double-logged day's copies."""
    return _generate(*_check(size, seed))["events"].copy()


def orders(size: str = "lesson", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per order (guest orders have no user_id)."""
    return _generate(*_check(size, seed))["orders"].copy()


def payments(size: str = "lesson", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per payment attempt for an order (failed attempts included)."""
    return _generate(*_check(size, seed))["payments"].copy()
