"""A self-check run before its answer cell: one line naming the variable, not a NameError traceback.

`tpmkit.errors.install_notebook_handler` (run when tpmkit is imported) asks `catches()` which extra
exception kinds to shorten. In a learner's kernel that is NameError; in a grading kernel (tpm-grade's
`TPMKIT_GRADING=1`, or stock nbgrader's `NBGRADER_EXECUTION`) it is nothing, so grading sees Python's
own output. Only a name missing in a cell's own top-level code is shortened: a NameError inside a
function (the learner's or the kit's) keeps its full traceback, which says where to look.
"""

from __future__ import annotations


def catches() -> tuple[type[BaseException], ...]:
    """The exception kinds to show as one line in this kernel, besides KitError and CheckFailed."""
    from tpmkit import progress  # late: progress imports tpmkit.errors, which calls this

    return () if progress.grading() else (NameError,)


def unset_name_line(shell, value: BaseException, tb) -> str | None:
    """The one line for a NameError raised by a cell's top-level code, or None to show it in full."""
    name = getattr(value, "name", None)
    if type(value) is not NameError or not isinstance(name, str) or not name.isidentifier() or tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    if frame.f_code.co_name != "<module>" or frame.f_globals is not shell.user_global_ns:
        return None
    return (f"NameError: {name} is not set yet: run the cell where you set it first "
            "(or Run All above this cell), and check the spelling.")
