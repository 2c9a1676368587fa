"""tpmkit.stack: availability maths, latency budgets and the two pictures, recomputed here by hand."""

from __future__ import annotations

from fractions import Fraction

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from tpmkit import stack
from tpmkit.errors import KitError

TODAY_PAGE = [
    ("Phone to Tillpoint and back", 60),
    ("Load balancer", 5),
    ("Check the login", 25),
    {"Sales from the database": 140, "Payouts from the payouts service": 90, "Fraud alerts": 50},
    ("Build the page", 20),
]


def texts(fig: Figure) -> str:
    """Every piece of text drawn in a figure (titles, labels, legends, annotations), joined."""
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]
    return " | ".join(t for t in found if t)


# --- availability --------------------------------------------------------------------------------


@pytest.mark.parametrize("parts", [["0.9995", "0.999", "0.9999"], ["0.99"], ["0.9999", "0.9995", "0.999", "0.998"],
                                   ["1", "0.5"], ["0", "0.999"]])
def test_serial_availability_is_the_product(parts):
    exact = 1
    for part in parts:
        exact *= Fraction(part)
    assert stack.serial_availability([float(p) for p in parts]) == pytest.approx(float(exact), abs=1e-15)


def test_serial_availability_brief_example():
    # Curriculum brief: 99.95% x 99.9% x 99.99% = 99.84%, about 69 minutes per 30 days.
    together = stack.serial_availability([0.9995, 0.999, 0.9999])
    assert round(together * 100, 2) == 99.84
    assert round(stack.downtime_minutes(together, 30)) == 69
    assert stack.downtime_minutes(together, 28) == pytest.approx(64.4858, abs=1e-4)


def test_a_chain_is_below_its_weakest_part_and_its_average():
    parts = [0.9995, 0.999, 0.9999]
    together = stack.serial_availability(parts)
    assert together < min(parts) < sum(parts) / len(parts)


def test_serial_availability_accepts_a_tuple_and_a_series():
    assert stack.serial_availability((0.99, 0.99)) == stack.serial_availability(pd.Series([0.99, 0.99]))


@pytest.mark.parametrize(("a", "copies", "expected"), [
    ("0.999", 2, "0.999999"), ("0.99", 2, "0.9999"), ("0.99", 3, "0.999999"), ("0.9", 1, "0.9"), ("0", 2, "0"),
])
def test_redundant_availability_is_one_minus_the_chance_all_are_down(a, copies, expected):
    assert 1 - (1 - Fraction(a)) ** copies == Fraction(expected)
    assert stack.redundant_availability(float(a), copies) == pytest.approx(float(expected), abs=1e-12)


def test_two_copies_beat_one_and_are_not_a_times_a():
    pair = stack.redundant_availability(0.999)
    assert pair > 0.999 > 0.999 * 0.999
    assert pair == pytest.approx(0.999999)


@pytest.mark.parametrize(("a", "days", "minutes"), [
    (0.999, 30, 43.2), (0.999, 28, 40.32), (0.9995, 28, 20.16), (1, 30, 0), (0.99, 7, 100.8),
])
def test_downtime_minutes_for_the_stated_window(a, days, minutes):
    assert stack.downtime_minutes(a, days) == pytest.approx(minutes, abs=1e-9)


