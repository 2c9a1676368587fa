"""The product tables hold the planted facts documented below. Reference code here recomputes every
planted fact from the rows with pandas and plain Python (no SQL).

Planted answers (documented here, not in tpmkit, which learners receive), tpmkit.data.product:
- On DOUBLE_LOGGED_DAY the Android app logged every event twice (some three times; one in ten of the
  doubled events): the copies have the same user, name, time and device, and a new `event_id`. No other
  day has such copies.
- CAMPAIGN_DAY (a push-notification campaign) is the busiest day by rows, busier than the
  double-logged day, so "the day with the most events" is not the data-quality problem.
- Among the last receipt-printer orders of March is a chain's order of 8 printers on the afternoon
  of 31 March (BIG_ORDER_TIME), which `BETWEEN '2026-03-01' AND '2026-03-31'` misses.
- Some orders have no `user_id` (guests), so `NOT IN (SELECT user_id FROM orders)` finds nobody.
- About 3% of users have no `channel`, and `refunded_gbp` is empty unless there was a refund.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tpmkit.data import events, orders, payments, product_tables, users
from tpmkit.data.product import (
    BIG_ORDER_TIME,
    CAMPAIGN_DAY,
    DOUBLE_LOGGED_DAY,
    DOUBLE_LOGGED_DEVICE,
    END,
    START,
    TABLES,
)
from tpmkit.errors import KitError

FUNNEL = ["signup", "shop_setup", "link_bank", "first_sale"]
KEY = ["user_id", "event_name", "event_time", "device"]


@pytest.fixture(scope="module")
def t() -> dict[str, pd.DataFrame]:
    return product_tables("lesson")


def test_columns_follow_the_schema(t):
    assert set(t) == set(TABLES)
    for name, columns in TABLES.items():
        assert list(t[name].columns) == list(columns), name
    for column in ("event_time",):
        assert str(t["events"][column].dtype) == "datetime64[ns]"
    assert str(t["orders"]["ordered_at"].dtype) == "datetime64[ns]"
    assert str(t["payments"]["paid_at"].dtype) == "datetime64[ns]"
    assert (t["users"]["signup_date"] == t["users"]["signup_date"].dt.normalize()).all(), "dates have no time"


def test_same_call_same_rows_and_copies_are_independent(t):
    again = product_tables("lesson")
    for name in TABLES:
        pd.testing.assert_frame_equal(t[name], again[name])
    mine = events("lesson")
    mine.loc[0, "user_id"] = -1
    assert events("lesson").loc[0, "user_id"] != -1, "a caller's edit must not leak into the next call"
    other = product_tables("lesson", seed=7)
    assert not other["events"]["event_time"].equals(t["events"]["event_time"])


def test_single_table_helpers_match_product_tables(t):
    for helper, name in ((users, "users"), (events, "events"), (orders, "orders"), (payments, "payments")):
        pd.testing.assert_frame_equal(helper("lesson"), t[name])


def test_sizes_grow_and_full_has_a_million_events():
    small = product_tables("small")
    assert len(small["users"]) < 1_000 and len(small["events"]) < 50_000
    assert len(events("full")) >= 1_000_000


def test_ids_and_references_are_consistent(t):
    e, o, p, u = t["events"], t["orders"], t["payments"], t["users"]
    assert list(u["user_id"]) == list(range(1, len(u) + 1))
    assert list(e["event_id"]) == list(range(1, len(e) + 1))
    assert e["event_time"].is_monotonic_increasing, "event ids follow time"
    assert o["order_id"].is_unique and p["payment_id"].is_unique
    assert set(e["user_id"]) <= set(u["user_id"])
    assert set(o["user_id"].dropna()) <= set(u["user_id"])
    assert set(p["order_id"]) <= set(o["order_id"])
    for frame, column in ((e, "event_time"), (o, "ordered_at"), (p, "paid_at")):
        assert frame[column].min() >= START and frame[column].max() < END, column
    assert u["signup_date"].min() >= START and u["signup_date"].max() < END
    # each event's device is its user's device
    devices = u.set_index("user_id")["device"]
    assert (e["device"].to_numpy() == devices.loc[e["user_id"]].to_numpy()).all()


def test_funnel_steps_happen_once_each_in_order(t):
    e = t["events"].drop_duplicates(KEY)
    steps = e[e["event_name"].isin(FUNNEL)]
    assert not steps.duplicated(["user_id", "event_name"]).any(), "each step at most once per user"
    wide = steps.pivot(index="user_id", columns="event_name", values="event_time")[FUNNEL]
    assert wide["signup"].notna().all() and len(wide) == len(t["users"]), "every user signed up"
    for earlier, later in zip(FUNNEL, FUNNEL[1:], strict=False):
        reached = wide[later].notna()
        assert (wide.loc[reached, earlier].notna()).all(), f"{later} without {earlier}"
        assert (wide.loc[reached, earlier] < wide.loc[reached, later]).all(), f"{later} before {earlier}"
    signup_day = wide["signup"].dt.normalize()
    days = t["users"].set_index("user_id")["signup_date"]
    assert (signup_day == days.loc[wide.index]).all(), "the signup event falls on signup_date"


def test_copies_exist_only_on_the_double_logged_day_and_device(t):
    e = t["events"]
    copies = e[e.duplicated(KEY, keep="first")]
    assert len(copies) > 0
    assert set(copies["event_time"].dt.normalize()) == {DOUBLE_LOGGED_DAY}
    assert set(copies["device"]) == {DOUBLE_LOGGED_DEVICE}
    that_day = e[(e["event_time"].dt.normalize() == DOUBLE_LOGGED_DAY) & (e["device"] == DOUBLE_LOGGED_DEVICE)]
    per_event = that_day.groupby(KEY).size()
    assert (per_event >= 2).all(), "every Android event of that day was logged at least twice"
    assert (per_event == 3).any() and (per_event == 2).any(), "some were logged three times"
    assert per_event.max() == 3


def test_the_campaign_day_is_the_busiest_and_real(t):
    e = t["events"]
    day = e["event_time"].dt.normalize()
    rows = e.groupby(day).size()
    people = e.groupby(day)["user_id"].nunique()
    assert rows.idxmax() == CAMPAIGN_DAY != DOUBLE_LOGGED_DAY
    assert people.idxmax() == CAMPAIGN_DAY, "more users, not just more rows"
    # the double-logged day has more rows than the days around it, but not more users
    before, broken, after = (DOUBLE_LOGGED_DAY + pd.Timedelta(days=d) for d in (-1, 0, 1))
    assert rows[broken] > 1.2 * max(rows[before], rows[after])
    assert people[broken] < 1.2 * max(people[before], people[after])


def test_the_chain_order_is_on_the_afternoon_of_31_march(t):
    o = t["orders"]
    chain = o[o["ordered_at"] == BIG_ORDER_TIME]
    assert len(chain) == 1
    row = chain.iloc[0]
    assert row["item"] == "receipt_printer" and row["quantity"] == 8 and row["amount_gbp"] == 632.0
    assert pd.notna(row["user_id"])
    assert pd.Timestamp("2026-03-31") < BIG_ORDER_TIME, "BETWEEN ... AND '2026-03-31' misses it"


def test_guest_orders_have_no_user_so_not_in_finds_nobody(t):
    o, u = t["orders"], t["users"]
    assert o["user_id"].isna().sum() >= 3
    assert set(o.loc[o["user_id"].isna(), "item"]) <= {"card_reader", "receipt_printer"}
    # SQL's x NOT IN (list with a NULL) is never true; without the NULLs plenty of users never ordered
    never = ~u["user_id"].isin(set(o["user_id"].dropna()))
    assert never.sum() > 100


def test_channels_and_plans(t):
    u, o = t["users"], t["orders"]
    missing = u["channel"].isna().mean()
    assert 0.01 < missing < 0.06, "about 3% of users have no channel"
    assert set(u["channel"].dropna()) == {"organic", "ads", "referral", "partner"}
    pro_buyers = set(o.loc[o["item"] == "pro_plan", "user_id"].dropna())
    assert set(u.loc[u["plan"] == "pro", "user_id"]) == pro_buyers


def test_prices_payments_and_refunds(t):
    o, p = t["orders"], t["payments"]
    price = {"card_reader": 29.0, "receipt_printer": 79.0, "pro_plan": 19.0}
    assert (o["amount_gbp"] == o["item"].map(price) * o["quantity"]).all()
    joined = p.merge(o, on="order_id", suffixes=("", "_order"))
    assert (joined["amount_gbp"] == joined["amount_gbp_order"]).all()
    assert (joined["paid_at"] > joined["ordered_at"]).all()
    assert set(p["status"]) == {"succeeded", "failed"}
    refunded = p["refunded_gbp"].notna()
    assert refunded.any() and (p.loc[refunded, "status"] == "succeeded").all()
    assert (p.loc[refunded, "refunded_gbp"] <= p.loc[refunded, "amount_gbp"]).all()
    assert (p.loc[refunded, "refunded_gbp"] < p.loc[refunded, "amount_gbp"]).any(), "some refunds are partial"
    assert refunded.mean() < 0.2, "most payments have no refund (NULL)"
    # a failed first attempt is often retried and then succeeds
    retried = p.groupby("order_id")["status"].apply(list)
    assert any(s == ["failed", "succeeded"] for s in retried)


@pytest.mark.parametrize(("kwargs", "phrase"), [
    ({"size": "huge"}, "size must be one of"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"seed": 1.5}, "seed must be a whole number"),
    ({"seed": True}, "seed must be a whole number"),
])
def test_bad_input_is_one_clear_sentence(kwargs, phrase):
    with pytest.raises(KitError, match=phrase):
        product_tables(**kwargs)
