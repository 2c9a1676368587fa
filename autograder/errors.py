"""The one error tpm-grade reports without a traceback.

`GradeError` means "cannot do what was asked": a missing course, an unknown assignment, a gradebook
that cannot be reached, an option out of range. Its message says why, and what to do, in one line;
the command line prints it and exits 2. Every command's own error (AssignmentError, ReleaseError ...)
is a GradeError. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class GradeError(Exception):
    """tpm-grade cannot do what was asked; the message says why in one line."""


class UsageError(GradeError):
    """An option or argument is out of range; the message names it and what it accepts."""
