"""autograder.trusted on its own: how a test cell is rewritten to run in the grader, where it must run instead
(`mode_for`), and what `evaluate` reports. Values are handed in as a kernel's fetch would hand them (plain data,
or kernel.revive's stand-ins); no kernel, no sandbox.

tests/grading/test_trusted.py covers the visible/hidden assert messages and a few file-reading tests; the end-to-end
suites (test_grade_modes, test_grade_trust_boundary) show the same rules through a real grading run. Here each
rule is pinned down on its own: which names become fetched placeholders, that course-owned and imported names
never come from the learner, every reason `mode_for` gives, and each of evaluate's outcomes."""

from __future__ import annotations

import types

import pytest

from autograder import trusted
from autograder.diagnosis import PRODUCED
from autograder.kernel import FetchFailed, NotPlain, revive
from tpmkit import check

CHECK = "from tpmkit import check"


class StrictFetch:
    """A kernel that answers only the expressions it was told about, and records each request."""

    def __init__(self, values: dict):
        self.values = values
        self.requests: list[list[str]] = []

    def __call__(self, expressions: list[str]) -> list:
        self.requests.append(list(expressions))
        unknown = [e for e in expressions if e not in self.values]
        assert not unknown, f"the grader asked the learner's kernel for {unknown}"
        return [self.values[e] for e in expressions]


def grade(source: str, values: dict, *, imports: str = "", course_names=frozenset(), course=None):
    compiled = trusted.compile_test(source, imports, frozenset(course_names))
    return trusted.evaluate(compiled, imports, StrictFetch(values), course=course)


def fetched(source: str, imports: str = "", course_names=frozenset()) -> list[str]:
    return list(trusted.compile_test(source, imports, frozenset(course_names)).expressions.values())


# --- compile_test: what comes from the learner's kernel ----------------------------------------------------------

@pytest.mark.parametrize("source, imports, expected", [
    ("assert total == 3", "", ["total"]),
    ("assert a + b == c", "", ["a", "b", "c"]),
    ("assert sorted(x) == x", "", ["x", "x"]),                                    # each read is its own fetch
    ("assert len(rows) == math.floor(2.5)", "import math", ["rows"]),           # builtins, course imports: own
    ('check.equal(total, 3, "total")', CHECK, ["total"]),
    ('import numpy as np\nassert np.isclose(rate, 0.5)', "", ["rate"]),         # the test's own import
    ('assert repo.path.endswith("x")', "", ["repo.path.endswith('x')"]),        # a chain is fetched whole
    ('assert answers["q1"]["a"] == 1', "", ["answers['q1']['a']"]),
    ("assert model(3) == 9 and model(x=4) == 16", "", ["model(3)", "model(x=4)"]),
    ("assert repo._secret == 1", "", ["repo"]),                                 # no private attribute in a chain
    ('key = "q1"\nassert answers[key] == 1', "", ["answers"]),                  # an index the test works out
    ("for row in rows:\n    assert row > 0", "", ["rows"]),
    ('assert [p["id"] for p in payments] == [1]', "", ["payments"]),
    ("def ok(v):\n    return v > 0\nassert ok(total)", "", ["total"]),
    ("try:\n    import scipy\nexcept ImportError:\n    scipy = None\nassert total", "", ["total"]),
])
def test_every_learner_name_the_test_reads_becomes_a_fetch(source, imports, expected):
    assert fetched(source, imports) == expected


def test_the_code_that_runs_in_the_grader_never_looks_a_learner_name_up():
    """Not even as a fallback: the compiled test names only placeholders, so a value can only come from fetch."""
    compiled = trusted.compile_test('assert total > budget["max"] and model(2) == 4', "")
    names = set(compiled.code.co_names)
    assert {"total", "budget", "model"}.isdisjoint(names)
    assert set(compiled.expressions) <= names
    assert all(p.startswith("__tpm_fetched_") for p in compiled.expressions)


@pytest.mark.parametrize("source, probing", [
    ("assert total == 3", False),
    ("assert a == b", False),
    ("assert double(21) == 42", True),
    ('assert answers["q1"] == 1', True),
    ("assert repo.path == 'x'", True),
    ("assert total == 3 and double(1) == 2", True),
])
def test_a_test_is_probing_when_it_hands_learner_code_an_input(source, probing):
    assert trusted.compile_test(source, "").probing is probing


