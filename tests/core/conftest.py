"""Fixtures the end-to-end suites already define, shared here rather than copied."""

from tests.test_submissions import answer_key  # noqa: F401 - a fixture: the solutions' notebook, with a marker
