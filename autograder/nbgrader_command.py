"""`python -m autograder.nbgrader_command ARGS`: stock nbgrader's command line, started the way tpm-grade starts it.

The same as `python -m nbgrader ARGS`, but `-m` imports the `autograder` package first, which keeps out the
grammar jsonschema would spend a second loading and never use here (autograder/__init__.py). The test suite
and `make bench` run stock nbgrader as people do, with `python -m nbgrader`.
"""

from nbgrader.apps.nbgraderapp import main

if __name__ == "__main__":
    main()