def test_course_names_come_from_the_replica_never_the_learner():
    source = "assert shop.orders == total"
    compiled = trusted.compile_test(source, "", frozenset({"shop", "ITEM_IDS"}))
    assert list(compiled.expressions.values()) == ["total"]
    assert compiled.course_names == {"shop"}                    # ITEM_IDS is not read: not asked of the replica
    # The learner's kernel is never asked for `shop` (StrictFetch would fail the test).
    fetch = StrictFetch({"total": 3})
    replica = {"shop": types.SimpleNamespace(orders=3)}
    assert trusted.evaluate(compiled, "", fetch, course=replica).status == "passed"
    assert fetch.requests == [["total"]]
    other = {"shop": types.SimpleNamespace(orders=4)}            # the replica's value is the one the test reads
    assert trusted.evaluate(compiled, "", StrictFetch({"total": 3}), course=other).status == "failed"


def test_a_course_name_the_test_binds_itself_is_neither_fetched_nor_read_from_the_replica():
    compiled = trusted.compile_test("shop = 2\nassert shop == 2", "", frozenset({"shop"}))
    assert compiled.expressions == {} and compiled.course_names == frozenset()
    assert trusted.evaluate(compiled, "", StrictFetch({}), course=None).status == "passed"


def test_values_are_read_in_one_request_in_the_order_the_test_reads_them():
    """A learner function with side effects (a counter) sees its calls in the test's own order, once each."""
    requests, calls = [], iter([1, 2])

    def kernel(expressions):
        requests.append(list(expressions))
        return [next(calls) for _ in expressions]

    compiled = trusted.compile_test("first = counter()\nassert counter() == first + 1", "")
    assert trusted.evaluate(compiled, "", kernel).status == "passed"
    assert requests == [["counter()", "counter()"]]


def test_a_test_that_reads_no_learner_value_never_asks_the_kernel():
    def kernel(expressions):
        raise AssertionError("the kernel was asked")

    compiled = trusted.compile_test("assert 1 + 1 == 2", "")
    assert trusted.evaluate(compiled, "", kernel) == trusted.Outcome("passed", "Passed.")


# --- evaluate: passed / failed / error, the message and the kept answer -----------------------------------------

def test_a_pass_shows_what_the_test_printed_or_passed():
    assert grade('print("  Well done.  ")\nassert total == 3', {"total": 3}) == trusted.Outcome("passed", "Well done.")
    assert grade("assert total == 3", {"total": 3}) == trusted.Outcome("passed", "Passed.")
    outcome = grade('check.number(total, "total", low=0)', {"total": 3}, imports=CHECK)
    assert outcome.status == "passed" and outcome.message.startswith("✓ total = 3 has the right form.")


def test_a_probing_pass_never_shows_what_the_test_printed():
    """Printed lines could carry the learner's results on the test's hidden inputs."""
    outcome = grade("print(double(7))\nassert double(7) == 14", {"double(7)": 14})
    assert outcome == trusted.Outcome("passed", "Passed.")


def test_nothing_the_test_prints_reaches_the_graders_own_output(capsys):
    grade('print("SHOWN-NOWHERE")\nassert total == 4', {"total": 3})
    grade('print("SHOWN-NOWHERE")\nassert total == 3', {"total": 3})
    assert "SHOWN-NOWHERE" not in capsys.readouterr().out


def test_a_failed_check_shows_its_message_and_keeps_the_answer():
    source = 'check.equal(total, 21_092, "total", hint="Round down, not to the nearest request.")'
    outcome = grade(source, {"total": 21_093}, imports=CHECK)
    assert outcome == trusted.Outcome("failed", "total is not right yet. Round down, not to the nearest request.",
                                      {"total": 21_093})
    assert "21092" not in outcome.message and "21_092" not in outcome.message


