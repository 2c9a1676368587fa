"""The two kinds of expected problem, and how a notebook shows them: one line, no traceback.

`KitError` is bad input to a tpmkit helper; `CheckFailed` is an answer a self-check or a
grading test did not accept. Both are ordinary exceptions, so a cell that raises one still
fails (nbgrader still scores it 0); only the display is shortened for the learner. In a
learner's kernel a NameError from a cell's own code (a self-check run before its answer
cell) is shortened too: see tpmkit.notebook_errors.
"""

from __future__ import annotations


class KitError(ValueError):
    """Bad input to a tpmkit helper. The message says what is wrong and what to do."""


class CheckFailed(AssertionError):
    """An answer that a self-check or a test did not accept. The message says why.

    `value_free` marks a message that shows nothing of the learner's value (only the question's own
    words): the grader may show it even where the value could carry a hidden test's inputs.
    `produced` is what the answer produced, as plain data, when that and not the answer's own text is
    what tells one wrong answer from another (an SQL answer's result rows): the grader's diagnosis
    compares it with what each known misconception produces. It is never shown.
    """

    def __init__(self, message: str = "", *, value_free: bool = False, produced=None):
        super().__init__(message)
        self.value_free = value_free
        self.produced = produced


def _show_one_line(shell, etype, value, tb, tb_offset=None):
    if issubclass(etype, NameError):
        from tpmkit.notebook_errors import unset_name_line

        line = unset_name_line(shell, value, tb)
        if line is None:  # not a learner's unset variable: IPython's own traceback
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
            return None
    else:
        line = f"{etype.__name__}: {value}"
    # _showtraceback publishes an `error` output (what nbgrader and nbval look for),
    # with our one line in place of the stack.
    shell._showtraceback(etype, value, [line])
    return [line]


def install_notebook_handler() -> bool:
    """Show KitError and CheckFailed (and, outside grading, an unset name) as one line in IPython;
    a no-op outside IPython."""
    from tpmkit.display import ipython_shell
    from tpmkit.notebook_errors import catches

    shell = ipython_shell()
    if shell is None:
        return False

    shell.set_custom_exc((KitError, CheckFailed, *catches()), _show_one_line)
    return True
