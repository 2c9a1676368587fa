"""Every result set the hidden tests of exercise 04-sql compare with, recomputed here with pandas from the
generated tables (no SQL, no tpmkit.sql), and checked against the data's planted facts. The traps the
misconception variants fall into are shown to give different answers from the same rows."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.keys import hidden_keys
from tpmkit.data import product_tables
from tpmkit.data.product import BIG_ORDER_TIME, DOUBLE_LOGGED_DAY

AID = "04-sql"
FUNNEL = ["signup", "shop_setup", "link_bank", "first_sale"]
KEY = ["user_id", "event_name", "event_time", "device"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return product_tables("lesson")


def day(stamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")


def in_range(times: pd.Series, start: str, end: str) -> pd.Series:
    """start <= time < end: the half-open range every prompt asks for."""
    return (times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))


def q1(t) -> list[dict]:
    o = t["orders"]
    march = o[(o["item"] == "receipt_printer") & in_range(o["ordered_at"], "2026-03-01", "2026-04-01")]
    top = march.sort_values("ordered_at", ascending=False).head(5)
    return [{"order_id": int(r.order_id), "ordered_at": r.ordered_at.strftime("%Y-%m-%d %H:%M:%S"),
             "quantity": int(r.quantity)} for r in top.itertuples()]


def q2(t) -> list[dict]:
    e = t["events"]
    e = e[in_range(e["event_time"], "2026-03-02", "2026-03-30")]
    monday = e["event_time"].dt.normalize() - pd.to_timedelta(e["event_time"].dt.day_of_week, unit="D")
    counts = e.groupby(monday)["user_id"].nunique()
    return [{"week_start": day(w), "active_users": int(n)} for w, n in counts.items()]


def q3(t) -> list[dict]:
    p = t["payments"]
    ok = p[p["status"] == "succeeded"]
    month = ok["paid_at"].dt.to_period("M")
    net = ok["amount_gbp"].groupby(month).sum() - ok["refunded_gbp"].fillna(0).groupby(month).sum()
    return [{"month": day(m.start_time), "net_revenue_gbp": round(float(v), 2)} for m, v in net.items()]


def first_quarter_signups(t) -> pd.DataFrame:
    u = t["users"]
    return u[in_range(u["signup_date"], "2026-01-01", "2026-04-01")]


def q4(t) -> list[dict]:
    buyers = set(t["orders"]["user_id"].dropna().astype(int))
    u = first_quarter_signups(t)
    never = u[~u["user_id"].isin(buyers)]
    counts = never["channel"].fillna("unknown").value_counts()
    return [{"channel": c, "users": int(n)} for c, n in sorted(counts.items())]


def march_signups(t) -> set[int]:
    u = t["users"]
    return set(u.loc[in_range(u["signup_date"], "2026-03-01", "2026-04-01"), "user_id"])


def q5(t) -> list[dict]:
    cohort = march_signups(t)
    e = t["events"]
    e = e[e["user_id"].isin(cohort) & e["event_name"].isin(FUNNEL)]
    reached = e.groupby("event_name")["user_id"].nunique()
    return [{"step": s, "users": int(reached[s]), "pct_of_signups": round(100 * reached[s] / len(cohort), 1)}
            for s in FUNNEL]


def q6(t) -> list[dict]:
    u = t["users"]
    u = u[u["signup_date"] < pd.Timestamp("2026-06-01")]
    cohort = u.set_index("user_id")["signup_date"].dt.to_period("M")
    e = t["events"][["user_id", "event_time"]]
    e = e[e["user_id"].isin(cohort.index)]
    next_month = e["event_time"].dt.to_period("M") == cohort.loc[e["user_id"]].to_numpy() + 1
    retained = set(e.loc[next_month, "user_id"])
    rows = []
    for month, members in cohort.groupby(cohort):
        kept = sum(1 for uid in members.index if uid in retained)
        rows.append({"cohort_month": day(month.start_time), "cohort_users": len(members), "retained_users": kept,
                     "retention_pct": round(100 * kept / len(members), 1)})
    return rows


def q7(t) -> list[dict]:
    counts = t["users"]["signup_date"].dt.to_period("M").value_counts().sort_index()
    total, rows = 0, []
    for month, n in counts.items():
        total += int(n)
        rows.append({"month": day(month.start_time), "new_users": int(n), "total_users": total})
    return rows


def q8(t) -> list[dict]:
    e = t["events"]
    per_day = e.groupby(e["event_time"].dt.normalize())
    extra = per_day.size() - per_day.apply(lambda g: len(g.drop_duplicates(KEY)))
    return [{"day": day(d), "extra_rows": int(n)} for d, n in extra.items() if n > 0]


RECOMPUTE = {"q1-latest-printers": q1, "q2-weekly-active": q2, "q3-net-revenue": q3, "q4-never-ordered": q4,
             "q5-funnel": q5, "q6-retention": q6, "q7-running-total": q7, "q8-double-logged": q8}
ORDERED = {"q1-latest-printers", "q7-running-total"}


def canonical(rows: list[dict], ordered: bool) -> list:
    out = [tuple(sorted((k, round(v, 6) if isinstance(v, float) else v) for k, v in r.items())) for r in rows]
    return out if ordered else sorted(out, key=repr)


def test_04_keys_are_recomputed(tables):
    keys = hidden_keys(AID)
    assert set(keys) == set(RECOMPUTE)
    for gid, recompute in RECOMPUTE.items():
        assert canonical(keys[gid], gid in ORDERED) == canonical(recompute(tables), gid in ORDERED), gid


def test_04_keys_are_small_literal_result_sets():
    for gid, rows in hidden_keys(AID).items():
        assert isinstance(rows, list) and 1 <= len(rows) <= 30, gid
        assert all(isinstance(r, dict) and list(r) == list(rows[0]) for r in rows), gid


def test_04_keys_match_the_planted_facts(tables):
    keys = hidden_keys(AID)
    # the data-quality answer is the day the Android app double-logged, and only that day
    assert keys["q8-double-logged"] == [{"day": day(DOUBLE_LOGGED_DAY), "extra_rows": keys["q8-double-logged"][0][
        "extra_rows"]}]
    # the chain's 8-printer order on the afternoon of 31 March is among the latest printer orders
    assert {"ordered_at": str(BIG_ORDER_TIME), "quantity": 8} in [
        {k: r[k] for k in ("ordered_at", "quantity")} for r in keys["q1-latest-printers"]]
    # a funnel never widens, and everyone who signed up has a signup event
    users = [r["users"] for r in keys["q5-funnel"]]
    assert users == sorted(users, reverse=True) and keys["q5-funnel"][0]["pct_of_signups"] == 100.0
    # the running total ends at every user
    assert keys["q7-running-total"][-1]["total_users"] == len(tables["users"])


def test_04_traps_give_different_answers(tables):
    e, o, u = tables["events"], tables["orders"], tables["users"]
    keys = hidden_keys(AID)
    # COUNT(*) counts events (and the double-logged copies), not users
    march_week = e[in_range(e["event_time"], "2026-03-09", "2026-03-16")]
    assert len(march_week) != march_week["user_id"].nunique()
    # BETWEEN '2026-03-02' AND '2026-03-29' stops at midnight at the start of 29 March
    last_week = e[in_range(e["event_time"], "2026-03-23", "2026-03-30")]
    cut = last_week[last_week["event_time"] <= pd.Timestamp("2026-03-29")]
    assert cut["user_id"].nunique() < last_week["user_id"].nunique()
    # NOT IN over a column with NULLs (guest orders) keeps nobody
    assert o["user_id"].isna().any()
    # amount - refunded is NULL unless refunded, so SUM of it drops almost every payment
    p = tables["payments"]
    ok = p[p["status"] == "succeeded"]
    assert (ok["amount_gbp"] - ok["refunded_gbp"]).sum() < 0.2 * sum(r["net_revenue_gbp"]
                                                                     for r in keys["q3-net-revenue"])
    # the funnel counted with COUNT(*) picks up the double-logged signups of 12 March
    cohort = march_signups(tables)
    steps = e[e["user_id"].isin(cohort) & e["event_name"].isin(FUNNEL)]
    assert len(steps) > steps[KEY].drop_duplicates().shape[0]
    # a calendar funnel (events in March, any signup date) differs from the March cohort's funnel
    in_march = e[in_range(e["event_time"], "2026-03-01", "2026-04-01") & e["event_name"].isin(FUNNEL)]
    assert in_march.groupby("event_name")["user_id"].nunique()["first_sale"] != keys["q5-funnel"][3]["users"]
    # the busiest day by rows is not the double-logged one
    busiest = e.groupby(e["event_time"].dt.normalize()).size().idxmax()
    assert busiest != DOUBLE_LOGGED_DAY
    # one in ten double-logged events was logged three times: events with copies != extra rows
    copies = e[e["event_time"].dt.normalize() == DOUBLE_LOGGED_DAY].groupby(KEY).size()
    assert (copies > 1).sum() != keys["q8-double-logged"][0]["extra_rows"]
    assert (copies[copies > 1]).sum() != keys["q8-double-logged"][0]["extra_rows"]
    # users who never ordered exist in every channel the key lists
    assert all(r["users"] > 0 for r in keys["q4-never-ordered"]) and len(u) > 0