def test_the_kept_answer_holds_plain_names_only_never_a_call_on_the_tests_inputs():
    outcome = grade('check.equal(double(4), total, "double(4)")', {"double(4)": 7, "total": 8}, imports=CHECK)
    assert outcome.status == "failed" and outcome.answer == {"total": 8}
    outcome = grade('check.equal(double(4), 8, "double(4)")', {"double(4)": 7}, imports=CHECK)
    assert outcome.status == "failed" and outcome.answer is None


def test_an_empty_check_message_still_says_something():
    source = 'from tpmkit.errors import CheckFailed\nif total != 3:\n    raise CheckFailed("  ")'
    assert grade(source, {"total": 4}) == trusted.Outcome("failed", "This answer is not right yet.", {"total": 4})


def test_a_kit_error_from_a_check_is_a_failure_with_its_message():
    source = "from tpmkit.errors import KitError\nif total < 0:\n    raise KitError('total cannot be negative.')"
    assert grade(source, {"total": -1}) == trusted.Outcome("failed", "total cannot be negative.", {"total": -1})


def test_a_probing_failure_shows_only_value_free_messages():
    """A check message that names the learner's value could carry the hidden input back; value_free ones cannot."""
    value_free = grade('check.equal(double(21), 42, "double(21)")', {"double(21)": 41}, imports=CHECK)
    assert value_free.message == "double(21) is not right yet."
    naming = grade('check.equal(double(21), 42, "double(21)")', {"double(21)": "SECRET-41"}, imports=CHECK)
    assert naming.status == "failed" and naming.message == trusted.PROBING_FAILED
    custom = grade('from tpmkit.errors import CheckFailed\nif double(21) != 42:\n'
                   '    raise CheckFailed(f"double(21) gave {double(21)}")', {"double(21)": "SECRET-41"})
    assert custom == trusted.Outcome("failed", trusted.PROBING_FAILED)
    assert "SECRET" not in naming.message + custom.message


def test_what_an_answer_produced_is_kept_with_it_for_diagnosis():
    source = ("from tpmkit.errors import CheckFailed\n"
              "raise CheckFailed('query is not right yet.', value_free=True, produced=[[1, 'a']])\n")
    outcome = grade(f"q = query\n{source}", {"query": "SELECT 1"})
    assert outcome.answer == {"query": "SELECT 1", PRODUCED: [[1, "a"]]}
    assert grade(source, {}).answer is None      # nothing the learner named: nothing to keep


@pytest.mark.parametrize("source, values, error", [
    ("assert total / 0 == 1", {"total": 3}, "ZeroDivisionError"),
    ('assert total + "a" == 1', {"total": 3}, "TypeError"),
    ("assert total.__missing__ == 1", {"total": 3}, "AttributeError"),   # a private attribute: read here
])
def test_a_test_that_breaks_is_an_error_naming_only_the_exception(source, values, error):
    outcome = grade(source, values)
    assert outcome == trusted.Outcome("error", f"The test could not check your answer ({error}).")


def test_a_broken_course_import_is_an_error_not_a_crash():
    outcome = grade("assert total == 3", {"total": 3}, imports="import tpmkit_no_such_module")
    assert outcome == trusted.Outcome("error", "The test could not check your answer (ModuleNotFoundError).")


def test_a_value_that_cannot_be_read_is_an_error_with_the_kernels_reason():
    def kernel(expressions):
        raise FetchFailed("total is not defined.")

    compiled = trusted.compile_test("assert total == 3", "")
    assert trusted.evaluate(compiled, "", kernel) == trusted.Outcome("error", "total is not defined.")
    probing = trusted.compile_test("assert double(7) == 14", "")
    assert trusted.evaluate(probing, "", kernel) == trusted.Outcome("error", trusted.PROBING_FAILED)


def test_an_assert_inside_a_hidden_helper_is_a_hidden_failure_even_when_called_from_a_visible_line():
    source = ("assert total > 0\n"
              "### BEGIN HIDDEN TESTS\n"
              "def exact(v):\n"
              "    assert v == 4321, 'HIDDEN-MESSAGE'\n"
              "### END HIDDEN TESTS\n"
              "exact(total)\n")
    outcome = grade(source, {"total": 5})
    assert outcome == trusted.Outcome("failed", "A hidden test did not pass.", {"total": 5})