@pytest.mark.parametrize(("call", "phrase"), [
    (lambda: stack.serial_availability([99.9, 0.999]), "for 99.9% write 0.999"),
    (lambda: stack.serial_availability([1.5]), "between 0 and 1"),
    (lambda: stack.serial_availability([-0.1]), "between 0 and 1"),
    (lambda: stack.serial_availability([]), "is empty"),
    (lambda: stack.serial_availability(0.999), "must be a list"),
    (lambda: stack.serial_availability("0.999"), "must be a list"),
    (lambda: stack.serial_availability([0.999, "0.9"]), "availabilities[1] must be a number"),
    (lambda: stack.serial_availability([True]), "must be a number"),
    (lambda: stack.serial_availability([float("nan")]), "must be a number"),
    (lambda: stack.redundant_availability(99.9), "for 99.9% write 0.999"),
    (lambda: stack.redundant_availability(0.999, 0), "replicas must be a whole number"),
    (lambda: stack.redundant_availability(0.999, 2.0), "replicas must be a whole number"),
    (lambda: stack.redundant_availability(0.999, True), "replicas must be a whole number"),
    (lambda: stack.downtime_minutes(0.999, 0), "window_days must be a number of days greater than 0"),
    (lambda: stack.downtime_minutes(0.999, "30"), "window_days must be a number"),
    (lambda: stack.downtime_minutes(99.9, 30), "between 0 and 1"),
])
def test_availability_bad_input_is_one_clear_sentence(call, phrase):
    with pytest.raises(KitError) as info:
        call()
    message = str(info.value)
    assert phrase in message and "\n" not in message


# --- latency -------------------------------------------------------------------------------------


def test_page_latency_adds_hops_and_takes_the_slowest_parallel_call():
    assert stack.page_latency(TODAY_PAGE) == 60 + 5 + 25 + max(140, 90, 50) + 20 == 250
    assert stack.page_latency([("only hop", 12.5)]) == 12.5
    assert stack.page_latency([{"a": 10, "b": 30}, {"c": 5, "d": 5}]) == 35
    assert stack.page_latency([["a list works too", 7]]) == 7


def test_latency_timeline_starts_each_step_when_the_last_one_ends():
    timeline = stack.latency_timeline(TODAY_PAGE)
    assert list(timeline.columns) == ["step", "call", "start_ms", "ms", "end_ms", "parallel", "slowest"]
    assert timeline["start_ms"].tolist() == [0, 60, 65, 90, 90, 90, 230]
    assert timeline["end_ms"].tolist() == [60, 65, 90, 230, 180, 140, 250]
    assert timeline["parallel"].tolist() == [False, False, False, True, True, True, False]
    slowest = timeline[timeline["parallel"] & timeline["slowest"]]["call"].tolist()
    assert slowest == ["Sales from the database"]
    assert timeline["end_ms"].max() == stack.page_latency(TODAY_PAGE)


def test_latency_timeline_ties_mark_every_slowest_call():
    timeline = stack.latency_timeline([{"a": 40, "b": 40, "c": 10}])
    assert timeline["slowest"].tolist() == [True, True, False]


@pytest.mark.parametrize(("steps", "phrase"), [
    ([], "non-empty list"),
    ("Load balancer", "non-empty list"),
    ([("Load balancer",)], "steps[0] is"),
    ([("Load balancer", 5, "ms")], "steps[0] is"),
    (["Load balancer"], "steps[0] is"),
    ([("Load balancer", 5), {}], "steps[1] is an empty dict"),
    ([("Load balancer", -5)], "must be a number of milliseconds, 0 or more"),
    ([("Load balancer", "5")], "must be a number of milliseconds"),
    ([{"Database": None}], "must be a number of milliseconds"),
    ([(5, "Load balancer")], "give each hop or call a name"),
    ([("Login", 5), {"Login": 10, "Sales": 20}], "repeated: Login"),
])
def test_latency_bad_input_is_one_clear_sentence(steps, phrase):
    for call in (stack.page_latency, stack.latency_timeline, stack.latency_chart):
        with pytest.raises(KitError) as info:
            call(steps)
        message = str(info.value)
        assert phrase in message and "\n" not in message


def test_latency_chart_shows_the_page_time_both_ways_and_the_budget():
    fig = stack.latency_chart(TODAY_PAGE, budget_ms=300)
    assert isinstance(fig, Figure)
    shown = texts(fig)
    assert "250 ms" in shown  # as built
    assert "390 ms" in shown  # every call in turn: 60 + 5 + 25 + 140 + 90 + 50 + 20
    assert "budget: 300 ms" in shown
    assert "page ready: 250 ms" in shown
    top, bottom = fig.axes
    assert [t.get_text() for t in top.get_yticklabels()] == stack.latency_timeline(TODAY_PAGE)["call"].tolist()


