"""Fast unit tests of the grading core (trusted, plan, kernel messages, submissions): no sandbox, no browser,
no database, no kernel process. `make test-fast` runs only these."""