def test_indented_hidden_markers_still_hide_their_lines():
    source = ("if True:\n"
              "    assert total > 0, 'visible'\n"
              "    ### BEGIN HIDDEN TESTS\n"
              "    assert total == 4321, 'HIDDEN-4321'\n"
              "    ### END HIDDEN TESTS\n")
    assert trusted.compile_test(source, "").visible_lines == {1: "if True:", 2: "    assert total > 0, 'visible'"}
    assert grade(source, {"total": 7}).message == "A hidden test did not pass."
    assert grade(source, {"total": -7}).message == (
        "The visible test `assert total > 0, 'visible'` did not pass: visible")


def test_a_visible_raise_of_assertion_error_names_its_line():
    source = 'if total != 3:\n    raise AssertionError("total should be 3")'
    assert grade(source, {"total": 4}).message == (
        'The visible test `raise AssertionError("total should be 3")` did not pass: total should be 3')


# --- learner values are plain data: nothing in them runs in the grader -------------------------------------------

def test_names_a_learner_may_rebind_in_their_kernel_are_the_graders_own():
    """`len`, `isinstance`, `print`, `__import__` and the course's `check` are never fetched: the learner's
    versions of them (a `len` that always says 2, a patched `check`) cannot reach the test."""
    source = ('assert len(rows) == 2 and isinstance(rows, list)\nprint(__import__("math").floor(1.5))\n'
              'check.equal(rows, [1, 2], "rows")')
    fetch = StrictFetch({"rows": [1, 2, 3]})
    compiled = trusted.compile_test(source, CHECK)
    outcome = trusted.evaluate(compiled, CHECK, fetch)
    assert fetch.requests == [["rows", "rows", "rows"]]
    assert outcome.status == "failed"     # the grader's own len(rows) is 3


def test_the_check_a_test_calls_is_the_courses_module():
    used: list = []   # handed in as the learner's `used`: the test appends the `check` it sees
    compiled = trusted.compile_test("list.append(used, check)", CHECK)
    assert trusted.evaluate(compiled, CHECK, StrictFetch({"used": used})).status == "passed"
    assert used == [check]


@pytest.mark.parametrize("type_name", ["Anything", "int", "float", "str", "bool", "list", "DataFrame"])
def test_a_stand_in_is_refused_by_every_check_whatever_it_is_named(type_name):
    """A learner object arrives as revive's stand-in; named after a plain type it is still not one."""
    stand_in = revive({"__tpm_type__": type_name})
    assert isinstance(stand_in, NotPlain) and type(stand_in).__name__ == type_name
    for source in ('check.equal(total, 3, "total")', 'check.close(total, 3.0, "total")',
                   'check.equal(total, "x", "total")', 'check.equal(total, [1], "total")',
                   'check.equal(total, True, "total")', "assert total == 3", 'check.same_items(total, [1], "total")'):
        outcome = grade(source, {"total": stand_in}, imports=CHECK)
        assert outcome.status == "failed", source
    message = grade('check.equal(total, "x", "total")', {"total": stand_in}, imports=CHECK).message
    assert message == f"total should be text (a str), but it is a {type_name}."


def test_hostile_json_from_the_kernel_stays_inert_data():
    """Dunder keys, code in strings and a stand-in hidden in a container: the test sees data, never behaviour."""
    payload = {"__class__": "int", "__eq__": "lambda *a: True", "__reduce__": "__import__('os').system('x')",
               "__tpm_type__": "x", "items": [{"__tpm_type__": "Anything"}]}
    value = revive(payload)
    assert type(value) is dict and set(value) == set(payload)
    assert all(type(v) is str for k, v in value.items() if k != "items")
    assert isinstance(value["items"][0], NotPlain)
    other = revive({"__tpm_type__": "Anything"})
    assert value["items"][0] != other and all(value["items"][0] != plain for plain in (0, 1, "", None, [], {}))
    outcome = grade('check.equal(config, {"a": 1}, "config")', {"config": value}, imports=CHECK)
    assert outcome.status == "failed"
    outcome = grade('check.equal(items, [1], "items")', {"items": value["items"]}, imports=CHECK)
    assert outcome.message == "items[0] should be a number, but it is a Anything."