def test_latency_chart_without_budget_or_parallel_calls():
    fig = stack.latency_chart([("a", 0), ("b", 0)])
    assert "budget" not in texts(fig)
    assert "slowest" not in texts(fig)


def test_latency_chart_refuses_a_bad_budget():
    with pytest.raises(KitError, match="budget_ms must be a number of milliseconds"):
        stack.latency_chart(TODAY_PAGE, budget_ms="300")


# --- Tillpoint's stack and the request path ------------------------------------------------------


def test_checkout_stack_columns_and_layers():
    parts = stack.checkout_stack()
    assert list(parts.columns) == ["component", "layer", "what it does", "built with", "runs on",
                                   "on the payment path", "if it fails"]
    assert parts["component"].is_unique
    assert set(parts["layer"]) == {*stack.LAYERS, "third party"}
    layer = dict(zip(parts["component"], parts["layer"], strict=True))
    assert layer["Database"] == "platform"  # the trap the lesson teaches
    assert layer["Fraud scoring"] == "business logic"
    assert layer["Card reader app"] == "interface"


def test_hard_dependencies_are_the_ones_whose_failure_stops_payments():
    parts = stack.checkout_stack().set_index("component")
    hard = set(parts.index[parts["on the payment path"]])
    assert hard == {"Card reader app", "DNS", "Load balancer", "Payments service", "Database", "Card network API"}
    for name in hard - {"Card reader app"}:
        assert "stop" in parts.loc[name, "if it fails"], name
    for name in set(parts.index) - hard:
        assert "stop" not in parts.loc[name, "if it fails"], name


def test_hosting_models_move_work_from_you_to_the_provider():
    table = stack.hosting_models()
    assert list(table.index) == ["own servers", "IaaS (virtual machines)", "containers (managed Kubernetes)",
                                 "PaaS (managed platform)", "SaaS (finished software)"]
    yours = (table == "you").sum(axis=1).tolist()
    assert yours == sorted(yours, reverse=True) and yours[0] == 6 and yours[-1] == 0
    assert set(table.to_numpy().ravel()) <= {"you", "provider", "shared"}
    # NIST SP 800-145: IaaS users control the operating system; PaaS users do not.
    assert table.loc["IaaS (virtual machines)", "operating system"] == "you"
    assert table.loc["PaaS (managed platform)", "operating system"] == "provider"


def test_request_path_diagram_draws_every_component_and_numbered_hops():
    fig = stack.request_path_diagram()
    assert isinstance(fig, Figure)
    shown = texts(fig)
    for name in stack.checkout_stack()["component"]:
        assert name in shown, name
    for layer in (*stack.LAYERS, "third party"):
        assert layer in shown
    numbers = {t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()}
    assert numbers == {str(n) for n in range(1, 10)}
    assert "DOWN" not in shown


@pytest.mark.parametrize("failed", ["Cache", "Database", "Queue", "Card network API"])
def test_request_path_diagram_says_what_a_failure_does(failed):
    fig = stack.request_path_diagram(failed=failed)
    parts = stack.checkout_stack().set_index("component")
    assert fig.axes[0].get_title() == f"If the {failed} fails, {parts.loc[failed, 'if it fails']}"
    assert "DOWN" in texts(fig)


def test_request_path_diagram_refuses_an_unknown_component():
    with pytest.raises(KitError) as info:
        stack.request_path_diagram(failed="Mainframe")
    message = str(info.value)
    assert "failed must be one of the components" in message and "Database" in message and "\n" not in message


def test_figures_show_as_pictures_in_a_real_kernel():
    # A lesson's first picture comes before anything imports pyplot; without the formatter that
    # tpmkit registers on import (tpmkit/display.py), Jupyter would print "<Figure size ...>" instead of the picture.
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from tpmkit import stack\nstack.request_path_diagram()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    (output,) = nb.cells[0].outputs
    assert "image/png" in output["data"]
