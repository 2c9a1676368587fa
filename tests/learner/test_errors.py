"""tpmkit.errors: the two exception kinds, and their one-line display in a real Jupyter kernel."""

from __future__ import annotations

import re

import pytest

import tpmkit
from tests.support.kernel import errors_of, run_in_kernel
from tpmkit.errors import CheckFailed, KitError, install_notebook_handler


def test_exception_kinds():
    assert issubclass(KitError, ValueError)
    assert issubclass(CheckFailed, AssertionError)
    assert tpmkit.KitError is KitError and tpmkit.CheckFailed is CheckFailed
    with pytest.raises(ValueError, match="days must be 28"):
        raise KitError("days must be 28")
    with pytest.raises(AssertionError, match="not right yet"):
        raise CheckFailed("budget is not right yet")


def test_handler_is_a_no_op_outside_ipython():
    assert install_notebook_handler() is False


@pytest.fixture(scope="module")
def kernel_cells():
    return run_in_kernel(
        'import tpmkit; raise tpmkit.KitError("days must be 28")',
        'from tpmkit import check\ncheck.number("3000", "budget")',
        "raise ValueError('x')",
        "import sys; print(sys.executable)",
    )


def test_kit_error_shows_one_line_and_is_still_an_error(kernel_cells):
    cell = kernel_cells[0]
    assert len(cell.outputs) == 1
    (error,) = errors_of(cell)
    assert error.ename == "KitError"
    assert error.evalue == "days must be 28"
    assert len(error.traceback) == 1
    assert "KitError: days must be 28" in error.traceback[0]
    assert "\n" not in error.traceback[0]


def test_check_failed_shows_one_line(kernel_cells):
    cell = kernel_cells[1]
    (error,) = errors_of(cell)
    assert len(cell.outputs) == 1
    assert error.ename == "CheckFailed"
    assert error.traceback == ["CheckFailed: budget should be a number, but it is a str."]


def test_other_errors_keep_the_normal_traceback(kernel_cells):
    cell = kernel_cells[2]
    (error,) = errors_of(cell)
    assert error.ename == "ValueError"
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # drop terminal colours
    assert len(text.splitlines()) > 1
    assert "Traceback" in text or "Cell In[" in text
    assert "raise ValueError" in text


def test_kernel_is_this_environment(kernel_cells):
    import sys
    from pathlib import Path

    (out,) = kernel_cells[3].outputs
    assert Path(out.text.strip()).parent == Path(sys.executable).parent