def test_code_in_a_learner_string_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = "__import__('pathlib').Path('PWNED').write_text('x')"
    for source in ('assert f"{total}" == "3"', "assert str(total) == '3'", 'check.equal(total, 3, "total")',
                   "assert '{}'.format(total) == '3'"):
        assert grade(source, {"total": code}, imports=CHECK).status == "failed"
    assert not (tmp_path / "PWNED").exists()
    exec(code)   # not vacuous: run, the string does leave the file
    assert (tmp_path / "PWNED").exists()


# --- mode_for: which tests must run in the learner's kernel ------------------------------------------------------

@pytest.mark.parametrize("source, course_names", [
    ("assert round(budget_minutes, 1) == 40.3", ()),
    ('check.number(total, "total", low=0)\ncheck.equal(total, 3, "total")', ()),
    ('assert [p["id"] for p in payments] == [1, 2]', ()),           # a comprehension's own variable
    ("assert model(3) == 9 and answers['q1'] == 'b'", ()),         # literal inputs: called in the sandbox
    ("assert isinstance(shop, dict) and shop == total", ("shop",)),  # the type of a course value is the grader's
    ("n = 3\nassert isinstance(n, int) and squares_n == n", ()),
    ("try:\n    import scipy\nexcept ImportError:\n    pass\nassert total", ()),   # try around no learner call
    ("try:\n    rate = total / 2\nexcept ZeroDivisionError:\n    rate = 0\nassert rate == 1.5", ()),   # a plain value
    ("assert sorted(x for x in items) == items", ()),
])
def test_tests_on_plain_values_run_in_the_grader(source, course_names):
    assert trusted.mode_for(source, CHECK, frozenset(course_names)) == (trusted.GRADER, "")


@pytest.mark.parametrize("source, why", [
    ("assert squares(1) == [1]\ndel squares", "it rebinds or deletes `squares`, which your notebook defines"),
    ("orig_squares = squares\ndel squares\nsquares = orig_squares",
     "it rebinds or deletes `squares`, which your notebook defines"),
    ("for i in range(5):\n    assert double(i) == 2 * i",
     "it calls `double` with arguments worked out while it runs"),
    ("n = 4\nassert double(n) == 8", "it calls `double` with arguments worked out while it runs"),
    ("assert double(*[4]) == 8", "it calls `double` with arguments worked out while it runs"),
    ("assert model.predict(rows) == [1]", "it calls `model.predict` with arguments worked out while it runs"),
    ("assert model._fit(3) == 1", "it calls a method of `model`, which only the kernel holds"),
    ("assert isinstance(answer, tuple)", "it checks the type of `answer`, which only the kernel holds"),
    ("assert type(answer) is list", "it checks the type of `answer`, which only the kernel holds"),
    ("try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no')",
     "it expects `squares(0)` to raise an exception"),
    ("import pytest\nwith pytest.raises(ValueError):\n    squares(-4)",
     "it expects `squares(-4)` to raise an exception"),
    ("import glob\nassert glob.glob('*.csv') == files", "it reads files (`glob.glob`)"),
    ("import json\nassert json.load(f) == total", "it reads files (`json.load`)"),
    ("import numpy as np\nassert np.load('a.npy').sum() == total", "it reads files (`np.load`)"),
    ("import shutil\nshutil.copy('a', 'b')\nassert total", "it reads files (`shutil.copy`)"),
])
def test_tests_that_need_the_learners_kernel_say_why(source, why):
    mode, reason = trusted.mode_for(source, "")
    assert mode == trusted.KERNEL and reason.startswith(why)


def test_a_name_read_only_after_the_test_binds_it_is_not_a_rebinding():
    assert trusted.mode_for("squares = [1, 4]\nassert squares == total", "") == (trusted.GRADER, "")


