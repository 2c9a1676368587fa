"""A self-check run before its answer cell: in a learner's kernel, one line naming the variable instead of
a NameError traceback; in a grading kernel and in plain Python, Python's own behaviour, unchanged."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.kernel import errors_of, run_in_kernel
from tpmkit import notebook_errors

SELF_CHECK = 'check.number(outage_budget_pct, "outage_budget_pct", low=1, high=100, unit="%")'
CELLS = (
    "from tpmkit import check",
    SELF_CHECK,                                        # run before the answer cell
    "def total():\n    return nope + 1\n\ntotal()",   # a NameError inside a function: the full traceback
    "outage_budget_pct = 50.0\n" + SELF_CHECK,         # the answer, then the self-check: all is well
)


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)  # drop terminal colours


@pytest.fixture(scope="module")
def kernels():
    """The same cells in a learner's kernel and in grading kernels (tpm-grade's and stock nbgrader's)."""
    runs = {}
    for label, env in (("learner", {}), ("tpm-grade", {"TPMKIT_GRADING": "1"}),
                       ("nbgrader", {"NBGRADER_EXECUTION": "autograde"})):
        with pytest.MonkeyPatch.context() as mp:
            for name in ("TPMKIT_GRADING", "NBGRADER_EXECUTION"):
                mp.delenv(name, raising=False)
            for name, value in env.items():
                mp.setenv(name, value)
            runs[label] = run_in_kernel(*CELLS)
    return runs


def test_a_self_check_before_its_answer_says_so_in_one_line(kernels):
    cell = kernels["learner"][1]
    assert len(cell.outputs) == 1
    (error,) = errors_of(cell)  # still an error: Run All stops here, and a grader would score it 0
    assert error.ename == "NameError"
    assert error.traceback == [
        "NameError: outage_budget_pct is not set yet: run the cell where you set it first "
        "(or Run All above this cell), and check the spelling."]


def test_a_name_error_inside_a_function_keeps_its_traceback(kernels):
    (error,) = errors_of(kernels["learner"][2])
    text = plain("\n".join(error.traceback))
    assert len(text.splitlines()) > 3
    assert "return nope + 1" in text and "name 'nope' is not defined" in text


def test_the_answer_then_the_self_check_passes(kernels):
    cell = kernels["learner"][3]
    assert not errors_of(cell)
    assert "✓ outage_budget_pct = 50.0% has the right form." in "".join(o.get("text", "") for o in cell.outputs)


@pytest.mark.parametrize("grader", ["tpm-grade", "nbgrader"])
def test_grading_kernels_keep_pythons_own_name_error(kernels, grader):
    (error,) = errors_of(kernels[grader][1])
    assert error.ename == "NameError"
    text = plain("\n".join(error.traceback))
    assert "name 'outage_budget_pct' is not defined" in text
    assert "not set yet" not in text and len(text.splitlines()) > 1


def test_plain_python_is_unchanged():
    done = subprocess.run([sys.executable, "-c", "import sys, tpmkit\nassert sys.excepthook is sys.__excepthook__\n"
                           "outage_budget_pct"], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "NameError: name 'outage_budget_pct' is not defined" in done.stderr


def test_which_kernels_shorten_name_errors(monkeypatch):
    assert notebook_errors.catches() == (NameError,)
    monkeypatch.setenv("TPMKIT_GRADING", "1")
    assert notebook_errors.catches() == ()
    monkeypatch.delenv("TPMKIT_GRADING")
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert notebook_errors.catches() == ()


def test_only_a_cells_own_missing_name_is_shortened():
    class Shell:
        user_global_ns: dict = {}

    def raised(source: str, namespace: dict):
        try:
            exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 - fixed test code
        except NameError as exc:
            return exc, exc.__traceback__
        raise AssertionError("no NameError")

    shell = Shell()
    shell.user_global_ns = {}
    line = notebook_errors.unset_name_line(shell, *raised("answer_pct + 1", shell.user_global_ns))
    assert line is not None and line.startswith("NameError: answer_pct is not set yet")
    assert notebook_errors.unset_name_line(shell, *raised("answer_pct + 1", {})) is None  # not the shell's code
    assert notebook_errors.unset_name_line(shell, *raised("def f():\n    return x\nf()", shell.user_global_ns)) is None
    assert notebook_errors.unset_name_line(shell, *raised("raise NameError('odd')", shell.user_global_ns)) is None
