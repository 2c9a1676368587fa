"""Fixtures shared with tests/core, defined once in tests/support."""

from tests.support.submissions import answer_key  # noqa: F401 - a fixture: the solutions' notebook, with a marker
