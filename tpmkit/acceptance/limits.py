"""The bounds on one feature: how much text, how many scenarios and steps, and how long a run may take.

They are what makes `catches` safe on a learner's (untrusted) text, so they sit together where a reviewer can
audit them. The other modules read them as `limits.NAME` when they run, never copy them at import, so that one
change (a test's monkeypatch) reaches the parser, the world and the runner alike.
"""

MAX_TEXT = 20_000        # characters in a feature
MAX_LINE = 300           # characters in one line
MAX_SCENARIOS = 20
MAX_STEPS = 15           # steps in one scenario, Background included
TIME_LIMIT = 20.0        # seconds for one run of a whole feature (catches: for both builds together)
REQUEST_TIMEOUT = 5.0    # seconds for one request to a running server