def test_the_kernel_reason_is_worked_out_before_the_test_is_compiled():
    """mode_for reads its own parse: a test it sends to the kernel is never fetched, and every test it keeps in the
    grader compiles to one that runs there."""
    source = "assert double(1) == 2\nfor i in range(3):\n    assert double(i) == 2 * i"
    assert trusted.mode_for(source, "")[0] == trusted.KERNEL
    kept = 'assert double(1) == 2\ncheck.equal(total, 3, "total")'
    assert trusted.mode_for(kept, CHECK)[0] == trusted.GRADER
    assert grade(kept, {"double(1)": 2, "total": 3}, imports=CHECK).status == "passed"


# --- tests that cannot run on fetched values, and must go to the kernel ------------------------------------------
# Each of these once stayed in the grader and errored for every submission, the solution included (stock nbgrader
# passes the solution). mode_for now sends each to the kernel; the test below also accepts one kept in the grader
# only if it passes there.

GAPS = {
    # The name is read and rebound in one statement: the target comes first in the text, so mode_for takes it
    # for a rebinding after the read; compile_test counts it as the test's own and never fetches it.
    "read-and-rebound-in-one-statement": ("total = round(total, 2)\nassert total == 4.5", {"total": 4.5}),
    "augmented-assignment": ("total += 0\nassert total == 4.5", {"total": 4.5}),
    # A helper's parameter that has a learner name hides that name everywhere in the test (scopes are ignored).
    "helper-parameter-shadows-a-learner-name": ("def helper(rows):\n    return len(rows)\nassert helper(rows) == 2",
                                                {"rows": [1, 3]}),
    # A learner function handed to grader code as a value arrives as a stand-in, which cannot be called.
    "learner-function-passed-as-a-value": ("assert list(map(double, [1, 2])) == [2, 4]", {"double": None}),
}


@pytest.mark.parametrize("name", sorted(GAPS))
def test_a_test_kept_in_the_grader_passes_the_right_answer(name):
    source, values = GAPS[name]
    if trusted.mode_for(source, "")[0] == trusted.KERNEL:
        return   # sent to the kernel, where it runs as in stock nbgrader
    kernel_values = {e: (revive({"__tpm_type__": "function"}) if v is None else v) for e, v in values.items()}
    compiled = trusted.compile_test(source, "")
    fetch = StrictFetch({e: kernel_values.get(e) for e in compiled.expressions.values()})
    assert trusted.evaluate(compiled, "", fetch).status == "passed"


@pytest.mark.parametrize(("source", "why"), [
    ("total = round(total, 2)\nassert total == 4.5", "rebinds or deletes `total`"),
    ("total += 0\nassert total == 4.5", "rebinds or deletes `total`"),
    ("def helper(rows):\n    return len(rows)\nassert helper(rows) == 2", "has its own `rows`"),
    ("assert list(map(double, [1, 2])) == [2, 4]", "hands `double` on"),
    ("assert sorted(names, key=rank) == ['b', 'a']", "hands `rank` on"),
])
def test_each_gap_goes_to_the_kernel_with_its_reason(source, why):
    mode, reason = trusted.mode_for(source, "")
    assert mode == trusted.KERNEL and why in reason


@pytest.mark.parametrize("source", [
    "total = 3\nassert total == 3",                                   # the test's own name, bound before any read
    "def helper(x):\n    return len(x)\nassert helper(rows) == 2",    # a helper whose names are its own
    "assert len(rows) == 2 and max(rows) == 3",                        # data handed to builtins stays data
])
def test_what_is_not_a_gap_stays_in_the_grader(source):
    assert trusted.mode_for(source, "") == (trusted.GRADER, "")


def test_preloading_the_course_imports_imports_them_and_never_raises(capsys):
    """A worker runs the course's imports when a batch arrives; a failing one is left for the test that needs it."""
    import sys

    sys.modules.pop("colorsys", None)
    trusted.preload("import colorsys\nprint('noise')")
    assert "colorsys" in sys.modules
    assert capsys.readouterr().out == ""
    trusted.preload("import no_such_module_for_tpm_kit")   # no exception
    broken = trusted.compile_test("assert total == 3", "import no_such_module_for_tpm_kit")
    outcome = trusted.evaluate(broken, "import no_such_module_for_tpm_kit", lambda exprs: [3 for _ in exprs])
    assert outcome.status == "error" and "ModuleNotFoundError" in outcome.message
