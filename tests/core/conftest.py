"""Fixtures the end-to-end suites share, defined once in tests/support rather than copied."""

from tests.support.submissions import answer_key  # noqa: F401 - a fixture: the solutions' notebook, with a marker
