"""`python -m autograder.nbgrader_command ARGS`: stock nbgrader's command line, started the way tpm-grade starts it.

The same as `python -m nbgrader ARGS`, with two start-up costs taken out, neither of which changes what
nbgrader does:
- `-m` imports the `autograder` package first, which keeps out the grammar jsonschema would spend a second
  loading and never use here (autograder/__init__.py);
- a new gradebook is stamped with the schema's head revision, which nbgrader asks of the `alembic` command
  line (a Python process of its own, about 3 s); `alembic_head` reads the same answer from nbgrader's own
  migration scripts in this process (tests/test_nbgrader_courses.py checks they agree).
The test suite and `make bench` run stock nbgrader as people do, with `python -m nbgrader`.
"""

from __future__ import annotations

import functools


@functools.cache
def alembic_head() -> str:
    """The head revision of nbgrader's gradebook schema, as `alembic heads` prints it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader import api

    with api._temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:   # nbgrader's own way to point at its scripts
        (head,) = ScriptDirectory.from_config(Config(ini)).get_heads()
    return head


def install() -> None:
    """Make nbgrader's Gradebook use `alembic_head` when it creates a gradebook."""
    from nbgrader import api

    api.get_alembic_version = alembic_head


if __name__ == "__main__":
    from nbgrader.apps.nbgraderapp import main

    install()
    main()
