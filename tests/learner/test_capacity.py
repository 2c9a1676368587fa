"""tpmkit.capacity: envelope maths, the cache model and the queue simulation, recomputed here by hand;
the pictures; and one-line KitErrors for bad input."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpmkit import capacity
from tpmkit.errors import KitError


def texts(fig: Figure) -> str:
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]
    return " | ".join(t for t in found if t)


def one_line_error(call, *args, **kwargs) -> str:
    with pytest.raises(KitError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    return message


# --- envelope ------------------------------------------------------------------------------------


def test_a_day_has_86400_seconds():
    assert capacity.SECONDS_PER_DAY == 86_400
    assert capacity.per_second(86_400) == 1
    assert capacity.per_second(43_200_000) == 500


def test_peak_is_the_average_times_the_factor():
    assert capacity.peak_per_second(43_200_000, 4) == 2000
    assert capacity.peak_per_second(25_920_000, 1) == capacity.per_second(25_920_000)


@pytest.mark.parametrize(("peak", "per_server", "target", "spare", "expected"), [
    (2000, 180, 0.7, 0, 16),     # 15.87 rounds UP
    (2000, 180, 1.0, 0, 12),     # planned to 100%: fewer, and wrong
    (900, 140, 0.6, 1, 12),      # 10.71 -> 11, plus a spare
    (1260, 180, 0.7, 0, 10),     # exactly 10: float noise must not add a server
    (1000, 120, 0.75, 0, 12),
    (0, 100, 0.5, 0, 0),
])
def test_servers_needed_rounds_up_at_the_target_utilisation(peak, per_server, target, spare, expected):
    exact = Fraction(peak) / (per_server * Fraction(str(target)))
    assert -(-exact // 1) + spare == expected
    assert capacity.servers_needed(peak, per_server, target, spare) == expected


def test_lower_utilisation_needs_more_servers():
    counts = [capacity.servers_needed(2000, 180, t) for t in (1.0, 0.8, 0.7, 0.5)]
    assert counts == sorted(counts)


@pytest.mark.parametrize(("count", "size", "unit", "expected"), [
    (1, 10**9, "GB", 1), (1, 2**30, "GiB", 1), (1, 10**9, "GiB", 10**9 / 2**30),
    (10_800_000 * 365, 5_000, "TiB", 10_800_000 * 365 * 5_000 / 2**40), (3_000_000 * 365, 6_000, "TB", 6.57),
    (1, 1_024, "kib", 1),  # unit names are matched without regard to case
])
def test_storage_in_decimal_and_binary_units(count, size, unit, expected):
    assert capacity.storage(count, size, unit) == pytest.approx(expected, rel=1e-12)


def test_a_gib_is_bigger_than_a_gb():
    assert capacity.convert(500, "GB", "GiB") == pytest.approx(465.66128730773926)
    assert capacity.convert(1, "TiB", "TB") == pytest.approx(1.099511627776)
    assert capacity.convert(7, "GB", "GB") == 7


def test_envelope_shows_each_step_and_ends_with_servers_needed():
    table = capacity.envelope(25_920_000, peak_factor=3, per_server_rps=140, target_utilisation=0.6, spare=1)
    assert list(table.columns) == ["step", "the sum", "result"]
    assert list(table["result"]) == ["25,920,000", "300", "900", "84", "10.71", "12"]
    assert "86,400" in table.loc[1, "the sum"] and "UP" in table.loc[5, "the sum"]
    assert table["result"].iloc[-1] == str(capacity.servers_needed(900, 140, 0.6, 1))


@pytest.mark.parametrize(("call", "args", "says"), [
    (capacity.per_second, ("lots",), "must be a number"),
    (capacity.per_second, (-5,), "cannot be negative"),
    (capacity.peak_per_second, (1000, 0.5), "1 or more"),
    (capacity.servers_needed, (2000, 180, 70), "write 0.7"),
    (capacity.servers_needed, (2000, 180, 0), "fraction"),
    (capacity.servers_needed, (2000, 0, 0.7), "greater than 0"),
    (capacity.servers_needed, (2000, 180, 0.7, 1.5), "whole number"),
    (capacity.servers_needed, (2000, 180, True), "must be a number"),
    (capacity.servers_needed, (float("nan"), 180, 0.7), "must be a number"),
    (capacity.storage, (10, 5_000, "gigabytes"), "GiB"),
    (capacity.convert, (500, "GB", None), "unit must be one of"),
    (capacity.envelope, (43_200_000, 4, 180, 1.7), "fraction"),
])
def test_bad_envelope_input_is_one_clear_sentence(call, args, says):
    assert says in one_line_error(call, *args)


# --- cache ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("h", "cache", "db"), [("0.95", 2, 30), ("0.8", 1, 40), ("0.9", 1, 20), ("0", 2, 30),
                                                 ("1", 2, 30)])
def test_effective_latency_is_the_stated_model(h, cache, db):
    h = Fraction(h)
    expected = h * cache + (1 - h) * (cache + db)
    assert expected == cache + (1 - h) * db  # hit time + miss rate x miss penalty
    assert capacity.effective_latency(float(h), cache, db) == pytest.approx(float(expected), abs=1e-12)


def test_cache_examples_from_the_lesson_quiz_and_exercise():
    assert capacity.effective_latency(0.95, 2, 30) == pytest.approx(3.5)
    assert capacity.effective_latency(0.8, 1, 40) == pytest.approx(9.0)
    assert capacity.effective_latency(0.9, 1, 20) == pytest.approx(3.0)
    assert capacity.database_load(0.95, 1_600) == pytest.approx(80)
    assert capacity.database_load(0.99, 10_000) == pytest.approx(100)
    assert capacity.database_load(0.9, 10_000) / capacity.database_load(0.99, 10_000) == pytest.approx(10)


def test_cache_table_has_a_row_per_hit_ratio():
    table = capacity.cache_table([0.5, 0.9, 0.99], 1, 20, 3_000)
    assert list(table.columns) == ["hit ratio", "effective latency (ms)", "database reads per second"]
    assert table["database reads per second"].tolist() == pytest.approx([1_500, 300, 30])
    assert table["effective latency (ms)"].tolist() == pytest.approx([11, 3, 1.2])
    assert capacity.cache_table(pd.Series([0.9]), 1, 20, 3_000).shape == (1, 3)


def test_cache_chart_marks_the_hit_ratio_and_the_limit():
    fig = capacity.cache_chart(1, 20, 3_000, hit_ratio=0.9, database_limit=450)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    words = texts(fig)
    assert "90%: 3.00 ms" in words and "90%: 300 per second" in words and "database limit: 450" in words
    assert isinstance(capacity.cache_chart(2, 30, 1_600), Figure)


@pytest.mark.parametrize(("call", "args", "says"), [
    (capacity.effective_latency, (95, 2, 30), "write 0.95"),
    (capacity.effective_latency, (-0.1, 2, 30), "fraction"),
    (capacity.effective_latency, (0.9, -2, 30), "cannot be negative"),
    (capacity.database_load, (1.5, 1_600), "fraction"),
    (capacity.database_load, (0.9, "many"), "must be a number"),
    (capacity.cache_table, ([], 1, 20, 3_000), "non-empty list"),
    (capacity.cache_table, (0.9, 1, 20, 3_000), "non-empty list"),
    (capacity.cache_chart, (1, 20, 3_000), None),
])
def test_bad_cache_input_is_one_clear_sentence(call, args, says):
    if says is None:
        assert isinstance(call(*args), Figure)
        for bad in ({"hit_ratio": 90}, {"database_limit": 0}):
            one_line_error(call, *args, **bad)
        return
    assert says in one_line_error(call, *args)


# --- queue ---------------------------------------------------------------------------------------


def by_hand(arrivals, workers):
    """The queue, minute by minute, written out separately from tpmkit: backlog after each minute."""
    out, backlog = [], 0
    for arrived in arrivals:
        backlog = max(backlog + arrived - workers, 0)
        out.append(backlog)
    return out


def test_spike_arrivals_is_a_flat_line_with_a_block():
    arrivals = capacity.spike_arrivals(minutes=60, base=300, peak=900, start=10, length=10)
    assert len(arrivals) == 60 and arrivals[:10] == [300] * 10 and arrivals[10:20] == [900] * 10
    assert arrivals[20:] == [300] * 40
    assert capacity.spike_arrivals() == arrivals  # the defaults are the lesson's


def test_simulation_matches_a_hand_count_and_conserves_work():
    arrivals = capacity.spike_arrivals()
    run = capacity.simulate_queue(arrivals, 600)
    assert list(run.columns) == ["minute", "arrivals", "processed", "backlog", "wait_minutes"]
    assert run["backlog"].tolist() == by_hand(arrivals, 600)
    assert run["backlog"].max() == 3_000 and run.loc[run["backlog"].idxmax(), "minute"] == 19
    assert run.loc[(run["minute"] > 19) & (run["backlog"] == 0), "minute"].min() == 29
    assert (run["processed"] <= 600).all() and (run["backlog"] >= 0).all()
    assert sum(arrivals) == run["processed"].sum() + run["backlog"].iloc[-1]
    assert run["wait_minutes"].tolist() == pytest.approx([b / 600 for b in run["backlog"]])


@pytest.mark.parametrize(("workers", "left_after_an_hour"), [(600, 0), (450, 0), (300, 6_000)])
def test_a_queue_adds_no_capacity(workers, left_after_an_hour):
    run = capacity.simulate_queue(capacity.spike_arrivals(), workers)
    assert run["backlog"].iloc[-1] == left_after_an_hour


def test_quiz_queue_drains_in_fifteen_minutes():
    arrivals = capacity.spike_arrivals(minutes=60, base=200, peak=800, start=5, length=15)
    backlog = capacity.simulate_queue(arrivals, 500)["backlog"].tolist()
    assert backlog[19] == 4_500
    assert backlog.index(0, 20) - 19 == 15


def test_queue_chart_draws_arrivals_processed_and_backlog():
    run = capacity.simulate_queue(capacity.spike_arrivals(), 600)
    fig = capacity.queue_chart(run, capacity=600)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    words = texts(fig)
    for label in ("arrivals per minute", "processed per minute", "backlog waiting", "largest backlog: 3,000"):
        assert label in words
    quiet = capacity.simulate_queue([10, 10, 10], 600)
    assert "largest backlog" not in texts(capacity.queue_chart(quiet))


@pytest.mark.parametrize(("call", "args", "says"), [
    (capacity.simulate_queue, ([], 600), "non-empty list"),
    (capacity.simulate_queue, ("900 a minute", 600), "non-empty list"),
    (capacity.simulate_queue, ([300, -5], 600), "arrivals[1]"),
    (capacity.simulate_queue, ([300, 900], 0), "greater than 0"),
    (capacity.spike_arrivals, (20, 300, 900, 15, 10), "runs past the end"),
    (capacity.spike_arrivals, (0, 300, 900, 0, 0), "1 or more"),
    (capacity.spike_arrivals, (60, 300, 900, 2.5, 10), "whole number"),
    (capacity.queue_chart, (pd.DataFrame({"minute": [0]}),), "simulate_queue"),
    (capacity.queue_chart, ([1, 2, 3],), "simulate_queue"),
])
def test_bad_queue_input_is_one_clear_sentence(call, args, says):
    assert says in one_line_error(call, *args)


def test_simulate_queue_accepts_a_series():
    assert capacity.simulate_queue(pd.Series([900, 300]), 600)["backlog"].tolist() == [300, 0]


# --- scaling -------------------------------------------------------------------------------------


def test_scaling_diagram_shows_both_ways():
    words = texts(capacity.scaling_diagram())
    assert "Scale UP" in words and "Scale OUT" in words and "load\nbalancer" in words


def test_servers_needed_agrees_with_math_ceil_on_a_grid():
    for peak in range(0, 3_000, 37):
        for per_server in (90, 120, 180):
            for target in (0.5, 0.6, 0.75):
                exact = Fraction(peak) / (per_server * Fraction(str(target)))
                assert capacity.servers_needed(peak, per_server, target) == math.ceil(exact)
