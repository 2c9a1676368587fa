"""`python -m autograder.nbgrader_command ARGS`: stock nbgrader's command line, started the way tpm-grade starts it.

The same as `python -m nbgrader ARGS`, with two start-up costs taken out, neither of which changes what
nbgrader does:
- `-m` imports the `autograder` package first, which keeps out the grammar jsonschema would spend a second
  loading and never use here (autograder/__init__.py);
- a new gradebook is stamped with the schema's head revision read in this process
  (autograder/nbgrader_bridge.py: alembic_head), not by the `alembic` command line (about 3 s).
The test suite and `make bench` run stock nbgrader as people do, with `python -m nbgrader`.
"""

from __future__ import annotations

if __name__ == "__main__":
    from nbgrader.apps.nbgraderapp import main

    from autograder import nbgrader_bridge

    nbgrader_bridge.install()
    main()
