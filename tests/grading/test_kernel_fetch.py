"""Reading learner values from a real sandboxed kernel (autograder/kernel.py): several in one request, in order,
as the learner's own names whatever they are called, stopping at the first that cannot be read."""

from __future__ import annotations

import pytest

from autograder import kernel, sandbox
from tests.support import grading


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("fetch")
    scratch, private = base / "scratch", base / "private"
    private.mkdir(mode=0o700)
    sandbox.prepare(scratch, slot=0)
    k = kernel.Kernel(scratch, private, slot=0)
    k.start()
    # Names a fetch's own code might use for itself: each must still be the learner's.
    k.execute("value, out, plain, exc, json, read = 1, 2, 3, 4, 5, 6\n"
              "calls = []\n"
              "def f(x):\n    calls.append(x)\n    return x * 2\n"
              "class Odd: pass\nodd = Odd()", 30)
    yield k
    k.stop()


def test_several_values_come_in_one_request_as_the_learners_own(learner):
    assert learner.fetch(["value", "out", "plain", "exc", "json", "read", "f(21)"], 30) == [1, 2, 3, 4, 5, 6, 42]


def test_a_value_that_is_not_plain_data_arrives_as_a_stand_in(learner):
    (odd,) = learner.fetch(["odd"], 30)
    assert isinstance(odd, kernel.NotPlain) and type(odd).__name__ == "Odd"


def test_the_first_value_that_cannot_be_read_ends_the_request(learner):
    learner.execute("calls.clear()", 30)
    with pytest.raises(kernel.FetchFailed, match="not_defined_here is not defined"):
        learner.fetch(["f(1)", "not_defined_here", "f(2)"], 30)
    assert learner.fetch(["calls"], 30) == [[1]]   # f(2) never ran
