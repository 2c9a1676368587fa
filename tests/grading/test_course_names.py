"""Names a course's setup cells bind are the course's: a test reads them from the grader's replica,
never from the learner's kernel, in every exercise (issue 13, item 3)."""

from __future__ import annotations

import pytest

from autograder import assignment, replica, trusted
from tests.support import ROOT

IDS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
# What the exercises' tests read of their setup today; a new one shows up here to be looked at.
EXPECTED = {"02-pull-requests": {"repo_path"}, "06-apis": {"shop"}, "11-prioritisation-and-delivery": {"ITEM_IDS"}}


@pytest.mark.parametrize("aid", IDS)
def test_setup_names_the_tests_read_come_from_the_replica(aid):
    asg = assignment.load(ROOT, aid)
    needed = replica.needed(asg)
    assert needed == EXPECTED.get(aid, set())
    for question in asg.questions:
        if question.manual:
            continue
        compiled = trusted.compile_test(question.test_source, asg.imports, needed)
        fetched_roots = {expr.split(".")[0].split("(")[0].split("[")[0] for expr in compiled.expressions.values()}
        assert not fetched_roots & replica.course_names(asg), (question.id, compiled.expressions)


def test_without_the_replica_those_names_would_be_fetched_from_the_learner():
    """The same compile with no course names fetches `shop.payments(...)` from the learner's kernel: the hole."""
    asg = assignment.load(ROOT, "06-apis")
    test = next(q for q in asg.questions if q.id == "q5-payment").test_source
    assert any(e.startswith("shop.") for e in trusted.compile_test(test, asg.imports).expressions.values())
    assert not any(e.startswith("shop") for e in
                   trusted.compile_test(test, asg.imports, replica.needed(asg)).expressions.values())


def test_a_setup_cell_that_fails_in_the_replica_marks_its_names(tmp_path):
    built = replica.Replica(tmp_path / "scratch", tmp_path / "services")
    built.run("ok = 1\nbroken = 1 / 0")
    built.run("fine = 2")
    assert built.broken == {"ok", "broken"}
    assert built.namespace["fine"] == 2
